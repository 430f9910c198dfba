"""Article files → :class:`Article`: the seed plain-text format and JSON Lines (optionally gzip).

Plain text (the seed's format)::

    Title line
    Xã hội 15/01/2021 - 00:08              category and date, Vietnam time (optional)
    Paragraph …
    Caption-bearing image line - ảnh 1     an image; the next line is its caption
    Caption …
    Paragraph …
    Tin,, ảnh: Minh Châu                   closing byline, kept as the author

JSON Lines: one object per line with ``id``, ``body`` (paragraphs separated by ``\\n``) and
optional ``title``, ``summary``, ``url``, ``published`` (ISO 8601), ``author``, ``tags``, ``source``.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from .clock import VIETNAM
from .errors import BadArticle
from .models import Article
from .text import clean

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")

_DATE_LINE_RE = re.compile(
    r"^(?P<category>[^\d]*?)\s*(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})"
    r"(?:\s*[-–,]?\s*(?P<hour>\d{1,2})[:h](?P<minute>\d{2}))?\s*(?:\(?GMT\+7\)?)?$"
)
_IMAGE_LINE_RE = re.compile(r"[-–]\s*ảnh\s*\d+\s*$", re.IGNORECASE)
_BYLINE_RE = re.compile(
    r"^(?:(?:tin|bài|ảnh|video|clip|nhóm phóng viên|pv|ctv)[\s,;&/và]*)+:\s*(?P<name>\S.{0,80})$",
    re.IGNORECASE,
)


def _date_line(line: str) -> tuple[str | None, datetime] | None:
    match = _DATE_LINE_RE.match(line)
    if not match:
        return None
    try:
        published = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            tzinfo=VIETNAM,
        )
    except ValueError:
        return None
    category = match["category"].strip(" -–|,") or None
    return category, published


def parse_text_article(text: str, article_id: str, where: str | None = None) -> Article:
    """Parse one article in the seed's plain-text format."""
    where = where or article_id
    lines = [clean(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise BadArticle(where, "the file is empty")
    title, rest = lines[0], lines[1:]
    category = published = None
    if rest and (dated := _date_line(rest[0])):
        category, published = dated
        rest = rest[1:]
    author = None
    if rest and (byline := _BYLINE_RE.match(rest[-1])):
        author = byline["name"].strip()
        rest = rest[:-1]
    paragraphs: list[str] = []
    captions: list[str] = []
    lines_iter = iter(rest)
    for line in lines_iter:
        if _IMAGE_LINE_RE.search(line):
            caption = next(lines_iter, None)
            if caption is not None:
                captions.append(caption)
            continue
        paragraphs.append(line)
    if not paragraphs:
        raise BadArticle(where, "the article has no body text (only a title, date or captions)")
    return Article(
        id=article_id,
        title=title,
        paragraphs=tuple(paragraphs),
        published=published,
        author=author,
        category=category,
        captions=tuple(captions),
    )


def _optional_text(record: dict, key: str, where: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadArticle(where, f"field {key!r} must be a string, not {type(value).__name__}")
    return clean(value) or None


def parse_record(record: object, where: str) -> Article:
    """Parse one JSON Lines record (the format of ``../shared/data/README.md``)."""
    if not isinstance(record, dict):
        raise BadArticle(where, "a record must be a JSON object")
    article_id = record.get("id")
    if isinstance(article_id, int):
        article_id = str(article_id)
    if not isinstance(article_id, str) or not article_id.strip():
        raise BadArticle(where, "the record has no 'id'")
    body = record.get("body")
    if not isinstance(body, str):
        raise BadArticle(where, "the record has no 'body' text")
    paragraphs = tuple(p for p in (clean(line) for line in body.split("\n")) if p)
    if not paragraphs:
        raise BadArticle(where, "the body is empty")
    published = None
    if raw := _optional_text(record, "published", where):
        try:
            published = datetime.fromisoformat(raw)
        except ValueError:
            raise BadArticle(where, f"'published' is not an ISO 8601 date: {raw!r}") from None
        if published.tzinfo is None:
            published = published.replace(tzinfo=VIETNAM)
    tags = record.get("tags") or ()
    if not isinstance(tags, (list, tuple)):
        raise BadArticle(where, "'tags' must be a list")
    return Article(
        id=article_id.strip(),
        title=_optional_text(record, "title", where) or "",
        paragraphs=paragraphs,
        url=_optional_text(record, "url", where),
        published=published,
        source=_optional_text(record, "source", where),
        author=_optional_text(record, "author", where),
        summary=_optional_text(record, "summary", where),
        tags=tuple(clean(str(t)) for t in tags if str(t).strip()),
    )


def _decode(raw: bytes, where: str) -> str:
    if b"\x00" in raw[:8192]:
        raise BadArticle(where, "binary file (it contains NUL bytes), not an article")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadArticle(where, f"not UTF-8 text (bad byte at offset {exc.start})") from None


def is_article_file(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(TEXT_SUFFIXES + JSONL_SUFFIXES) and not name.startswith(".")


def _lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        yield from handle


def read_file(path: Path, limit: int | None = None) -> Iterator[Article | BadArticle]:
    """Articles of one file, with a :class:`BadArticle` in place of each unreadable one.

    A broken record does not stop the rest of a JSON Lines file; ``limit`` caps the records read.
    """
    where = str(path)
    name = path.name.lower()
    if name.endswith(TEXT_SUFFIXES):
        try:
            yield parse_text_article(_decode(path.read_bytes(), where), path.stem, where)
        except OSError as exc:
            yield BadArticle(where, f"cannot read the file: {exc.strerror or exc}")
        except BadArticle as bad:
            yield bad
        return
    if not name.endswith(JSONL_SUFFIXES):
        yield BadArticle(where, "not an article file (expected .txt, .jsonl or .jsonl.gz)")
        return
    count = 0
    try:
        for number, line in enumerate(_lines(path), start=1):
            if limit is not None and count >= limit:
                return
            if not line.strip():
                continue
            count += 1
            line_where = f"{where}:{number}"
            try:
                yield parse_record(json.loads(_decode(line, line_where)), line_where)
            except json.JSONDecodeError as exc:
                yield BadArticle(line_where, f"broken JSON ({exc.msg} at column {exc.colno})")
            except BadArticle as bad:
                yield bad
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        yield BadArticle(where, f"cannot read the file: {exc}")


def find_files(paths: list[Path]) -> Iterator[Path | BadArticle]:
    """Article files under the given files and folders (recursive, in name order)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if is_article_file(child):
                    yield child
        elif path.is_file():
            yield path
        else:
            yield BadArticle(str(path), "no such file or folder")
