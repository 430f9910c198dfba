"""Things that fail for a while (a full disk, a folder replaced by a file): said once when they
start failing, again only when the reason changes, and once when they work again, and reported
by ``/healthz`` meanwhile, instead of an error line at every try."""

from __future__ import annotations

import errno
import logging

log = logging.getLogger(__name__)


class Trouble:
    """Whether ``what`` fails now, and why (``reason``: None while it works).

    ``failing`` and ``recovered`` finish the log lines ("the answer log" + "cannot be written");
    ``consequence`` says what happens meanwhile.
    """

    def __init__(self, what: str, failing: str, recovered: str, consequence: str) -> None:
        self.what = what
        self.failing = failing
        self.recovered = recovered
        self.consequence = consequence
        self.reason: str | None = None

    def failed(self, exc: BaseException, *, bug: bool = False) -> None:
        """``exc`` happened; ``bug``: nothing foreseen, so its traceback is logged (once)."""
        reason = str(exc) or type(exc).__name__
        if reason != self.reason:
            full = "full" in reason.lower() or getattr(exc, "errno", None) == errno.ENOSPC
            cause = "the disk is full" if full else type(exc).__name__
            log.error("%s %s: %s (%s); %s", self.what, self.failing, cause, reason, self.consequence,
                      exc_info=exc if bug else None)
        self.reason = reason

    def worked(self) -> None:
        if self.reason is not None:
            log.info("%s %s", self.what, self.recovered)
        self.reason = None

    @property
    def problem(self) -> str | None:
        """The line ``/healthz`` reports while it fails."""
        return None if self.reason is None else f"{self.what}: {self.failing} ({self.reason})"


class Troubles:
    """Every :class:`Trouble` of one process, for ``/healthz``."""

    def __init__(self) -> None:
        self._all: list[Trouble] = []

    def new(self, what: str, failing: str, recovered: str, consequence: str) -> Trouble:
        trouble = Trouble(what, failing, recovered, consequence)
        self._all.append(trouble)
        return trouble

    def problems(self) -> list[str]:
        return [problem for trouble in self._all if (problem := trouble.problem) is not None]
