"""A plain-text summary of the document: sections, word counts and citations.

``python -m course document`` prints :func:`document_summary`; notebooks can
print it too.
"""

from __future__ import annotations

from course.document.citations import find_citations
from course.document.model import Document, load_document


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    def line(cells):
        return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths)).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def document_summary(document: Document | None = None) -> str:
    """Return the summary as text: title, question, dateline, sections and citations."""
    document = document or load_document()
    parts = [
        f"Title:     {document.title}",
        f"Question:  {document.question}",
        f"Dateline:  {document.dateline_hijri} / {document.dateline_ce}",
        f"Length:    {document.word_count} words, {len(document.paragraphs)} paragraphs, {len(document.sentences)} sentences",
        f"SHA-256:   {document.sha256}",
        "",
        "Sections",
        _table(
            [[str(s.number), str(len(s.paragraphs)), str(s.word_count), _shorten(document.slice(s.span), 70)] for s in document.sections],
            ["#", "paras", "words", "opening words"],
        ),
        "",
        f"Closing:   {_shorten(document.closing, 90)}",
        "",
    ]
    citations = find_citations(document)
    parts += [
        f"Citations ({len(citations)})",
        _table(
            [[c.citation_id, str(c.section or "lead"), c.kind, c.outlet_as_printed, c.date_as_printed or "-", c.date.isoformat() if c.date else "-", _shorten(c.scope_text, 48)] for c in citations],
            ["id", "section", "kind", "outlet (as printed)", "date printed", "date", "covers"],
        ),
    ]
    return "\n".join(parts)
