"""The console chat: the bot's conversation in a terminal, over the same retrieval service.

Type a question and get the answer with its sources; ``/search <q>``, ``/page N``,
``/latest``, ``/help``; Ctrl-D (or ``/quit``) leaves.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from retrieval.errors import EmptyQuery
from retrieval.plain import date_text, format_answer, format_search
from retrieval.service import Library

MAX_QUESTION = 1000  # characters; longer input is refused with a message, not truncated silently

HELP = """Hỏi Tin — hỏi đáp về tin tức.
Gõ câu hỏi bằng tiếng Việt (có dấu hoặc không dấu), ví dụ: Ai chủ trì hội nghị?
Lệnh:
  /search <từ khóa>   tìm bài báo (5 bài mỗi trang)
  /page <số>          sang trang khác của lần tìm gần nhất
  /latest             các bài mới nhất
  /help               hướng dẫn này
  /quit hoặc Ctrl-D   thoát"""


@dataclass
class Conversation:
    """One console user's state: the last search, for ``/page``."""

    library: Library
    last_query: str | None = None

    def reply(self, line: str) -> str | None:
        """The reply to one line of input (None for a blank line)."""
        text = line.strip()
        if not text:
            return None
        if len(text) > MAX_QUESTION:
            return f"Câu hỏi quá dài ({len(text)} ký tự). Hãy hỏi ngắn gọn, tối đa {MAX_QUESTION} ký tự."
        command, _, rest = text.partition(" ")
        rest = rest.strip()
        if command in ("/help", "/start"):
            return HELP
        if command == "/search":
            if not rest:
                return "Hãy gõ từ khóa sau /search, ví dụ: /search dân vận"
            self.last_query = rest
            return self._search(rest, 1)
        if command == "/page":
            if self.last_query is None:
                return "Chưa có lần tìm nào. Hãy dùng /search <từ khóa> trước."
            if not rest.isdigit():
                return "Hãy gõ số trang, ví dụ: /page 2"
            return self._search(self.last_query, int(rest))
        if command == "/latest":
            return self._latest()
        if command.startswith("/"):
            return f"Không có lệnh {command}. Gõ /help để xem các lệnh."
        try:
            return format_answer(self.library.answer(text))
        except EmptyQuery:
            return "Câu hỏi chưa có từ nào để tìm. Hãy hỏi cụ thể hơn."

    def _search(self, query: str, page: int) -> str:
        try:
            return format_search(self.library.search(query, page=page))
        except EmptyQuery:
            return "Từ khóa chưa có từ nào để tìm."

    def _latest(self) -> str:
        articles = self.library.latest(5)
        if not articles:
            return "Chưa có bài báo nào."
        return "\n".join(
            f"{i}. {a.display_title}" + (f" — {date_text(a.published)}" if a.published else "")
            for i, a in enumerate(articles, start=1)
        )


def run_console(library: Library, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """Read questions until end of input, answering each."""
    conversation = Conversation(library)
    interactive = stdin.isatty()
    stdout.write(HELP + "\n\n")
    while True:
        if interactive:
            stdout.write("Hỏi> ")
            stdout.flush()
        line = stdin.readline()
        if not line or line.strip() in ("/quit", "/exit"):
            break
        answer = conversation.reply(line)
        if answer:
            stdout.write(answer + "\n\n")
            stdout.flush()
    stdout.write("Tạm biệt!\n")
