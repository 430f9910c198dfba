"""The console chat, in process and as `python -m bot` (what `make run` starts)."""

from __future__ import annotations

import io
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.console import MAX_QUESTION, Conversation, run_console
from retrieval.library import Library

from .conftest import ROOT
from .test_index_store import cli, new_article_file


def said(chat: Conversation, text: str) -> str:
    """The conversation's reply to ``text``: one is due."""
    reply = chat.reply(text)
    assert reply is not None, text
    return reply


def test_conversation_answers_searches_pages_and_refuses_clearly(seed_library: Library) -> None:
    chat = Conversation(seed_library)
    assert chat.reply("   ") is None
    answer = said(chat, "Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?")
    assert "Trương Thị Mai" in answer and "15/01/2021" in answer and "Nguồn:" in answer
    assert "quá dài" in said(chat, "hỏi " * MAX_QUESTION)
    assert "Chưa có lần tìm" in said(chat, "/page 2")
    assert "trang 1/" in said(chat, "/search Trung ương")
    assert "số trang" in said(chat, "/page hai")
    assert "Hãy gõ từ khóa" in said(chat, "/search")
    assert "Không có lệnh /xoa" in said(chat, "/xoa")
    assert "/search" in said(chat, "/help")
    assert "U23 Việt Nam thắng Yemen" in said(chat, "/latest").splitlines()[0]
    # Time in a question, as in Telegram: no seed article is from today, so it says so and widens.
    today = said(chat, "Hôm nay ai ghi bàn cho U23 Việt Nam?")
    assert today.startswith("(Không có bài nào đăng “Hôm nay”") and "Lê Minh Khang" in today.splitlines()[1]
    assert "“32/13” không phải là ngày" in said(chat, "/search bão từ:32/13")
    assert "chưa có từ nào" in said(chat, "??? ...")
    assert "Không tìm thấy" in said(chat, "<script>alert(1)</script> xyzzy")


def test_run_console_reads_until_end_of_input(seed_library: Library) -> None:
    out = io.StringIO()
    run_console(seed_library, stdin=io.StringIO("ai chu tri hoi nghi\n/quit\nkhông được đọc\n"), stdout=out)
    text = out.getvalue()
    assert "Trương Thị Mai" in text and text.rstrip().endswith("Tạm biệt!")
    assert "không được đọc" not in text


def test_settings_come_from_the_environment_and_hide_the_token() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123:secret", "HOITIN_ADMIN_IDS": "1, 2;3", "HOITIN_DATA_DIR": "x"})
    assert settings.admin_ids == {1, 2, 3} and settings.data_dir == Path("x")
    assert "secret" not in repr(settings)
    assert load_settings({}).telegram_token is None
    try:
        load_settings({"HOITIN_ADMIN_IDS": "abc"})
    except ConfigError as exc:
        assert "HOITIN_ADMIN_IDS" in str(exc)
    else:
        raise AssertionError("a bad admin id must be refused")


