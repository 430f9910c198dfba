"""Sentence evidence: where a sentence says a time, a quantity, a person, a place, a cause …

Computed once per sentence at ingest (``retrieval/store/ingest.py``) and stored with it, so that
answering a question only looks the spans up. A span is a range of the sentence's syllables
as the store keeps them (its pyvi words split at ``_``), the same positions the answer
features use for the question's words, so "evidence near the question's focus" is a
difference of two positions.

Kinds (one letter each in the stored code):

====  =========  =====================================================================
code  kind       what counts
====  =========  =====================================================================
t     time       13h30, lúc 8 giờ 45, 20:45, ngày 15/3, 22/5/2017, sáng 6/2, năm 2017,
                 tháng 9, hôm qua, tuần trước, mùa thu, thứ Hai, dịp Tết
q     quantity   a number with its unit: 31.500 đồng/kg, 312 hộ, 5.000 tấn, 31%, gấp đôi
n     number     any number, written in digits or in words (hai, mười, triệu)
p     person     a Vietnamese full name (Trương Thị Mai), a role or title before a name
                 (ông Sean Spicer, đối tượng Võ Văn Thịnh, HLV Park Hang-seo)
o     body       an organisation, a team, an office (Bộ Công Thương, Công ty CP Tập đoàn
                 Hanaka, CLB Hà Nội)
l     place      tại/ở/từ + a name, province/district/ward/street words and the name after
                 them (xã Nghĩa Thọ, TP Huế, đường Phạm Ngọc Thạch, sân Mỹ Đình)
c     cause      do, vì, bởi, nhằm, để, nguyên nhân, lý do, dẫn đến, khiến, vì vậy …
m     manner     bằng cách, bằng, thông qua, theo hình thức, nhờ, cách …
s     quote      words inside quotation marks
a     name       any capitalised run of two or more words that does not open the sentence
====  =========  =====================================================================

The code is ``kind start-end,start-end;kind …`` with ``end`` exclusive, e.g. ``t3-5;p8-11``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from functools import lru_cache

from ..text import normalize

EVIDENCE_VERSION = 3  # bump when the rules change: the store recomputes every sentence's code
EVIDENCE_KINDS = "tqnpolcmsa"

# Capital Latin letters with Vietnamese marks, listed: a range like À-Ỹ holds small letters too.
_UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x1EFA)) if c.isupper() and c.isalpha())
_CAP = rf"[{_UPPER}][\wÀ-ỹ'’-]*"  # a capitalised word
_CAPS = rf"{_CAP}(?:\s+(?:{_CAP}|\d+))*"  # a run of them (a number may follow: "Quốc lộ 1")


def _alternation(entries: list[str], ignore_case: bool = False) -> str:
    """Literal entries as a regex alternation that tries them in the given order, grouped by
    their first letter: ``c(?:ầu|hợ|…)|s(?:ông|ân)``. The language and the order of trial are
    the plain ``cầu|sông|chợ|…``'s (entries of other first letters cannot match where one
    does), but the engine compares each first letter once instead of once per entry, which
    halves the time of the person and body patterns."""
    groups: dict[str, list[str]] = {}
    for entry in entries:
        groups.setdefault(entry[0].lower() if ignore_case else entry[0], []).append(entry)
    return "|".join(re.escape(group[0]) if len(group) == 1 else
                    re.escape(group[0][0]) + "(?:" + "|".join(re.escape(e[1:]) for e in group) + ")"
                    for group in groups.values())


def _at_word_start(branches: list[tuple[list[str], str]], not_after: str = "", ignore_case: bool = False) -> str:
    """``\\b(?:entry|…)tail|\\b(?:entry|…)tail|…`` for (literal entries, tail) branches, each
    entry also not right after ``not_after``, written so that the engine scans for letters.

    A pattern whose every branch opens with a literal gets a fast scan to the characters it can
    open with; one that opens with ``\\b`` (or ``(?=\\w)``) is tried at every character of the
    text, the largest cost of evidence after pyvi. So the entries are grouped by first letter,
    and each group checks what stands before that letter only once past it: ``(?<!\\w.)`` is
    the ``\\b`` before it. Within a letter the branches, and their entries, keep their order, so
    the leftmost match is the one the plain form finds (``tests/test_evidence.py`` compares them).
    """
    groups: dict[str, list[tuple[int, str]]] = {}  # first letter → (branch number, entry)
    for number, (entries, _) in enumerate(branches):
        for entry in entries:
            groups.setdefault(entry[0].lower() if ignore_case else entry[0], []).append((number, entry))
    behind = r"(?<!\w.)" + (f"(?<!{re.escape(not_after)}.)" if not_after else "")
    out = []
    for group in groups.values():
        tails = []
        for number, (_, tail) in enumerate(branches):
            rests = [re.escape(entry[1:]) for n, entry in group if n == number]
            if rests:
                tails.append("(?:" + "|".join(rests) + ")" + tail)
        out.append(re.escape(group[0][1][0]) + behind + "(?:" + "|".join(tails) + ")")
    return "(?:" + "|".join(out) + ")"


def _entries(entries: str) -> list[str]:
    """A comma-separated list, longest entry first ("Phó Chủ tịch" before "Chủ tịch")."""
    return sorted({e.strip() for e in entries.split(",")}, key=len, reverse=True)


def _words(entries: str) -> str:
    """A ``|``-separated list of literal words as a group (see :func:`_alternation`)."""
    return "(?:" + _alternation(entries.split("|")) + ")"


_PART_OF_DAY = "(?:" + _alternation(
    "rạng sáng|sáng sớm|sáng|trưa|chiều|tối|đêm|khuya|nửa đêm|chiều tối|đầu giờ chiều|cuối giờ chiều".split("|"),
    ignore_case=True) + ")"
_DATE = r"\d{1,2}\s*[/.-]\s*\d{1,2}(?:\s*[/.-]\s*\d{2,4})?"
# Every alternative of the three IGNORECASE patterns opens with a word character, so a
# ``(?=\w)`` guard in front changes no match: it only spares the engine trying each of them,
# case-folded, at every space and comma (1.8× faster on news text, the biggest cost of ingest
# after pyvi).
_TIME_RE = re.compile(
    r"(?=\w)(?:" + "|".join([
        r"\b\d{1,2}\s*(?:giờ|h|g)(?![^\W\d])\s*\d{0,2}(?:\s*(?:phút|p)\b)?(?:\s*\d{1,2}\s*giây)?",  # 13h30, 8 giờ 45
        r"\b\d{1,2}:\d{2}\b",  # 20:45
        rf"\b(?:{_PART_OF_DAY}\s+)?(?:(?:ngày|hôm)\s+)?{_DATE}\b",  # sáng 6/2, ngày 22/5/2017, 5-8-2013
        rf"\b(?:{_PART_OF_DAY}\s+)?(?:ngày|mùng|mồng)\s+\d{{1,2}}\b(?:\s+tháng\s+\d{{1,2}})?(?:\s+năm\s+\d{{4}})?",
        r"\btháng\s+(?:\d{1,2}(?:\s*/\s*\d{4})?|giêng|chạp|này|trước|sau|tới|qua)\b(?:\s+năm\s+\d{4})?",
        r"\b(?:năm|niên khóa|mùa giải|mùa)\s+\d{4}(?:\s*[-–/]\s*\d{2,4})?\b",
        r"\b(?:1[89]\d{2}|20\d{2})\b",  # a year
        rf"\b{_PART_OF_DAY}\s+(?:nay|qua|mai|hôm qua|hôm nay|ngày \d+|thứ \w+|cùng ngày|hôm sau|hôm trước)\b",
        r"\b(?:" + _alternation(
            "hôm qua|hôm nay|hôm kia|ngày mai|ngày kia|tuần trước|tuần qua|tuần này|tuần sau|tuần tới"
            "|năm ngoái|năm nay|năm trước|năm sau|năm tới|cuối tuần|đầu tuần|giữa tuần|cuối tháng|đầu tháng"
            "|giữa tháng|cuối năm|đầu năm|giữa năm|vừa qua|gần đây|hiện nay|trước đó|sau đó".split("|"),
            ignore_case=True) + r")\b",
        r"\b(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|Hai|Ba|Tư|Năm|Sáu|Bảy)|chủ nhật|Chủ nhật)\b",
        r"\bmùa\s+(?:xuân|hè|hạ|thu|đông|Xuân|Hè|Hạ|Thu|Đông|mưa|khô|lũ|bão)\b",
        r"\b(?:dịp|trước|sau|trong)\s+Tết\b|\bTết\s+(?:Nguyên đán|Trung thu|Dương lịch)\b",
        r"\bthế kỷ\s+(?:[IVXLC]+|\d+)\b|\bthập niên\s+\d+\b",
        r"\b(?:phút|hiệp|vòng)\s+(?:thứ\s+)?\d+\b",  # phút 89, vòng 11: when, in a match or a league
        r"\b\d+\s+(?:tuổi)\b",  # năm 4 tuổi: a time of life
    ]) + ")",
    re.IGNORECASE,  # "Sáng 6/2", "Hôm qua" open sentences
)
_NUMBER_WORDS = _words("một|hai|ba|bốn|tư|năm|sáu|bảy|tám|chín|mười|mươi|trăm|nghìn|ngàn|triệu|tỷ|tỉ|chục|nửa|rưỡi")
_UNITS = _words(
    r"%|phần trăm|đồng|VNĐ|VND|đ|USD|đô la|đôla|euro|Euro|EUR|bảng|yên|nhân dân tệ|NDT|AUD|won|franc|rúp|bitcoin"
    r"|kg|kilogram|gram|g|tấn|tạ|yến|lít|ml|m3|m2|km2|km|m|cm|mm|ha|hecta|héc-ta|mét|sào|mẫu"
    r"|người|hộ|nhà|căn|cái|chiếc|con|em|học sinh|sinh viên|bệnh nhân|ca|trường hợp|vụ|lần|bàn|điểm|trận|tàu|xe"
    r"|phút|giây|giờ|tiếng|ngày|tuần|tháng|năm|tuổi|thế kỷ|lượt|suất|vé|đơn vị|nước|quốc gia|tỉnh|thành viên"
    r"|doanh nghiệp|công ty|dự án|cổ phiếu|cổ phần|tập|phim|bài|thủ tục|phương thức|lô|gói|bao|thùng|kiện|cây|ô tô|mẫu"
    r"|MW|kW|kWh|GB|MB|inch|độ|độ C|lít/100km|km/h|đồng/kg|đồng/lít|triệu đồng|tỷ đồng|nghìn đồng"
)
# Alone, "một", "ba", "tư", "năm" are more often a word than a number ("một số", "đầu tư", "năm nay").
_PLAIN_NUMBER_WORDS = _words("hai|bốn|sáu|bảy|tám|chín|mười|mươi|trăm|nghìn|ngàn|triệu|tỷ|tỉ|chục")
_NUMERAL = rf"(?:\d+(?:[.,]\d+)*|{_PLAIN_NUMBER_WORDS}(?:\s+{_NUMBER_WORDS})*)"
_QUANTITY_RE = re.compile(
    rf"\b{_words('khoảng|gần|hơn|trên|dưới|tới|đến|lên tới|lên đến|chỉ|tổng cộng|hàng')}?\s*\d+(?:[.,]\d+)*"
    rf"(?:\s*(?:-|–|đến|tới)\s*\d+(?:[.,]\d+)*)?\s*(?:{_NUMBER_WORDS}\s+)?{_UNITS}(?:\s*/\s*\w+)?(?![\wÀ-ỹ])"
    rf"|\b{_NUMBER_WORDS}(?:\s+{_NUMBER_WORDS})*\s+{_UNITS}(?![\wÀ-ỹ])"
    r"|\bgấp\s+(?:đôi|ba|rưỡi|\d+(?:[.,]\d+)?\s*lần)\b|\bmột nửa\b",
)
_NUMBER_RE = re.compile(rf"\b{_NUMERAL}\b")

# The commonest Vietnamese family names (retrieval/answer/features.py's PERSON_RE use them too).
SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trương Đinh Mai Lương Đào Đoàn"
    " Vương Trịnh Lâm Phùng Cao Tạ Hà Lưu Châu Tô Thái Tăng Quách Kiều Đồng Triệu Chu Mạc Lại Văn Tôn Thân"
)
# Comma-separated lists: an entry may have several words.
_ROLES = (
    "ông,bà,anh,chị,cô,chú,bác,cụ,em,cháu,bé,thầy,cô giáo,ca sĩ,nhạc sĩ,diễn viên,người mẫu,hoa hậu,MC,đạo diễn,"
    "nhà báo,phóng viên,nhà văn,họa sĩ,nghệ sĩ,NSND,NSƯT,cầu thủ,tiền đạo,tiền vệ,hậu vệ,trung vệ,thủ môn,"
    "thủ thành,HLV,huấn luyện viên,trọng tài,VĐV,vận động viên,tay vợt,võ sĩ,kỳ thủ,đối tượng,nghi phạm,nghi can,"
    "bị can,bị cáo,bị hại,nạn nhân,tài xế,lái xe,tài công,thuyền trưởng,bác sĩ,BS,y tá,điều dưỡng,dược sĩ,kỹ sư,"
    "luật sư,chuyên gia,PGS,GS,TS,ThS,Đại úy,Thượng úy,Trung úy,Thiếu úy,Đại tá,Thượng tá,Trung tá,Thiếu tá,"
    "Đại tướng,Thượng tướng,Trung tướng,Thiếu tướng,Chủ tịch,Phó Chủ tịch,Tổng Bí thư,Bí thư,Thủ tướng,"
    "Phó Thủ tướng,Bộ trưởng,Thứ trưởng,Tổng thống,Phó Tổng thống,Giám đốc,Phó Giám đốc,Tổng Giám đốc,"
    "Trưởng phòng,Trưởng ban,Trưởng Công an,Chánh án,Viện trưởng,Hiệu trưởng,Đại sứ,Người phát ngôn,"
    "người phát ngôn,phát ngôn viên,Thủ hiến,Thống đốc,Thị trưởng,Quốc vương,Hoàng tử,Công chúa,Nữ hoàng,"
    "Giáo hoàng,tỷ phú,doanh nhân,CEO,chủ tịch,giám đốc,chủ nhiệm,chủ tiệm,chủ quán,chủ nhà,chủ xe,chủ vựa,"
    "chủ đầu tư,nữ sinh,nam sinh,sinh viên,học sinh,du khách,khách hàng,người dân,cháu bé,ngoại trưởng,Ngoại trưởng"
)
_ORGS = (
    "Bộ,Sở,Cục,Tổng cục,Vụ,Viện,Ủy ban,UBND,HĐND,Công ty,Tập đoàn,Tổng công ty,Ngân hàng,Trường,Đại học,Học viện,"
    "Bệnh viện,Trung tâm,Ban,Hội,Hiệp hội,Liên đoàn,Quỹ,Tòa án,TAND,Viện kiểm sát,VKSND,Công an,Cảnh sát,Quân đội,"
    "Quân khu,Bộ Tư lệnh,Đài,Báo,Tạp chí,Nhà xuất bản,CLB,câu lạc bộ,đội tuyển,Đội tuyển,tuyển,đội,nhóm,ban nhạc,"
    "Đảng,Chính phủ,Quốc hội,Cơ quan,cơ quan,hãng,Hãng"
)


def _alternatives(entries: str) -> str:
    """A comma-separated list as a regex alternation, longest entry first ("Phó Chủ tịch" before "Chủ tịch")."""
    return _alternation(_entries(entries))


_PERSON_RE = re.compile(_at_word_start([
    (SURNAMES.split(), rf"(?:\s+[{_UPPER}][\wÀ-ỹ]*){{1,3}}\b"),
    (_entries(_ROLES), rf"\s+{_CAPS}"),
]))
_ORG_RE = re.compile(_at_word_start([(_entries(_ORGS), rf"\s+{_CAPS}")]))
_PLACE_WORDS = (
    "tỉnh,thành phố,TP,Tp,quận,huyện,thị xã,thị trấn,xã,phường,làng,thôn,ấp,bản,xóm,khu phố,đường,phố,ngõ,hẻm,"
    "quốc lộ,Quốc lộ,tỉnh lộ,cao tốc,cầu,sông,hồ,biển,đảo,vịnh,bãi,cảng,sân bay,sân vận động,sân,chợ,bến,bến xe,"
    "khu vực,khu công nghiệp,khu du lịch,khu đô thị,chung cư,tòa nhà,khách sạn,nhà hàng,chùa,đền,nhà thờ,núi,đèo,"
    "vùng,miền,nước,châu,bang,thủ đô"
)
_PLACE_CUES = "tại|ở|trên|từ|về|đến|tới|giữa|gần|ngoài khơi|thuộc|qua".split("|")
_PLACE_RE = re.compile(_at_word_start([
    (_PLACE_CUES, rf"\s+(?:(?:{_alternatives(_PLACE_WORDS)})\.?\s+)?{_CAPS}"),
    (_entries(_PLACE_WORDS), rf"\.?\s+(?:{_CAPS}|\d+[A-Z]?)"),
    (["tại", "ở"], r"\s+(?:nhà|trụ sở|hiện trường|khu vực|địa bàn|phía|giữa|bên|trong|ngoài|trước|sau|dưới|trên)\s+\w+"),
]))
_CAUSE_RE = re.compile(
    _at_word_start([(
        "do|vì|bởi|bởi vì|tại vì|nhằm|nhằm mục đích|để|nguyên nhân|lý do|lí do|dẫn đến|dẫn tới|khiến|khiến cho"
        "|gây ra|vì vậy|vì thế|do đó|cho nên|nên|mục đích|mục tiêu|là do|xuất phát từ|bắt nguồn từ|nhờ|nhờ vào".split("|"),
        r"\b")], not_after="thay ", ignore_case=True),
    re.IGNORECASE,
)
_MANNER_RE = re.compile(
    _at_word_start([(
        "bằng cách|bằng việc|bằng|thông qua|qua việc|theo cách|theo hình thức|theo phương thức|dưới hình thức"
        "|với cách|cách|kiểu|phương pháp|nhờ|trong tình trạng|trong hoàn cảnh".split("|"), r"\b")], ignore_case=True),
    re.IGNORECASE,
)
_QUOTE_RE = re.compile(r"[“\"«‘'][^“”\"«»‘’'\x00]{3,}[”\"»’']")
# A name not where a sentence opens (see _haystack): the capital first and what stands before it
# checked after it (not a letter or a NUL, not ". "), so that the engine scans for capitals only.
_NAME_RE = re.compile(rf"[{_UPPER}](?<![\w\x00].)(?<![.!?:]\s.)[\wÀ-ỹ'’-]*(?:\s+{_CAP})+")
_PATTERNS = {
    "t": _TIME_RE, "q": _QUANTITY_RE, "n": _NUMBER_RE, "p": _PERSON_RE, "o": _ORG_RE, "l": _PLACE_RE,
    "c": _CAUSE_RE, "m": _MANNER_RE, "s": _QUOTE_RE, "a": _NAME_RE,
}
# A cue word's span reaches this many syllables past it: "do mưa lớn kéo dài" is the cause.
_CUE_REACH = 6
_CUE_KINDS = frozenset("cm")


def _lowered(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """A case-insensitive pattern as a case-sensitive one for lower-cased text: its literals
    lower-cased, its escapes kept (``\\W`` is not ``\\w``). The engine matches it twice as fast
    as the same pattern with IGNORECASE, which folds the case of every character it compares."""
    return re.compile(re.sub(r"\\.|[^\\]+", lambda m: m[0] if m[0][0] == "\\" else m[0].lower(), pattern.pattern))


_LOWERED = {kind: _lowered(pattern) for kind, pattern in _PATTERNS.items() if pattern.flags & re.IGNORECASE}
# Sentences are searched together, each behind a NUL: no pattern matches a NUL or across one,
# and the name pattern's "not at the start" is "not after a NUL". A NUL inside a sentence
# (``clean`` removes them from articles) is read as a space.
_OPENING = "\x00"


def _haystack(norms: Sequence[str]) -> tuple[str, list[int]]:
    """The normalised sentences as one text, each behind a NUL, and where each one starts."""
    starts, at = [], 0
    for norm in norms:
        starts.append(at + 1)
        at += len(norm) + 1
    return "".join(_OPENING + norm.replace(_OPENING, " ") for norm in norms), starts


def _part_offsets(hay: str, start: int, end: int, parts: list[str]) -> list[int]:
    """Where each stored syllable starts in ``hay[start:end]``, the sentence lower-cased
    (−1 when not found)."""
    offsets, cursor = [], start
    for part in parts:
        found = hay.find(part, cursor, end)
        if found < 0:
            offsets.append(-1)
            continue
        offsets.append(found - start)
        cursor = found + len(part)
    return offsets


def sentence_evidence(text: str, words: str) -> str:
    """The evidence code of one sentence (see the module docstring), from its text and pyvi words."""
    return sentences_evidence([(text, words)])[0]


def sentences_evidence(sentences: Sequence[tuple[str, str]]) -> list[str]:
    """The evidence code of each (text, space-separated pyvi words) sentence; every pattern runs
    once over all of them (see ``_haystack``), sparing the engine's set-up per sentence."""
    norms = [normalize(text) for text, _ in sentences]
    hay, starts = _haystack(norms)
    lower = hay.lower()
    if len(lower) != len(hay):  # a letter whose lower case is longer (İ) stays as it is: offsets must not shift
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in hay)
    # Per sentence: its stored syllables and (char offset, syllable number) of those found.
    part_count: list[int] = []
    known_starts: list[list[int]] = []
    known_parts: list[list[int]] = []
    for (_, words), start, norm in zip(sentences, starts, norms):
        parts = words.replace("_", " ").split()
        offsets = _part_offsets(lower, start, start + len(norm), parts)
        part_count.append(len(parts))
        known_starts.append([o for o in offsets if o >= 0])
        known_parts.append([i for i, o in enumerate(offsets) if o >= 0])
    spans: list[dict[str, list[tuple[int, int]]]] = [{} for _ in sentences]
    for kind, pattern in _PATTERNS.items():
        text = hay
        if kind in _LOWERED:
            pattern, text = _LOWERED[kind], lower
        for match in pattern.finditer(text):
            start_char, end_char = match.span()
            n = bisect.bisect_right(starts, start_char) - 1
            offsets = known_starts[n]
            if not offsets:
                continue
            base = starts[n]
            while start_char < end_char and hay[start_char].isspace():
                start_char += 1
            first = bisect.bisect_left(offsets, start_char - base)
            last = bisect.bisect_left(offsets, end_char - base)
            if first >= len(offsets) or first >= last:
                continue
            start, end = known_parts[n][first], known_parts[n][last - 1] + 1
            if kind in _CUE_KINDS:
                end = min(part_count[n], end + _CUE_REACH)
            found = spans[n].setdefault(kind, [])
            if found and start < found[-1][1]:
                found[-1] = (found[-1][0], max(end, found[-1][1]))
            else:
                found.append((start, end))
    return [";".join(kind + ",".join(f"{s}-{e}" for s, e in found) for kind, found in by_kind.items())
            for by_kind in spans]


@lru_cache(maxsize=262_144)
def decode(code: str) -> dict[str, tuple[tuple[int, int], ...]]:
    """The spans of an evidence code, by kind letter."""
    out: dict[str, tuple[tuple[int, int], ...]] = {}
    if not code:
        return out
    for item in code.split(";"):
        spans = []
        for span in item[1:].split(","):
            start, _, end = span.partition("-")
            spans.append((int(start), int(end)))
        out[item[0]] = tuple(spans)
    return out
