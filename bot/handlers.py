"""Telegram handlers: read the update, call one named method of the service, format, reply.

Each public method is registered by :func:`bot.app.build`. Sending goes through
:meth:`Handlers.reply`, which splits long messages and retries a send that failed on the
network (not one Telegram refused: those go to :meth:`Handlers.on_error`).
"""

from __future__ import annotations

from .administering import AdminHandlers
from .asking import AskingHandlers
from .chatting import ChatHandlers


class Handlers(AskingHandlers, ChatHandlers, AdminHandlers):
    """Every handler :func:`bot.app.add_handlers` registers, by feature: what readers ask
    (:mod:`bot.asking`), a chat's settings (:mod:`bot.chatting`), admins' commands
    (:mod:`bot.administering`), all on :class:`~bot.replying.Replying`."""
