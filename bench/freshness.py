"""Freshness: seconds from a file landing in the inbox of the running bot to its answer.

    python bench/freshness.py [--data-dir DIR] [--runs 5]

Runs the real application (jobs included) over a fake Bot API, on DIR (default: a temporary
folder with seeds/ ingested; pass an evaluation folder such as data/eval/<hash> for a large
index; it is used in place, one test article per run is added to it). Each run writes a new
article into the inbox and asks its question every 50 ms until the answer cites it.
Prints one JSON object: the seconds (median, p95, min, max) and the index size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import summary  # noqa: E402

from bot.app import prepare_library  # noqa: E402
from retrieval.text import VIETNAM  # noqa: E402
from tests.bot_harness import running_bot  # noqa: E402


async def run(data_dir: Path, runs: int) -> dict[str, object]:
    seconds: list[float] = []
    async with running_bot(data_dir, poll_seconds=2.0) as bot:
        stats = bot.service.library.stats()
        for number in range(runs):
            tag = uuid.uuid4().hex[:8]
            name = f"Phạm Quốc Vinh{number}"
            body = (f"Kỹ sư {name} ở xã Tân Hiệp vừa chế tạo thành công máy gặt mã số {tag} "
                    f"dùng năng lượng mặt trời cho nông dân.")
            when = datetime.now(VIETNAM)
            tmp = bot.settings.inbox / f"{tag}.txt.part"
            tmp.write_text(f"Máy gặt {tag}\n\nKhoa học {when:%d/%m/%Y - %H:%M}\n\n{body}\n", encoding="utf-8")
            started = time.monotonic()
            os.replace(tmp, bot.settings.inbox / f"{tag}.txt")
            while True:
                answer = (await bot.service.answers.answer(1, f"Máy gặt mã số {tag} do ai chế tạo?")).answer
                if answer.found and answer.sentences[0].citation.article_id == tag:
                    break
                await asyncio.sleep(0.05)
            seconds.append(time.monotonic() - started)
    return {
        "benchmark": "inbox to answerable",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "articles": stats.articles, "passages": stats.passages,
        "settings": {"poll_seconds": 2.0, "settle_seconds": 1.0, "runs": runs},
        "seconds": summary(seconds, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="a data folder to use in place (default: seeds in a temp folder)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(folder)
            prepare_library(data_dir, ROOT / "seeds").close()
        print(json.dumps(asyncio.run(run(data_dir, args.runs)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
