"""Questions the archive cannot answer: how often the bot answers them anyway.

    python bench/unanswerable.py [--limit 5000] [--half fit|check] [--set news|viquad]

Every dev question is asked over the first ``--limit`` baomoi distractors alone: its own article
(and every other dev article) left out, so a reply should be "not found". Prints one JSON object:
per set and typing, how many questions got an answer anyway and how many of those first
sentences still hold a gold answer (a distractor that happens to say it). Lower is better; the
dev sets' answer@1 (``python -m retrieval eval``) is the other side of the trade, as a rule that
says "not found" more often also turns away right answers. At the stop of 2026-12-07 (fit halves,
5,000 distractors): news 93 of 112 answered, ViQuAD 640 of 733 (bench/RESULTS.md).

The distractors-only index is built once into ``data/eval`` like the others (its articles file
is an empty one under ``data/unanswerable``, git-ignored).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import CACHE, DATA, NEWS, ROOT, machine, require_data  # noqa: E402

from retrieval.library import LibrarySettings  # noqa: E402
from retrieval.text import strip_marks  # noqa: E402
from retrieval.tools import contains, eval_library, in_half, load_questions  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=5000, help="baomoi distractors (default 5000)")
    parser.add_argument("--half", choices=("fit", "check"), help="only this frozen half of each set (default: all)")
    parser.add_argument("--set", choices=("news", "viquad"), action="append", dest="sets",
                        help="a dev set (repeatable; default both)")
    args = parser.parse_args()
    require_data()
    empty = ROOT / "data" / "unanswerable" / "no-articles.jsonl"
    empty.parent.mkdir(parents=True, exist_ok=True)
    empty.touch()
    library = eval_library(CACHE, empty, NEWS, args.limit, LibrarySettings())
    out: dict[str, object] = {"benchmark": "unanswerable", "machine": machine(), "limit": args.limit,
                              "half": args.half, "articles": library.stats().articles}
    for name in args.sets or ["news", "viquad"]:
        questions = in_half(load_questions(DATA / "qa" / f"{name}-dev-questions.jsonl"), args.half)
        for typing, typed in (("accented", str), ("unaccented", strip_marks)):
            answered = holding = 0
            for q in tqdm(questions, desc=f"{name} {typing}", file=sys.stderr):
                answer = library.answer(typed(q["question"]))
                answered += answer.found
                holding += answer.found and contains(answer.sentences[0].text, q["answers"])
            out[f"{name} {typing}"] = {"questions": len(questions), "answered": answered,
                                       "share_answered": round(answered / max(len(questions), 1), 4),
                                       "first_holds_an_answer": holding}
    library.close()
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
