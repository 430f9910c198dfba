"""Questions about an article rather than about what it says: who wrote it, which paper ran it,
when it was published ("Ai viết bài về mưa lũ miền Trung?", "Bài về giá xăng đăng ngày nào?").

They are answered from the article's own fields (author, source, published), the article being
the one that answers the rest of the question ("về mưa lũ miền Trung"). A question counts as one
only when it says it is about an article ("bài", "bài báo", "bài viết", or begins "Báo nào đưa
tin …"): "Tác giả của công trình X là ai?" and "Tờ báo Hà Lan nào đưa tin …?" ask about what an
article says, and are answered from its sentences as any other question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from ..text import date_text, fold
from .records import ArticleFact


class Fact(Enum):
    AUTHOR = "author"
    SOURCE = "source"
    PUBLISHED = "published"


@dataclass(frozen=True)
class FactQuestion:
    fact: Fact
    rest: str  # the words that find the article ("về mưa lũ miền Trung")


# "bài" as an article, not a song, a poem, a lesson, an exercise, a speech, a remedy …
_ARTICLE = r"bai(?! (?:hat|tho|ca|van|phat|hoc|giang|tap|thuoc|toan|kiem|bac|tri|tru|xich|binh|ban|trinh))"
_ARTICLE_WORDS = rf"{_ARTICLE}(?: bao| viet| nay)?"
_FACTS: list[tuple[Fact, re.Pattern[str], bool]] = [  # (fact, folded phrase, needs the word "bài" elsewhere)
    (Fact.AUTHOR, re.compile(rf"\b(?:ai (?:la tac gia|da viet|viet)|tac gia(?: cua)?|phong vien nao viet) {_ARTICLE_WORDS}\b"),
     False),
    (Fact.AUTHOR, re.compile(r"\b(?:do ai viet|ai viet|tac gia la ai|cua ai)\b"), True),
    (Fact.SOURCE, re.compile(r"^(?:to |trang )?(?:bao|trang bao|trang tin) nao (?:dua tin|dang tin|dang|viet)\b"), False),
    (Fact.SOURCE, re.compile(r"\b(?:(?:duoc )?(?:dang|dua) tren (?:bao|trang|trang bao) nao|cua (?:bao|to bao) nao"
                             r"|(?:bao|to bao) nao dang|nguon (?:tin )?(?:la )?(?:o )?dau|nguon (?:tin )?nao)\b"), True),
    (Fact.PUBLISHED, re.compile(r"\b(?:(?:duoc )?dang (?:vao |luc |tu )?(?:ngay nao|hom nao|khi nao|bao gio|luc nao"
                                r"|nam nao|thang nao)|ngay dang)\b"), True),
]
_ARTICLE_RE = re.compile(rf"\b{_ARTICLE_WORDS}\b")
_WORD_RE = re.compile(r"\w+(?:[.,/-]\w+)*")  # words as typed (case kept: it marks names), numbers whole


def read_fact_question(text: str) -> FactQuestion | None:
    """The fact asked about an article, and the words that find it; None for any other question."""
    typed = _WORD_RE.findall(text)
    line = " ".join(fold(t.lower()) for t in typed)
    for fact, pattern, needs_article in _FACTS:
        found = pattern.search(line)
        if found is None or (needs_article and not _ARTICLE_RE.search(line)):
            continue
        dropped = _tokens(line, found.start(), found.end())
        for said in _ARTICLE_RE.finditer(line):
            dropped |= _tokens(line, said.start(), said.end())
        rest = " ".join(t for i, t in enumerate(typed) if i not in dropped)
        return FactQuestion(fact, rest) if rest.strip() else None
    return None


def _tokens(line: str, start: int, end: int) -> set[int]:
    """Token numbers of the characters ``start:end`` of a space-joined line."""
    first = line.count(" ", 0, start)
    return set(range(first, first + line.count(" ", start, end) + 1))


def fact_text(fact: ArticleFact) -> tuple[str, dict[str, str]]:
    """How a renderer says the fact: the key of its words ("fact_author", or "fact_author_none"
    when the article does not say) and the values to fill in (the article's title, the fact)."""
    c = fact.citation
    value = {"author": fact.author, "source": c.source, "published": date_text(c.published)}[fact.kind]
    return (f"fact_{fact.kind}" if value else f"fact_{fact.kind}_none"), {"title": c.title, "value": value or ""}
