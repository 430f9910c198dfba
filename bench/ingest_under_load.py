"""Answers while ingesting: question latency in a running bot while its inbox takes 3,000 articles.

    python bench/ingest_under_load.py [--articles 3000] [--questions 200]

Runs the real application (jobs, inbox, delivery) over the fake Bot API on a temporary data
folder with seeds/ ingested. First a reference run: the questions alone. Then the measured run:
one .jsonl file of the first N baomoi-2017 articles (../shared/data) is dropped into the inbox
and, until the bot has ingested it, the same questions keep arriving from other chats, ten a
second, each answered concurrently and timed from its update to the bot's reply. Prints one JSON object: median, p95
and max latency of both runs, their ratio, how many questions got no reply, and how long the
ingest took. Needs ../shared/data.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import NEWS, summary  # noqa: E402
from telegram import Update  # noqa: E402

from bot.app import prepare_library  # noqa: E402
from tests.bot_harness import running_bot  # noqa: E402
from tests.fake_telegram import message  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "data" / "qa" / "news-dev-questions.jsonl"
GAP = 0.1  # seconds between two questions (ten readers' questions a second)


def questions(count: int) -> list[str]:
    with open(QUESTIONS, encoding="utf-8") as lines:
        asked = [json.loads(line)["question"] for line in lines if line.strip()]
    return (asked * (count // len(asked) + 1))[:count]


def write_batch(path: Path, count: int) -> None:
    written = 0
    with gzip.open(NEWS, "rt", encoding="utf-8") as source, open(path.with_suffix(".part"), "w", encoding="utf-8") as out:
        for line in source:
            if written >= count:
                break
            if line.strip():
                out.write(line if line.endswith("\n") else line + "\n")
                written += 1
    os.replace(path.with_suffix(".part"), path)


async def ask_all(bot, asked: list[str], first_chat: int, until=None) -> tuple[list[float], int]:  # noqa: ANN001
    """Questions arriving as readers send them: one every ``GAP`` seconds, each from a chat of
    its own and answered concurrently (a question never waits for the one before it to be
    sent). Every question is asked once; with ``until``, they go on round and round until it
    is true, so the whole ingest is covered. Each is timed from its update to the bot's reply."""
    latencies: list[float] = []
    tasks = []

    async def one(question: str, chat: int) -> None:
        start = time.perf_counter()
        await bot.app.process_update(Update.de_json({"update_id": chat, **message(question, user_id=chat)},
                                                    bot.app.bot))
        latencies.append((time.perf_counter() - start) * 1000)

    number = 0
    while number < len(asked) or (until is not None and not until()):
        tasks.append(asyncio.create_task(one(asked[number % len(asked)], first_chat + number)))
        number += 1
        await asyncio.sleep(GAP)
    await asyncio.gather(*tasks)
    lost = sum(1 for n in range(number) if not bot.sent_to(first_chat + n))
    return latencies, lost


async def run(articles: int, count: int) -> dict[str, object]:
    asked = questions(count)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        prepare_library(data, ROOT / "seeds").close()
        async with running_bot(data, poll_seconds=1.0) as bot:
            reference, reference_lost = await ask_all(bot, asked, 10_000)
            inbox = bot.settings.inbox
            started = time.perf_counter()
            write_batch(inbox / "batch.jsonl", articles)
            await asyncio.sleep(3.0)  # the inbox settles (1 s) and scans (1 s): the ingest is under way

            def done() -> bool:
                return (inbox / "processed" / "batch.jsonl").exists() or (inbox / "rejected" / "batch.jsonl").exists()

            loaded, loaded_lost = await ask_all(bot, asked, 20_000, until=done)
            ingest_seconds = time.perf_counter() - started
            stats = await bot.service.stats()
    ref, under = summary(reference, 1), summary(loaded, 1)
    return {
        "benchmark": "answers while the inbox ingests",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "articles_ingested": articles,
        "questions": count,
        "questions_during_ingest": len(loaded),
        "reference_ms": ref,
        "during_ingest_ms": under,
        "ratio_median": round(under["median"] / ref["median"], 2),
        "ratio_p95": round(under["p95"] / ref["p95"], 2),
        "lost": reference_lost + loaded_lost,
        "ingest_seconds": round(ingest_seconds, 1),
        "index_articles_after": stats.articles,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=3000, help="baomoi articles dropped in the inbox (default 3000)")
    parser.add_argument("--questions", type=int, default=200, help="questions asked meanwhile (default 200)")
    args = parser.parse_args()
    if not NEWS.exists():
        print(f"needs {NEWS} (../shared/data)", file=sys.stderr)
        return 2
    print(json.dumps(asyncio.run(run(args.articles, args.questions)), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
