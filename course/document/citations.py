"""Every attribution the document makes: who it says its information comes from.

The document cites sources in several forms, and each form is a pattern here:

=================  ===============================================================
``parenthetical``  an outlet and a date after a quotation: ``(Reuters 19/8/2020)``
``reported_by``    ``according to what was reported by the Anadolu Agency``
``social_media``   ``wrote on his Twitter account``, ``said on Twitter``
``self_citation``  its own earlier ``“Answer to Question” we issued on 24/3/2012``
``website``        ``Al-Jazeera website‘s report on 21/8/2020``, ``Al-Asr website quoted``
``anonymous``      ``an American diplomat who requested anonymity``
``unnamed``        ``as the news agencies reported``
=================  ===============================================================

Dates are printed day first (D/M/YYYY) and parsed with
:func:`course.document.dates.parse_document_date`; a malformed date raises
:class:`~course.document.dates.MalformedDateError` naming the citation, rather than
being skipped.

Each citation has a ``span`` (the words that make the attribution) and a
``scope`` (the words it vouches for). The document does not say exactly
which words each source supports, so the scope is a reading rule, stated
here so students can argue with it: a citation after a quotation covers the
quoted speech since the previous citation in the same section (or, with no
quotation, its own sentence); a citation before a quotation (``said on
Twitter: “…”``) covers the next quotation; any other covers its sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from course.document.dates import MalformedDateError, parse_document_date
from course.document.model import Document, Span, load_document
from course.document.quotations import Quotation, find_quotations

#: The outlet names the kit uses for the names the document prints.
OUTLET_NAMES = {
    "Reuters": "Reuters",
    "AFP": "Agence France-Presse (AFP)",
    "Al-Jazeera": "Al Jazeera",
    "Al-Hurra": "Alhurra",
    "Anadolu Agency": "Anadolu Agency",
    "Twitter": "Twitter",
    "Al-Asr": "Al-Asr (website)",
    "Answer to Question": "the publisher's own “Answer to Question” series",
    "American diplomat": "an anonymous American diplomat",
    "news agencies": "unnamed news agencies",
}

_DATE = r"[\d/]+\S*?"

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("parenthetical", re.compile(r"\((?P<outlet>Reuters|AFP|Al-Jazeera|Al-Hurra|Anadolu|[A-Z][A-Za-z]+(?:-[A-Z][A-Za-z]+)?) (?P<date>" + _DATE + r")(?: CE)?\)")),
    ("reported_by", re.compile(r"according to what was reported by (?:the )?(?P<outlet>[A-Z][\w-]*(?: [A-Z][\w-]*)*)")),
    ("social_media", re.compile(r"(?:wrote|said|posted) on (?:his |her |its )?(?P<outlet>Twitter)(?: account)?")),
    ("self_citation", re.compile(r"“\s*(?P<outlet>Answer to Question)” we issued (?:in this regard )?on (?P<date>" + _DATE + r")(?: CE)?(?=:)")),
    ("website", re.compile(r"(?:On (?P<date_before>" + _DATE + r"), )?(?:the )?(?:Qatari )?(?P<outlet>[A-Z][\w-]*) website(?:[‘’']s report on (?P<date>" + _DATE + r")(?=:))?")),
    ("anonymous", re.compile(r"an? (?P<outlet>American diplomat) who requested anonymity")),
    ("unnamed", re.compile(r"as the (?P<outlet>news agencies) reported")),
)


@dataclass(frozen=True)
class Citation:
    """One attribution in the document."""

    citation_id: str
    kind: str
    outlet_as_printed: str
    outlet: str
    date_as_printed: str | None
    date: dt.date | None
    span: Span
    scope: Span
    section: int | None
    marker: str
    scope_text: str


def _parse_date(printed: str | None, marker: str, offset: int) -> dt.date | None:
    if printed is None:
        return None
    try:
        return parse_document_date(printed)
    except MalformedDateError as exc:
        raise MalformedDateError(f"citation {marker!r} at offset {offset} has a malformed date: {exc}") from None


def _scope(document: Document, kind: str, span: Span, previous_end: int, quotations: list[Quotation]) -> Span:
    section = document.section_at(span.start)
    speech = [q for q in quotations if q.kind in ("speech", "block")]
    if kind == "parenthetical":
        covered = [q for q in speech if previous_end <= q.span.start and q.span.end <= span.start and document.section_at(q.span.start) == section]
        if covered:
            return Span(covered[0].span.start, covered[-1].span.end)
    elif kind in ("social_media", "self_citation", "website", "anonymous"):
        following = [q for q in speech if q.span.start >= span.end and document.paragraph_at(q.span.start).index == document.paragraph_at(span.start).index]
        if following:
            return following[0].span
    return document.sentence_at(span.start).span


def find_citations(document: Document) -> list[Citation]:
    """Return every attribution in ``document`` in reading order, numbered C01, C02, …"""
    text = document.text
    found: list[tuple[int, int, str, re.Match[str]]] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            if any(s <= match.start() < e or match.start() <= s < match.end() for s, e, _, _ in found):
                continue  # an earlier, more specific pattern already claimed these words
            found.append((match.start(), match.end(), kind, match))
    found.sort()

    quotations = find_quotations(document)
    citations = []
    previous_end = 0
    for index, (start, end, kind, match) in enumerate(found, start=1):
        marker = match.group(0)
        groups = match.groupdict()
        printed_date = groups.get("date") or groups.get("date_before")
        outlet_printed = groups["outlet"]
        outlet_key = "Anadolu Agency" if outlet_printed.startswith("Anadolu") else outlet_printed
        span = Span(start, end)
        if document.section_at(start) != document.section_at(previous_end):
            previous_end = document.sections[0].span.start if document.section_at(start) is None else document.section(document.section_at(start)).span.start
        scope = _scope(document, kind, span, previous_end, quotations)
        citations.append(
            Citation(
                citation_id=f"C{index:02d}",
                kind=kind,
                outlet_as_printed=outlet_printed,
                outlet=OUTLET_NAMES.get(outlet_key, outlet_printed),
                date_as_printed=printed_date,
                date=_parse_date(printed_date, marker, start),
                span=span,
                scope=scope,
                section=document.section_at(start),
                marker=marker,
                scope_text=document.slice(scope),
            )
        )
        if kind == "parenthetical":
            previous_end = end
    return citations


@lru_cache(maxsize=1)
def citations() -> tuple[Citation, ...]:
    """The citations of the shipped document (cached)."""
    return tuple(find_citations(load_document()))
