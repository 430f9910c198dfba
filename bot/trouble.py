"""Writes that fail for a while (a full disk): said once when they start failing and once when
they work again, and reported by ``/healthz`` meanwhile, instead of an error line at every try."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class WriteTrouble:
    """Whether writing ``what`` fails now, and why (``reason``: None while writes work)."""

    def __init__(self, what: str, consequence: str) -> None:
        self.what = what
        self.consequence = consequence  # what readers see meanwhile, for the log line
        self.reason: str | None = None

    def failed(self, exc: BaseException) -> None:
        if self.reason is None:
            full = "full" in str(exc).lower() or getattr(exc, "errno", None) == 28  # ENOSPC
            log.error("%s cannot be written: %s (%s); %s until it can", self.what,
                      "the disk is full" if full else "a write failed", exc, self.consequence)
        self.reason = str(exc)

    def worked(self) -> None:
        if self.reason is not None:
            log.info("%s can be written again", self.what)
        self.reason = None

    @property
    def problem(self) -> str | None:
        """The line ``/healthz`` reports while writes fail."""
        return None if self.reason is None else f"{self.what}: cannot be written ({self.reason})"
