"""How the bot stops: Ctrl-C (SIGINT) or SIGTERM (systemd's default, sent to the whole process
group) ends it cleanly, the final save done, with the shell's exit codes: 130 after Ctrl-C,
0 after SIGTERM. The ingest child ignores both: its parent stops it after the final save."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """Which stop signal ended the process (``received``), and the exit code that says so."""

    def __init__(self) -> None:
        self.received: int | None = None

    def on_loop(self, loop: asyncio.AbstractEventLoop, then: Callable[[], None]) -> None:
        """On a stop signal, ``then()`` runs in ``loop`` (it raises ``SystemExit`` or sets an event)."""
        for number in STOP_SIGNALS:
            loop.add_signal_handler(number, self._stop, number, then)

    def in_main_thread(self) -> None:
        """On a stop signal, ``KeyboardInterrupt`` is raised where the main thread is (a console
        blocked on its input)."""
        for number in STOP_SIGNALS:
            signal.signal(number, self._interrupt)

    def _stop(self, number: int, then: Callable[[], None]) -> None:
        if self.received is None:
            log.info("%s: stopping", signal.Signals(number).name)
            self.received = number
        then()

    def _interrupt(self, number: int, frame: FrameType | None) -> None:
        self.received = self.received or number
        raise KeyboardInterrupt

    @property
    def exit_code(self) -> int:
        return 128 + signal.SIGINT if self.received == signal.SIGINT else 0


def raise_system_exit() -> NoReturn:
    """What python-telegram-bot's own stop signals do: ``run_polling`` then stops, saves, shuts down."""
    raise SystemExit


def ignore_stop_signals() -> None:
    """For the ingest child: the parent stops it after the final save (a Ctrl-C reaches the
    whole process group, and the child died mid-call with a traceback)."""
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
