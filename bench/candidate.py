"""A candidate answer feature, judged by issue 25's protocol on the frozen halves.

    python bench/candidate.py COLUMN.py [--limit 5000] [--data ../shared/data] [--data-dir data] [--read-check]

``COLUMN.py`` defines ``column(library, example)``: the candidate's values for each sentence of
one question (a vector, or a row of values per sentence), from the example
(``retrieval.tools.training.Example``: the question as asked, its sentences' texts and places,
their 41 features) and the library it was asked over (its index's idf, its store). It must not
read the answers. Both dev sets are asked as ``python -m retrieval train`` asks them, then the
ranker is refitted on the **fit** halves with the column beside the features and without it,
each cross-validated by article. Printed as one JSON object: per set and typing, the fit-half
questions answered first without and with the column, and the column's weights when fitted
on the whole fit half.

The check halves are read only with ``--read-check``, as totals, by the rankers fitted on the
whole fit halves. Each reading is appended to ``DATA_DIR/eval/check-reads.log`` with the
column file's hash: a second reading of the same file is pointed out, and the log lists every
candidate whose check was read, for the note. A change that helps the fit half and not the
check half is not adopted (docs/quality.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib.util
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import Column, dev_examples  # noqa: E402

from retrieval.answer import FEATURES  # noqa: E402
from retrieval.tools import cross_validate, load_questions  # noqa: E402
from retrieval.tools.evaluation import half_of  # noqa: E402
from retrieval.tools.training import Example, FitSettings, fit, judge  # noqa: E402


def load_column(path: Path) -> Column:
    spec = importlib.util.spec_from_file_location("candidate_column", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "column", None)):
        raise SystemExit(f"{path} defines no column(library, example)")
    return module.column


def answered_first(figures: dict[str, dict[str, float | int]]) -> dict[str, int]:
    """Questions answered first, per "set typing", from cross-validated figures."""
    return {name: round(float(row["answer@1"]) * int(row["questions"])) for name, row in figures.items()
            if name.count(" ") == 1}


def checked(fitted: list[Example], check: list[Example], settings: FitSettings) -> dict[str, int]:
    """Questions of the check halves answered first by the ranker fitted on all of ``fitted``."""
    ranker = fit(fitted, settings)
    counts: Counter[str] = Counter()
    for e in check:
        counts[f"{e.dev_set} {'unaccented' if e.stripped else 'accented'}"] += judge(e, ranker, settings.min_coverage)[0]
    return dict(sorted(counts.items()))


def log_reading(log: Path, column: Path, digest: str, result: dict[str, object]) -> None:
    earlier = [line for line in log.read_text(encoding="utf-8").splitlines() if digest in line] if log.exists() else []
    if earlier:
        print(f"this column's check halves were read before: {earlier[0][:19]} (and {len(earlier) - 1} more)",
              file=sys.stderr)
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S} {digest} {column} {json.dumps(result)}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("column", type=Path, help="a Python file defining column(library, example)")
    parser.add_argument("--limit", type=int, default=5000, help="distractor articles (default 5000)")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="where the eval index is cached")
    parser.add_argument("--read-check", action="store_true", help="also read the check halves, as totals (logged)")
    args = parser.parse_args()
    if not (args.data / "qa").is_dir():
        print(f"no data at {args.data}: this benchmark needs ../shared/data", file=sys.stderr)
        return 2
    column = load_column(args.column)
    examples, _ = dev_examples(args.data, args.data_dir / "eval", args.limit, column)
    base = [dataclasses.replace(e, matrix=e.matrix[:, : len(FEATURES)]) for e in examples]
    settings = FitSettings()
    sizes = {name: len([q for q in load_questions(args.data / f"qa/{name}-dev-questions.jsonl")
                        if half_of(q["article_id"]) == "fit"]) for name in ("viquad", "news")}
    halves = {half: [i for i, e in enumerate(examples) if half_of(e.article_id) == half] for half in ("fit", "check")}
    runs = {name: [rows[i] for i in halves["fit"]] for name, rows in (("base", base), ("with", examples))}
    result: dict[str, object] = {
        "column": str(args.column), "limit": args.limit,
        "fit_cv": {name: answered_first(cross_validate(rows, settings, sizes)) for name, rows in runs.items()},
        "weights": [round(w, 4) for w in fit(runs["with"], settings).weights[len(FEATURES):].tolist()],
        "fit_questions": sizes,
    }
    if args.read_check:
        check = {name: [rows[i] for i in halves["check"]] for name, rows in (("base", base), ("with", examples))}
        result["check"] = {name: checked(runs[name], check[name], settings) for name in runs}
        digest = hashlib.sha1(args.column.read_bytes()).hexdigest()[:12]
        log_reading(args.data_dir / "eval" / "check-reads.log", args.column, digest, result)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
