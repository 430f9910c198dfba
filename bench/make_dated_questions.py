"""Write tests/data/dated-questions.jsonl: 40 questions whose answer depends on *when*.

Each asks about a match of Việt Nam against one opponent that the vnexpress-bongda corpus
(../shared/data/news/vnexpress-bongda.jsonl.gz) reports in several different years, with a
time expression that picks one period: a calendar year or month ("năm 2019", "tháng 11/2018")
or, with the question's ``now`` set after one article, a relative one ("hôm qua", "tuần
trước", "tháng trước", "năm ngoái"). ``articles`` lists every article about that opponent
published in that period: any of them first counts as right. Deterministic; run once, the
file is committed (ids only, no article text).

    python bench/make_dated_questions.py ../shared/data/news/vnexpress-bongda.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from retrieval.text import read_time

OPPONENTS = ("Indonesia", "Thái Lan", "Malaysia", "Philippines", "Singapore", "Myanmar", "Hàn Quốc", "Nhật Bản",
             "Trung Quốc", "UAE")
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "dated-questions.jsonl"
RELATIVE = (("hôm qua", timedelta(days=1)), ("tuần trước", timedelta(days=7)),
            ("tháng trước", timedelta(days=31)), ("năm ngoái", timedelta(days=366)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    args = parser.parse_args()
    with gzip.open(args.corpus, "rt", encoding="utf-8") as handle:
        articles = [json.loads(line) for line in handle if line.strip()]
    about: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for a in articles:
        for opponent in OPPONENTS:
            if a.get("published") and "Việt Nam" in a["title"] and re.search(rf"\b{opponent}\b", a["title"]):
                about[opponent].append((datetime.fromisoformat(a["published"]), a["id"]))
    questions: list[dict[str, object]] = []

    def add(opponent: str, phrase: str, now: datetime) -> None:
        text = f"Trận Việt Nam gặp {opponent} {phrase} kết thúc thế nào?"
        _, frame = read_time(text, now)
        assert frame is not None and frame.is_range, text
        right = sorted(i for when, i in about[opponent] if frame.holds(when))
        if right and len(right) < len(about[opponent]):  # the time must matter
            questions.append({"id": f"dated-{len(questions) + 1:02d}", "question": text, "now": now.isoformat(),
                              "articles": right, "time": phrase})

    for opponent in OPPONENTS:  # calendar years, then months, up to two of each an opponent
        years = sorted({when.year for when, _ in about[opponent]})
        if len(years) < 2:
            continue
        last = max(when for when, _ in about[opponent])
        for year in years[:2]:
            add(opponent, f"năm {year}", last)
        first = min(about[opponent])[0]
        add(opponent, f"tháng {first.month}/{first.year}", last)
    for number, (phrase, after) in enumerate(RELATIVE * 4):  # relative: now set just after one article
        opponent = [o for o in OPPONENTS if len({w.year for w, _ in about[o]}) >= 2][number % 8]
        when, _ = sorted(about[opponent])[(number * 3) % len(about[opponent])]
        add(opponent, phrase, when + after)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions[:40]), encoding="utf-8")
    print(f"wrote {min(len(questions), 40)} questions to {OUT}")


if __name__ == "__main__":
    main()
