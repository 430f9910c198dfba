"""The inbox folder: article files dropped in are ingested once complete, then filed away.

A file is complete when its size and modification time have not changed between two scans
and it is at least :data:`SETTLE_SECONDS` old, so one still being copied is never read half-way
(names starting with ``.`` or ending ``.tmp``/``.part`` are never read: write to one of those
and rename, for an instant hand-over). Afterwards it moves to ``processed/``, or to
``rejected/`` with ``<name>.reason.txt`` saying why; lines skipped inside a processed file
are listed in a reason file too. A reason file holds the first :data:`REASONS_KEPT` reasons and
how many there were; a file with more than ``ReadLimits.bad_records`` unreadable records is
rejected whole as soon as that many are found, so a small gzip of millions of bad lines costs
neither memory nor time.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from retrieval.articles import Article, ReadLimits, read_file
from retrieval.errors import BadArticle

from .service import Service

log = logging.getLogger(__name__)

_IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".reason.txt")
REASONS_KEPT = 20  # reasons a reason file lists; the others are counted
SETTLE_SECONDS = 1.0  # how long a file must be left alone before it is read
INBOX_LEASE = "inbox"  # the lease of the worker that looks at the inbox (one of several)
INBOX_LEASE_SECONDS = 15.0  # renewed at every look, before every file, and every few seconds while a file
                            # is read (bot.background): a worker that died hands over this soon


class InboxError(RuntimeError):
    """The inbox cannot be used as it is; the message says what to change."""


@dataclass
class Problems:
    """What could not be read or stored of one file: the first :data:`REASONS_KEPT` reasons and
    how many there were, in memory that does not grow with the file."""

    kept: list[BadArticle] = field(default_factory=list)
    count: int = 0

    def add(self, bad: BadArticle) -> None:
        self.count += 1
        if len(self.kept) < REASONS_KEPT:
            self.kept.append(bad)

    def verdict(self, bad: BadArticle) -> None:
        """A reason that decides the file's fate: always kept, and listed first."""
        self.count += 1
        self.kept.insert(0, bad)

    def text(self) -> str:
        """The reason file's text."""
        more = self.count - len(self.kept)
        return "".join(f"{bad}\n" for bad in self.kept) + (f"… and {more:,} more problems\n" if more else "")


@dataclass
class Inbox:
    """The watched folder. Entries are looked at with ``lstat``: a symbolic link, a device or a
    pipe is never opened through its name; it is moved to ``rejected/`` with the reason."""

    folder: Path
    limits: ReadLimits
    _seen: dict[Path, tuple[int, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("processed", "rejected"):
            self._subfolder(name).mkdir(parents=True, exist_ok=True)

    def _subfolder(self, name: str) -> Path:
        path = self.folder / name
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            raise InboxError(f"{path} must be a folder, not a link or a file: move it away and restart")
        return path

    def ready(self, now: float | None = None) -> list[Path]:
        """Entries that stopped changing since the previous scan, oldest first (folders skipped)."""
        now = time.time() if now is None else now
        current: dict[Path, tuple[int, float]] = {}
        for path in self.folder.iterdir():
            if path.name.startswith(".") or path.name.endswith(_IGNORED_SUFFIXES):
                continue
            entry = path.lstat()
            if not stat.S_ISDIR(entry.st_mode):
                current[path] = (entry.st_size, entry.st_mtime)
        ready = [p for p, sig in current.items() if self._seen.get(p) == sig and now - sig[1] >= SETTLE_SECONDS]
        self._seen = {p: sig for p, sig in current.items() if p not in ready}
        return sorted(ready, key=lambda p: current[p][1])

    def file_away(self, path: Path, read: int, problems: Problems) -> Path:
        """Move a handled file out of the inbox; rejected when not one article could be read."""
        rejected = read == 0
        if rejected and not problems.count:
            problems.add(BadArticle(path.name, "no article in the file"))
        target = _free_name(self._subfolder("rejected" if rejected else "processed") / path.name)
        os.replace(path, target)  # a link moves as the link itself: it is never followed
        if problems.count:
            with open(_free_name(target.with_name(target.name + ".reason.txt")), "x", encoding="utf-8") as out:
                out.write(problems.text())  # "x": never written through a link someone left under that name
        log.log(logging.WARNING if rejected else logging.INFO, "inbox: %s → %s (%d article(s), %d problem(s))",
                path.name, target.parent.name, read, problems.count)
        return target


def _free_name(path: Path) -> Path:
    """``path``, or the same name with a time stamp when that is taken."""
    if not os.path.lexists(path):
        return path
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return path.with_name(f"{stamp}-{path.name}")


def read_inbox_file(path: Path, limits: ReadLimits) -> tuple[list[Article], Problems]:
    """The articles of one dropped file, and what could not be read (``read_file`` turns a wrong
    kind of file and every read error into a reason). Past ``limits.bad_records`` unreadable
    records the file is not read further and none of its articles is taken."""
    articles: list[Article] = []
    problems = Problems()
    for item in read_file(path, limits=limits, single_link=True):
        if isinstance(item, Article):
            articles.append(item)
            continue
        problems.add(item)
        if problems.count > limits.bad_records:
            problems.verdict(BadArticle(path.name, f"over {limits.bad_records:,} unreadable records: the file is "
                                                   "rejected whole, not read past the last one counted"))
            return [], problems
    return articles, problems


async def scan(inbox: Inbox, service: Service, owner: str) -> int:
    """Ingest every complete file in the inbox; articles new or changed. One file that fails in
    a way nobody foresaw is rejected with the error (and logged as the bug it is), never retried
    forever, and the files behind it are still read.

    Of several workers over one data folder, the one holding the inbox lease (``owner``: this
    process) looks; it keeps the lease while it lives, so a file settles in its two looks. Were
    a file still read by a holder that stalled past its lease, the worker after it would find
    its articles unchanged: ingest is idempotent.
    """
    changed = 0
    if not await service.leases.take(INBOX_LEASE, owner, INBOX_LEASE_SECONDS):
        return 0
    for path in inbox.ready():
        if not await service.leases.take(INBOX_LEASE, owner, INBOX_LEASE_SECONDS):
            break  # this process stalled past its lease: the worker holding it now reads the rest
        try:
            articles, problems = await asyncio.to_thread(read_inbox_file, path, inbox.limits)  # no database: not the worker
        except Exception as exc:  # a bug in reading: reject this file, go on with the others
            log.exception("inbox: reading %s failed", path.name)
            articles, problems = [], Problems()
            problems.add(BadArticle(path.name, f"could not be read ({type(exc).__name__}: {exc})"))
        report = await service.new_articles.ingest(articles) if articles else None
        if report is not None:
            for bad in report.skipped:
                problems.add(bad)
            changed += report.ingested + report.replaced
            log.info("inbox: %s: %s", path.name, report.summary())
        try:
            inbox.file_away(path, len(articles) - (len(report.skipped) if report else 0), problems)
        except FileNotFoundError:
            log.warning("inbox: %s vanished before it was filed away", path.name)
    return changed
