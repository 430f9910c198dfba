"""Hostile files in the inbox and on the CLI: links, devices, deep JSON, huge lines, gzip bombs.

Each case drives the real bot (its inbox, over the fake Bot API) or ``python -m retrieval
ingest`` as a subprocess, with real files.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from bot.feeds import parse_feed
from bot.inbox import read_inbox_file
from retrieval.articles import Article
from retrieval.articles.formats import ReadLimits, json_depth_over, read_file
from retrieval.errors import BadArticle

from .bot_harness import running_bot
from .conftest import ROOT
from .news_site import rss

GOOD = {"id": "lua-tien-giang", "title": "Tiền Giang thu hoạch lúa sớm",
        "body": "Nông dân huyện Cái Bè, tỉnh Tiền Giang bắt đầu thu hoạch lúa đông xuân sớm hơn mọi năm."}
DEEP = "[" * 5000 + "]" * 5000  # about 10 KB, nested 5,000 deep


def jsonl(path: Path, *records: object) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records),
                    encoding="utf-8")
    return path


def cli_ingest(data_dir: Path, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "retrieval", "--data-dir", str(data_dir), "ingest", *map(str, paths)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})


# --- row 2: links are never followed ---------------------------------------------------------------


async def test_a_link_in_the_inbox_is_rejected_not_read(data_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "passwd.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/usr/sbin/nologin\n\nroot nologin daemon bin sys\n", encoding="utf-8")
    async with running_bot(data_dir) as bot:
        inbox = bot.settings.inbox
        (inbox / "passwd.txt").symlink_to(secret)
        (inbox / "etc.txt").symlink_to("/etc/passwd")
        jsonl(inbox / "good.jsonl", GOOD)
        await bot.wait_for(lambda: (inbox / "processed" / "good.jsonl").exists())
        await bot.wait_for(lambda: (inbox / "rejected" / "passwd.txt.reason.txt").exists())
        await bot.wait_for(lambda: (inbox / "rejected" / "etc.txt.reason.txt").exists())
        assert "symbolic link" in (inbox / "rejected" / "passwd.txt.reason.txt").read_text(encoding="utf-8")
        assert (inbox / "rejected" / "passwd.txt").is_symlink(), "the link itself moved, its target untouched"
        assert secret.exists()
        assert "Không có bài nào khớp" in await bot.say("/search root nologin")
        assert "Tiền Giang" in await bot.say("/search thu hoạch lúa Cái Bè")


async def test_a_hard_link_in_the_inbox_is_rejected_not_read(data_dir: Path, tmp_path: Path) -> None:
    kept = jsonl(tmp_path / "kept-elsewhere.jsonl", {"id": "mat", "body": "Mật khẩu kho bạc là quokkazorb."})
    async with running_bot(data_dir) as bot:
        inbox = bot.settings.inbox
        os.link(kept, inbox / "linked.jsonl")
        jsonl(inbox / "good.jsonl", GOOD)
        await bot.wait_for(lambda: (inbox / "rejected" / "linked.jsonl.reason.txt").exists())
        assert "a hard link (the file has 2 names)" in (inbox / "rejected" / "linked.jsonl.reason.txt").read_text()
        await bot.wait_for(lambda: (inbox / "processed" / "good.jsonl").exists())
        assert "Không có bài nào khớp" in await bot.say("/search quokkazorb")
        assert "Tiền Giang" in await bot.say("/search thu hoạch lúa Cái Bè")


def test_the_cli_skips_links_to_files_and_folders(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    jsonl(folder / "good.jsonl", GOOD)
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    jsonl(elsewhere / "more.jsonl", {**GOOD, "id": "khac", "body": GOOD["body"] + " Giá lúa tăng."})
    (folder / "linked").symlink_to(elsewhere, target_is_directory=True)
    done = cli_ingest(tmp_path / "data", folder)
    assert done.returncode == 0, done.stderr
    assert "passwd.txt: a symbolic link: not followed" in done.stderr
    assert "linked: a symbolic link: not followed" in done.stderr
    assert "ingested 1," in done.stdout


def _read(path: Path) -> Article:
    """The one article the file holds."""
    [article] = list(read_file(path))
    assert isinstance(article, Article), article
    return article


def _refused(path: Path, limits: ReadLimits | None = None) -> BadArticle:
    """The one refusal reading the file gives (under ``limits``, the defaults when None)."""
    [bad] = list(read_file(path, limits=limits or ReadLimits()))
    assert isinstance(bad, BadArticle), bad
    return bad


def test_a_pipe_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    assert "not a regular file" in _refused(fifo).reason


# --- row 3: deep nesting ---------------------------------------------------------------------------


def test_json_depth_is_measured_without_recursion() -> None:
    assert json_depth_over(DEEP.encode(), 20)
    assert not json_depth_over(json.dumps({"a": [[1]], "b": "[[[[[[[[[[[[[[[[[[[[[[[[["}).encode(), 3)
    assert not json_depth_over(rb'{"a": "\"[[[[[[[["}', 1)


async def test_a_deeply_nested_line_does_not_jam_the_inbox(data_dir: Path) -> None:
    async with running_bot(data_dir) as bot:
        inbox = bot.settings.inbox
        jsonl(inbox / "a-deep.jsonl", DEEP, {"id": "x", "body": "y", "tags": json.loads("[" * 30 + "]" * 30)})
        jsonl(inbox / "b-good.jsonl", GOOD)
        await bot.wait_for(lambda: (inbox / "processed" / "b-good.jsonl").exists())
        await bot.wait_for(lambda: (inbox / "rejected" / "a-deep.jsonl").exists())
        reasons = (inbox / "rejected" / "a-deep.jsonl.reason.txt").read_text(encoding="utf-8")
        assert reasons.count("JSON nested deeper than 20 levels") == 2
        assert "Tiền Giang" in await bot.say("/search thu hoạch lúa Cái Bè")


def test_the_cli_stores_the_valid_files_of_a_run_with_a_deep_one(tmp_path: Path) -> None:
    deep = jsonl(tmp_path / "deep.jsonl", DEEP)
    good = jsonl(tmp_path / "good.jsonl", GOOD)
    done = cli_ingest(tmp_path / "data", deep, good)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "nested deeper than 20 levels" in done.stderr
    assert "ingested 1," in done.stdout


# --- row 5: size limits ----------------------------------------------------------------------------


def test_a_gzip_bomb_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """A 256 MiB line in a gzip of a few hundred KB: refused by the line limit, never held whole."""
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=1) as out:
        out.write(b'{"id": "bom", "body": "')
        block = b"a" * (1 << 20)
        for _ in range(256):
            out.write(block)
        out.write(b'"}\n')
        out.write(json.dumps(GOOD).encode() + b"\n")
    assert bomb.stat().st_size < 2_000_000
    peak = tmp_path / "peak.txt"
    measured = ("import resource, runpy, sys\n"
                "sys.argv = ['retrieval', *sys.argv[1:]]\n"
                "try:\n    runpy.run_module('retrieval', run_name='__main__')\n"
                f"finally:\n    open({str(peak)!r}, 'w').write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n")
    done = subprocess.run([sys.executable, "-c", measured, "--data-dir", str(tmp_path / "data"), "ingest", str(bomb)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert "the line is over 4,194,304 bytes" in done.stderr and "ingested 1," in done.stdout
    peak_mib = int(peak.read_text()) / 1024
    assert peak_mib < 600, f"the ingest of a 256 MiB line peaked at {peak_mib:.0f} MiB"


def _bad_lines(path: Path, count: int, *good: dict[str, str]) -> Path:
    with gzip.open(path, "wb", compresslevel=9) as out:
        for record in good:
            out.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
        out.write(b"1\n" * count)
    return path


def test_millions_of_bad_lines_are_refused_in_bounded_memory_and_reasons(tmp_path: Path) -> None:
    bomb = _bad_lines(tmp_path / "ones.jsonl.gz", 2_000_000, GOOD)
    assert bomb.stat().st_size < 10_000
    tracemalloc.start()
    try:
        articles, problems = read_inbox_file(bomb, ReadLimits())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert articles == [], "past the bound the file is rejected whole, its good record too"
    assert problems.count == 1_002, "reading stopped at the 1,001st bad record (plus the line that says so)"
    assert peak < 20 << 20, f"reading 2,000,000 bad lines peaked at {peak / 2**20:.0f} MiB"
    text = problems.text()
    assert len(text.encode()) < 64 << 10 and text.count("a record must be a JSON object") == 20
    assert text.startswith("ones.jsonl.gz: over 1,000 unreadable records: the file is rejected whole")
    assert text.endswith("… and 981 more problems\n")
    # Under the bound the good records are taken, and the reasons still stop at twenty.
    some = _bad_lines(tmp_path / "some.jsonl.gz", 999, GOOD)
    articles, problems = read_inbox_file(some, ReadLimits())
    assert [a.id for a in articles] == [GOOD["id"]] and problems.count == 999
    assert problems.text().endswith("… and 979 more problems\n")


async def test_a_file_of_bad_lines_is_rejected_with_a_short_reason(data_dir: Path) -> None:
    async with running_bot(data_dir) as bot:
        inbox = bot.settings.inbox
        _bad_lines(inbox / "ones.jsonl.gz", 200_000, GOOD)
        await bot.wait_for(lambda: (inbox / "rejected" / "ones.jsonl.gz.reason.txt").exists())
        reason = (inbox / "rejected" / "ones.jsonl.gz.reason.txt").read_text(encoding="utf-8")
        assert "over 1,000 unreadable records: the file is rejected whole" in reason and len(reason) < 4096
        assert not (inbox / "ones.jsonl.gz").exists(), "filed away, not read again at the next start"
        assert "Tiền Giang" not in await bot.say("/search thu hoạch lúa Cái Bè"), "its good record is not taken"


def test_blank_lines_and_the_file_limit(tmp_path: Path) -> None:
    many = tmp_path / "blank.jsonl.gz"
    with gzip.open(many, "wb", compresslevel=1) as out:
        out.write(b"\n" * (64 << 20))
        out.write(json.dumps(GOOD).encode() + b"\n")
    assert _read(many).id == "lua-tien-giang"
    small = ReadLimits(file_bytes=1 << 20)
    assert "over 1,048,576 bytes (decompressed): stopped reading there" in _refused(many, small).reason


@pytest.mark.parametrize(("record", "reason"), [
    ({"id": "a", "body": "x " * 300_000}, "over the 400,000 allowed"),
    ({"id": "a", "body": "\n".join(["Một đoạn."] * 2_500)}, "2,500 paragraphs"),
    ({"id": True, "body": "Một đoạn."}, "no 'id'"),
])
def test_records_over_the_article_limits_say_why(tmp_path: Path, record: dict[str, object], reason: str) -> None:
    assert reason in _refused(jsonl(tmp_path / "r.jsonl", record)).reason


def test_a_date_far_in_the_future_is_dropped(tmp_path: Path) -> None:
    assert _read(jsonl(tmp_path / "r.jsonl", {**GOOD, "published": "9999-12-31T00:00:00+07:00"})).published is None
    text = tmp_path / "tuong-lai.txt"
    text.write_text("Tin từ tương lai\nThời sự 01/01/2099 - 08:00\nNông dân Cái Bè thu hoạch lúa.\n", encoding="utf-8")
    article = _read(text)
    assert article.category == "Thời sự" and article.published is None
    # Feeds too (issue 27, L3): an entry dated 2099 would stay first in /latest for ever.
    feed = rss([{"guid": "1", "title": "Tin từ tương lai", "link": "http://bao.example/1", "description": GOOD["body"],
                 "date": "Thu, 01 Jan 2099 08:00:00 +0700"},
                {"guid": "2", "title": "Tin hôm qua", "link": "http://bao.example/2", "description": GOOD["body"],
                 "date": "Thu, 01 Jan 2026 08:00:00 +0700"}])
    future, past = (entry.article for entry in parse_feed(feed, "http://bao.example/rss").entries)
    assert future.published is None and past.published is not None and past.published.year == 2026