def test_python_m_bot_ingests_seeds_and_answers_in_the_console(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(HOITIN_DATA_DIR=str(tmp_path / "data"), HOITIN_SEEDS_DIR=str(ROOT / "seeds"), HOITIN_LOG_LEVEL="WARNING",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    question = "Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?\n".encode() + b"bad \xff\xfe bytes ai chu tri\n"
    done = subprocess.run([sys.executable, "-m", "bot"], input=question, capture_output=True, cwd=tmp_path, env=env,
                          timeout=120)
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, done.stderr.decode()
    assert out.count("Trương Thị Mai") >= 2, "both questions, the one with broken bytes too, are answered"
    assert "Người làm công tác quần chúng phải làm tốt trách nhiệm đại diện cho các tầng lớp nhân dân — 15/01/2021" in out
    assert (tmp_path / "data" / "articles.sqlite3").exists()


@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_the_console_stops_on_ctrl_c_or_sigterm_with_the_shells_codes(tmp_path: Path, signum: int,
                                                                       exit_code: int) -> None:
    """Issue 27, L6: Ctrl-C ended the console with 0 and SIGTERM killed it (-15)."""
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(HOITIN_DATA_DIR=str(tmp_path / "data"), HOITIN_SEEDS_DIR=str(ROOT / "seeds"), HOITIN_LOG_LEVEL="WARNING",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    with subprocess.Popen([sys.executable, "-m", "bot"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=tmp_path, env=env) as console:
        assert console.stdin is not None and console.stdout is not None
        console.stdin.write(b"ai chu tri hoi nghi\n")
        console.stdin.flush()
        while (line := console.stdout.readline()) and "Trương Thị Mai".encode() not in line:
            pass  # until answered: it then waits on its input
        console.send_signal(signum)
        _, err = console.communicate(timeout=60)
    assert console.returncode == exit_code and b"Traceback" not in err, err.decode()


def test_at_a_terminal_lines_are_edited_and_recalled(tmp_path: Path) -> None:
    """Issue 28: the console read raw lines, so arrows printed ^[[A. At a terminal it uses readline:
    ↑ brings back the last question, and the questions are kept for the next session."""
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(HOITIN_DATA_DIR=str(tmp_path / "data"), HOITIN_SEEDS_DIR=str(ROOT / "seeds"), HOITIN_LOG_LEVEL="WARNING",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])), TERM="xterm")
    main, terminal = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "bot"], stdin=terminal, stdout=terminal, stderr=subprocess.PIPE,
                          cwd=tmp_path, env=env) as console:
        os.close(terminal)
        try:
            screen = _Screen(main)
            screen.until(b"> ")
            os.write(main, b"ai chu tri hoi nghi\r")
            screen.until("Trương Thị Mai".encode())
            screen.until(b"> ")
            os.write(main, b"\x1b[A\r")  # ↑ and Enter: the same question again
            screen.until("Trương Thị Mai".encode())
            screen.until(b"> ")
            os.write(main, b"\x04")  # Ctrl-D
            console.wait(timeout=60)
        finally:
            if console.poll() is None:
                console.kill()
    os.close(main)
    assert screen.seen.decode(errors="replace").count("Trương Thị Mai") >= 2 and b"^[[A" not in screen.seen
    assert (tmp_path / "data" / "console_history").read_text(encoding="utf-8").splitlines()[-1] == "ai chu tri hoi nghi"


class _Screen:
    """What a terminal showed, read as it comes; ``until`` waits for text after what it found last."""

    def __init__(self, terminal: int) -> None:
        self.terminal = terminal
        self.seen = b""
        self._after = 0

    def until(self, wanted: bytes, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while (at := self.seen.find(wanted, self._after)) < 0:
            ready, _, _ = select.select([self.terminal], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                raise AssertionError(f"no {wanted!r} on the terminal; it shows: {self.seen[-500:]!r}")
            self.seen += os.read(self.terminal, 65536)
        self._after = at + len(wanted)


def test_the_console_answers_from_articles_ingested_while_it_runs(tmp_path: Path) -> None:
    """Issue 28: after ``python -m retrieval ingest`` the console went on answering from the old
    index until restarted (only the Telegram bot followed a newer saved index)."""
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(HOITIN_DATA_DIR=str(data), HOITIN_SEEDS_DIR=str(ROOT / "seeds"), HOITIN_LOG_LEVEL="WARNING",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    question = "Nông dân huyện Cái Bè thu hoạch lúa khi nào?\n".encode()
    with subprocess.Popen([sys.executable, "-m", "bot"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=tmp_path, env=env) as console:
        assert console.stdin is not None and console.stdout is not None
        try:
            console.stdin.write(question)
            console.stdin.flush()
            while (line := console.stdout.readline()) and "Không tìm thấy".encode() not in line:
                pass  # not found: the archive has no such article yet
            assert line, "the console answered before anything was ingested"
            ingested = cli(data, "ingest", str(new_article_file(tmp_path)))
            assert ingested.returncode == 0, ingested.stderr
            console.stdin.write(question)
            out, err = console.communicate(timeout=60)
        finally:
            if console.poll() is None:
                console.kill()
    assert "Tiền Giang" in out.decode(), out.decode() + err.decode()
