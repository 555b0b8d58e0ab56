"""Interactive views for the lesson notebooks, each with a static fallback.

Three views, built on ipywidgets, for students working in JupyterLab:

* :class:`DocumentReader` reads the document section by section with its
  citations, quotations and claims highlighted; a claim picked from the list
  is marked in the text and explained beside it ("first read" hides the
  verdicts, "checked" shows them with the evidence links).
* :class:`ClaimSorter` is practice (not graded): one sentence at a time, the
  student says what kind of statement the marked words are and gets the
  reason at once.
* :class:`QuoteComparer` puts a quotation as the document prints it beside
  the original wording found in a source, with word-level differences marked.

Where widgets cannot run (a static HTML export, GitHub's notebook preview)
each view still reads: ``_repr_mimebundle_`` returns the widget view *and* a
``text/html`` rendering (:meth:`static_html`), and the highlights never rely on
colour alone (shapes, underline styles and text tags carry the meaning; the
colours are Okabe-Ito). All text is escaped with :func:`html.escape`, and
Arabic runs are wrapped in ``<span dir="rtl" lang="ar">`` so they stay
right-to-left inside the English text.

ipywidgets is imported inside the classes, not here, so importing the module
stays cheap. The pure functions (:func:`document_html`, :func:`word_diff`,
:func:`claim_detail_html`, ...) build the same HTML without widgets and are
what the tests and the static fallbacks use.

Stable CSS classes for notebooks and browser tests: ``course-document-reader``,
``course-section-picker``, ``course-prev-section``, ``course-next-section``,
``course-mode-toggle``, ``course-claim-picker`` (its buttons are the claims),
``course-document-text``, ``course-claim-detail`` and ``course-detail-view`` (the
same panel), ``course-hl`` (every highlight span), ``course-claim-sorter``, ``course-sorter-labels``,
``course-sorter-check``, ``course-sorter-next``, ``course-sorter-feedback``,
``course-quote-comparer``, ``course-pair-picker``, ``course-quote-view``.
"""

from __future__ import annotations

import difflib
import html
import re
import warnings
from dataclasses import dataclass, replace

from course.evidence import data
from course.document.anchors import AnchorError, resolve
from course.lessons.charts import PALETTE
from course.document import Document, Span, load_document

# ---------------------------------------------------------------------------
# Vocabularies and styles
# ---------------------------------------------------------------------------

#: The Okabe-Ito palette (colour-blind safe), by name: one definition, in course.lessons.charts.
OKABE_ITO = PALETTE

MODES = ("first_read", "checked")
MODE_LABELS = {"first_read": "First read", "checked": "Checked"}

#: Section keys: 0 is the lead (title, lead paragraph and introduction), 1-7 the numbered sections.
SECTION_KEYS = tuple(range(0, 8))

#: Highlight group of each claim type. The six types that state a checkable
#: fact share one style; the badge on each claim names its exact type.
CLAIM_TYPE_GROUPS = {
    "date": "fact",
    "number": "fact",
    "name": "fact",
    "membership": "fact",
    "event": "fact",
    "attribution": "fact",
    "quotation": "quotation",
    "inference": "inference",
    "prediction": "prediction",
}

#: Verdicts as shown to students: a symbol (so the verdict does not rest on colour) and a label.
VERDICT_DISPLAY = {
    "accurate": ("✓", "Accurate"),
    "partly_accurate": ("◐", "Partly accurate"),
    "inaccurate": ("✗", "Inaccurate"),
    "unverifiable": ("?", "Unverifiable"),
    "not_checkable": ("–", "Not checkable"),
}

#: How a quotation relates to its original (data/README.md, quote_pairs.relation).
RELATION_LABELS = {
    "same_statement": "Same statement, small wording changes",
    "reported_speech": "Reported speech (first person turned into third, or the reverse)",
    "translation": "Translation of an original in another language",
    "summary_as_quote": "A reporter's summary presented as the speaker's own words",
    "truncated": "Truncated: the original goes on with words the document leaves out",
    "altered": "Altered: a word or phrase changed in a way that changes the meaning",
    "different_speaker": "Different speaker: the nearest wording belongs to someone else",
}

LANGUAGE_NAMES = {"en": "English", "fr": "French", "ar": "Arabic", "tr": "Turkish", "de": "German"}

# Arabic script (letters, marks, presentation forms) with the spaces inside a
# run, so that a phrase becomes one right-to-left span, not one per word.
_ARABIC_CHARS = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
ARABIC_RUN = re.compile(f"[{_ARABIC_CHARS}]+(?:[ \u00a0]+[{_ARABIC_CHARS}]+)*")

