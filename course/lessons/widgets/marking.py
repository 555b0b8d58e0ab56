"""The document as HTML: sections, highlights (claims, quotations, citations), the legend and claim panels."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

from course.document import Document, Span, load_document
from course.evidence import data, vocabulary
from course.lessons import content
from course.document.anchors import AnchorError, resolve
from course.lessons.widgets.common import (
    ARABIC_RUN, CLAIM_TYPE_GROUPS, STYLE, SECTION_KEYS,
    _attr, _check_mode, escape_text, evidence_list_html, verdict_html,
)

# ---------------------------------------------------------------------------
# Sections of the document
# ---------------------------------------------------------------------------


def section_key(section) -> int:
    """Normalise a section name: ``None``, ``"Lead"``, ``0`` -> 0; ``3`` or ``"3"`` -> 3.

    Raises ValueError naming the bad value and the valid ones.
    """
    if section is None:
        return 0
    if isinstance(section, str):
        name = section.strip().lower()
        if name in ("lead", "0"):
            return 0
        if name.isdigit() and int(name) in SECTION_KEYS:
            return int(name)
    elif isinstance(section, int) and not isinstance(section, bool) and section in SECTION_KEYS:
        return section
    raise ValueError(f"unknown section {section!r}; valid sections: 'Lead' (or 0), 1, 2, 3, 4, 5, 6, 7")


def _text(key: str, /, **fields) -> str:
    """A string of notebooks/words.toml's ``[marking]``."""
    return content.text("marking", key, **fields)


def section_label(key: int) -> str:
    """'Lead' or 'Section 3'."""
    return _text("lead") if key == 0 else _text("section", number=key)


def section_range(document: Document, key: int) -> Span:
    """The characters a section view shows.

    The lead view runs from the title to the start of section 1 (title, lead
    paragraph, introduction); section 7 runs on to the end of the text so the
    dateline is shown with it; other sections are their own span.
    """
    key = section_key(key)
    if key == 0:
        return Span(0, document.sections[0].span.start)
    section = document.section(key)
    if key == document.sections[-1].number:
        return Span(section.span.start, len(document.text))
    return section.span


# ---------------------------------------------------------------------------
# Highlights and their rendering
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Highlight:
    """One marked passage: a claim, a quotation or a citation marker.

    ``rank`` breaks ties when two passages start and end together (lower is
    outer). ``start_badge`` / ``end_badge`` are short text tags shown at the
    start or end of the passage, so the meaning survives without colour and
    without CSS.
    """

    start: int
    end: int
    kind: str
    ident: str
    classes: tuple[str, ...]
    attrs: tuple[tuple[str, str], ...] = ()
    title: str = ""
    start_badge: str = ""
    end_badge: str = ""
    badge_classes: str = ""
    rank: int = 0


def claims_by_id() -> dict[str, dict]:
    """The claims table as {claim_id: row dict}, read at call time (so tests can swap the table)."""
    return {row["claim_id"]: row for row in data.claims().to_dict("records")}


def claim_spans(document: Document | None = None, claims: dict[str, dict] | None = None) -> dict[str, Span]:
    """Resolve every claim's TextQuoteSelector to a span; a row that does not resolve is skipped with a warning."""
    document = document or load_document()
    claims = claims if claims is not None else claims_by_id()
    spans = {}
    for claim_id, row in claims.items():
        try:
            spans[claim_id] = resolve(document.text, row)
        except AnchorError as exc:
            warnings.warn(f"claim {claim_id} is not highlighted: {exc}", stacklevel=2)
    return spans


def claim_badge(row: dict, mode: str, selected: bool = False) -> str:
    """The tag shown on a highlighted claim: 'K015 date', plus the verdict in checked mode."""
    text = f"{row['claim_id']} {row['claim_type']}"
    if mode == "checked":
        term = vocabulary.VERDICTS[row["verdict"]]
        text += f" · {term.symbol} {term.in_sentence}"
    return ("▶ " if selected else "") + text


