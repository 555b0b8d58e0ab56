"""What the views share: vocabularies, the stylesheet, small HTML helpers and the static-fallback base class."""

from __future__ import annotations

import html
import re

from course.evidence import data, vocabulary
from course.lessons import content
from course.lessons.charts.base import PALETTE

# ---------------------------------------------------------------------------
# Vocabularies and styles
# ---------------------------------------------------------------------------

#: The Okabe-Ito palette (colour-blind safe), by name: one definition, in course.lessons.charts.
OKABE_ITO = PALETTE

MODES = ("first_read", "checked")
#: The reader's modes as its toggle names them (notebooks/words.toml, ``[reader.mode_label]``; read on use).
MODE_LABELS = content.Section("words.toml", "reader", "mode_label")

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

#: Verdicts as shown to students: a symbol (so the verdict does not rest on colour) and a label
#: (notebooks/vocabulary.toml, read on first use).
VERDICT_DISPLAY = vocabulary.Projection("verdict", lambda verdict: (vocabulary.VERDICTS[verdict].symbol,
                                                                    vocabulary.VERDICTS[verdict].label))

#: How a quotation relates to its original (data/README.md, quote_pairs.relation), in the words shown.
RELATION_LABELS = vocabulary.shown_words("relation")

#: Language names by code (notebooks/words.toml, ``[languages]``; read on use).
LANGUAGE_NAMES = content.Section("words.toml", "languages")

# Arabic script (letters, marks, presentation forms) with the spaces inside a
# run, so that a phrase becomes one right-to-left span, not one per word.
_ARABIC_CHARS = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
ARABIC_RUN = re.compile(f"[{_ARABIC_CHARS}]+(?:[ \u00a0]+[{_ARABIC_CHARS}]+)*")

#: Fonts with Arabic letters and the sign ﷺ (U+FDFA), first choice first: Amiri (Debian's fonts-hosny-amiri, which
#: scripts/install-test-deps.sh installs), Noto Naskh Arabic, then what macOS and Windows ship.
ARABIC_FONTS = '"Amiri", "Noto Naskh Arabic", "Noto Sans Arabic", "Geeza Pro", "Traditional Arabic", "Segoe UI", serif'

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
.course-doc sup.claim-tag, .course-doc sup.citation-tag {{ display: inline-block; font-size: 12px; font-style: normal;
  font-weight: 600; line-height: 1.2; padding: 0 3px; margin: 0 2px; border: 1px solid currentColor; border-radius: 3px;
  background: #fff; color: #000; vertical-align: 0.2em; }}
.course-doc .doc-section p {{ line-height: 2.1; }}
.course-doc [lang="ar"] {{ font-family: {ARABIC_FONTS}; font-style: normal; font-size: 1.15em; unicode-bidi: isolate; }}
.course-doc sup.citation-tag {{ color: {OKABE_ITO["blue"]}; }}
.course-doc sup.claim-tag.selected {{ background: #000; color: #fff; }}
.course-doc .doc-dateline {{ text-align: right; }}
.course-doc a[href], .jp-RenderedHTMLCommon .course-doc a[href] {{ color: {OKABE_ITO["blue"]}; text-decoration: underline; }}
.course-doc table {{ border-collapse: collapse; }}
.course-doc th, .course-doc td {{ border: 1px solid #999; padding: 4px 6px; vertical-align: top; text-align: left; }}
.course-doc del.diff {{ text-decoration: line-through; text-decoration-thickness: 2px; background: rgba(213, 94, 0, 0.15);
  text-decoration-color: {OKABE_ITO["vermillion"]}; }}
.course-doc ins.diff {{ text-decoration: underline; text-decoration-thickness: 2px; background: rgba(0, 158, 115, 0.15);
  text-decoration-color: {OKABE_ITO["bluish_green"]}; }}
.course-doc .feedback-correct::before {{ content: "✓ "; }}
.course-doc .feedback-incorrect::before {{ content: "✗ "; }}
.course-doc .static-note {{ font-size: 0.9em; color: #333; border-left: 3px solid #999; padding-left: 0.5em; }}
.course-table-wrap {{ max-width: 100%; overflow-x: auto; }}
.course-doc table.course-table {{ border-collapse: collapse; width: 100%; table-layout: auto; }}
.course-doc table.course-table th, .course-doc table.course-table td,
.jp-RenderedHTMLCommon .course-doc table.course-table th, .jp-RenderedHTMLCommon .course-doc table.course-table td {{
  white-space: normal; overflow-wrap: break-word; word-break: normal; max-width: 40em; text-align: left; vertical-align: top; }}
.course-doc table.course-table th {{ background: #f2f2f2; }}
.course-doc table.course-table caption {{ text-align: left; font-weight: 600; padding-bottom: 0.3em; }}
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
        return f'<p class="no-evidence">{content.text("common", "no_evidence")}</p>'
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

