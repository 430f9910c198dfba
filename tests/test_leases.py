"""Several processes on one bot database (both backends): a chat's alerts are leased to one sender
at a time, a dead sender's lease expires, and the pace of one message a second is shared; named
leases (a feed's poll, the inbox) go to one taker of many."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot.chats import Chats
from bot.database import Database, open_database
from bot.leases import Leases, lease_owner
from bot.outbox import Outbox
from retrieval.articles import Article

CHATS, ARTICLES = 10, 5


def _filled(tmp_path: Path, backend: str | None) -> tuple[str, Database]:
    location = backend or str(tmp_path / "bot.sqlite3")
    db = open_database(location)
    chats, outbox = Chats(db), Outbox(db)
    for chat in range(1, CHATS + 1):
        chats.remember_language(chat, "vi")
        for article in range(ARTICLES):
            outbox.queue(article, Article(f"a{article}", f"Bài {article}", ("Nội dung.",)), chat, "tin")
    return location, db


def test_a_chat_is_one_sender_s_until_its_lease_ends(tmp_path: Path, backend: str | None) -> None:
    location, db = _filled(tmp_path, backend)
    a, b = Outbox(db), Outbox(open_database(location))
    now = 1_000.0
    mine, theirs = a.claim("A", now, 30, 1, chats=4), b.claim("B", now, 30, 1, chats=4)
    assert len({x.chat_id for x in mine}) == 4 and len({x.chat_id for x in theirs}) == 4
    assert {x.chat_id for x in mine}.isdisjoint({x.chat_id for x in theirs})
    for chat in {x.chat_id for x in mine}:  # each chat's rows in the order they were queued
        ids = [x.id for x in mine if x.chat_id == chat]
        assert ids == sorted(ids) and len(ids) == ARTICLES
    a_chats = {x.chat_id for x in mine}
    assert not a_chats & {x.chat_id for x in b.claim("B", now + 29, 30, 1, chats=CHATS)}  # A still holds them
    assert a_chats <= {x.chat_id for x in b.claim("B", now + 31, 30, 1, chats=CHATS)}  # A died: its lease ran out


def test_the_pace_is_shared_between_senders(tmp_path: Path, backend: str | None) -> None:
    location, db = _filled(tmp_path, backend)
    a, b = Outbox(db), Outbox(open_database(location))
    now = 1_000.0
    [chat] = {x.chat_id for x in a.claim("A", now, 30, 1, chats=1)}
    a.release("A", chat, now)  # A sent to it just now
    assert chat not in {x.chat_id for x in b.claim("B", now + 0.5, 30, 1, chats=CHATS)}
    assert chat in {x.chat_id for x in b.claim("B", now + 1.0, 30, 1, chats=CHATS)}


def test_racing_senders_send_every_alert_once(tmp_path: Path, backend: str | None) -> None:
    location, _ = _filled(tmp_path, backend)
    sent: list[tuple[str, int]] = []
    lock = threading.Lock()

    def sender(name: str) -> None:
        outbox = Outbox(open_database(location))
        clock = 1_000.0  # one moment for all: no lease expires, so a chat held is never taken
        while True:
            claimed = outbox.claim(name, clock, 30, 0, chats=2)
            if not claimed:
                if not outbox.pending():
                    return
                continue
            for chat in {x.chat_id for x in claimed}:
                ids = [x.id for x in claimed if x.chat_id == chat]
                outbox.mark_sent(ids, clock)
                with lock:
                    sent.extend((name, i) for i in ids)
                outbox.release(name, chat, clock)

    threads = [threading.Thread(target=sender, args=(name,)) for name in ("A", "B", "C")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    ids = [i for _, i in sent]
    assert len(ids) == CHATS * ARTICLES and len(set(ids)) == len(ids)  # every row once, none twice


def test_a_named_lease_is_one_owner_s_until_it_ends_or_is_given_back(tmp_path: Path, backend: str | None) -> None:
    location = backend or str(tmp_path / "bot.sqlite3")
    a, b = Leases(open_database(location)), Leases(open_database(location))
    assert a.take("inbox", "A", 1_000.0, 30)
    assert not b.take("inbox", "B", 1_010.0, 30)  # A holds it
    assert a.take("inbox", "A", 1_020.0, 30)  # renewed: until 1 050
    assert not b.take("inbox", "B", 1_040.0, 30)
    assert b.take("inbox", "B", 1_050.0, 30)  # A stopped renewing (died): B's now
    assert not a.take("inbox", "A", 1_060.0, 30)
    a.give_back("inbox", "A")  # not A's any more: nothing happens
    assert not a.take("inbox", "A", 1_061.0, 30)
    b.give_back("inbox", "B")
    assert a.take("inbox", "A", 1_062.0, 30)  # given back: free at once
    assert b.take("feed:https://x.vn/rss", "B", 1_062.0, 30)  # another name, another lease


def test_racing_takers_one_winner_each_round(tmp_path: Path, backend: str | None) -> None:
    location = backend or str(tmp_path / "bot.sqlite3")
    open_database(location).close()  # migrated once, before the race
    rounds, takers = 40, 4
    won: list[tuple[int, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(takers)

    def taker(name: str) -> None:
        leases = Leases(open_database(location))
        start.wait()
        for n in range(rounds):  # each round a lease of its own, all at one moment
            if leases.take(f"feed:{n}", name, 1_000.0, 30):
                with lock:
                    won.append((n, name))

    threads = [threading.Thread(target=taker, args=(f"T{i}",)) for i in range(takers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(n for n, _ in won) == list(range(rounds))  # every lease taken, each by exactly one


def test_a_lease_of_a_process_gone_from_this_host_is_taken_at_once(tmp_path: Path, backend: str | None) -> None:
    location = backend or str(tmp_path / "bot.sqlite3")
    leases = Leases(open_database(location))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = f"{socket.gethostname()}:{int(ended.stdout)}:0badc0de"  # killed mid-poll: it never gave the lease back
    assert leases.take("feed:x", dead, 1_000.0, 120)
    assert leases.take("feed:x", lease_owner(), 1_001.0, 120)  # restarted: no 120 s wait
    alive = f"{socket.gethostname()}:{os.getppid()}:0badc0de"  # a process of this host that runs
    elsewhere = f"another-host:{int(ended.stdout)}:0badc0de"  # or one of another host: nothing is known
    for holder in (alive, elsewhere):
        assert leases.take("feed:y", holder, 1_000.0, 120)
        assert not leases.take("feed:y", lease_owner(), 1_001.0, 120)
        leases.give_back("feed:y", holder)


def test_two_owners_of_one_process_never_take_each_other_s_lease(tmp_path: Path) -> None:
    leases = Leases(open_database(str(tmp_path / "bot.sqlite3")))
    first, second = lease_owner(), lease_owner()  # two bots in one process (as in tests)
    assert leases.take("inbox", first, 1_000.0, 15)
    assert not leases.take("inbox", second, 1_001.0, 15)
    before_restart = f"{socket.gethostname()}:{os.getpid()}:0badc0de"  # this pid, a name it never made
    assert leases.take("feed:z", before_restart, 1_000.0, 120)
    assert leases.take("feed:z", first, 1_001.0, 120)


def test_chats_leased_to_a_sender_gone_from_this_host_are_freed(tmp_path: Path, backend: str | None) -> None:
    location, db = _filled(tmp_path, backend)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = f"{socket.gethostname()}:{int(ended.stdout)}:0badc0de"
    elsewhere = f"another-host:{int(ended.stdout)}:0badc0de"
    outbox = Outbox(db)
    now = time.time()
    held = {x.chat_id for x in outbox.claim(dead, now, 30, 1, chats=3)}
    other = {x.chat_id for x in outbox.claim(elsewhere, now, 30, 1, chats=3)}
    assert outbox.free_gone(now + 1) == 3  # the dead sender's; the other host's are left to run out
    restarted = {x.chat_id for x in outbox.claim(lease_owner(), now + 1, 30, 1, chats=CHATS)}
    assert held <= restarted and not other & restarted