def document_highlights(
    document: Document | None = None,
    *,
    mode: str = "first_read",
    selected_claim: str | None = None,
    claims: dict[str, dict] | None = None,
    spans: dict[str, Span] | None = None,
) -> list[Highlight]:
    """Every highlight of the document: claims, quotations and citation markers."""
    from course.document.citations import citations
    from course.document.quotations import quotations

    _check_mode(mode)
    document = document or load_document()
    claims = claims if claims is not None else claims_by_id()
    spans = spans if spans is not None else claim_spans(document, claims)
    found: list[Highlight] = []
    for claim_id, span in spans.items():
        row = claims[claim_id]
        group = CLAIM_TYPE_GROUPS.get(row["claim_type"], "fact")
        selected = claim_id == selected_claim
        classes = ("course-hl", "hl-claim", f"hl-claim-{group}") + (("hl-selected",) if selected else ())
        attrs = (("data-claim-id", claim_id), ("data-claim-type", row["claim_type"]))
        if selected:
            attrs += (("aria-current", "true"),)
        found.append(Highlight(span.start, span.end, "claim", claim_id, classes, attrs,
                               title=_text("claim_title", claim=claim_id, claim_type=row["claim_type"]),
                               start_badge=claim_badge(row, mode, selected),
                               badge_classes="claim-tag selected" if selected else "claim-tag", rank=0))
    for number, quotation in enumerate(quotations(), start=1):
        kind = "term" if quotation.kind == "term" else "speech"
        classes = ("course-hl", "hl-quote", f"hl-quote-{kind}") + (("hl-quote-block",) if quotation.kind == "block" else ())
        title = _text("speech_title", speaker=quotation.speaker) if kind == "speech" else _text("term_title")
        attrs = (("data-quote-kind", quotation.kind),) + ((("data-speaker", quotation.speaker),) if quotation.speaker else ())
        found.append(Highlight(quotation.span.start, quotation.span.end, "quotation", f"QT{number:02d}", classes, attrs, title=title, rank=1))
    for citation in citations():
        found.append(Highlight(citation.span.start, citation.span.end, "citation", citation.citation_id,
                               ("course-hl", "hl-citation"), (("data-citation-id", citation.citation_id),),
                               title=_text("citation_title", citation=citation.citation_id, outlet=citation.outlet),
                               end_badge=citation.citation_id, badge_classes="citation-tag", rank=2))
    return found


def _snap_to_arabic_runs(text: str, highlights: list[Highlight]) -> list[Highlight]:
    """Move highlight edges that fall inside an Arabic run to the run's edge.

    A right-to-left run split across two elements would be drawn as two
    isolated pieces in the wrong order, so runs are never split.
    """
    runs = [(m.start(), m.end()) for m in ARABIC_RUN.finditer(text)]
    if not runs:
        return highlights
    snapped = []
    for h in highlights:
        start, end = h.start, h.end
        for run_start, run_end in runs:
            if run_start < start < run_end:
                start = run_start
            if run_start < end < run_end:
                end = run_end
        snapped.append(h if (start, end) == (h.start, h.end) else replace(h, start=start, end=end))
    return snapped


def _open_tag(h: Highlight, continuation: bool) -> str:
    classes = " ".join(h.classes + (("hl-cont",) if continuation else ()))
    attrs = "".join(f' {name}="{_attr(value)}"' for name, value in h.attrs)
    title = f' title="{_attr(h.title)}"' if h.title else ""
    tag = f'<span class="{classes}"{attrs}{title}>'
    if h.start_badge and not continuation:
        tag += f'<sup class="{h.badge_classes}">{escape_text(h.start_badge)}</sup>'
    return tag