STYLE = f"""<style>
.course-doc {{ line-height: 1.75; max-width: 62em; }}
.course-doc p {{ margin: 0 0 0.9em 0; }}
.course-doc .hl-claim {{ text-decoration-line: underline; text-decoration-thickness: 2px; text-underline-offset: 0.3em; }}
.course-doc .hl-claim-fact {{ text-decoration-style: solid; text-decoration-color: {OKABE_ITO["orange"]}; }}
.course-doc .hl-claim-quotation {{ text-decoration-style: double; text-decoration-color: {OKABE_ITO["bluish_green"]}; }}
.course-doc .hl-claim-inference {{ text-decoration-style: wavy; text-decoration-color: {OKABE_ITO["vermillion"]}; }}
.course-doc .hl-claim-prediction {{ text-decoration-style: dashed; text-decoration-color: {OKABE_ITO["reddish_purple"]}; }}
.course-doc .hl-selected {{ outline: 2px solid {OKABE_ITO["black"]}; outline-offset: 1px; background: rgba(230, 159, 0, 0.22); }}
.course-doc .hl-quote-speech {{ font-style: italic; background: rgba(240, 228, 66, 0.40); }}
.course-doc .hl-quote-term {{ font-style: normal; background: rgba(86, 180, 233, 0.25); }}
.course-doc .hl-citation {{ border: 2px solid {OKABE_ITO["blue"]}; border-radius: 3px; padding: 0 2px; }}
.course-doc sup.claim-tag, .course-doc sup.citation-tag {{ display: inline-block; font-size: 0.68em; font-style: normal;
  font-weight: 600; line-height: 1.2; padding: 0 3px; margin: 0 2px; border: 1px solid currentColor; border-radius: 3px;
  background: #fff; color: #000; }}
.course-doc sup.citation-tag {{ color: {OKABE_ITO["blue"]}; }}
.course-doc sup.claim-tag.selected {{ background: #000; color: #fff; }}
.course-doc .doc-dateline {{ text-align: right; }}
.course-doc a {{ color: {OKABE_ITO["blue"]}; text-decoration: underline; }}
.course-doc table {{ border-collapse: collapse; }}
.course-doc th, .course-doc td {{ border: 1px solid #999; padding: 4px 6px; vertical-align: top; text-align: left; }}
.course-doc del.diff {{ text-decoration: line-through; text-decoration-thickness: 2px; background: rgba(213, 94, 0, 0.15);
  text-decoration-color: {OKABE_ITO["vermillion"]}; }}
.course-doc ins.diff {{ text-decoration: underline; text-decoration-thickness: 2px; background: rgba(0, 158, 115, 0.15);
  text-decoration-color: {OKABE_ITO["bluish_green"]}; }}
.course-doc .feedback-correct::before {{ content: "✓ "; }}
.course-doc .feedback-incorrect::before {{ content: "✗ "; }}
.course-doc .static-note {{ font-size: 0.9em; color: #333; border-left: 3px solid #999; padding-left: 0.5em; }}
</style>"""


# ---------------------------------------------------------------------------
# Small HTML helpers
# ---------------------------------------------------------------------------


def escape_text(text: str) -> str:
    """Escape ``text`` for HTML and wrap each Arabic run in ``<span dir="rtl" lang="ar">``."""
    out = []
    position = 0
    for match in ARABIC_RUN.finditer(text):
        out.append(html.escape(text[position : match.start()]))
        out.append(f'<span dir="rtl" lang="ar">{html.escape(match.group(0))}</span>')
        position = match.end()
    out.append(html.escape(text[position:]))
    return "".join(out)


def _attr(value) -> str:
    """An attribute value, escaped (quotes included)."""
    return html.escape(str(value), quote=True)


def link_html(url: str, label: str) -> str:
    """An external link that opens in a new tab without giving the page access to ours."""
    return f'<a href="{_attr(url)}" target="_blank" rel="noopener">{escape_text(label)}</a>'


def evidence_list_html(evidence_ids) -> str:
    """A <ul> of evidence pages (outlet linked to URL, with the evidence id) for a ';'-separated id list."""
    links = data.evidence_links(evidence_ids)
    if not links:
        return '<p class="no-evidence">No page read settles it (no evidence ids).</p>'
    items = "".join(f"<li>{link_html(url, outlet)} <code>{escape_text(eid)}</code></li>" for eid, outlet, url in links)
    return f'<ul class="evidence-links">{items}</ul>'


def verdict_html(verdict: str) -> str:
    """The verdict as symbol + label (never colour alone)."""
    symbol, label = VERDICT_DISPLAY.get(verdict, ("", verdict))
    return f'<span class="verdict verdict-{_attr(verdict)}">{symbol} {escape_text(label)}</span>'


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; valid modes: {', '.join(MODES)}")
    return mode


