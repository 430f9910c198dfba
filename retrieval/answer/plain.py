"""Plain-text rendering of answers and search pages, for terminals (CLI and console chat), and
the JSON objects ``python -m retrieval ask --json`` and ``search --json`` print.

The words a terminal shows around the articles' text (sources, paragraph, not found) are
here, as the Telegram bot's are in ``bot/texts.py``; the records themselves carry none.
"""

from __future__ import annotations

from ..text import date_text
from .factquestion import fact_text
from .records import Answer, Citation, SearchPage

NOT_FOUND = (
    "Không tìm thấy câu trả lời phù hợp trong các bài báo hiện có. "
    "Hãy thử hỏi cụ thể hơn: tên người, địa danh, sự kiện hoặc thời gian."
)

AS_OF = "Theo bài mới nhất trả lời được câu này, đăng ngày {date}:"
WHERE = {"paragraph": "đoạn {number}", "caption": "chú thích ảnh {number}", "title": "tiêu đề"}
FACTS = {
    "fact_author": "Bài “{title}” do {value} viết.", "fact_author_none": "Bài “{title}” không ghi tên tác giả.",
    "fact_source": "Bài “{title}” đăng trên {value}.", "fact_source_none": "Bài “{title}” không ghi nguồn.",
    "fact_published": "Bài “{title}” đăng ngày {value}.", "fact_published_none": "Bài “{title}” không ghi ngày đăng.",
}

READ_AS = "(Hiểu câu hỏi là: “{question}”)"
WIDENED = "(Không có bài nào đăng “{when}” trả lời được câu này; dưới đây là câu trả lời từ mọi thời điểm.)"


def format_answer(answer: Answer) -> str:
    """Plain-text answer for a terminal: numbered sentences, then their sources."""
    if not answer.found:
        return NOT_FOUND
    lines = [READ_AS.format(question=answer.read_as)] if answer.read_as else []
    if answer.widened:
        lines.append(WIDENED.format(when=answer.when))
    if answer.fact is not None:
        key, values = fact_text(answer.fact)
        lines.append(FACTS[key].format(**values))
    if answer.as_of is not None:
        lines.append(AS_OF.format(date=date_text(answer.as_of)))
    lines += [f"[{number}] {s.text} ({_where(s.citation)})" for number, s in answer.numbered()]
    lines.append("")
    lines.append("Nguồn:")
    for number, c in enumerate(answer.sources(), start=1):
        label = " — ".join(part for part in (c.title, date_text(c.published), c.source, c.url) if part)
        lines.append(f"[{number}] {label}")
    return "\n".join(lines)


def _where(citation: Citation) -> str:
    part, number = citation.where()
    return WHERE[part].format(number=number)


def format_search(page: SearchPage) -> str:
    """Plain-text search page; matched words between ** **."""
    if not page.results:
        return f"Không có bài nào khớp với “{page.query}”."
    lines = [f"Kết quả cho “{page.query}” — trang {page.page}/{page.pages} ({page.total} bài)"]
    for number, r in enumerate(page.results, start=(page.page - 1) * page.per_page + 1):
        marked = "".join(f"**{piece}**" if hit else piece for piece, hit in r.snippet.pieces())
        c = r.citation
        date = date_text(c.published) or "không rõ ngày"
        lines.append(f"{number}. {c.title} — {date}" + (f" — {c.source}" if c.source else ""))
        lines.append("   " + marked)
        if c.url:
            lines.append("   " + c.url)
    return "\n".join(lines)


def citation_json(c: Citation) -> dict:
    return {
        "article_id": c.article_id,
        "title": c.title,
        "published": c.published.isoformat() if c.published else None,
        "url": c.url,
        "source": c.source,
        "paragraph": c.paragraph,
    }


def answer_json(answer: Answer, elapsed_ms: float) -> dict:
    """The ``ask --json`` object."""
    return {
        "question": answer.question,
        "read_as": answer.read_as or None,
        "sentences": [{"text": s.text, **citation_json(s.citation), "score": s.score} for s in answer.sentences],
        "elapsed_ms": round(elapsed_ms, 2),
    }
