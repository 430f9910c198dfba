"""The console chat: the bot's conversation in a terminal, over the same library.

Type a question and get the answer with its sources; ``/search <q>``, ``/page N``,
``/latest``, ``/help``; Ctrl-D (or ``/quit``) leaves. Answers and search pages are rendered
as plain text by :mod:`retrieval.answer.plain`; the console's own words are in :mod:`bot.texts`.
"""

from __future__ import annotations

import contextlib
import readline  # line editing and history for input() at a terminal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from retrieval.answer import BadSearch, format_answer, format_search
from retrieval.errors import EmptyQuery
from retrieval.library import Library
from retrieval.text import date_text

from .limits import LATEST, MAX_QUESTION, SEARCH_PAGE
from .texts import VI, text


def say(key: str, **values: object) -> str:
    """A console string (plain text, in Vietnamese: a terminal tells us no reader's language)."""
    return text(f"console_{key}", VI, **values)


@dataclass
class Conversation:
    """One console user's state: the last search, for ``/page``."""

    library: Library
    last_query: str | None = None

    def reply(self, line: str) -> str | None:
        """The reply to one line of input (None for a blank line)."""
        line = line.strip()
        if not line:
            return None
        if len(line) > MAX_QUESTION:
            return say("too_long", length=len(line), limit=MAX_QUESTION)
        self.library.follow()  # articles another process ingested meanwhile are answerable now
        command, _, rest = line.partition(" ")
        rest = rest.strip()
        if command in ("/help", "/start"):
            return say("help", per_page=SEARCH_PAGE)
        if command == "/search":
            if not rest:
                return say("search_usage")
            self.last_query = rest
            return self._search(rest, 1)
        if command == "/page":
            if self.last_query is None:
                return say("no_search_yet")
            if not rest.isdigit():
                return say("page_usage")
            return self._search(self.last_query, int(rest))
        if command == "/latest":
            return self._latest()
        if command.startswith("/"):
            return say("unknown_command", command=command)
        try:
            return format_answer(self.library.answer(line))
        except EmptyQuery:
            return say("empty_question")

    def _search(self, query: str, page: int) -> str:
        try:
            found = self.library.search(query, page=page, per_page=SEARCH_PAGE)
        except EmptyQuery:
            return say("search_empty")
        except BadSearch as bad:
            return say(bad.text_key, value=bad.value[:40])
        if found.page != page:  # the library shows the nearest page; the reader asked for another
            return say("no_such_page", page=page, pages=found.pages)
        return format_search(found)

    def _latest(self) -> str:
        articles = self.library.latest(LATEST)
        if not articles:
            return say("latest_none")
        return "\n".join(
            f"{i}. {a.display_title}" + (f" — {date_text(a.published)}" if a.published else "")
            for i, a in enumerate(articles, start=1)
        )


HISTORY_FILE = "console_history"  # in the data folder: questions typed at the console, newest last
HISTORY_LINES = 1000


def _load_history(path: Path) -> None:
    readline.set_history_length(HISTORY_LINES)
    with contextlib.suppress(OSError):  # none yet
        readline.read_history_file(path)


def _typed(prompt: str) -> str:
    """A line typed at the terminal (with readline's editing when it is there); "" at Ctrl-D.
    Bytes that are not UTF-8 make an empty line, which asks nothing."""
    try:
        return input(prompt) + "\n"
    except EOFError:
        return ""
    except UnicodeDecodeError:
        return "\n"


def run_console(library: Library, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """Read questions until end of input, answering each. At a terminal, lines are edited and
    recalled with readline (arrows, Ctrl-R), the history kept in the data folder."""
    conversation = Conversation(library)
    interactive = stdin.isatty() and stdout.isatty()
    history = library.data_dir / HISTORY_FILE
    if interactive:
        _load_history(history)
    stdout.write(say("help", per_page=SEARCH_PAGE) + "\n\n")
    try:
        while True:
            line = _typed(say("prompt")) if interactive else stdin.readline()
            if not line or line.strip() in ("/quit", "/exit"):
                break
            answer = conversation.reply(line)
            if answer:
                stdout.write(answer + "\n\n")
                stdout.flush()
    finally:
        if interactive:
            with contextlib.suppress(OSError):  # a read-only data folder: the history is not kept
                readline.write_history_file(history)
    stdout.write(say("goodbye") + "\n")
