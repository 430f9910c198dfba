"""Write an archive shaped like the held-out news archive, from ../shared/data, for issue 25.

The held-out archive's records carry ``id``, ``title``, ``body`` and ``source`` only: no
``summary``, ``published``, ``url`` (nor ``author``, ``tags``). This script writes the news dev
set's articles and the first ``--limit`` baomoi distractors in that shape, in one of two
foldings of baomoi's ``summary`` (its lead), since the held-out card does not say which:

- ``paragraph``: the summary becomes the body's first paragraph (``summary\\nbody``);
- ``joined``: the summary and the body are one paragraph (``summary body``);
- ``split``: as ``paragraph``, and the body (one paragraph in both source files) cut into
  paragraphs of three sentences, as sites print them;
- ``body``: the summary dropped, the body cut as in ``split``, and only the questions whose
  answer the title or body holds (as the protocol matches it) kept: 214 of 227. The article's
  opening sentence is then body text, as in the held-out archive, whose misses quoted it
  ("Mới đây, X đã …").

The question file is written beside them (unchanged but for ``body``), so ``python -m
retrieval eval --articles OUT/news-dev-articles.jsonl --questions OUT/news-dev-questions.jsonl
--distractors OUT/distractors.jsonl --limit N`` evaluates the look-alike. Nothing is written
into git's files: the default output folder is ``data/lookalike/<folding>`` (git-ignored).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
KEPT = ("id", "title", "body", "source")
SPLIT = 3  # sentences per paragraph in the ``split`` folding

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from retrieval.text import split_sentences  # noqa: E402
from retrieval.tools import contains  # noqa: E402


def reshaped(record: dict, folding: str) -> dict:
    """The record as the held-out archive has it: the summary folded into the body, the rest dropped."""
    out = {key: record[key] for key in KEPT if key in record}
    summary = (record.get("summary") or "").strip()
    body = out["body"]
    if folding in ("split", "body"):
        sentences = split_sentences(body)
        body = "\n".join(" ".join(sentences[i : i + SPLIT]) for i in range(0, len(sentences), SPLIT))
    if summary and summary[:60] not in out["body"] and folding != "body":
        body = f"{summary} {body}" if folding == "joined" else f"{summary}\n{body}"
    out["body"] = body
    return out


def records(path: Path, limit: int | None = None) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if limit is not None and n >= limit:
                return
            if line.strip():
                yield json.loads(line)


def write(path: Path, rows: Iterator[dict]) -> int:
    tmp = path.with_suffix(".tmp")
    count = 0
    with open(tmp, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(path)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="the shared data folder (default: %(default)s)")
    parser.add_argument("--folding", choices=("paragraph", "joined", "split", "body"), default="paragraph",
                        help="how baomoi's summary joins the body (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=5000, help="baomoi distractors written (default: %(default)s)")
    parser.add_argument("--out", type=Path, help="output folder (default: data/lookalike/FOLDING)")
    args = parser.parse_args(argv)
    if not (args.data / "qa" / "news-dev-questions.jsonl").exists():
        print(f"the look-alike needs the shared data at {args.data} (see its README)", file=sys.stderr)
        return 2
    out = args.out or ROOT / "data" / "lookalike" / args.folding
    out.mkdir(parents=True, exist_ok=True)
    fold = args.folding
    counts = {
        "articles": write(out / "news-dev-articles.jsonl",
                          (reshaped(r, fold) for r in records(args.data / "qa" / "news-dev-articles.jsonl"))),
        "distractors": write(out / "distractors.jsonl",
                             (reshaped(r, fold) for r in records(args.data / "news" / "baomoi-2017.jsonl.gz", args.limit))),
    }
    questions = records(args.data / "qa" / "news-dev-questions.jsonl")
    if fold == "body":
        kept = {r["id"]: f"{r['title']}\n{r['body']}" for r in records(out / "news-dev-articles.jsonl")}
        questions = (q for q in questions if contains(kept[q["article_id"]], q["answers"]))
    counts["questions"] = write(out / "news-dev-questions.jsonl", questions)
    print(json.dumps({"out": str(out), "folding": fold, **counts}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