def _shorten(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


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


def section_label(key: int) -> str:
    """'Lead' or 'Section 3'."""
    return "Lead" if key == 0 else f"Section {key}"


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
        symbol, label = VERDICT_DISPLAY.get(row["verdict"], ("", row["verdict"]))
        text += f" · {symbol} {label.lower()}"
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
                               title=f"Claim {claim_id}: {row['claim_type']}",
                               start_badge=claim_badge(row, mode, selected),
                               badge_classes="claim-tag selected" if selected else "claim-tag", rank=0))
    for number, quotation in enumerate(quotations(), start=1):
        kind = "term" if quotation.kind == "term" else "speech"
        classes = ("course-hl", "hl-quote", f"hl-quote-{kind}") + (("hl-quote-block",) if quotation.kind == "block" else ())
        title = f"Quoted words attributed to: {quotation.speaker}" if kind == "speech" else "Words in quotation marks (a name or scare quotes)"
        attrs = (("data-quote-kind", quotation.kind),) + ((("data-speaker", quotation.speaker),) if quotation.speaker else ())
        found.append(Highlight(quotation.span.start, quotation.span.end, "quotation", f"QT{number:02d}", classes, attrs, title=title, rank=1))
    for citation in citations():
        found.append(Highlight(citation.span.start, citation.span.end, "citation", citation.citation_id,
                               ("course-hl", "hl-citation"), (("data-citation-id", citation.citation_id),),
                               title=f"Citation {citation.citation_id}: {citation.outlet}",
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
    items = [
        ('<span class="course-hl hl-citation">cited outlet and date</span><sup class="citation-tag">C03</sup>',
         "Citation marker: boxed in blue, followed by its id (C01-C16). Who does the document say its information comes from?"),
        ('<span class="course-hl hl-quote hl-quote-speech">quoted words</span>',
         "Quoted speech: italic on a yellow tint. Hover to see who the document says is speaking."),
        ('<span class="course-hl hl-quote hl-quote-term">quoted name</span>',
         "Words in quotation marks that nobody is said to speak (names, scare quotes): upright on a light-blue tint."),
        ('<span class="course-hl hl-claim hl-claim-fact"><sup class="claim-tag">K000 date</sup>claim</span>',
         "Claim of fact (date, number, name, membership, event, attribution): solid orange underline; the tag names the claim and its type."),
        ('<span class="course-hl hl-claim hl-claim-quotation"><sup class="claim-tag">K000 quotation</sup>claim</span>',
         "Claim that someone said these words: double green underline."),
        ('<span class="course-hl hl-claim hl-claim-inference"><sup class="claim-tag">K000 inference</sup>claim</span>',
         "Inference (a conclusion the document draws): wavy vermillion underline."),
        ('<span class="course-hl hl-claim hl-claim-prediction"><sup class="claim-tag">K000 prediction</sup>claim</span>',
         "Prediction or claim about aims: dashed purple underline."),
        ('<span class="course-hl hl-claim hl-claim-fact hl-selected"><sup class="claim-tag selected">▶ K000 date</sup>claim</span>',
         "The claim you picked: black frame and a ▶ on its tag."),
    ]
    if mode == "checked":
        verdicts = ", ".join(f"{symbol} {label.lower()}" for symbol, label in VERDICT_DISPLAY.values())
        items.append(("", f"Checked mode: each claim tag also shows the kit's verdict ({verdicts})."))
    rows = "".join(f"<li>{sample} {'— ' if sample else ''}{escape_text(text)}</li>" for sample, text in items)
    return f'<div class="legend"><strong>Legend</strong><ul>{rows}</ul></div>'


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
        f'<p><strong>The document\'s words:</strong> “{escape_text(claim["exact"])}”</p>',
        f'<p><strong>Who makes the claim:</strong> {escape_text(claim["claim_author"])}</p>',
        f'<p><strong>The claim in neutral words:</strong> {escape_text(claim["claim_text"])}</p>',
    ]
    if claim.get("citation_id"):
        parts.append(f'<p><strong>The document attributes it to:</strong> citation {escape_text(claim["citation_id"])}</p>')
    if mode == "first_read":
        parts.append('<p class="static-note">First read: the fact-check result is hidden. What would you check, '
                     'and where would you look? Switch to “Checked” to compare with the kit\'s fact-check.</p>')
    else:
        parts += [
            f'<p><strong>Verdict:</strong> {verdict_html(claim["verdict"])} ({escape_text(claim["status"])})</p>',
            f'<p><strong>Why:</strong> {escape_text(claim["rating_explanation"])}</p>',
            "<p><strong>Evidence read:</strong></p>",
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
        return "<p>No claims are recorded for this part.</p>"
    header = "<tr><th>Claim</th><th>Type</th><th>The claim in neutral words</th>"
    header += "<th>Verdict</th><th>Why</th><th>Evidence</th></tr>" if mode == "checked" else "</tr>"
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


# ---------------------------------------------------------------------------
# Shared behaviour of the views
# ---------------------------------------------------------------------------


class StaticFallbackView:
    """Base for the views: a widget for JupyterLab and static HTML for everywhere else.

    Subclasses set ``self.widget`` (the ipywidgets container) and implement
    :meth:`static_html`.
    """

    widget = None

    def static_html(self) -> str:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """The widget view (from ipywidgets) plus a ``text/html`` static rendering."""
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = repr(self)
        return bundle


def static_page(css_class: str, body: str, note: str) -> str:
    """Wrap a static rendering: styles, a note on what the interactive version adds, the body."""
    return (f'{STYLE}<div class="course-doc course-static {css_class}-static" dir="ltr">'
            f'<p class="static-note">{escape_text(note)}</p>{body}</div>')


# ---------------------------------------------------------------------------
# DocumentReader
# ---------------------------------------------------------------------------


class DocumentReader(StaticFallbackView):
    """Read the document section by section with citations, quotations and claims highlighted.

    ``mode`` is ``"first_read"`` (claim types shown, verdicts hidden) or
    ``"checked"`` (verdicts, explanations and evidence links shown).
    ``section`` is where to start (``"Lead"``/0 or 1-7); the static rendering
    shows that section, or the whole document when no section is given.

    Sub-widgets: ``section_picker`` (ToggleButtons Lead, 1-7),
    ``previous_button`` / ``next_button``, ``mode_toggle`` (ToggleButtons),
    ``claim_picker`` (ToggleButtons, one per claim of the section, labelled
    'K015 date'; value = claim id or None), ``text_view`` (HTML of the section), ``detail_view`` (HTML about
    the picked claim), ``legend_view``; the container is ``widget``.
    """

    def __init__(self, mode: str = "first_read", section=None):
        import ipywidgets as widgets

        _check_mode(mode)
        start = section_key(section)
        self._static_keys = SECTION_KEYS if section is None else (start,)
        self.document = load_document()
        self.claims = claims_by_id()
        self.spans = claim_spans(self.document, self.claims)
        self._updating = False

        self.section_picker = widgets.ToggleButtons(
            options=[("Lead" if key == 0 else str(key), key) for key in SECTION_KEYS], value=start,
            tooltips=[section_label(key) for key in SECTION_KEYS], style={"button_width": "auto"},
            layout=widgets.Layout(width="auto"))
        self.section_picker.add_class("course-section-picker")
        self.previous_button = widgets.Button(description="◀ Previous", tooltip="Previous section")
        self.previous_button.add_class("course-prev-section")
        self.next_button = widgets.Button(description="Next ▶", tooltip="Next section")
        self.next_button.add_class("course-next-section")
        self.mode_toggle = widgets.ToggleButtons(
            options=[(MODE_LABELS[m], m) for m in MODES], value=mode, description="Mode:",
            tooltips=["Claims and their types; fact-check results hidden", "Verdicts, explanations and evidence links"])
        self.mode_toggle.add_class("course-mode-toggle")
        # A row of buttons, one per claim ('K015 date'): an HTML widget cannot
        # receive clicks on the spans inside it, so claims are picked here.
        self.claim_picker = widgets.ToggleButtons(options=self._claim_options(start), value=None,
                                                  style={"button_width": "auto"},
                                                  layout=widgets.Layout(display="flex", flex_flow="row wrap"))
        self.claim_picker.add_class("course-claim-picker")
        self.text_view = widgets.HTML(layout=widgets.Layout(flex="2 1 0%", min_width="24em"))
        self.text_view.add_class("course-document-text")
        self.detail_view = widgets.HTML()
        self.detail_view.add_class("course-claim-detail")
        self.detail_view.add_class("course-detail-view")
        self.legend_view = widgets.HTML(f'{STYLE}<div class="course-doc">{legend_html(mode)}</div>')
        side = widgets.VBox([widgets.HTML("<strong>Claims in this part</strong> (pick one):"), self.claim_picker, self.detail_view],
                            layout=widgets.Layout(flex="1 1 0%", min_width="18em"))
        self.widget = widgets.VBox([
            widgets.HBox([widgets.HTML("<strong>Section:</strong>"), self.previous_button, self.section_picker, self.next_button],
                         layout=widgets.Layout(align_items="center", flex_flow="row wrap")),
            self.mode_toggle,
            widgets.HBox([self.text_view, side]),
            self.legend_view,
        ])
        self.widget.add_class("course-document-reader")

        self.section_picker.observe(self._on_section, names="value")
        self.mode_toggle.observe(self._on_change, names="value")
        self.claim_picker.observe(self._on_change, names="value")
        self.previous_button.on_click(lambda _: self._step(-1))
        self.next_button.on_click(lambda _: self._step(+1))
        self._refresh()

    # -- state ------------------------------------------------------------
    @property
    def section(self) -> int:
        """The section shown (0 = lead)."""
        return self.section_picker.value

    @property
    def mode(self) -> str:
        return self.mode_toggle.value

    @property
    def selected_claim(self) -> str | None:
        return self.claim_picker.value

    def claims_in_section(self, key) -> list[str]:
        """Claim ids of a section, in reading order."""
        key = section_key(key)
        ids = [cid for cid, row in self.claims.items() if int(row["section"]) == key]
        return sorted(ids, key=lambda cid: (self.spans[cid].start if cid in self.spans else 0, cid))

    def _claim_options(self, key) -> list[tuple[str, str]]:
        return [(f"{cid} {self.claims[cid]['claim_type']}", cid) for cid in self.claims_in_section(key)]

    # -- actions -----------------------------------------------------------
    def show_section(self, section) -> None:
        """Show a section ('Lead'/0 or 1-7)."""
        self.section_picker.value = section_key(section)

    def set_mode(self, mode: str) -> None:
        """Switch between 'first_read' and 'checked'."""
        self.mode_toggle.value = _check_mode(mode)

    def select_claim(self, claim_id: str | None) -> None:
        """Pick a claim (switching to its section), or None to clear."""
        if claim_id is None:
            self.claim_picker.value = None
            return
        if claim_id not in self.claims:
            raise KeyError(f"unknown claim id {claim_id!r}; claim ids run {min(self.claims)}-{max(self.claims)}")
        self.show_section(int(self.claims[claim_id]["section"]))
        self.claim_picker.value = claim_id

    def _step(self, delta: int) -> None:
        target = self.section + delta
        if target in SECTION_KEYS:
            self.section_picker.value = target

    def _on_section(self, change) -> None:
        self._updating = True
        try:
            self.claim_picker.options = self._claim_options(change["new"])
            self.claim_picker.value = None
        finally:
            self._updating = False
        self._refresh()

    def _on_change(self, _change) -> None:
        if not self._updating:
            self._refresh()

    def _refresh(self) -> None:
        """Re-render the text, the detail panel, the legend and the button states."""
        key, mode, selected = self.section, self.mode, self.selected_claim
        highlights = document_highlights(self.document, mode=mode, selected_claim=selected, claims=self.claims, spans=self.spans)
        self.text_view.value = f'{STYLE}<div class="course-doc" dir="ltr">{section_html(self.document, key, highlights)}</div>'
        if selected is None:
            count = len(self.claims_in_section(key))
            detail = (f"<p>{section_label(key)} has {count} recorded claims. Pick one from the list to mark it "
                      "in the text and see what it says.</p>")
        else:
            detail = claim_detail_html(self.claims[selected], mode)
        self.detail_view.value = f'<div class="course-doc">{detail}</div>'
        self.legend_view.value = f'<div class="course-doc">{legend_html(mode)}</div>'
        self.previous_button.disabled = key == SECTION_KEYS[0]
        self.next_button.disabled = key == SECTION_KEYS[-1]

    # -- static fallback -------------------------------------------------
    def static_html(self) -> str:
        """The document (or the chosen section) with highlights, legend and claim tables; no widgets."""
        mode = self.mode
        highlights = document_highlights(self.document, mode=mode, claims=self.claims, spans=self.spans)
        parts = [legend_html(mode)]
        for key in self._static_keys:
            parts.append(section_html(self.document, key, highlights))
            count = len(self.claims_in_section(key))
            parts.append(f"<details><summary>Claims in {section_label(key).lower()} ({count})</summary>"
                         f"{section_claims_table_html(key, mode, self.claims)}</details>")
        note = (f"Static view ({MODE_LABELS[mode].lower()} mode). Run the notebook in JupyterLab to move between "
                "sections, pick claims and switch modes.")
        return static_page("course-document-reader", "\n".join(parts), note)

    def __repr__(self) -> str:
        return f"DocumentReader(mode={self.mode!r}, section={section_label(self.section)!r}, selected_claim={self.selected_claim!r})"


# ---------------------------------------------------------------------------
# ClaimSorter
# ---------------------------------------------------------------------------

#: The sorter's default labels.
SORTER_LABELS = ("fact", "quotation", "inference", "value judgement", "prediction")

#: How a claim type maps to a practice label. One exception, applied first:
#: an ``inference`` the kit rates ``not_checkable`` (a value judgement, motive
#: or framing that evidence cannot settle) counts as ``value judgement``.
PRACTICE_LABEL_BY_CLAIM_TYPE = {
    "date": "fact",
    "number": "fact",
    "name": "fact",
    "event": "fact",
    "membership": "fact",
    "attribution": "fact",
    "quotation": "quotation",
    "inference": "inference",
    "prediction": "prediction",
}

#: The default practice set: claim ids (not text), so every sentence and
#: answer comes from claims.csv. Chosen to cover every label: facts of four
#: types (date K015, number K064, name K036, event K075), quotations (K027,
#: K072), inferences (K048, K032), a prediction (K057) and two inferences
#: rated not_checkable that the rule turns into value judgements (K070, K081).
DEFAULT_SORTER_CLAIMS = ("K015", "K027", "K048", "K070", "K064", "K057", "K072", "K036", "K081", "K032", "K075")

#: Why each label fits, in the kit's words (data/README.md vocabulary).
LABEL_REASONS = {
    "fact": "a statement of fact that can be checked against the public record (the kit checked it)",
    "quotation": "words the document presents as someone else's; check who said them and whether the wording matches",
    "inference": "a conclusion the document draws from other statements; check whether the premises support it",
    "value judgement": "a judgement, motive or framing that evidence cannot settle (the kit rates it not_checkable)",
    "prediction": "a claim about aims or about what will happen; later events can test it",
}


def practice_label(claim: dict) -> str:
    """The sorter label for a claims row (see :data:`PRACTICE_LABEL_BY_CLAIM_TYPE` for the rule)."""
    if claim["claim_type"] == "inference" and claim["verdict"] == "not_checkable":
        return "value judgement"
    try:
        return PRACTICE_LABEL_BY_CLAIM_TYPE[claim["claim_type"]]
    except KeyError:
        valid = ", ".join(PRACTICE_LABEL_BY_CLAIM_TYPE)
        raise ValueError(f"claim {claim['claim_id']} has unknown claim type {claim['claim_type']!r}; known: {valid}") from None


@dataclass(frozen=True)
class SorterItem:
    """One sentence to sort: its text, the marked words (offsets into ``text``), the label and the reason."""

    text: str
    label: str
    reason: str
    target: tuple[int, int] | None = None
    claim_id: str | None = None

    def html(self) -> str:
        """The sentence with the words to classify underlined and bold."""
        if self.target is None:
            return f"<p>{escape_text(self.text)}</p>"
        start, end = self.target
        return (f"<p>{escape_text(self.text[:start])}<u><strong>{escape_text(self.text[start:end])}</strong></u>"
                f"{escape_text(self.text[end:])}</p>")


def sorter_item(claim_id: str, claims: dict[str, dict] | None = None, document: Document | None = None) -> SorterItem:
    """Build the practice item for a claim: the sentence(s) around it, its label and the reason."""
    claims = claims if claims is not None else claims_by_id()
    if claim_id not in claims:
        raise KeyError(f"unknown claim id {claim_id!r}; claim ids run {min(claims)}-{max(claims)}")
    row = claims[claim_id]
    document = document or load_document()
    span = resolve(document.text, row)
    first = document.sentence_at(span.start)
    last = document.sentence_at(max(span.start, span.end - 1))
    text = document.text[first.span.start : last.span.end]
    label = practice_label(row)
    if label == "value judgement":
        kind = f"an inference the kit rates {row['verdict']}"
    else:
        kind = f"{'an' if row['claim_type'][0] in 'aeiou' else 'a'} {row['claim_type']} claim in the kit's data"
    reason = f"{claim_id} is {kind}, so here it counts as “{label}”: {LABEL_REASONS[label]}. The kit's paraphrase: {row['claim_text']}"
    return SorterItem(text, label, reason, (span.start - first.span.start, span.end - first.span.start), claim_id)


class ClaimSorter(StaticFallbackView):
    """Practice: say what kind of statement the marked words are; immediate feedback, a running score.

    ``sentences`` is a list of claim ids (default :data:`DEFAULT_SORTER_CLAIMS`)
    or of dicts ``{"text", "label", "reason"}`` for a teacher's own
    sentences. ``labels`` are the choices; every item's label must be one of
    them. Not graded: only the first answer to each sentence is scored.

    Sub-widgets: ``sentence_view``, ``label_picker`` (RadioButtons),
    ``check_button``, ``next_button``, ``feedback_view``, ``score_view``;
    the container is ``widget``.
    """

    def __init__(self, sentences=None, labels=SORTER_LABELS):
        import ipywidgets as widgets

        self.labels = tuple(labels)
        if not self.labels:
            raise ValueError("a ClaimSorter needs at least one label")
        self.items = self._build_items(DEFAULT_SORTER_CLAIMS if sentences is None else sentences)
        if not self.items:
            raise ValueError("a ClaimSorter needs at least one sentence")
        self.index = 0
        self.answers: dict[int, tuple[str, bool]] = {}

        self.progress_view = widgets.HTML()
        self.sentence_view = widgets.HTML()
        self.sentence_view.add_class("course-sorter-sentence")
        self.label_picker = widgets.RadioButtons(options=list(self.labels), value=None, description="This is a:")
        self.label_picker.add_class("course-sorter-labels")
        self.check_button = widgets.Button(description="Check", button_style="primary")
        self.check_button.add_class("course-sorter-check")
        self.next_button = widgets.Button(description="Next sentence ▶")
        self.next_button.add_class("course-sorter-next")
        self.feedback_view = widgets.HTML()
        self.feedback_view.add_class("course-sorter-feedback")
        self.score_view = widgets.HTML()
        self.score_view.add_class("course-sorter-score")
        self.widget = widgets.VBox([
            widgets.HTML(STYLE), self.progress_view, self.sentence_view, self.label_picker,
            widgets.HBox([self.check_button, self.next_button]), self.feedback_view, self.score_view,
        ])
        self.widget.add_class("course-claim-sorter")
        self.check_button.on_click(lambda _: self.check())
        self.next_button.on_click(lambda _: self.next())
        self._show()

    def _build_items(self, sentences) -> list[SorterItem]:
        claims = claims_by_id()
        document = load_document()
        items = []
        for entry in sentences:
            if isinstance(entry, str):
                item = sorter_item(entry, claims, document)
            elif isinstance(entry, dict):
                missing = {"text", "label"} - set(entry)
                if missing:
                    raise ValueError(f"a sentence dict needs 'text' and 'label'; missing {sorted(missing)} in {entry!r}")
                item = SorterItem(str(entry["text"]), str(entry["label"]), str(entry.get("reason", "")))
            else:
                raise ValueError(f"a sentence must be a claim id or a dict with 'text' and 'label', not {entry!r}")
            if item.label not in self.labels:
                raise ValueError(f"sentence {_shorten(item.text, 40)!r} needs the label {item.label!r}, "
                                 f"which is not among the labels: {', '.join(self.labels)}")
            items.append(item)
        return items

    @property
    def current(self) -> SorterItem:
        return self.items[self.index]

    @property
    def score(self) -> tuple[int, int]:
        """(correct, answered): first answers only."""
        return sum(1 for _, ok in self.answers.values() if ok), len(self.answers)

    def check(self, label: str | None = None) -> bool | None:
        """Check ``label`` (default: the picked radio button) for the current sentence.

        Returns True/False, or None when no label is picked. Shows the feedback;
        only the first answer to a sentence counts towards the score.
        """
        if label is not None:
            if label not in self.labels:
                raise ValueError(f"unknown label {label!r}; valid labels: {', '.join(self.labels)}")
            self.label_picker.value = label
        label = self.label_picker.value
        if label is None:
            self.feedback_view.value = '<div class="course-doc"><p>Pick a label first, then press Check.</p></div>'
            return None
        item = self.current
        correct = label == item.label
        self.answers.setdefault(self.index, (label, correct))
        self.feedback_view.value = f'<div class="course-doc">{self._feedback_html(label, correct)}</div>'
        self._show_score()
        return correct

    def _feedback_html(self, label: str, correct: bool) -> str:
        item = self.current
        verdict = (f'<p class="feedback-correct"><strong>Yes: “{escape_text(label)}”.</strong></p>' if correct else
                   f'<p class="feedback-incorrect"><strong>Not quite: you chose “{escape_text(label)}”; '
                   f'the kit\'s answer is “{escape_text(item.label)}”.</strong></p>')
        reason = f"<p>{escape_text(item.reason)}</p>" if item.reason else ""
        return verdict + reason

    def next(self) -> None:
        """Go to the next sentence (the last one stays on screen with the final score)."""
        if self.index < len(self.items) - 1:
            self.index += 1
        self._show()

    def restart(self) -> None:
        """Start again from the first sentence with the score at zero."""
        self.index = 0
        self.answers.clear()
        self._show()

    def _show(self) -> None:
        self.progress_view.value = f"<p>Sentence {self.index + 1} of {len(self.items)}. What kind of statement are the underlined words?</p>"
        self.sentence_view.value = f'<div class="course-doc">{self.current.html()}</div>'
        self.label_picker.value = None
        self.feedback_view.value = ""
        self.next_button.disabled = self.index == len(self.items) - 1
        self._show_score()

    def _show_score(self) -> None:
        correct, answered = self.score
        done = " All sentences answered." if answered == len(self.items) else ""
        self.score_view.value = f"<p>Score: {correct} of {answered} answered ({len(self.items)} sentences). Practice only, not graded.{done}</p>"

    def static_html(self) -> str:
        """Every sentence with the labels and the answer in a collapsed <details>."""
        labels = ", ".join(self.labels)
        parts = [f"<p>For each sentence: what kind of statement are the underlined words? Labels: {escape_text(labels)}.</p><ol>"]
        for item in self.items:
            parts.append(f"<li>{item.html()}<details><summary>Answer</summary><p><strong>{escape_text(item.label)}</strong></p>"
                         f"<p>{escape_text(item.reason)}</p></details></li>")
        parts.append("</ol>")
        return static_page("course-claim-sorter", "".join(parts),
                            "Static view of the claim sorter. Run the notebook in JupyterLab to answer and get feedback.")

    def __repr__(self) -> str:
        correct, answered = self.score
        return f"ClaimSorter(sentence {self.index + 1} of {len(self.items)}, score {correct}/{answered})"


# ---------------------------------------------------------------------------
# QuoteComparer
# ---------------------------------------------------------------------------

_TOKEN_EDGES = "\"'“”‘’«»()[]{}.,;:!?…–—-"


def _token_key(token: str) -> str:
    """What two words must share to count as the same: case and surrounding punctuation are ignored."""
    return token.strip(_TOKEN_EDGES).casefold() or token


def _word_opcodes(a: str, b: str) -> list[tuple[str, str, str]]:
    """(tag, words of a, words of b) runs from difflib.SequenceMatcher on word tokens."""
    words_a, words_b = a.split(), b.split()
    matcher = difflib.SequenceMatcher(None, [_token_key(w) for w in words_a], [_token_key(w) for w in words_b], autojunk=False)
    return [(tag, " ".join(words_a[i1:i2]), " ".join(words_b[j1:j2])) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]


def word_diff(a: str, b: str) -> list[tuple[str, str]]:
    """Word-level differences that turn ``a`` into ``b``, as (op, text) pairs.

    ``op`` is ``"equal"`` (text as written in ``a``), ``"delete"`` (words only
    in ``a``) or ``"insert"`` (words only in ``b``); a replaced run appears as
    a ``delete`` followed by an ``insert``. Words are split on whitespace and
    compared ignoring case and the punctuation around them, so a moved comma
    or a capital letter is not reported as a change.

    >>> word_diff("the cat sat", "the dog sat")
    [('equal', 'the'), ('delete', 'cat'), ('insert', 'dog'), ('equal', 'sat')]
    """
    out: list[tuple[str, str]] = []
    for tag, text_a, text_b in _word_opcodes(a, b):
        if tag == "equal":
            out.append(("equal", text_a))
        if tag in ("delete", "replace"):
            out.append(("delete", text_a))
        if tag in ("insert", "replace"):
            out.append(("insert", text_b))
    return out


def _diff_columns(original: str, document_text: str) -> tuple[str, str]:
    """HTML for the two columns: the document's words with <ins>, the original's with <del>."""
    left, right = [], []
    for tag, text_original, text_document in _word_opcodes(original, document_text):
        if tag == "equal":
            left.append(escape_text(text_document))
            right.append(escape_text(text_original))
            continue
        if text_document:
            left.append(f'<ins class="diff" title="not in the original">{escape_text(text_document)}</ins>')
        if text_original:
            right.append(f'<del class="diff" title="not in the document\'s words">{escape_text(text_original)}</del>')
    return " ".join(left), " ".join(right)


DIFF_LEGEND = ("<p class=\"diff-legend\"><strong>How to read the marks:</strong> "
               "<ins class=\"diff\">underlined on a green tint</ins> = words in the document's version that the original "
               "does not have; <del class=\"diff\">struck through on a vermillion (red-orange) tint</del> = words of the original that "
               "the document's version does not have. A changed word shows as both. Case and punctuation are ignored.</p>")


def comparison_html(pair: dict) -> str:
    """One quote pair: the two wordings side by side, the relation, the note and the source link."""
    language = pair["original_language"]
    language_name = LANGUAGE_NAMES.get(language, language)
    translation = language != "en"
    if translation:
        left, right = escape_text(pair["document_text"]), escape_text(pair["original_text"])
        marks = (f'<p class="translation-note"><strong>Translation comparison:</strong> the original is in '
                 f'{escape_text(language_name)}, so the words are not compared one by one (every word would differ). '
                 "Compare the meaning: what is kept, what is added, what is left out?</p>")
    else:
        left, right = _diff_columns(pair["original_text"], pair["document_text"])
        marks = DIFF_LEGEND
    relation = pair["relation"]
    return "\n".join([
        f'<div class="quote-pair" data-pair-id="{_attr(pair["pair_id"])}" data-claim-id="{_attr(pair["claim_id"])}">',
        f'<h4>{escape_text(pair["pair_id"])}: claim {escape_text(pair["claim_id"])}</h4>',
        '<table class="quote-compare"><thead><tr><th>The document\'s words</th>'
        f'<th>The original wording ({escape_text(language_name)})</th></tr></thead>',
        f'<tbody><tr><td lang="en">{left}</td><td lang="{_attr(language)}">{right}</td></tr></tbody></table>',
        marks,
        f'<p><strong>Relation:</strong> {escape_text(RELATION_LABELS.get(relation, relation))} (<code>{escape_text(relation)}</code>)</p>',
        f'<p><strong>What changed:</strong> {escape_text(pair["note"])}</p>',
        f'<p><strong>Source of the original wording:</strong> {link_html(pair["url"], pair["outlet"])} <code>{escape_text(pair["evidence_id"])}</code></p>',
        "</div>",
    ])


def quote_pairs_by_id() -> dict[str, dict]:
    """course.evidence.data.quote_comparisons() as {pair_id: row dict}."""
    return {row["pair_id"]: row for row in data.quote_comparisons().to_dict("records")}


class QuoteComparer(StaticFallbackView):
    """The document's quotation beside the original wording, with word-level differences marked.

    ``pair_id`` picks the pair to show first (default: the first). Pairs whose
    original is not in English are shown side by side without a diff. The
    static rendering shows the chosen pair, or every pair when none is given.

    Sub-widgets: ``pair_picker`` (Dropdown of pair ids), ``comparison_view``
    (HTML); the container is ``widget``.
    """

    def __init__(self, pair_id: str | None = None):
        import ipywidgets as widgets

        self.pairs = quote_pairs_by_id()
        if pair_id is not None and pair_id not in self.pairs:
            raise KeyError(f"unknown pair id {pair_id!r}; valid pair ids: {', '.join(self.pairs)}")
        self._static_ids = tuple(self.pairs) if pair_id is None else (pair_id,)
        options = [(self._option_label(row), pid) for pid, row in self.pairs.items()]
        self.pair_picker = widgets.Dropdown(options=options, value=pair_id or next(iter(self.pairs)), description="Quote:",
                                            layout=widgets.Layout(width="max-content"))
        self.pair_picker.add_class("course-pair-picker")
        self.comparison_view = widgets.HTML()
        self.comparison_view.add_class("course-quote-view")
        self.widget = widgets.VBox([self.pair_picker, self.comparison_view])
        self.widget.add_class("course-quote-comparer")
        self.pair_picker.observe(lambda _: self._show(), names="value")
        self._show()

    @staticmethod
    def _option_label(row: dict) -> str:
        return f"{row['pair_id']} · {row['relation'].replace('_', ' ')} · “{_shorten(row['document_text'], 40)}”"

    @property
    def pair_id(self) -> str:
        return self.pair_picker.value

    def show(self, pair_id: str) -> None:
        """Show another pair."""
        if pair_id not in self.pairs:
            raise KeyError(f"unknown pair id {pair_id!r}; valid pair ids: {', '.join(self.pairs)}")
        self.pair_picker.value = pair_id

    def _show(self) -> None:
        self.comparison_view.value = f'{STYLE}<div class="course-doc">{comparison_html(self.pairs[self.pair_id])}</div>'

    def static_html(self) -> str:
        """The chosen pair (or all pairs, each in a <details>) without widgets."""
        if len(self._static_ids) == 1:
            body = comparison_html(self.pairs[self._static_ids[0]])
        else:
            body = "\n".join(
                f"<details{' open' if i == 0 else ''}><summary>{escape_text(self._option_label(self.pairs[pid]))}</summary>"
                f"{comparison_html(self.pairs[pid])}</details>" for i, pid in enumerate(self._static_ids))
        return static_page("course-quote-comparer", body,
                            "Static view of the quote comparer. Run the notebook in JupyterLab to pick a quotation.")

    def __repr__(self) -> str:
        return f"QuoteComparer(pair_id={self.pair_id!r})"
