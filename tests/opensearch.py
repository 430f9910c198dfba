"""Real OpenSearch nodes for the tests: the launcher in ``opensearch/`` (a Maven project that
resolves the pinned server and modules from Maven Central), each node on 127.0.0.1 with ports
of its own, a temporary data folder and a small heap, stopped and removed afterwards.

Needs ``java`` (17) and ``mvn`` on PATH; without them :func:`launcher_problem` says so and the
tests that need a node skip with that reason. The first build fetches the artifacts into
``~/.m2``; later ones are offline and take seconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "opensearch"
HEAP = "512m"  # each node's (issue 14: at most 512 MB)
START_SECONDS = 120.0
MAIN_CLASS = "vn.hoitin.opensearch.OpenSearchNode"


def launcher_problem() -> str | None:
    """Why no node can be started here (None: one can)."""
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        return f"OpenSearch tests need {' and '.join(missing)} on PATH (Java 17 and Maven)"
    try:
        classpath()
    except subprocess.CalledProcessError as exc:
        return f"the OpenSearch launcher did not build (mvn -f opensearch/pom.xml): {exc.stderr[-500:]}"
    return None


@cache
def classpath() -> str:
    """Build the launcher (once a session) and return its class path."""
    listing = PROJECT / "target" / "classpath.txt"
    subprocess.run(["mvn", "-q", "-B", "-f", str(PROJECT / "pom.xml"), "compile", "dependency:build-classpath",
                    f"-Dmdep.outputFile={listing}"], check=True, capture_output=True, text=True, timeout=900)
    return f"{PROJECT / 'target' / 'classes'}:{listing.read_text().strip()}"


class OpenSearchNode:
    """One node: :meth:`start`, :meth:`kill` (SIGKILL: a node failure), :meth:`start` again on the
    same data (a restart), :meth:`stop`."""

    def __init__(self, name: str, http_port: int, transport_port: int, cluster: str, folder: Path,
                 peers: list[tuple[str, int]], roles: str) -> None:
        self.name = name
        self.http_port = http_port
        self.url = f"http://127.0.0.1:{http_port}"
        self.folder = folder
        discovery = (["discovery.type=single-node"] if not peers else
                     [f"discovery.seed_hosts={','.join(f'127.0.0.1:{port}' for _, port in peers)}",
                      f"cluster.initial_cluster_manager_nodes={peers[0][0]}"])
        self.settings = [
            f"path.home={folder}", f"path.data={folder / 'data'}", f"cluster.name={cluster}", f"node.name={name}",
            "network.host=127.0.0.1", f"http.port={http_port}", f"transport.port={transport_port}",
            "cluster.routing.allocation.disk.threshold_enabled=false",  # a nearly full test disk is no reason to stop
            f"node.roles={roles}", *discovery,
        ]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.folder / "node.log", "ab")  # noqa: SIM115 - the node's, closed with it
        self.process = subprocess.Popen(
            ["java", f"-Xms{HEAP}", f"-Xmx{HEAP}", "-XX:+UseSerialGC", "-Dlog4j2.disable.jmx=true",
             "-cp", classpath(), MAIN_CLASS, *self.settings], stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def get(self, path: str) -> dict[str, object] | None:
        """GET a JSON API of this node; None while it does not answer."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def log(self) -> str:
        return (self.folder / "node.log").read_text(encoding="utf-8", errors="replace")[-4000:]


def wait_for(node: OpenSearchNode, status: str, nodes: int, seconds: float = START_SECONDS) -> dict[str, object]:
    """Wait until the cluster, asked through ``node``, has ``nodes`` nodes and is ``status`` or better."""
    wanted = {"green": ("green",), "yellow": ("green", "yellow")}[status]
    deadline = time.monotonic() + seconds
    health: dict[str, object] | None = None
    while time.monotonic() < deadline:
        assert node.process is not None
        if node.process.poll() is not None:
            raise RuntimeError(f"OpenSearch node {node.name} exited ({node.process.returncode}):\n{node.log()}")
        health = node.get(f"/_cluster/health?wait_for_nodes={nodes}&wait_for_status={status}&timeout=2s")
        if health and health.get("status") in wanted and health.get("number_of_nodes") == nodes:
            return health
        time.sleep(0.5)
    raise TimeoutError(f"the cluster did not reach {status} with {nodes} node(s) in {seconds:g} s "
                       f"(last health: {health}):\n{node.log()}")


@contextmanager
def opensearch_cluster(size: int, ports: list[int], name: str = "hoitin-test") -> Iterator[list[OpenSearchNode]]:
    """``size`` nodes forming one cluster (one node: single-node discovery), each with an HTTP and a
    transport port from ``ports`` (2 × size free ports); green when the block starts.

    The first node manages the cluster and holds data, the others hold data only: with two
    nodes, a cluster whose manager may be either loses its quorum with either one, so the node a
    test kills is a data node, as losing a data node is what replicas are for."""
    folder = Path(tempfile.mkdtemp(prefix="hoitin-opensearch-"))
    names = [f"node-{i + 1}" for i in range(size)]
    peers = [(n, ports[2 * i + 1]) for i, n in enumerate(names)] if size > 1 else []
    nodes = []
    for i, node_name in enumerate(names):
        (folder / node_name).mkdir()
        roles = "cluster_manager,data,ingest" if i == 0 else "data,ingest"
        nodes.append(OpenSearchNode(node_name, ports[2 * i], ports[2 * i + 1], name, folder / node_name, peers, roles))
    try:
        for node in nodes:
            node.start()
        wait_for(nodes[0], "green", size)
        yield nodes
    finally:
        for node in nodes:
            node.stop()
        shutil.rmtree(folder, ignore_errors=True)
