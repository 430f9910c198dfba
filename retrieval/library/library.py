"""``Library``: what the bot and the CLIs ask of the articles: ingest, answer, search, read, stats.

A :class:`Library` owns one data folder: the SQLite store (source of truth) and the persisted
index, which it brings up to date with the store whenever it opens or ingests. Answering is
split three ways: :meth:`Library.gather` collects candidate sentences around BM25's best
passages, :mod:`retrieval.answer.candidates` scores and picks them (pure functions), and the citations
come back from the store. Search snippets are :mod:`retrieval.answer.search`.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..answer import (
    PERSON_RE,
    TREND_DAYS,
    TREND_MAX_DAYS,
    TREND_WEEKS_OVER,
    Answer,
    AnswerSentence,
    ArticleFact,
    Candidate,
    Citation,
    Excerpt,
    Fact,
    FollowUp,
    Hit,
    Question,
    Ranker,
    SearchPage,
    SearchQuery,
    SearchResult,
    Trend,
    Weights,
    analyse_question,
    best_snippet,
    by_week,
    daily_counts,
    default_ranker,
    parse_search,
    pick,
    prefer_in_time,
    query_marks,
    read_fact_question,
    score_candidates,
)
from ..archive import Archive, CutArticle, EmbeddedArchive, Scope
from ..articles import Article, PassageShape, passage_windows
from ..errors import BadArticle, EmptyQuery, IndexFormatError
from ..index import Index
from ..store import IngestReport, PublicationDates, Store, StoredArticle, body_paragraphs, ingest
from ..text import (
    TERMS_VERSION,
    VIETNAM,
    TimeFrame,
    asks_now,
    has_diacritics,
    is_mixed,
    meant_pairs,
    name_terms,
    query_terms,
    read_time,
    segment,
    strip_marks,
    syllables,
    utc_now,
    words_syllables,
)

if TYPE_CHECKING:
    from ..archive import Cluster

log = logging.getLogger(__name__)

CATCH_UP_BATCH = 2000  # articles merged into the index at a time
# For a calendar date, an answer from an article dated then is preferred to one from an
# undated article when it scores at least as well (times this factor; 0.8, 1.0 and 1.3 were
# tried on both dev sets and bench/dated.py as wholes: 1.0 loses nothing on the dev sets).
KNOWN_IN_TIME = 1.0
SEARCH_DEPTH = 1000  # passages a search (and a trend, which counts what a search matches) looks at
LISTING_LIMIT = 10_000  # articles a search with no words (a period's, a source's) lists at most
YEAR_AT_END_RE = re.compile(r"(?<=\s)((?:19|20)\d\d)\s*$")  # "/trend bão 2023": a year


@dataclass(frozen=True)
class Settings:
    """How passages are cut and answers chosen; the defaults are the measured best."""

    shape: PassageShape = PassageShape()
    weights: Weights = Weights()
    ranker: Ranker = field(default_factory=default_ranker)
    depth: int = 30  # BM25's best passages that are re-ranked and whose sentences compete
    sentences: int = 3
    time_aware: bool = True  # read "hôm qua", "năm 2024" … in questions (off: the words are just words)


@dataclass(frozen=True)
class PassageText:
    """A retrieved passage's article id and text, for evaluation."""

    article_id: str
    text: str


@dataclass(frozen=True)
class Stats:
    articles: int
    passages: int
    terms: int | None  # distinct terms (None: the archive's engine does not say)
    postings: int | None
    index_bytes: int


