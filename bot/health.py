"""The operator's HTTP endpoint of one bot process (``HOITIN_METRICS_PORT``).

``GET /healthz``: 200 ``ok`` when the article store, the index and the bot database answer
on the answer side, else 503 with one reason a line. ``GET /metrics``: :mod:`bot.metrics` in
the Prometheus text format, with the outbox and index gauges read at that moment.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from .metrics import Metrics
from .service import Service

log = logging.getLogger(__name__)


class HealthServer:
    def __init__(self, service: Service, metrics: Metrics, host: str, port: int) -> None:
        self.service = service
        self.metrics = metrics
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        log.info("health and metrics on http://%s:%d (/healthz, /metrics)", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        health = await self.service.health()
        if health.problems:
            log.warning("health check failed: %s", "; ".join(health.problems))
            return web.Response(status=503, text="\n".join(health.problems) + "\n")
        return web.Response(text="ok\n")

    async def _metrics(self, request: web.Request) -> web.Response:
        health = await self.service.health()
        m = self.metrics
        for status, count in health.outbox.items():
            m.outbox.labels(status).set(count)
        m.index_passages.set(health.index_passages)
        digits = "".join(c for c in health.index_generation if c.isdigit())
        m.index_generation.set(int(digits) if digits else 0)
        m.index_age.set(time.time() - health.index_saved if health.index_saved else 0)
        return web.Response(body=m.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})
