"""The quote comparer: the document's quotation beside the original wording, with word-level differences marked."""

from __future__ import annotations

import difflib

from course.evidence import data
from course.lessons import content
from course.lessons.widgets.common import (
    LANGUAGE_NAMES, RELATION_LABELS, STYLE, StaticFallbackView, _attr, _shorten, escape_text, link_html, static_page,
)

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
            left.append(f'<ins class="diff" title="{_text("not_in_original")}">{escape_text(text_document)}</ins>')
        if text_original:
            right.append(f'<del class="diff" title="{_text("not_in_document")}">{escape_text(text_original)}</del>')
    return " ".join(left), " ".join(right)


def _text(key: str, /, **fields) -> str:
    """A quote comparer string of notebooks/words.toml (``[comparer]``)."""
    return content.text("comparer", key, **fields)


def diff_legend() -> str:
    """How to read the word-level marks (a paragraph of HTML)."""
    return f'<p class="diff-legend">{_text("diff_legend")}</p>'


def reading_html(pair: dict) -> str:
    """The kit's reading of a pair: how the document's words relate to the original, and what changed."""
    relation = pair["relation"]
    return (f'<p>{_text("relation", relation=escape_text(RELATION_LABELS.get(relation, relation)))}</p>'
            f'<p>{_text("what_changed", note=escape_text(pair["note"]))}</p>')


def decide_first() -> str:
    """Shown where the kit's reading is hidden (predict, then reveal)."""
    return f'<p class="static-note">{_text("decide_first")}</p>'


def comparison_html(pair: dict, reveal: str = "shown") -> str:
    """One quote pair: the two wordings side by side, the kit's reading and the source link.

    ``reveal`` is ``"shown"`` (the reading is on the page), ``"hidden"`` (a
    prompt to decide first instead) or ``"details"`` (the reading in a
    collapsed ``<details>``, for static pages).
    """
    language = pair["original_language"]
    language_name = LANGUAGE_NAMES.get(language, language)
    translation = language != "en"
    if translation:
        left, right = escape_text(pair["document_text"]), escape_text(pair["original_text"])
        marks = f'<p class="translation-note">{_text("translation_note", language=escape_text(language_name))}</p>'
    else:
        left, right = _diff_columns(pair["original_text"], pair["document_text"])
        marks = diff_legend()
    reading = {"shown": reading_html(pair), "hidden": decide_first(),
               "details": f'<details><summary>{_text("reading_summary")}</summary>{reading_html(pair)}</details>'}[reveal]
    return "\n".join([
        f'<div class="quote-pair" data-pair-id="{_attr(pair["pair_id"])}" data-claim-id="{_attr(pair["claim_id"])}">',
        f'<h4>{_text("pair_heading", pair=escape_text(pair["pair_id"]), claim=escape_text(pair["claim_id"]))}</h4>',
        f'<table class="quote-compare"><thead><tr><th>{_text("document_words")}</th>'
        f'<th>{_text("original_words", language=escape_text(language_name))}</th></tr></thead>',
        f'<tbody><tr><td lang="en">{left}</td><td lang="{_attr(language)}">{right}</td></tr></tbody></table>',
        marks,
        reading,
        f'<p>{_text("source", link=link_html(pair["url"], pair["outlet"]), evidence=escape_text(pair["evidence_id"]))}</p>',
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

    Predict, then reveal: the kit's reading of a pair (its relation and what
    changed) stays hidden until the student presses ``reveal_button``; picking
    another pair hides it again. Option labels name the pair, its claim and the
    document's words, never the finding.

    Sub-widgets: ``pair_picker`` (Dropdown of pair ids), ``comparison_view``
    (HTML), ``reveal_button``; the container is ``widget``.
    """

    def __init__(self, pair_id: str | None = None):
        import ipywidgets as widgets

        self.pairs = quote_pairs_by_id()
        if pair_id is not None and pair_id not in self.pairs:
            raise KeyError(f"unknown pair id {pair_id!r}; valid pair ids: {', '.join(self.pairs)}")
        self._static_ids = tuple(self.pairs) if pair_id is None else (pair_id,)
        options = [(self._option_label(row), pid) for pid, row in self.pairs.items()]
        self.pair_picker = widgets.Dropdown(options=options, value=pair_id or next(iter(self.pairs)), description=_text("picker"),
                                            layout=widgets.Layout(width="auto", max_width="100%"))
        self.pair_picker.add_class("course-pair-picker")
        self.comparison_view = widgets.HTML()
        self.comparison_view.add_class("course-quote-view")
        self.revealed = False
        self.reveal_button = widgets.Button(description=_text("reveal"), tooltip=_text("reveal_tooltip"))
        self.reveal_button.add_class("course-reveal")
        self.widget = widgets.VBox([self.pair_picker, self.comparison_view, self.reveal_button])
        self.widget.add_class("course-quote-comparer")
        self.pair_picker.observe(self._on_pick, names="value")
        self.reveal_button.on_click(lambda _: self.reveal())
        self._show()

    def _on_pick(self, _change) -> None:
        self.revealed = False
        self._show()

    def reveal(self) -> None:
        """Show the kit's reading of the pair on screen."""
        self.revealed = True
        self._show()

    @staticmethod
    def _option_label(row: dict) -> str:
        return _text("option", pair=row["pair_id"], claim=row["claim_id"], words=_shorten(row["document_text"], 60))

    @property
    def pair_id(self) -> str:
        return self.pair_picker.value

    def show(self, pair_id: str) -> None:
        """Show another pair."""
        if pair_id not in self.pairs:
            raise KeyError(f"unknown pair id {pair_id!r}; valid pair ids: {', '.join(self.pairs)}")
        self.pair_picker.value = pair_id

    def _show(self) -> None:
        reveal = "shown" if self.revealed else "hidden"
        self.comparison_view.value = f'{STYLE}<div class="course-doc">{comparison_html(self.pairs[self.pair_id], reveal)}</div>'
        self.reveal_button.layout.display = "none" if self.revealed else None

    def static_html(self) -> str:
        """The chosen pair (or all pairs, each in a <details>) without widgets."""
        if len(self._static_ids) == 1:
            body = comparison_html(self.pairs[self._static_ids[0]], "details")
        else:
            body = "\n".join(
                f"<details{' open' if i == 0 else ''}><summary>{escape_text(self._option_label(self.pairs[pid]))}</summary>"
                f"{comparison_html(self.pairs[pid], 'details')}</details>" for i, pid in enumerate(self._static_ids))
        return static_page("course-quote-comparer", body,
                            _text("static_note"))

    def __repr__(self) -> str:
        return f"QuoteComparer(pair_id={self.pair_id!r})"