def render_marked_text(text: str, start: int, end: int, highlights: list[Highlight]) -> str:
    """Render ``text[start:end]`` as escaped HTML with the highlights as well-nested ``<span>`` elements.

    The range is cut at every highlight edge. For each piece the active
    highlights are ordered outer to inner (earlier start, then later end,
    then rank); tags common with the previous piece stay open, the rest are
    closed and (re)opened. Where two highlights cross, the inner one is split:
    its later pieces carry the class ``hl-cont`` and no badge, so each
    highlight has exactly one element without ``hl-cont``. Every highlight
    element has the class ``course-hl``. A highlight cut by
    the range boundary also continues (``hl-cont``) on the cut side.
    """
    inside = [h for h in highlights if h.start < end and start < h.end and h.start < h.end]
    points = sorted({start, end} | {max(start, h.start) for h in inside} | {min(end, h.end) for h in inside})
    stack: list[Highlight] = []
    out: list[str] = []

    def close(h: Highlight, at: int) -> None:
        if h.end_badge and h.end == at:
            out.append(f'<sup class="{h.badge_classes}">{escape_text(h.end_badge)}</sup>')
        out.append("</span>")

    for a, b in zip(points, points[1:]):
        active = sorted((h for h in inside if h.start <= a and b <= h.end), key=lambda h: (h.start, -h.end, h.rank, h.ident))
        keep = 0
        while keep < len(stack) and keep < len(active) and stack[keep] is active[keep]:
            keep += 1
        for h in reversed(stack[keep:]):
            close(h, a)
        stack = stack[:keep]
        for h in active[keep:]:
            out.append(_open_tag(h, continuation=h.start != a))
            stack.append(h)
        out.append(escape_text(text[a:b]))
    for h in reversed(stack):
        close(h, end)
    return "".join(out)


def render_range_html(document: Document, span: Span, highlights: list[Highlight]) -> str:
    """Render the paragraphs inside ``span`` (title as a heading, dateline right-aligned)."""
    highlights = _snap_to_arabic_runs(document.text, highlights)
    parts = []
    for paragraph in document.paragraphs:
        if paragraph.span.end <= span.start or paragraph.span.start >= span.end:
            continue
        body = render_marked_text(document.text, paragraph.span.start, paragraph.span.end, highlights)
        if paragraph.role == "title":
            parts.append(f'<h3 class="doc-title">{body}</h3>')
        elif paragraph.role == "dateline":
            parts.append(f'<p class="doc-dateline">{body}</p>')
        else:
            parts.append(f'<p data-paragraph="{paragraph.index}">{body}</p>')
    return "\n".join(parts)


def section_html(document: Document, key: int, highlights: list[Highlight]) -> str:
    """One section as <section> with a heading."""
    key = section_key(key)
    body = render_range_html(document, section_range(document, key), highlights)
    return f'<section class="doc-section" data-section="{key}"><h4>{section_label(key)}</h4>\n{body}\n</section>'


def legend_html(mode: str = "first_read") -> str:
    """What each highlight means, with a sample of each style (shape + colour + tag, never colour alone)."""
    _check_mode(mode)
    claim = _text("legend_claim_sample")
    selected_badge = claim_badge({"claim_id": "K000", "claim_type": "date", "verdict": ""}, "first_read", selected=True)
    items = [
        (f'<span class="course-hl hl-citation">{_text("legend_citation_sample")}</span><sup class="citation-tag">C03</sup>',
         _text("legend_citation")),
        (f'<span class="course-hl hl-quote hl-quote-speech">{_text("legend_speech_sample")}</span>', _text("legend_speech")),
        (f'<span class="course-hl hl-quote hl-quote-term">{_text("legend_term_sample")}</span>', _text("legend_term")),
    ] + [
        (f'<span class="course-hl hl-claim hl-claim-{group}"><sup class="claim-tag">K000 {sample_type}</sup>{claim}</span>',
         _text(f"legend_{group}"))
        for group, sample_type in (("fact", "date"), ("quotation", "quotation"), ("inference", "inference"), ("prediction", "prediction"))
    ] + [
        (f'<span class="course-hl hl-claim hl-claim-fact hl-selected"><sup class="claim-tag selected">{selected_badge}</sup>{claim}</span>',
         _text("legend_selected")),
    ]
    if mode == "checked":
        verdicts = ", ".join(f"{term.symbol} {term.in_sentence}" for term in vocabulary.VERDICTS.values())
        items.append(("", _text("legend_checked", verdicts=verdicts)))
    rows = "".join(f"<li>{sample} {'— ' if sample else ''}{escape_text(text)}</li>" for sample, text in items)
    return f'<div class="legend">{_text("legend")}<ul>{rows}</ul></div>'


