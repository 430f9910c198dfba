"""From a question to an answer: reading the question, scoring candidate sentences, the fitted
ranker, time preferences, facts from an article's fields, search snippets, plain-text output
and the answer log; the records an answer is made of.

Other packages import these names from here, never from the modules.
"""

from .candidates import Candidate, Question, Weights, is_answer, pick
from .cues import PERSON_RE, answer_type_cue
from .factquestion import Fact, fact_text, read_fact_question
from .features import FEATURES, KIND_FEATURES, features, score_candidates
from .feedback import ANSWER_LOG, AnswerLog, Ratings
from .plain import answer_json, citation_json, format_answer, format_search
from .question import KINDS, Kind, analyse_question
from .ranker import MODEL_PATH, Ranker, default_ranker
from .records import Answer, AnswerSentence, ArticleFact, Citation, Excerpt, FollowUp, Hit, SearchPage, SearchResult, Snippet
from .search import best_snippet, query_marks
from .searchquery import BadSearch, SearchQuery, parse_search
from .timeline import TREND_DAYS, TREND_MAX_DAYS, TREND_WEEKS_OVER, Trend, by_week, daily_counts, prefer_in_time

__all__ = [
    "ANSWER_LOG",
    "Answer",
    "AnswerLog",
    "AnswerSentence",
    "ArticleFact",
    "BadSearch",
    "Candidate",
    "Citation",
    "Excerpt",
    "FEATURES",
    "Fact",
    "FollowUp",
    "Hit",
    "KINDS",
    "KIND_FEATURES",
    "Kind",
    "MODEL_PATH",
    "PERSON_RE",
    "Question",
    "Ranker",
    "Ratings",
    "SearchPage",
    "SearchQuery",
    "SearchResult",
    "Snippet",
    "TREND_DAYS",
    "TREND_MAX_DAYS",
    "TREND_WEEKS_OVER",
    "Trend",
    "Weights",
    "analyse_question",
    "best_snippet",
    "by_week",
    "daily_counts",
    "default_ranker",
    "fact_text",
    "features",
    "answer_json",
    "answer_type_cue",
    "citation_json",
    "format_answer",
    "format_search",
    "is_answer",
    "parse_search",
    "pick",
    "prefer_in_time",
    "query_marks",
    "read_fact_question",
    "score_candidates",
]
