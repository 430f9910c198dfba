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

import errno
import gzip
import json
import os
import re
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from ..errors import BadArticle
from ..text import VIETNAM, believable, clean
from .article import Article

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


def _check_size(paragraphs: list[str] | tuple[str, ...], where: str, limits: ReadLimits) -> None:
    if len(paragraphs) > limits.paragraphs:
        raise BadArticle(where, f"the article has {len(paragraphs):,} paragraphs, over the {limits.paragraphs:,} allowed")
    chars = sum(len(p) for p in paragraphs)
    if chars > limits.article_chars:
        raise BadArticle(where, f"the article has {chars:,} characters, over the {limits.article_chars:,} allowed")


def parse_text_article(text: str, article_id: str, where: str | None = None,
                       limits: ReadLimits | None = None) -> Article:
    """Parse one article in the seed's plain-text format."""
    where = where or article_id
    lines = [clean(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise BadArticle(where, "the file is empty")
    title, rest = lines[0], lines[1:]
    category = published = None
    if rest and (dated := _date_line(rest[0])):
        category, published = dated[0], believable(dated[1])
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
    _check_size(paragraphs, where, limits or ReadLimits())
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


def parse_record(record: object, where: str, limits: ReadLimits | None = None) -> Article:
    """Parse one JSON Lines record (the format of ``../shared/data/README.md``)."""
    if not isinstance(record, dict):
        raise BadArticle(where, "a record must be a JSON object")
    article_id = record.get("id")
    if isinstance(article_id, int) and not isinstance(article_id, bool):  # true is no id, 17 is "17"
        article_id = str(article_id)
    if not isinstance(article_id, str) or not article_id.strip():
        raise BadArticle(where, "the record has no 'id'")
    body = record.get("body")
    if not isinstance(body, str):
        raise BadArticle(where, "the record has no 'body' text")
    limits = limits or ReadLimits()
    if len(body) > limits.article_chars * 2:  # refused before cleaning: cleaning a huge body costs time too
        raise BadArticle(where, f"the body has {len(body):,} characters, over the {limits.article_chars:,} allowed")
    paragraphs = tuple(p for p in (clean(line) for line in body.split("\n")) if p)
    if not paragraphs:
        raise BadArticle(where, "the body is empty")
    _check_size(paragraphs, where, limits)
    published = None
    if raw := _optional_text(record, "published", where):
        try:
            published = datetime.fromisoformat(raw)
        except ValueError:
            raise BadArticle(where, f"'published' is not an ISO 8601 date: {raw!r}") from None
        if published.tzinfo is None:
            published = published.replace(tzinfo=VIETNAM)
        published = believable(published)
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


@dataclass(frozen=True)
class ReadLimits:
    """How much of a file is read, so that no file can exhaust memory or time.

    A record over a limit is skipped with its reason; a file past ``file_bytes`` (counted
    after decompression, while reading: a small gzip never inflates past it) stops there,
    keeping the records read so far.
    """

    line_bytes: int = 4 << 20  # one JSON Lines record, or one plain-text article file
    file_bytes: int = 1 << 30  # a whole file, decompressed
    article_chars: int = 400_000  # the text of one article (a long feature is ~50,000)
    paragraphs: int = 2_000
    json_depth: int = 20  # nesting of arrays and objects in one record (an article needs 2)
    bad_records: int = 1_000  # unreadable records after which the inbox rejects a file whole


_CHUNK = 1 << 20
_NONBLANK_LINE_RE = re.compile(rb"[^\n]*[^\s][^\n]*")  # bytes.split would make a list of every blank line


def _open_regular(path: Path, single_link: bool = False) -> BinaryIO:
    """The file for reading, if it is a regular file reached without following a symbolic link
    (and, with ``single_link``, with no other name: a hard link may be to a file kept elsewhere)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise BadArticle(str(path), "not a regular file (a device, a pipe or a folder): not read")
        if single_link and found.st_nlink > 1:
            raise BadArticle(str(path), f"a hard link (the file has {found.st_nlink} names): not read; copy the file in")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _lines(handle: BinaryIO, limits: ReadLimits, where: str) -> Iterator[tuple[int, bytes] | BadArticle]:
    """(line number, line) of every non-blank line, within the limits; a BadArticle for each
    line over ``line_bytes`` (read past, never held whole) and for a file over ``file_bytes``."""
    number, total, pending, skipping = 1, 0, b"", False  # number: the line ``pending`` belongs to
    while chunk := handle.read(_CHUNK):
        total += len(chunk)
        if total > limits.file_bytes:
            yield BadArticle(where, f"the file is over {limits.file_bytes:,} bytes (decompressed): stopped reading there")
            return
        data, start = pending + chunk, 0
        if skipping:  # still inside a line already refused
            first = data.find(b"\n")
            if first < 0:
                pending = b""
                continue
            skipping, start, number = False, first + 1, number + 1
        end = data.rfind(b"\n") + 1  # the complete lines end here
        if end > start:
            position = start
            for match in _NONBLANK_LINE_RE.finditer(data, start, end):
                number += data.count(b"\n", position, match.start())
                position = match.start()
                if len(match[0]) > limits.line_bytes:
                    yield BadArticle(f"{where}:{number}", f"the line is over {limits.line_bytes:,} bytes")
                else:
                    yield number, match[0]
            number += data.count(b"\n", position, end)
            pending = data[end:]
        else:
            pending = data[start:]
        if len(pending) > limits.line_bytes:
            yield BadArticle(f"{where}:{number}", f"the line is over {limits.line_bytes:,} bytes")
            pending, skipping = b"", True
    if pending.strip() and not skipping:
        yield number, pending


def json_depth_over(raw: bytes, limit: int) -> bool:
    """Whether a JSON text nests arrays and objects deeper than ``limit``, found without recursion
    (``json.loads`` recurses once per level and a 5,000-deep line overflows the stack)."""
    depth, in_string = 0, False
    for match in _JSON_TOKEN_RE.finditer(raw):
        token = match[0]
        if token == b'"':
            in_string = not in_string
        elif in_string:
            continue  # a bracket or an escape inside a string
        elif token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


_JSON_TOKEN_RE = re.compile(rb'\\.|["\[\]{}]')


def read_file(path: Path, limit: int | None = None, limits: ReadLimits = ReadLimits(), *,
              single_link: bool = False) -> Iterator[Article | BadArticle]:
    """Articles of one file, with a :class:`BadArticle` in place of each unreadable one.

    A broken record does not stop the rest of a JSON Lines file; ``limit`` caps the records read.
    Symbolic links are not followed and only regular files are read; with ``single_link``, only
    files with one name (the inbox: a hard link dropped there could name a file kept elsewhere).
    """
    where = str(path)
    name = path.name.lower()
    if not name.endswith(TEXT_SUFFIXES + JSONL_SUFFIXES):
        yield BadArticle(where, "not an article file (expected .txt, .jsonl or .jsonl.gz)")
        return
    try:
        handle = _open_regular(path, single_link)
    except BadArticle as bad:
        yield bad
        return
    except OSError as exc:
        reason = "a symbolic link: not followed" if exc.errno == errno.ELOOP else f"cannot read the file: {exc.strerror or exc}"
        yield BadArticle(where, reason)
        return
    with handle:
        if name.endswith(TEXT_SUFFIXES):
            yield _read_text(handle, path, limits)
            return
        yield from _read_jsonl(handle, where, limit, limits)


def _read_text(handle: BinaryIO, path: Path, limits: ReadLimits) -> Article | BadArticle:
    where = str(path)
    try:
        raw = handle.read(limits.line_bytes + 1)
        if len(raw) > limits.line_bytes:
            return BadArticle(where, f"the file is over {limits.line_bytes:,} bytes: not one article")
        return parse_text_article(_decode(raw, where), path.stem, where, limits)
    except OSError as exc:
        return BadArticle(where, f"cannot read the file: {exc.strerror or exc}")
    except BadArticle as bad:
        return bad


def _read_jsonl(handle: BinaryIO, where: str, limit: int | None, limits: ReadLimits) -> Iterator[Article | BadArticle]:
    count = 0
    stream: BinaryIO = gzip.GzipFile(fileobj=handle) if where.lower().endswith(".gz") else handle  # type: ignore[assignment]
    try:
        for item in _lines(stream, limits, where):
            if isinstance(item, BadArticle):
                yield item
                continue
            if limit is not None and count >= limit:
                return
            count += 1
            number, line = item
            yield _record(line, f"{where}:{number}", limits)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        yield BadArticle(where, f"cannot read the file: {exc}")


def _record(line: bytes, where: str, limits: ReadLimits) -> Article | BadArticle:
    """One JSON Lines record, or why it is not an article: never an exception."""
    try:
        if json_depth_over(line, limits.json_depth):
            return BadArticle(where, f"JSON nested deeper than {limits.json_depth} levels")
        return parse_record(json.loads(_decode(line, where)), where, limits)
    except json.JSONDecodeError as exc:
        return BadArticle(where, f"broken JSON ({exc.msg} at column {exc.colno})")
    except BadArticle as bad:
        return bad
    except (ValueError, TypeError, RecursionError) as exc:  # whatever else a hostile record finds
        return BadArticle(where, f"unreadable record ({type(exc).__name__}: {str(exc)[:200]})")


def find_files(paths: list[Path]) -> Iterator[Path | BadArticle]:
    """Article files under the given files and folders (recursive, in name order).

    Symbolic links, to files or folders, are never followed: each is reported instead.
    """
    for path in paths:
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            yield BadArticle(str(path), "no such file or folder")
            continue
        if stat.S_ISDIR(mode):
            yield from _walk(path)
        elif stat.S_ISLNK(mode):
            yield BadArticle(str(path), "a symbolic link: not followed")
        else:
            yield path


def _walk(folder: Path) -> Iterator[Path | BadArticle]:
    for root, dirs, files in os.walk(folder, followlinks=False):
        here = Path(root)
        for name in sorted(dirs):
            if (here / name).is_symlink():
                yield BadArticle(str(here / name), "a symbolic link: not followed")
        dirs.sort()
        for name in sorted(files):
            child = here / name
            if child.is_symlink():
                yield BadArticle(str(child), "a symbolic link: not followed")
            elif is_article_file(child):
                yield child
