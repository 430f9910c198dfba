"""python -m retrieval: the operator's commands (ingest, ask, search, eval, train, feedback, stats, rebuild,
reindex)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TypeAlias

from tqdm import tqdm

from .answer import ANSWER_LOG, MODEL_PATH, AnswerLog, Ranker, answer_json, citation_json, format_answer, format_search
from .archive import REPLICAS, SHARDS, Cluster, OpenSearchArchive, cluster_stats
from .errors import EmptyQuery, RetrievalError
from .library import Library, LibrarySettings, tune_collector
from .store import read_articles
from .tools import (
    FIGURES,
    HALVES,
    FitSettings,
    collect,
    cross_validate,
    eval_library,
    evaluate,
    fit,
    in_half,
    load_questions,
    table,
)


def default_data_dir() -> Path:
    return Path(os.environ.get("HOITIN_DATA_DIR") or "data")


def _bar(total: int | None, desc: str, quiet: bool) -> tqdm:
    return tqdm(total=total, desc=desc, unit="art", disable=quiet or None, file=sys.stderr)


def cmd_ingest(args: argparse.Namespace) -> int:
    library = Library(args.data_dir)
    with _bar(None, "ingest", args.quiet) as bar:
        report = library.ingest(read_articles(args.paths, limit=args.limit), workers=args.workers, progress=bar.update)
    for bad in report.skipped:
        print(f"skipped {bad.where}: {bad.reason}", file=sys.stderr)
    print(report.summary())
    return 0 if report.read or not report.skipped else 1


def cmd_ask(args: argparse.Namespace) -> int:
    library = Library(args.data_dir)
    if args.questions:
        bad = 0
        with open(args.questions, encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    question = record["question"]
                    if not isinstance(question, str):
                        raise TypeError("'question' is not text")
                    start = time.perf_counter()
                    answer = library.answer(question, args.k)
                except (ValueError, KeyError, TypeError, AttributeError, EmptyQuery) as exc:
                    bad += 1  # one bad line is reported and skipped; the others are answered
                    print(f"{args.questions}:{number}: skipped ({type(exc).__name__}: {exc})", file=sys.stderr)
                    continue
                print(json.dumps({"id": record.get("id"), **answer_json(answer, (time.perf_counter() - start) * 1000)},
                                 ensure_ascii=False))
        return 1 if bad else 0
    if not args.question:
        print("error: give a question, or --questions FILE.jsonl", file=sys.stderr)
        return 2
    start = time.perf_counter()
    answer = library.answer(args.question, args.k)
    elapsed = (time.perf_counter() - start) * 1000
    print(json.dumps(answer_json(answer, elapsed), ensure_ascii=False, indent=2) if args.json else format_answer(answer))
    return 0 if answer.found else 3


def cmd_search(args: argparse.Namespace) -> int:
    page = Library(args.data_dir).search(args.query, page=args.page)
    if args.json:
        print(json.dumps({
            "query": page.query, "page": page.page, "pages": page.pages, "total": page.total,
            "results": [{
                **citation_json(r.citation), "score": r.score,
                "snippet": r.snippet.text, "marks": [list(m) for m in r.snippet.marks],
            } for r in page.results],
        }, ensure_ascii=False, indent=2))
    else:
        print(format_search(page))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    settings = LibrarySettings()
    with _bar(None, "index", args.quiet) as bar:
        library = eval_library(args.data_dir / "eval", args.articles, args.distractors, args.limit, settings, bar.update,
                               tuple(args.extra or ()))
    if args.opensearch:  # the same folder, its passages copied into the cluster (when not there yet)
        archive = OpenSearchArchive(_cluster(args), writable=True)
        with _bar(None, "copy to OpenSearch", args.quiet) as bar:
            library = Library(library.data_dir, settings, archive, progress=bar.update)
            archive.persist()
    questions = in_half(load_questions(args.questions), args.half)
    if args.sample:
        questions = questions[: args.sample]
    with _bar(len(questions), "questions", args.quiet) as bar:
        result = evaluate(library, questions, strip=args.strip_diacritics, progress=bar.update,
                          half=args.half_diacritics)
    result["settings"]["questions_half"] = args.half
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key in ("questions", *FIGURES):
            print(f"{key:>10}: {result[key]}")
        print(f"{'latency':>10}: median {result['latency_ms']['median']} ms, p95 {result['latency_ms']['p95']} ms")
        print(f"{'index':>10}: {result['index']['articles']} articles, {result['index']['passages']} passages")
        if result["by_type"]:
            _print_table("type", result["by_type"])
        if len(result["by_source"]) > 1:  # one source would be the whole set again
            _print_table("source", result["by_source"])
    return 0


def _print_table(heading: str, rows: dict[str, dict]) -> None:
    width = max(12, *(len(name) for name in rows))
    print(f"\n{heading:<{width}} {'questions':>9}" + "".join(f" {name:>9}" for name in FIGURES))
    for name, row in rows.items():
        print(f"{name:<{width}} {row['questions']:>9}" + "".join(f" {row[f]:>9.3f}" for f in FIGURES))


DEV_SETS = ("viquad", "news")


def cmd_train(args: argparse.Namespace) -> int:
    settings = FitSettings(l2=args.l2, news_weight=args.news_weight, folds=args.folds)
    examples, sizes = [], {}
    for name in DEV_SETS:
        articles, questions_path = args.data / f"qa/{name}-dev-articles.jsonl", args.data / f"qa/{name}-dev-questions.jsonl"
        if not questions_path.exists():
            print(f"error: no {questions_path}: training needs ../shared/data (see --data)", file=sys.stderr)
            return 2
        with _bar(None, f"index {name}", args.quiet) as bar:
            library = eval_library(args.data_dir / "eval", articles, args.data / "news/baomoi-2017.jsonl.gz",
                                   args.limit, LibrarySettings(ranker=Ranker.untrained()), bar.update)
        questions = in_half(load_questions(questions_path), args.half)
        sizes[name] = len(questions)
        with _bar(2 * len(questions), f"questions {name}", args.quiet) as bar:
            examples += collect(library, questions, name, bar.update)
        library.close()
    figures = cross_validate(examples, settings, sizes)
    for line in table(figures):
        print(line)
    trained = {
        "fitted_on": {name: {"questions": n, "distractors": args.limit, "half": args.half} for name, n in sizes.items()},
        "settings": {"l2": settings.l2, "news_weight": settings.news_weight, "folds": settings.folds},
        "cross_validated": {k: v for k, v in figures.items() if k.count(" ") == 1},
    }
    ranker = fit(examples, settings, trained)
    ranker.save(args.output)
    print(f"wrote {args.output} ({len(examples)} question lists)")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    if args.opensearch:
        print(json.dumps(cluster_stats(_cluster(args))))
        return 0
    stats = Library(args.data_dir).stats()
    print(json.dumps(stats.__dict__))
    return 0


def _cluster(args: argparse.Namespace) -> Cluster:
    password = args.password_file.read_text(encoding="utf-8").strip() if args.password_file else None
    return Cluster.parse(args.opensearch, args.user, password, args.ca, getattr(args, "shards", SHARDS),
                         getattr(args, "replicas", REPLICAS))


def cmd_reindex(args: argparse.Namespace) -> int:
    cluster = _cluster(args)
    archive = OpenSearchArchive(cluster, writable=True, from_start=args.from_start)
    copied = 0
    with _bar(None, "reindex", args.quiet) as bar:
        def step(articles: int) -> None:
            nonlocal copied
            copied += articles
            bar.update(articles)

        library = Library(args.data_dir, archive=archive, progress=step)
    held = library.stats()
    print(f"copied {copied} article(s) to {', '.join(cluster.urls)}: the cluster holds {held.passages} passage(s) "
          f"of {held.articles} article(s) and reflects store change {archive.seq}")
    library.close()
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    library = Library(args.data_dir)
    library.rebuild()
    print(f"rebuilt: {library.index.n_articles} articles, {library.index.n_passages} passages")
    return 0


def cmd_feedback_export(args: argparse.Namespace) -> int:
    path = args.data_dir / ANSWER_LOG
    if not path.is_file():
        print(f"error: no answer log at {path}: the bot has not answered anything with this data folder",
              file=sys.stderr)
        return 2
    log = AnswerLog(path)
    try:
        positives, negatives = log.export(args.output)
    finally:
        log.close()
    print(f"wrote {positives + negatives} rated questions to {args.output} ({positives} 👍, {negatives} 👎)")
    return 0


Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"  # where each command's parser is added
Parents: TypeAlias = list[argparse.ArgumentParser]  # the options every command shares


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m retrieval",
        description="Hỏi Tin retrieval: ingest Vietnamese news articles, then ask questions or search them.",
    )
    data_help = "folder of the article store and index (default: $HOITIN_DATA_DIR or ./data)"
    parser.add_argument("--data-dir", type=Path, default=default_data_dir(), help=data_help)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    # The same options after the command ("ingest --data-dir X", "eval … -q", as `make eval
    # EVAL_FLAGS=-q` puts it): given there, they win.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help=data_help)
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bars")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)
    parents = [common]

    _add_article_commands(sub, parents)
    cluster = argparse.ArgumentParser(add_help=False)
    cluster.add_argument("--user", help="the cluster's user name (with --password-file)")
    cluster.add_argument("--password-file", type=Path, help="a file holding the password (never on the command line)")
    cluster.add_argument("--ca", help="CA certificate file of an https:// cluster")

    _add_quality_commands(sub, parents, cluster)
    _add_archive_commands(sub, parents, cluster)
    return parser


def _add_article_commands(sub: Commands, parents: Parents) -> None:
    """ingest, ask, search."""
    p = sub.add_parser("ingest", parents=parents, help="add article files and folders to the store and index",
                       description="Add articles: .txt files in the seed format, .jsonl or .jsonl.gz records; "
                                   "folders are searched recursively. Unchanged articles are skipped, changed ones "
                                   "replaced, unreadable ones reported with the reason.")
    p.add_argument("paths", nargs="+", type=Path, help="files or folders")
    p.add_argument("--limit", type=int, help="read only the first N records of each JSON Lines file")
    p.add_argument("--workers", type=int, default=None, help="segmentation processes (default: all cores)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", parents=parents, help="answer a question with cited sentences",
                       description="Answer a Vietnamese question (diacritics optional) with the best sentences "
                                   "and where they come from. Exit code 3 when nothing fits.")
    p.add_argument("question", nargs="?", help="the question, e.g. \"Ai chủ trì hội nghị?\"")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--questions", type=Path, help="answer every {id, question} line of a JSON Lines file")
    p.add_argument("-k", type=int, default=3, help="how many sentences (default 3)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("search", parents=parents, help="list matching articles with snippets",
                       description="Articles ranked by their best passage, 5 per page, matched words marked.")
    p.add_argument("query")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)


def _add_quality_commands(sub: Commands, parents: Parents, cluster: argparse.ArgumentParser) -> None:
    """eval, train, feedback."""
    p = sub.add_parser("eval", parents=[*parents, cluster],
                       help="measure answer quality on a question set (../shared/data protocol)",
                       description="Index the question set's articles plus the first N distractors, answer every "
                                   "question through the same path as 'ask', print answer@1/@3, passage@1/@5 and "
                                   "latency. The evaluation index is cached under DATA_DIR/eval; with --opensearch "
                                   "it is copied into that cluster and the passages are searched there.")
    p.add_argument("--articles", type=Path, required=True, help="articles of the question set (.jsonl)")
    p.add_argument("--questions", type=Path, required=True, help="questions (.jsonl: id, question, answers, article_id)")
    p.add_argument("--distractors", type=Path, help="distractor articles (.jsonl or .jsonl.gz)")
    p.add_argument("--limit", type=int, default=5000, help="first N distractors (default 5000)")
    p.add_argument("--extra", type=Path, action="append",
                   help="more articles added whole, e.g. news/vnexpress-bongda.jsonl.gz for the full news run")
    p.add_argument("--strip-diacritics", action="store_true", help="ask the questions without diacritics")
    p.add_argument("--half-diacritics", action="store_true",
                   help="ask the questions with the diacritics of every second word taken away")
    p.add_argument("--sample", type=int, help="only the first N questions")
    p.add_argument("--half", choices=HALVES,
                   help="only the questions of this frozen half, by article (fit: designed and fitted on; "
                        "check: read as a total only)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--opensearch", metavar="URL[,URL…]", help="search the passages on this OpenSearch cluster")
    p.add_argument("--shards", type=int, default=SHARDS, help=f"primary shards of new indices (default {SHARDS})")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("train", parents=parents, help="fit the answer ranker on both dev sets; print cross-validated figures",
                       description="Ask every question of the ViQuAD and news dev sets (with and without diacritics) "
                                   "over their articles plus the first N baomoi distractors, fit the answer-sentence "
                                   "ranker, print answer@1/@3 cross-validated by article (by set, typing and kind), "
                                   "and write the model fitted on everything. Deterministic: the same data gives the "
                                   "same file.")
    p.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    p.add_argument("--limit", type=int, default=5000, help="first N baomoi distractors (default 5000)")
    p.add_argument("--output", type=Path, default=MODEL_PATH, help=f"where the model goes (default {MODEL_PATH.name})")
    p.add_argument("--folds", type=int, default=FitSettings.folds, help="cross-validation folds, by article")
    p.add_argument("--l2", type=float, default=FitSettings.l2, help="penalty on the standardised weights")
    p.add_argument("--news-weight", type=float, default=FitSettings.news_weight,
                   help="how many ViQuAD questions one news question counts as")
    p.add_argument("--half", choices=HALVES, default="fit",
                   help="fit on this frozen half of both sets, by article (default: %(default)s, so 'eval --half "
                        "check' stays a check no fit has seen)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("feedback", parents=parents, help="readers' 👍 / 👎 on the bot's answers",
                       description="The bot logs each answer it gives and the ratings readers press under it "
                                   "(answers.sqlite3 in the data folder).")
    actions = p.add_subparsers(dest="action", required=True)
    e = actions.add_parser("export", parents=parents, help="write the rated answers as a question file",
                           description="Write every answer rated more often 👍 than 👎 (a positive: this sentence "
                                       "answers it) or the other way round (a negative: not this sentence) as a JSON "
                                       "Lines question file in the format of ../shared/data/README.md, ready for "
                                       "'eval --questions'. No user id is written.")
    e.add_argument("output", type=Path, help="the .jsonl file to write (replaced whole)")
    e.set_defaults(func=cmd_feedback_export)


def _add_archive_commands(sub: Commands, parents: Parents, cluster: argparse.ArgumentParser) -> None:
    """stats, reindex, rebuild."""
    p = sub.add_parser("stats", parents=[*parents, cluster], help="articles, passages and index size",
                       description="The data folder's articles, passages, terms and index size; with --opensearch, "
                                   "the cluster's health, shards and document counts instead.")
    p.add_argument("--opensearch", metavar="URL[,URL…]", help="an OpenSearch cluster to report on")
    p.set_defaults(func=cmd_stats)
    p = sub.add_parser("reindex", parents=[*parents, cluster], help="copy the archive into OpenSearch",
                       description="Copy the data folder's articles and passages into an OpenSearch cluster "
                                   "(indices hoitin-articles and hoitin-passages, created when missing). "
                                   "Resumable: only what changed since the last copy is sent; an article copied "
                                   "again replaces its documents.")
    p.add_argument("--to", choices=["opensearch"], required=True, help="where to copy (only opensearch for now)")
    p.add_argument("--opensearch", metavar="URL[,URL…]", required=True, help="the cluster's node URLs")
    p.add_argument("--shards", type=int, default=SHARDS, help=f"primary shards of new indices (default {SHARDS})")
    p.add_argument("--replicas", type=int, default=REPLICAS, help=f"replicas of new indices (default {REPLICAS})")
    p.add_argument("--from-start", action="store_true", help="send every article, not only what changed")
    p.set_defaults(func=cmd_reindex)
    p = sub.add_parser("rebuild", parents=parents, help="rebuild the index from the store (no re-segmentation)")
    p.set_defaults(func=cmd_rebuild)


def main(argv: list[str] | None = None) -> int:
    try:
        from dotenv import load_dotenv

        load_dotenv()
    except ImportError:  # pragma: no cover - python-dotenv is a pinned dependency
        pass
    args = build_parser().parse_args(argv)
    tune_collector()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:  # the client logs each failed try of a request; the error at the end says it once
        logging.getLogger("opensearch").setLevel(logging.ERROR)
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (RetrievalError, OSError) as exc:  # a full disk, a missing file: the reason, never a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
