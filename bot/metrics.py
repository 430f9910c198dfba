"""What an operator watches: Prometheus metrics of one bot process (``prometheus-client``).

Counters move where things happen (handlers, delivery, the feed poller, the service's
ingest); gauges that describe state (the outbox, the index) are read when ``/metrics`` is
scraped (:mod:`bot.health`). Each process has its own registry, so tests and several bots
in one interpreter never share numbers.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, RetryAfter, TelegramError

from retrieval.store import IngestReport

ANSWER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def telegram_code(error: TelegramError) -> int:
    """The HTTP code a Bot API error came with (python-telegram-bot keeps only its class); 0
    for the network."""
    for kind, code in ((RetryAfter, 429), (ChatMigrated, 400), (BadRequest, 400), (Forbidden, 403),
                       (InvalidToken, 401), (Conflict, 409)):
        if isinstance(error, kind):
            return code
    return 0


class Metrics:
    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.questions = Counter("hoitin_questions", "Questions asked, by outcome (answered, not_found, "
                                 "empty, too_long)", ["outcome"], registry=registry)
        self.answer_seconds = Histogram("hoitin_answer_seconds", "Time to answer a question (the library's "
                                        "work, not Telegram's)", buckets=ANSWER_BUCKETS, registry=registry)
        self.telegram_errors = Counter("hoitin_telegram_errors", "Bot API calls Telegram refused or that "
                                       "failed, by HTTP code (network: 0)", ["code"], registry=registry)
        self.waits_429 = Counter("hoitin_telegram_429_waits", "Times Telegram asked the alert sender to wait",
                                 registry=registry)
        self.feed_polls = Counter("hoitin_feed_polls", "Feed polls, by result (changed, not_modified, error)",
                                  ["result"], registry=registry)
        self.articles = Counter("hoitin_articles", "Articles read for ingest, by outcome", ["outcome"],
                                registry=registry)
        self.outbox = Gauge("hoitin_outbox_alerts", "Alerts in the outbox, by status", ["status"], registry=registry)
        self.index_passages = Gauge("hoitin_index_passages", "Passages in the index answered from",
                                    registry=registry)
        self.index_generation = Gauge("hoitin_index_generation", "Number of the index generation answered from",
                                      registry=registry)
        self.index_age = Gauge("hoitin_index_age_seconds", "Seconds since that generation was saved",
                               registry=registry)
        for outcome in ("answered", "not_found", "empty", "too_long"):
            self.questions.labels(outcome)  # every series present from the start, at 0
        for result in ("changed", "not_modified", "error"):
            self.feed_polls.labels(result)

    def ingested(self, report: IngestReport) -> None:
        for outcome, count in (("ingested", report.ingested), ("replaced", report.replaced),
                               ("unchanged", report.unchanged), ("skipped", len(report.skipped))):
            if count:
                self.articles.labels(outcome).inc(count)

    def telegram_error(self, code: int) -> None:
        self.telegram_errors.labels(str(code)).inc()

    def render(self) -> bytes:
        """The Prometheus text format."""
        return generate_latest(self.registry)