class Library:
    """Articles in one data folder, searchable and answerable."""

    def __init__(self, data_dir: Path, settings: Settings | None = None, archive: Archive | None = None,
                 progress: Callable[[int], None] | None = None) -> None:
        """``archive``: where the passages are searched (by default the index in ``data_dir``),
        brought up to the store now unless it is read-only (``progress``: articles indexed)."""
        self.data_dir = Path(data_dir)
        self.settings = settings or Settings()
        self.store = Store(self.data_dir / "articles.sqlite3")
        self.index_dir = self.data_dir / "index"
        self._dates: PublicationDates | None = None
        self.archive: Archive = archive or EmbeddedArchive(self.index_dir, self.analysis(), lambda: self.dates)
        if self.archive.writable:
            if not self.archive.store_id:
                self.archive.reset(self.store.identity)
            if self.check_store() or self.catch_up(progress):
                self._save_if_possible()

    @classmethod
    def open(cls, data_dir: Path, cluster: Cluster | None = None, *, writes: bool = True) -> Library:
        """The one way the bot opens a data folder: its passages in the embedded index, or on
        ``cluster`` (a process that ``writes`` nothing only reads them there)."""
        if cluster is None:
            return cls(data_dir)
        from ..archive import OpenSearchArchive

        return cls(data_dir, archive=OpenSearchArchive(cluster, writable=writes))

    def analysis(self) -> dict[str, object]:
        """How this code cuts passages and makes terms: an index built otherwise is rebuilt."""
        shape = self.settings.shape
        return {"terms": TERMS_VERSION, "window": shape.window, "stride": shape.stride}

    @property
    def index(self) -> Index:
        """The embedded index (only when the archive is the embedded one)."""
        if not isinstance(self.archive, EmbeddedArchive):
            raise TypeError("this library's archive is not the embedded index")
        return self.archive.index

    def check_store(self) -> bool:
        """Rebuild the archive when it was not built from this store as it is now (the store was
        replaced, restored from an older copy, or deleted and made anew); whether it did.

        Without this, an archive ahead of its store answers with articles the store no longer has
        and never indexes the new ones (their change numbers are below the archive's)."""
        archive, store = self.archive, self.store
        if not archive.writable or (archive.store_id == store.identity and archive.seq <= store.seq):
            return False
        why = ("it was built from another store" if archive.store_id != store.identity
               else f"it reflects change {archive.seq:,} and the store is at {store.seq:,}")
        log.warning("the index of %s's passages does not belong to the store (%s); rebuilding it from the store",
                    self.data_dir, why)
        self.archive.reset(store.identity)
        self.catch_up()
        return True

    def close(self) -> None:
        self.store.close()
        self.archive.close()

    # --- keeping the archive in step with the store ------------------------------------

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Index what the store changed since the archive last saw it; returns articles indexed."""
        done = 0
        batch: list[StoredArticle] = []
        for stored in self.store.changed_since(self.archive.seq):
            batch.append(stored)
            if len(batch) >= CATCH_UP_BATCH:
                done += self._index_batch(batch, progress)
        done += self._index_batch(batch, progress)
        return done

    def refresh(self) -> int:
        """Bring the archive up to the store as other processes left it; articles indexed (a
        rebuild counts every article)."""
        if self.check_store():
            return self.store.count()
        return self.catch_up() if self.store.seq != self.archive.seq else 0

    def _index_batch(self, batch: list[StoredArticle], progress: Callable[[int], None] | None) -> int:
        if not batch:
            return 0
        self.archive.replace([self.cut(stored) for stored in batch])
        if progress:
            progress(len(batch))
        count = len(batch)
        batch.clear()
        return count

    def cut(self, stored: StoredArticle) -> CutArticle:
        """A stored article's sentences, and the passages an archive holds of it with their terms
        (what both archives and the benchmarks' references index)."""
        sentences = self.store.sentences_of(stored)
        return CutArticle(stored, sentences, passage_windows(stored.key, sentences, self.settings.shape),
                          syllables(stored.article.title))

    def rebuild(self, progress: Callable[[int], None] | None = None) -> None:
        """Index every stored article from scratch (no re-segmentation)."""
        self.archive.reset(self.store.identity)
        self.catch_up(progress)
        self.save_index()

    def ingest(
        self,
        items: Iterable[Article | BadArticle],
        workers: int | None = None,
        progress: Callable[[int], None] | None = None,
        save: bool = True,
    ) -> IngestReport:
        """Store new and changed articles and index them; persist the index unless ``save`` is off.

        A long-running writer passes ``save=False`` and saves when it chooses (the bot's ingest
        process after each batch): the store is the source of truth, so an index saved late
        loses nothing on a restart.
        """
        indexed = 0

        def index_written() -> None:  # while the workers segment the next batches
            nonlocal indexed
            if self.store.seq - self.archive.seq >= CATCH_UP_BATCH:
                indexed += self.catch_up()

        report = ingest(self.store, items, workers=workers, progress=progress, written=index_written)
        indexed += self.catch_up()
        if indexed and save:
            self.save_index()
        return report

    def _save_if_possible(self) -> None:
        """Save the index, or say why not and go on with it in memory: a full disk must not stop
        a reader (the store is intact, and the next save or start writes the index)."""
        try:
            self.save_index()
        except OSError as exc:
            log.warning("the index could not be saved (%s); answering from memory, the store is intact", exc)

    def use_index(self, index: Index) -> None:
        """Answer from ``index`` (a generation another side saved and loaded) from now on."""
        if isinstance(self.archive, EmbeddedArchive):
            self.archive.use(index)

    def saved_index(self, generation: str, store_id: str) -> Index | None:
        """The embedded index's generation ``generation`` as another process saved it, loaded
        (mapped, every file checked), when it is not the one answering and was built from the
        store ``store_id``; else None (a cluster, the same generation, or one replaced while it
        was read: the next look takes it). Reads files only, so any thread may call it."""
        if not isinstance(self.archive, EmbeddedArchive) or generation in ("", self.archive.generation):
            return None
        try:
            fresh = Index.load(self.index_dir, mmap=True)
        except IndexFormatError as exc:
            log.warning("the saved index could not be loaded (%s); trying again at the next look", exc)
            return None
        if fresh.store_id != store_id or fresh.generation == self.archive.generation:
            return None
        return fresh

    def follow(self) -> bool:
        """Answer from the index another process saved last (``python -m retrieval ingest``, a
        worker), when it is not the one answering; whether it changed. The console looks before
        each reply; the bot looks at every sync, loading on a thread of its own."""
        fresh = self.saved_index(self.archive.current_generation(), self.store.identity)
        if fresh is not None:
            self.use_index(fresh)
            log.info("answering from index %s (%d passages)", fresh.generation, fresh.n_passages)
        return fresh is not None

    def save_index(self) -> None:
        """Make the archive's changes durable and visible to other processes (the embedded
        index: a new generation, made current atomically)."""
        self.archive.persist()

    @property
    def unsaved(self) -> bool:
        """Whether the archive has changes :meth:`save_index` has not made durable yet."""
        return self.archive.unsaved

    @property
    def seq(self) -> int:
        """The store's change number: it grows with every article written, by any process."""
        return self.store.seq

    def changes(self, since: int, limit: int = 500) -> list[StoredArticle]:
        """Articles written after change number ``since``, oldest first (``key`` is stable)."""
        return list(itertools.islice(self.store.changed_since(since), limit))

    # --- reading -----------------------------------------------------------------------

    def article(self, article_id: str) -> Article | None:
        stored = self.store.get_by_id(article_id)
        return stored.article if stored else None

    def latest(self, limit: int = 5) -> list[Article]:
        return [s.article for s in self.store.latest(limit)]

    def excerpt(self, article_id: str, paragraph: int) -> Excerpt | None:
        """A paragraph of an article with its citation; None when either is gone."""
        stored = self.store.get_by_id(article_id)
        if stored is None:
            return None
        sentences = self.store.sentences(stored.key, paragraph)
        if not sentences:
            return None
        return Excerpt(self._citation(stored.key, paragraph), " ".join(s.text for s in sentences))

    def example_questions(self, limit: int = 3, scan: int = 20) -> list[str]:
        """Questions the newest articles can answer: "<person> là ai?" for people they name."""
        out: list[str] = []
        for article in self.latest(scan):
            for paragraph in article.paragraphs[:3]:
                people = (m for m in PERSON_RE.finditer(paragraph) if not _PLACE_BEFORE_RE.search(paragraph, 0, m.start()))
                found = next(people, None)
                if found:
                    question = f"{found.group(0)} là ai?"
                    if question not in out:
                        out.append(question)
                    break
            if len(out) >= limit:
                break
        return out

    def stats(self) -> Stats:
        if self.check_store():
            self._save_if_possible()
        held = self.archive.stats()
        return Stats(articles=self.store.count(), passages=held.passages, terms=held.terms, postings=held.postings,
                     index_bytes=held.bytes)

    def retrieve(self, query: str, k: int) -> list[Hit]:
        """The k best passages for a question or keyword query."""
        terms = query_terms(query)
        if not terms:
            raise EmptyQuery("the query has no word to search for")
        return self._hits(terms, k)

    def _hits(self, terms: list[str] | tuple[str, ...], k: int, scope: Scope | None = None) -> list[Hit]:
        """BM25's k best passages; of passages scored exactly alike, the newer article's first."""
        top = self.archive.top(terms, k, scope)
        if self.dates.keys.size:
            newest_first = self.dates.newest_first(np.array([p.article for p, _ in top], dtype=np.int64))
            top = [top[i] for i in sorted(range(len(top)), key=lambda i: (-top[i][1], newest_first[i], i))]
        return [Hit(p, score, rank) for rank, (p, score) in enumerate(top, start=1)]

    def passage_texts(self, hits: list[Hit]) -> list[PassageText]:
        out = []
        for hit in hits:
            p = hit.passage
            stored = self.store.get(p.article)
            sentences = self.store.sentences(p.article, p.paragraph, p.first, p.last)
            out.append(PassageText(stored.article.id if stored else "", " ".join(s.text for s in sentences)))
        return out

    # --- answering ---------------------------------------------------------------------

    def answer(self, question: str, k: int | None = None, *, follow_up: FollowUp | None = None,
               now: datetime | None = None) -> Answer:
        """The best sentences for a question, each with its citation, or an honest not-found.

        Time in the question ("hôm qua", "năm 2024": :mod:`retrieval.text.timeframe`, relative to
        ``now``) keeps the articles published then, its words taken out of the query; when
        none of them answers, the whole library does and the answer says so (``widened``).
        "Mới nhất" puts the newest of the good answers first; with no time said, of two
        equally good answers the newer wins. A ``follow_up`` (a question asked in reply to an
        earlier answer) is first asked within the articles that answer cited, its words
        looked up with the earlier question's.
        """
        return self.answer_with_hits(question, k, follow_up=follow_up, now=now)[0]

    def answer_with_hits(self, question: str, k: int | None = None, *, follow_up: FollowUp | None = None,
                         now: datetime | None = None) -> tuple[Answer, list[Hit]]:
        """The answer and the passages behind it, re-ranked by their best sentence (eval uses this)."""
        question = question.strip()
        if (about := read_fact_question(question)) is not None:
            found, hits = self.answer_with_hits(about.rest, k, follow_up=follow_up, now=now)
            if not found.found:
                return Answer(question, ()), hits
            return replace(found, question=question, fact=self._fact(about.fact, found.sentences[0].citation)), hits
        rest, frame = self.time_frame(question, now)
        if frame is None and asks_now(question):
            frame = TimeFrame(newest=True)
        # (words, earlier question, scope), tried in turn until one answers; the last, the whole
        # library (scope None: for a time asked, the answer is then "widened"), always counts.
        attempts: list[tuple[str, str, Scope | None]] = []
        if follow_up is not None and (cited := self.store.keys_of(follow_up.articles)):
            attempts.append((question, follow_up.question, Scope(keys=frozenset(cited))))
        if frame is not None and frame.is_range:
            attempts.append((rest, "", self.time_scope(frame)))
        attempts.append((rest if frame is not None and rest else question, "", None))
        for number, (text, context, among) in enumerate(attempts, start=1):
            last = number == len(attempts)
            try:
                answer, hits = self._answer(self.analyse(text, context=context), k, among, frame)
            except EmptyQuery:
                if last:
                    raise
                continue
            if answer.found or last:
                widened = among is None
                break
        if frame is not None and frame.is_range and not frame.relative and not widened:
            answer, hits = self._known_in_time(rest, k, frame, answer, hits)
        if frame is None or not frame.is_range:
            newest = frame is not None and frame.newest and answer.found
            as_of = answer.sentences[0].citation.published if newest else None
            return Answer(question, answer.sentences, as_of=as_of), hits
        return Answer(question, answer.sentences, frame.phrase, widened=widened), hits

    def _known_in_time(self, rest: str, k: int | None, frame: TimeFrame, answer: Answer, hits: list[Hit]
                       ) -> tuple[Answer, list[Hit]]:
        """For a calendar date, the answer from the articles known to be from then, when it
        scores at least :data:`KNOWN_IN_TIME` times ``answer`` (from those that may be, undated
        ones included)."""
        try:
            known, known_hits = self._answer(self.analyse(rest), k, Scope(published=frame.reported()), frame)
        except EmptyQuery:
            return answer, hits
        if known.found and known.sentences[0].score >= KNOWN_IN_TIME * answer.sentences[0].score:
            return known, known_hits
        return answer, hits

    def time_frame(self, question: str, now: datetime | None = None) -> tuple[str, TimeFrame | None]:
        """The question without its time expression and the frame it names, when that frame is
        about publication in this archive (else the question as it is, and None)."""
        rest, frame = read_time(question, now or utc_now())
        if frame is None or not self.settings.time_aware or not frame.covers(*self.dates.span()):
            return question, None
        return rest, frame

    @staticmethod
    def time_scope(frame: TimeFrame) -> Scope:
        """The passages a time frame keeps: for "hôm qua" (relative) only those of articles
        published then; for a calendar date ("năm 2017", often the time of the event rather
        than of the article) all but those of articles known to be published at another time
        (news of a period comes out a little before it and after it: :meth:`TimeFrame.reported`)."""
        if frame.relative:
            return Scope(published=frame)
        return Scope(published=frame.reported(), undated_too=True)

    @property
    def dates(self) -> PublicationDates:
        """When each dated article was published, read again whenever the store changed."""
        if self._dates is None or self._dates.seq != self.store.seq:
            self._dates = PublicationDates.read(self.store)
        return self._dates

    def _answer(self, asked: Question, k: int | None, scope: Scope | None = None,
                frame: TimeFrame | None = None) -> tuple[Answer, list[Hit]]:
        hits, candidates = self.gather(asked, scope)
        if not hits:
            return Answer(asked.text, ()), hits
        weights = self.settings.weights
        score_candidates(asked, candidates, self.settings.ranker)
        prefer_in_time(candidates.values(), self.dates, frame)
        hits = self._rerank(hits, candidates)
        chosen = pick(candidates.values(), k or self.settings.sentences, weights)
        if not chosen or chosen[0].coverage < weights.min_coverage:
            return Answer(asked.text, ()), hits
        sentences = tuple(
            AnswerSentence(c.text, round(c.score, 4), self._citation(c.key, c.paragraph)) for c in chosen
        )
        return Answer(asked.text, sentences), hits

    def analyse(self, question: str, context: str = "") -> Question:
        """The question's terms weighted by the index's idf, its names and pyvi compounds.

        A mixed question (some words typed with marks, most without) is looked up word by word
        (see ``text.query_terms``) and its sentences are scored on the folded half, where every
        word of it can meet its match. ``context`` (an earlier question a follow-up replies to)
        adds its words; what is asked for is read from ``question`` alone.
        """
        question = question.strip()
        words = f"{question} {context}".strip()
        terms = query_terms(words)
        if not terms:
            raise EmptyQuery("the question has no word to search for")
        mixed = is_mixed(words)
        folded = mixed or not has_diacritics(words)
        scored = query_terms(strip_marks(words)) if mixed else terms
        # Unknown syllables count (a made-up word makes a question harder to answer, as it
        # should); unknown syllable pairs are just word boundaries the articles never cross.
        idf = self.archive.idf(scored)
        compounds: dict[str, float] = {}
        if not folded:
            for word in segment(words):
                if "_" in word:
                    compounds[word] = sum(idf.get(p, 0.0) for p in word.split("_"))
        names = tuple(name_terms(strip_marks(words) if mixed else words))
        return Question(question, tuple(terms), folded, idf, names, compounds, analyse_question(question))

    def gather(self, asked: Question, scope: Scope | None = None
               ) -> tuple[list[Hit], dict[tuple[int, int, int], Candidate]]:
        """The best passages (within ``scope``), their sentences plus one either side as candidates."""
        hits = self._hits(asked.terms, self.settings.depth, scope)
        folded = asked.folded
        candidates: dict[tuple[int, int, int], Candidate] = {}
        titles: dict[int, frozenset[str]] = {}
        paragraphs: dict[tuple[int, int], list[tuple[int, str, str, str]]] = {}  # overlapping passages share them
        article_rank: dict[int, int] = {}
        for hit in hits:
            p = hit.passage
            article_rank.setdefault(p.article, hit.rank)
            if p.article not in titles:
                title = " ".join(syllables(self.store.title(p.article)))
                titles[p.article] = frozenset(words_syllables(title, folded))
            where = (p.article, p.paragraph)
            if where not in paragraphs:
                paragraphs[where] = self.store.paragraph_rows(p.article, p.paragraph)
            for position, text, words, evidence in paragraphs[where][max(p.first - 1, 0) : p.last + 2]:
                place = (p.article, p.paragraph, position)
                c = candidates.get(place)
                if c is None:
                    parts = tuple(words_syllables(words, folded))
                    c = candidates[place] = Candidate(
                        p.article, p.paragraph, position, text, parts, frozenset(parts), titles[p.article],
                        words, evidence, article_rank=article_rank[p.article],
                    )
                if p.first <= position <= p.last:
                    c.retrieved = True
                    c.passage_score = max(c.passage_score, hit.score)
                    c.passage_rank = c.passage_rank or hit.rank
        return hits, candidates

    def _rerank(self, hits: list[Hit], candidates: dict[tuple[int, int, int], Candidate]) -> list[Hit]:
        """Passages ordered by BM25 (relative to the best) plus their best sentence's score."""
        top = hits[0].score or 1.0
        weight = self.settings.weights.rerank

        def combined(hit: Hit) -> float:
            p = hit.passage
            best = max(candidates[(p.article, p.paragraph, n)].score for n in range(p.first, p.last + 1)
                       if (p.article, p.paragraph, n) in candidates)
            return hit.score / top + weight * best

        ordered = sorted(hits, key=lambda h: (-combined(h), h.rank))
        return [Hit(h.passage, h.score, rank) for rank, h in enumerate(ordered, start=1)]

    def _fact(self, fact: Fact, citation: Citation) -> ArticleFact:
        stored = self.store.get_by_id(citation.article_id)
        return ArticleFact(fact.value, citation, stored.article.author if stored else None)

    def _citation(self, key: int, paragraph: int) -> Citation:
        stored = self.store.get(key)
        assert stored is not None, f"article {key} is indexed but not stored"
        a = stored.article
        captions_from = len(body_paragraphs(a)) + 1 if a.captions else 0
        return Citation(a.id, a.display_title, a.published, a.source, a.url, paragraph, captions_from)

    # --- searching ---------------------------------------------------------------------

    def search(self, query: str, page: int = 1, per_page: int = 5, depth: int = SEARCH_DEPTH, *,
               newest: bool = False, now: datetime | None = None) -> SearchPage:
        """Articles ranked by their best passage (or newest first), a page of them with marked
        snippets. The query may name a period and a source (:mod:`retrieval.answer.searchquery`);
        with those and no words, it lists that period's or source's articles, newest first.
        Raises ``BadSearch`` for an operator that means nothing, ``EmptyQuery`` for nothing at all.
        """
        query = query.strip()
        matched = self._matches(parse_search(query, now or utc_now()), depth)
        places, words = matched.places, matched.words
        newest = newest or matched.newest
        if newest:
            newest_first = self.dates.newest_first(np.array([place[0] for place in places], dtype=np.int64))
            places = [places[i] for i in sorted(range(len(places)), key=lambda i: (newest_first[i], i))]
        pages = max(1, math.ceil(len(places) / per_page))
        page = min(max(page, 1), pages)
        marks = query_marks(words, matched.meant)
        results = []
        for key, paragraph, first, last, score in places[(page - 1) * per_page : page * per_page]:
            sentences = self.store.sentences(key, paragraph, first, last)
            shown = best_snippet([s.text for s in sentences], marks)
            results.append(SearchResult(self._citation(key, paragraph), shown, round(score, 4)))
        return SearchPage(query, page, pages, len(places), tuple(results), per_page, newest)

    def _matches(self, asked: SearchQuery, depth: int) -> _Matched:
        """Every article a search matches (its best passage), within its period and source."""
        frame, words = asked.frame, asked.words
        if frame is not None and not asked.explicit and not frame.covers(*self.dates.span()):
            frame, words = None, asked.typed
        scope: Scope | None = None
        if frame is not None and frame.is_range:
            scope = self.time_scope(frame) if not asked.explicit else Scope(published=frame)
        if asked.source:
            from_source = Scope(keys=frozenset(self.store.keys_from_source(asked.source)))
            scope = from_source if scope is None else scope & from_source
        terms = query_terms(words)
        meant: dict[str, str] = {}
        if terms and not has_diacritics(words):
            terms, meant = meant_pairs(terms, self.archive.idf)
        if terms:
            best: dict[int, Hit] = {}
            for hit in self._hits(terms, depth, scope):
                best.setdefault(hit.passage.article, hit)
            places = [(h.passage.article, h.passage.paragraph, h.passage.first, h.passage.last, h.score)
                      for h in best.values()]
            return _Matched(places, words, frame is not None and frame.newest, frame, meant)
        if scope is not None:
            keys = self.archive.articles_in(scope, LISTING_LIMIT)
            return _Matched([(key, 1, 0, 1 << 30, 0.0) for key in keys], words, True, frame)
        raise EmptyQuery("the query has no word to search for")

    def trend(self, query: str, now: datetime | None = None, days: int = TREND_DAYS) -> Trend:
        """How many articles ``/search query`` matches, per day (per week past
        :data:`TREND_WEEKS_OVER` days), over the period the query names ("bão năm 2023",
        "bão 2023", từ:/đến:) or else the last ``days`` days; only dated articles count."""
        now = now or utc_now()
        query = query.strip()
        asked = parse_search(YEAR_AT_END_RE.sub(r"năm \1", query), now)
        matched = self._matches(asked, SEARCH_DEPTH)
        frame = matched.frame if matched.frame is not None and matched.frame.is_range else None
        today = now.astimezone(VIETNAM).date()
        first = frame.start.astimezone(VIETNAM).date() if frame and frame.start else today - timedelta(days=days - 1)
        last = (frame.end - timedelta(seconds=1)).astimezone(VIETNAM).date() if frame and frame.end else today
        if (last - first).days >= TREND_MAX_DAYS:  # "từ:1/1/1900": from the archive's first date, 10 years at most
            if (oldest := self.dates.span()[0]) is not None:
                first = max(first, min(oldest.date(), last))
            first = max(first, last - timedelta(days=TREND_MAX_DAYS - 1))
        moments = self.dates.of(np.array([p[0] for p in matched.places], dtype=np.int64))
        counts = daily_counts((float(m) for m in moments if not np.isnan(m)), first, min(last, max(first, today)))
        return Trend(query, first, max(counts), by_week(counts) if len(counts) > TREND_WEEKS_OVER else counts,
                     len(counts) > TREND_WEEKS_OVER)


@dataclass(frozen=True)
class _Matched:
    places: list[tuple[int, int, int, int, float]]  # (article key, paragraph, first, last sentence, score), best first
    words: str  # the words matched (marked in snippets)
    newest: bool  # the query asks for newest first
    frame: TimeFrame | None  # the period it kept, if any
    meant: dict[str, str] = field(default_factory=dict)  # folded syllable → the accented one the archive says was meant


# Words before a "name" that make it a place: "TP. Hồ Chí Minh" is a city, not a person.
_PLACE_BEFORE_RE = re.compile(r"(?:TP\.|[Tt]hành phố|[Tt]ỉnh|[Qq]uận|[Hh]uyện|[Đđ]ường|[Pp]hố)\s*$")
