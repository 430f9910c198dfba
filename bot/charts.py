"""``/trend`` as a picture: matching articles per day or week, a PNG drawn by matplotlib.

The Agg backend draws to memory (no display, safe on a server, one figure at a time behind
a lock: pyplot's state is global). :class:`ChartDrawer` draws on a thread of its own, so charts
never wait for (or hold up) the answer side's thread or the pool that reads inbox files, and
lets each chat have one chart in the making at a time. The series drawn is also written into the PNG's text
chunk ``hoitin-series`` (JSON), so what the picture shows can be read back and checked.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on a server
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.dates import DateFormatter, date2num  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from retrieval.answer import Trend  # noqa: E402

from .texts import text  # noqa: E402

SERIES_KEY = "hoitin-series"
_DRAWING = threading.Lock()


def trend_png(trend: Trend, lang: str) -> bytes:
    """The trend as a bar chart, PNG bytes, with its labels in ``lang``."""
    days = sorted(trend.counts)
    values = [trend.counts[d] for d in days]
    series = {d.isoformat(): n for d, n in zip(days, values)}
    with _DRAWING:
        figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
        try:
            axes.bar(date2num(days), values, width=6 if trend.weekly else 0.8, color="#1f77b4")
            # parse_math off: a query is drawn as typed, never as TeX (a "$" pair around a bad
            # command failed the chart, sixty nested square roots recursed past Python's limit).
            axes.set_title(text("trend_title", lang, query=trend.query), parse_math=False)
            axes.set_ylabel(text("trend_y", lang))
            axes.set_xlabel(text("trend_x_week" if trend.weekly else "trend_x_day", lang))
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
            axes.xaxis.set_major_formatter(DateFormatter("%d/%m/%y"))
            figure.autofmt_xdate()
            figure.tight_layout()
            out = io.BytesIO()
            figure.savefig(out, format="png", metadata={SERIES_KEY: json.dumps(series)})
        finally:
            plt.close(figure)
    return out.getvalue()


class ChartDrawer:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart")
        self._making: set[int] = set()  # chats with a chart in the making

    @contextmanager
    def one_per_chat(self, chat: int) -> Iterator[bool]:
        """True when this chat had no chart in the making (it has now, for the block)."""
        if chat in self._making:
            yield False
            return
        self._making.add(chat)
        try:
            yield True
        finally:
            self._making.discard(chat)

    async def draw(self, trend: Trend, lang: str) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self._pool, trend_png, trend, lang)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