def claim_detail_html(claim: dict | str, mode: str = "first_read") -> str:
    """The panel for one claim.

    First read: the document's words, who makes the claim, a neutral
    paraphrase and the claim type; the verdict is hidden. Checked: also the
    verdict, the explanation, the status and the evidence links.
    """
    _check_mode(mode)
    if isinstance(claim, str):
        claims = claims_by_id()
        if claim not in claims:
            raise KeyError(f"unknown claim id {claim!r}; claim ids run {min(claims)}-{max(claims)}")
        claim = claims[claim]
    parts = [
        f'<div class="claim-detail" data-claim-id="{_attr(claim["claim_id"])}">',
        f'<h4>{escape_text(claim["claim_id"])} · {escape_text(claim["claim_type"])}</h4>',
        f'<p>{_text("document_words", words=escape_text(claim["exact"]))}</p>',
        f'<p>{_text("claim_author", author=escape_text(claim["claim_author"]))}</p>',
        f'<p>{_text("neutral_words", text=escape_text(claim["claim_text"]))}</p>',
    ]
    if claim.get("citation_id"):
        parts.append(f'<p>{_text("attributed_to", citation=escape_text(claim["citation_id"]))}</p>')
    if mode == "first_read":
        parts.append(f'<p class="static-note">{_text("first_read_note")}</p>')
    else:
        parts += [
            f'<p>{_text("verdict", verdict=verdict_html(claim["verdict"]), status=escape_text(claim["status"]))}</p>',
            f'<p>{_text("why", explanation=escape_text(claim["rating_explanation"]))}</p>',
            f'<p>{_text("evidence_read")}</p>',
            evidence_list_html(claim["evidence_ids"]),
        ]
    parts.append("</div>")
    return "\n".join(parts)


def section_claims_table_html(key: int, mode: str = "first_read", claims: dict[str, dict] | None = None) -> str:
    """A table of a section's claims (verdict columns only in checked mode)."""
    _check_mode(mode)
    claims = claims if claims is not None else claims_by_id()
    rows = [row for row in claims.values() if int(row["section"]) == section_key(key)]
    if not rows:
        return f'<p>{_text("no_claims")}</p>'
    columns = ("claim", "type", "neutral") + (("verdict", "why", "evidence") if mode == "checked" else ())
    header = "<tr>" + "".join(f"<th>{_text(f'column_{column}')}</th>" for column in columns) + "</tr>"
    body = []
    for row in rows:
        cells = f"<td>{escape_text(row['claim_id'])}</td><td>{escape_text(row['claim_type'])}</td><td>{escape_text(row['claim_text'])}</td>"
        if mode == "checked":
            cells += f"<td>{verdict_html(row['verdict'])}</td><td>{escape_text(row['rating_explanation'])}</td><td>{evidence_list_html(row['evidence_ids'])}</td>"
        body.append(f"<tr>{cells}</tr>")
    return f'<table class="claims-table"><thead>{header}</thead><tbody>{"".join(body)}</tbody></table>'


def document_html(section=None, *, mode: str = "first_read", selected_claim: str | None = None, legend: bool = True) -> str:
    """The document (all sections, or one) as standalone HTML with highlights, styles and legend."""
    _check_mode(mode)
    document = load_document()
    claims = claims_by_id()
    highlights = document_highlights(document, mode=mode, selected_claim=selected_claim, claims=claims)
    keys = SECTION_KEYS if section is None else (section_key(section),)
    body = "\n".join(section_html(document, key, highlights) for key in keys)
    return f'{STYLE}<div class="course-doc" dir="ltr">{legend_html(mode) if legend else ""}{body}</div>'

