"""The index proves it belongs to the store, and a damaged index file is found before it is used.

Driven through ``python -m retrieval`` (ask, search, stats, rebuild, ingest) on a real data
folder whose files the test deletes, rolls back, truncates or fills with garbage.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .bot_harness import running_bot
from .conftest import ROOT

QUESTION = "Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?"
NEW = {"id": "lua-tien-giang", "title": "Tiền Giang thu hoạch lúa sớm",
       "body": "Nông dân huyện Cái Bè, tỉnh Tiền Giang bắt đầu thu hoạch lúa đông xuân sớm hơn mọi năm."}


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "retrieval", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


def new_article_file(tmp_path: Path, record: dict[str, str] = NEW) -> Path:
    path = tmp_path / f"{record['id']}.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def current_generation(data_dir: Path) -> Path:
    return data_dir / "index" / (data_dir / "index" / "CURRENT").read_text().strip()


def remove_store(data_dir: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (data_dir / f"articles.sqlite3{suffix}").unlink(missing_ok=True)


def test_a_deleted_store_makes_the_index_rebuild_not_crash(data_dir: Path, tmp_path: Path) -> None:
    remove_store(data_dir)
    asked = cli(data_dir, "ask", QUESTION)
    assert asked.returncode == 3 and "Traceback" not in asked.stderr, asked.stderr  # 3: not found, honestly
    assert "does not belong to the store" in asked.stderr
    searched = cli(data_dir, "search", "hội nghị")
    assert searched.returncode == 0 and "Traceback" not in searched.stderr, searched.stderr
    assert cli(data_dir, "ingest", str(new_article_file(tmp_path))).returncode == 0
    found = cli(data_dir, "ask", "Nông dân Cái Bè thu hoạch lúa khi nào?")
    assert found.returncode == 0 and "Tiền Giang" in found.stdout, found.stderr


def test_a_store_rolled_back_under_a_newer_index(data_dir: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.sqlite3"
    shutil.copy(data_dir / "articles.sqlite3", backup)
    assert cli(data_dir, "ingest", str(new_article_file(tmp_path))).returncode == 0  # the index moves ahead
    remove_store(data_dir)
    shutil.copy(backup, data_dir / "articles.sqlite3")  # … and the store goes back
    asked = cli(data_dir, "ask", QUESTION)
    assert asked.returncode == 0 and "Trương Thị Mai" in asked.stdout, asked.stderr
    assert "reflects change" in asked.stderr
    other = {**NEW, "id": "cam-vinh-long", "title": "Vĩnh Long được mùa cam",
             "body": "Nhà vườn huyện Tam Bình, tỉnh Vĩnh Long được mùa cam sành năm nay."}
    assert cli(data_dir, "ingest", str(new_article_file(tmp_path, other))).returncode == 0
    found = cli(data_dir, "ask", "Nhà vườn Tam Bình được mùa gì?")
    assert "cam sành" in found.stdout, "articles stored after the roll-back are indexed"


@pytest.mark.parametrize(("name", "damage"), [
    ("approx.npy", "truncate"),
    ("docs.npy", "garbage"),
    ("vocab_blob.npy", "garbage"),
    ("meta.json", "garbage"),
])
@pytest.mark.parametrize("command", ["ask", "stats", "rebuild"])
def test_a_damaged_index_file_is_found_and_rebuilt(data_dir: Path, name: str, damage: str, command: str) -> None:
    path = current_generation(data_dir) / name
    size = path.stat().st_size
    if damage == "truncate":
        with open(path, "r+b") as handle:
            handle.truncate(size // 2)
    else:
        data = bytearray(path.read_bytes())
        middle = len(data) // 2
        data[middle : middle + 64] = os.urandom(min(64, len(data) - middle))  # same size, other bytes
        path.write_bytes(bytes(data))
    args = {"ask": ["ask", QUESTION], "stats": ["stats"], "rebuild": ["rebuild"]}[command]
    done = cli(data_dir, *args)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    if command == "ask":
        assert "Trương Thị Mai" in done.stdout
    if command == "stats":
        assert json.loads(done.stdout)["articles"] == 4
    if command != "rebuild":
        assert "damaged" in done.stderr or "rebuilding" in done.stderr
    again = cli(data_dir, "ask", QUESTION)
    assert again.returncode == 0 and "Trương Thị Mai" in again.stdout and "damaged" not in again.stderr


@pytest.mark.parametrize("pointer", [b"\xff\xfegen-000001\n", b"../../../etc\n", b""])
async def test_a_damaged_current_pointer_is_rebuilt_not_followed(data_dir: Path, pointer: bytes) -> None:
    (data_dir / "index" / "CURRENT").write_bytes(pointer)  # bad bytes made the bot's start-up exit 1
    async with running_bot(data_dir) as bot:
        assert "Trương Thị Mai" in await bot.say(QUESTION)
    done = cli(data_dir, "ask", QUESTION)
    assert done.returncode == 0 and "Trương Thị Mai" in done.stdout and "Traceback" not in done.stderr
