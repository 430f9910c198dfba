"""Answering a question: candidates around the best passages, scored, picked, cited."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from functools import lru_cache

from ..answer import (
    Answer,
    AnswerSentence,
    ArticleFact,
    Candidate,
    Citation,
    Fact,
    FollowUp,
    Hit,
    Kind,
    Question,
    analyse_question,
    answer_type_cue,
    is_answer,
    pick,
    prefer_in_time,
    read_fact_question,
    score_candidates,
)
from ..archive import Scope
from ..errors import EmptyQuery
from ..text import (
    TimeFrame,
    asks_now,
    fold,
    has_diacritics,
    is_mixed,
    name_terms,
    query_terms,
    segment,
    spelled_along,
    spelled_as,
    strip_marks,
    words_syllables,
)
from .reading import Reading
from .store_reads import StoreReads

log = logging.getLogger(__name__)

# For a calendar date, an answer from an article dated then is preferred to one from an
# undated article when it scores at least as well (times this factor; 0.8, 1.0 and 1.3 were
# tried on both dev sets and bench/dated.py as wholes: 1.0 loses nothing on the dev sets).
KNOWN_IN_TIME = 1.0
# Kinds of question a title may answer first: those whose answer a title can state outright.
TITLE_KINDS = frozenset({Kind.NUMBER, Kind.TIME, Kind.PERSON})


@lru_cache(maxsize=4096)
def _title_syllables(stored: str, folded: bool) -> frozenset[str]:
    """A title's syllables as stored (:meth:`Store.title_syllables`), in the question's half."""
    return frozenset(words_syllables(stored, folded))


def _compounds(words: str, idf: dict[str, float]) -> dict[str, float]:
    """pyvi's compound words of a question typed with marks, each weighted by its syllables' idf;
    none when pyvi cannot load: it writes its model to a temporary file on first use, which a
    full disk refuses, and the question is answered without them (its terms do not need pyvi)."""
    try:
        segmented = segment(words)
    except OSError as exc:
        log.warning("the question's compound words are left out: pyvi could not load (%s)", exc)
        return {}
    return {word: sum(idf.get(p, 0.0) for p in word.split("_")) for word in segmented if "_" in word}


def _read_as(question: str, answer: Answer) -> str:
    """How ``question`` was read when ``answer`` comes from a reading with marks of part of it
    (its time phrase or "ai viết bài" taken out): the whole question, spelled along; else ""."""
    return spelled_along(question, answer.read_as) if answer.read_as else ""


class Answering(Reading):
    """The best sentences for a question, each with its citation."""

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
            fact = self._fact(about.fact, found.sentences[0].citation)
            return replace(found, question=question, fact=fact, read_as=_read_as(question, found)), hits
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
            return Answer(question, answer.sentences, as_of=as_of, read_as=_read_as(question, answer)), hits
        return Answer(question, answer.sentences, frame.phrase, widened=widened, read_as=_read_as(question, answer)), hits

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

    def _answer(self, asked: Question, k: int | None, scope: Scope | None = None,
                frame: TimeFrame | None = None) -> tuple[Answer, list[Hit]]:
        """The answer within ``scope``. A question matched on the folded half (typed without
        marks, or partly) is asked again as the sentences it found spell it (``spelled_as``):
        matched accented, a word no longer meets every syllable it folds to ("ma" → "ma", "má",
        "mã" …). Of the two readings, the one whose first sentence scores higher answers, as a
        wrong spelling loses matches the folded half keeps (bench/RESULTS.md, "accents read").
        An answer of the spelled reading says how it read the question (``read_as``): a reader
        then sees a misreading for what it is."""
        reads = StoreReads(self.store)
        hits, candidates = self.gather(asked, scope, reads)
        answer, hits = self._chosen(asked, k, hits, candidates, frame)
        if not asked.folded or (again := self._spelled(asked, candidates)) is None:
            return answer, hits
        other, other_hits = self._chosen(again, k, *self.gather(again, scope, reads), frame)
        if other.found and (not answer.found or other.sentences[0].score > answer.sentences[0].score):
            return replace(other, read_as=again.text), other_hits
        return answer, hits

    def _spelled(self, asked: Question, candidates: dict[tuple[int, int, int], Candidate]) -> Question | None:
        """``asked`` spelled as its candidate sentences (or the archive) spell it, analysed on the
        accented half; None when it still reads as typed without marks."""
        spelled = spelled_as(asked.text, [c.ids for c in candidates.values()], self.store.syllables, self.archive.idf)
        try:
            again = self.analyse(spelled, context=asked.context)
        except EmptyQuery:
            return None
        return None if again.folded else again

    def _chosen(self, asked: Question, k: int | None, hits: list[Hit],
                candidates: dict[tuple[int, int, int], Candidate], frame: TimeFrame | None) -> tuple[Answer, list[Hit]]:
        """The best sentences of the gathered candidates, and the passages re-ranked by them."""
        if not hits:
            return Answer(asked.text, ()), hits
        weights = self.settings.weights
        score_candidates(asked, candidates, self.settings.ranker)
        prefer_in_time(candidates.values(), self.dates, frame)
        hits = self._rerank(hits, candidates)
        chosen = pick(candidates.values(), k or self.settings.sentences, weights)
        if not chosen or not is_answer(chosen[0].coverage, chosen[0].context, weights.min_coverage):
            return Answer(asked.text, ()), hits
        citations = self._citations([(c.key, c.paragraph) for c in chosen])
        sentences = tuple(AnswerSentence(c.text, round(c.score, 4), cited) for c, cited in zip(chosen, citations))
        if (title := self._title_answer(asked, chosen[0], citations[0])) is not None:
            sentences = (title, *sentences[: (k or self.settings.sentences) - 1])
        return Answer(asked.text, sentences), hits

    def _title_answer(self, asked: Question, first: Candidate, cited: Citation) -> AnswerSentence | None:
        """The first sentence's article's title, to answer before it, when the question asks for a
        kind of thing (a number, a time, a person) that the title says and neither the question
        nor the sentence does, and the title holds as much of the question as the sentence (a rise
        stated only in the title: "Giá xăng tăng 303 đồng/lít"). ``cited`` is the first sentence's
        citation, already read: reading it again decodes the whole article."""
        kind = asked.analysis.kind
        if kind not in TITLE_KINDS:
            return None
        title = self.store.title(first.key)
        if answer_type_cue(kind, title, fold(f"{asked.text} {first.text}")) < 1.0:
            return None
        if asked.share(first.title_syllables) < first.coverage:
            return None
        return AnswerSentence(title, round(first.score, 4), replace(cited, paragraph=0))

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
        compounds = {} if folded else _compounds(words, idf)
        names = tuple(name_terms(strip_marks(words) if mixed else words))
        return Question(question, tuple(terms), folded, idf, names, compounds, analyse_question(question), context)

    def gather(self, asked: Question, scope: Scope | None = None, reads: StoreReads | None = None
               ) -> tuple[list[Hit], dict[tuple[int, int, int], Candidate]]:
        """The best passages (within ``scope``), their sentences plus one either side as candidates;
        ``reads``: what another reading of the same question has read from the store already."""
        reads = reads or StoreReads(self.store)
        hits = self._hits(asked.terms, self.settings.depth, scope)
        folded = asked.folded
        spans: dict[tuple[int, int], tuple[int, int]] = {}  # overlapping passages share a paragraph's rows
        article_rank: dict[int, int] = {}
        for hit in hits:
            p = hit.passage
            article_rank.setdefault(p.article, hit.rank)
            first, last = spans.get((p.article, p.paragraph), (p.first - 1, p.last + 1))
            spans[(p.article, p.paragraph)] = (min(first, p.first - 1), max(last, p.last + 1))
        rows = reads.sentence_rows((a, n, first, last) for (a, n), (first, last) in spans.items())
        titles = {key: _title_syllables(stored, folded) for key, stored in reads.title_syllables(article_rank).items()}
        candidates: dict[tuple[int, int, int], Candidate] = {}
        table = self.store.syllables
        decode = table.decode
        for hit in hits:  # a hot loop: ~250 sentences a question, hence the names held in locals
            p = hit.passage
            article, paragraph, first, last = p.article, p.paragraph, p.first, p.last
            title, rank = titles.get(article, frozenset()), article_rank[article]
            for position in range(max(first - 1, 0), last + 2):
                place = (article, paragraph, position)
                c = candidates.get(place)
                if c is None:
                    if (row := rows.get(place)) is None:
                        continue
                    text, words, evidence, stored = row
                    c = candidates[place] = Candidate(article, paragraph, position, text, decode(stored), table,
                                                      folded, title, words, evidence, article_rank=rank)
                if first <= position <= last:
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
