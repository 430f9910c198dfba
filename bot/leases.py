"""Named leases in the bot database: work that only one process of several may do at a time.

A lease is taken by an owner (a process: ``host:pid:random``) for some seconds; until it ends
nobody else can take it, while its owner may take it again to renew it, or give it back. A
process that dies holds its leases only until they end. Workers lease a feed's poll and the
inbox; the outbox leases chats in its own table (:meth:`bot.outbox.Outbox.claim`).

Taking is one statement (an upsert whose update only happens when the lease is free or already
the taker's), so two processes racing for a lease cannot both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
import socket

from .database import Database

_NAMED: set[str] = set()  # the owners this process made (a test runs several bots in one process)


def lease_owner() -> str:
    """A name for this process in leases: unique, and telling an operator which host and pid."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    _NAMED.add(owner)
    return owner


def gone(owner: str) -> bool:
    """Whether ``owner`` was a process of this host that has ended: no process has its pid, or
    this one has and did not make that name (a container restarted: same host name, same pid,
    another process). A process of another host is never known to be gone: its leases run out."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return owner not in _NAMED
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


class Leases:
    def __init__(self, db: Database) -> None:
        self._db = db

    def take(self, name: str, owner: str, now: float, seconds: float) -> bool:
        """Take (or renew) lease ``name`` for ``seconds`` from ``now``; whether ``owner`` holds it."""
        row = self._db.execute(
            "INSERT INTO leases (name, owner, until) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE"
            " SET owner = excluded.owner, until = excluded.until"
            " WHERE leases.until <= ? OR leases.owner = excluded.owner RETURNING owner",
            (name, owner, now + seconds, now)).fetchone()
        if row is not None:
            return True
        holder = self._db.execute("SELECT owner FROM leases WHERE name = ?", (name,)).fetchone()
        if holder is None or not gone(holder[0]):
            return False
        # A process of this host that is no more (killed, crashed: a restart): its lease is void.
        return self._db.execute("UPDATE leases SET owner = ?, until = ? WHERE name = ? AND owner = ? RETURNING owner",
                                (owner, now + seconds, name, holder[0])).fetchone() is not None

    def give_back(self, name: str, owner: str) -> None:
        """End ``owner``'s lease ``name`` now (nothing happens when another holds it)."""
        self._db.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, owner))
