"""Question analysis: what a question asks for, and the words that say about what.

Read once per question, on the accent-folded text, so that "ai chủ trì", "ai chu tri" and
"Ai chủ tri" are read alike. The result feeds every answer feature (``retrieval/answer/features.py``):

- ``kind``: the kind of thing asked for (:class:`Kind`), from the question phrase that says it
  ("ở đâu", "tại sao", "bao nhiêu", "tên là gì" …); ``phrase`` is that phrase, folded.
- ``focus``: the content syllables right next to the question phrase, folded, nearest first:
  in "Ai chủ trì hội nghị?" the focus is ``chu tri hoi nghi``; in "… được tìm thấy ở đâu?" it is
  ``tim thay …``. The answer to a question is usually said *next to* its focus.
- ``numbers``: the numbers the question itself gives (a number it gives is not its answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from ..text import FOLDED, fold, syllables


class Kind(Enum):
    """What a question asks for."""

    PERSON = "person"  # ai, người nào, cơ quan nào, tên là gì …
    PLACE = "place"  # ở đâu, tại đâu, nơi nào, tỉnh nào …
    TIME = "time"  # khi nào, lúc nào, bao giờ, ngày nào, năm nào, mấy giờ …
    NUMBER = "number"  # bao nhiêu, mấy, bao lâu …
    REASON = "reason"  # vì sao, tại sao, do đâu, lý do …
    MANNER = "manner"  # như thế nào, bằng cách nào, ra sao …
    THING = "thing"  # gì, nào, là gì …
    YESNO = "yesno"  # có … không, … chưa, phải không
    OTHER = "other"


KINDS: tuple[Kind, ...] = tuple(Kind)

# (kind, folded phrases). Tried in this order and the first phrase found wins, so the longer,
# more telling phrases come first: "năm bao nhiêu" is a time, "lý do gì" a reason, "tên là gì" a name.
_PHRASES: list[tuple[Kind, tuple[str, ...]]] = [
    (Kind.REASON, ("vi sao", "tai sao", "do dau", "vi dau", "vi ly do gi", "ly do gi", "ly do nao", "ly do",
                   "nguyen nhan nao", "nguyen nhan gi", "nguyen nhan", "sao lai", "de lam gi", "nham muc dich gi",
                   "muc dich gi")),
    (Kind.MANNER, ("nhu the nao", "bang cach nao", "ra sao", "the nao", "lam sao", "cach nao", "bang gi",
                   "hoan canh nao", "tinh trang nao", "trong tinh trang gi")),
    (Kind.TIME, ("khi nao", "luc nao", "bao gio", "ngay nao", "nam nao", "thang nao", "hom nao", "dip nao",
                 "mua nao", "tuan nao", "buoi nao", "thoi diem nao", "thoi gian nao", "thoi ky nao", "giai doan nao",
                 "the ky nao", "nam bao nhieu", "nam may", "luc may gio", "may gio", "gio nao", "ngay bao nhieu")),
    (Kind.NUMBER, ("bao nhieu", "bao lau", "bao xa", "bao cao", "bao nang", "may", "ty le nao", "muc nao")),
    (Kind.PERSON, ("ten la gi", "ten gi", "la ai", "ai", "nguoi nao", "nhan vat nao", "ong nao", "ba nao",
                   "co quan nao", "don vi nao", "to chuc nao", "doi nao", "cau thu nao", "cong ty nao",
                   "doanh nghiep nao", "nha dau tu nao", "hlv nao", "ca si nao", "tap doan nao", "ngan hang nao",
                   "cau lac bo nao", "clb nao", "tuyen nao", "doi tuyen nao", "benh vien nao", "truong nao")),
    (Kind.PLACE, ("o dau", "tai dau", "den dau", "tu dau", "noi nao", "cho nao", "dia diem nao", "tinh nao",
                  "thanh pho nao", "nuoc nao", "quoc gia nao", "khu vuc nao", "duong nao", "tuyen duong nao",
                  "cang nao", "xa nao", "huyen nao", "quan nao", "phuong nao", "san nao", "vung nao",
                  "dia phuong nao", "chau luc nao")),
    (Kind.THING, ("la gi", "cai gi", "dieu gi", "gi", "nao")),
]
_PHRASE_RES: list[tuple[Kind, str, re.Pattern[str]]] = [
    (kind, phrase, re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)"))
    for kind, phrases in _PHRASES
    for phrase in phrases
]
_YESNO_RE = re.compile(r"(?<!\w)(khong|chua|phai khong|hay khong|co phai)\s*\??\s*$")

# Words around a question phrase that carry no meaning of their own (folded).
FUNCTION_WORDS = frozenset(
    "la duoc bi da se dang vao luc co cua cac nhung nay thi ma tai o cho voi va trong theo khi "
    "nguoi mot hay hoac den tu ra lai nhu the sao vi do bao nhieu may ai gi nao dau khong chua "
    "ve con cung rat nhat len xuong nen can phai muon".split()
)
FOCUS_SPAN = 4  # content syllables taken on each side of the question phrase
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class QuestionAnalysis:
    """What a question asks for (see the module docstring)."""

    kind: Kind
    phrase: str  # the folded question phrase ("" when none was found)
    focus: tuple[str, ...]  # folded content syllables next to the phrase, nearest first
    numbers: frozenset[str]  # numbers written in the question
    focus_accented: tuple[str, ...] = ()  # the same syllables as typed (lower case)

    def focus_weights(self, folded: bool) -> dict[str, float]:
        """Each focus syllable, in the half the question is matched on (accented, or folded with
        the ``~`` prefix), with a weight that falls with its distance from the phrase."""
        terms = [FOLDED + s for s in self.focus] if folded else list(self.focus_accented)
        out: dict[str, float] = {}
        for rank, syllable in enumerate(terms):
            out.setdefault(syllable, 1.0 / (1 + rank // 2))
        return out


def analyse_question(text: str) -> QuestionAnalysis:
    """Read the question's kind, phrase, focus and numbers (see the module docstring)."""
    typed = syllables(text)
    folded = [fold(t) for t in typed]
    line = " ".join(folded)
    numbers = frozenset(_NUMBER_RE.findall(text))
    found = next(((k, p, m) for k, p, pattern in _PHRASE_RES if (m := pattern.search(line))), None)
    if found is None:
        kind = Kind.YESNO if _YESNO_RE.search(line) else Kind.OTHER
        at = _content(range(len(folded) - 1, -1, -1), folded)[: 2 * FOCUS_SPAN]
        return _analysis(kind, "", at, typed, folded, numbers)
    kind, phrase, match = found
    start = line.count(" ", 0, match.start())  # token numbers of the phrase
    end = start + phrase.count(" ") + 1
    before = _content(range(start - 1, -1, -1), folded)[:FOCUS_SPAN]
    after = _content(range(end, len(folded)), folded)[:FOCUS_SPAN]
    # Nearest first, alternating sides: the words on both sides of "ai" say what was done.
    at = [side[i] for i in range(FOCUS_SPAN) for side in (after, before) if i < len(side)]
    return _analysis(kind, phrase, at, typed, folded, numbers)


def _content(order: range, folded: list[str]) -> list[int]:
    """Token numbers, in the given order, of the syllables that carry meaning."""
    return [i for i in order if folded[i] not in FUNCTION_WORDS and not folded[i].isdigit()]


def _analysis(
    kind: Kind, phrase: str, at: list[int], typed: list[str], folded: list[str], numbers: frozenset[str]
) -> QuestionAnalysis:
    return QuestionAnalysis(kind, phrase, tuple(folded[i] for i in at), numbers, tuple(typed[i] for i in at))
