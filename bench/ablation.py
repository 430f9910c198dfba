"""What each answer-scoring signal gives: the eval protocol with one feature weight zeroed at a time.

    python bench/ablation.py [--limit 5000] [--data ../shared/data] [--data-dir data]

Prints one JSON object: the full system's figures and, per feature, the figures without it.
Uses the evaluation index cached by ``python -m retrieval eval`` (built on first use).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from tqdm import tqdm

from retrieval.answer import FEATURES
from retrieval.evaluation import eval_library, evaluate, load_questions
from retrieval.service import Settings

FIGURES = ("answer@1", "answer@3", "passage@1", "passage@5")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=5000, help="distractor articles (default 5000)")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="where the eval index is cached")
    parser.add_argument("--strip-diacritics", action="store_true")
    args = parser.parse_args()
    if not (args.data / "qa").is_dir():
        print(f"no data at {args.data}: this benchmark needs ../shared/data", file=sys.stderr)
        return 2
    settings = Settings()
    library = eval_library(args.data_dir / "eval", args.data / "qa/viquad-dev-articles.jsonl",
                           args.data / "news/baomoi-2017.jsonl.gz", args.limit, settings)
    questions = load_questions(args.data / "qa/viquad-dev-questions.jsonl")
    runs: dict[str, dict[str, float]] = {}
    for name in tqdm(("all", *FEATURES), desc="ablation", file=sys.stderr):
        weights = settings.weights if name == "all" else dataclasses.replace(settings.weights, **{name: 0.0})
        library.settings = dataclasses.replace(settings, weights=weights)
        result = evaluate(library, questions, strip=args.strip_diacritics)
        runs[name if name == "all" else f"without {name}"] = {k: result[k] for k in FIGURES}
    print(json.dumps({"distractors": args.limit, "questions": len(questions), "strip_diacritics": args.strip_diacritics,
                      "runs": runs}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
