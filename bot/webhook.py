"""The webhook's own guard: how big a body python-telegram-bot's web server reads.

``Application.run_webhook`` serves with tornado, whose ``HTTPServer`` reads a body whole
(100 MB by default) before the handler checks the secret: eight 90 MB posts without the
secret grew the process by ~1 GB. tornado refuses a body over ``max_body_size`` from its
Content-Length before reading it (400, connection closed) and counts chunked bodies as they
come; python-telegram-bot gives no way to pass that option, so it is set as tornado's
documented class-wide default (``Configurable.configure``) before the server is made.
"""

from __future__ import annotations

from tornado.httpserver import HTTPServer

WEBHOOK_MAX_BODY = 1 << 20  # bytes; a Telegram update is a few KB; deploy/Caddyfile refuses the same at the proxy


def limit_webhook_bodies(max_bytes: int = WEBHOOK_MAX_BODY) -> None:
    """Every tornado HTTP server made from now on refuses bodies over ``max_bytes``."""
    HTTPServer.configure(None, max_body_size=max_bytes)
