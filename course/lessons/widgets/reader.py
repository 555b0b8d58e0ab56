"""The document reader: the text section by section, claims picked from a list and explained beside it."""

from __future__ import annotations

from course.document import load_document
from course.lessons import content
from course.lessons.widgets.common import MODE_LABELS, MODES, SECTION_KEYS, STYLE, StaticFallbackView, _check_mode, static_page
from course.lessons.widgets.marking import (
    claim_detail_html, claim_spans, claims_by_id, document_highlights, legend_html, section_claims_table_html,
    section_html, section_key, section_label,
)

# ---------------------------------------------------------------------------
# DocumentReader
# ---------------------------------------------------------------------------


def _text(key: str, /, **fields) -> str:
    """A document reader string of notebooks/words.toml (``[reader]``)."""
    return content.text("reader", key, **fields)


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
            options=[(_text("lead_button") if key == 0 else str(key), key) for key in SECTION_KEYS], value=start,
            tooltips=[section_label(key) for key in SECTION_KEYS], style={"button_width": "auto"},
            layout=widgets.Layout(width="auto"))
        self.section_picker.add_class("course-section-picker")
        self.previous_button = widgets.Button(description=_text("previous"), tooltip=_text("previous_tooltip"))
        self.previous_button.add_class("course-prev-section")
        self.next_button = widgets.Button(description=_text("next"), tooltip=_text("next_tooltip"))
        self.next_button.add_class("course-next-section")
        self.mode_toggle = widgets.ToggleButtons(
            options=[(MODE_LABELS[m], m) for m in MODES], value=mode, description=_text("mode"),
            tooltips=[_text(f"mode_tooltip_{m}") for m in MODES])
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
        side = widgets.VBox([widgets.HTML(_text("claims_heading")), self.claim_picker, self.detail_view],
                            layout=widgets.Layout(flex="1 1 0%", min_width="18em"))
        self.widget = widgets.VBox([
            widgets.HBox([widgets.HTML(_text("section_heading")), self.previous_button, self.section_picker, self.next_button],
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
            detail = f'<p>{_text("pick_a_claim", section=section_label(key), count=count)}</p>'
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
            parts.append(f'<details><summary>{_text("claims_summary", section=section_label(key).lower(), count=count)}</summary>'
                         f"{section_claims_table_html(key, mode, self.claims)}</details>")
        note = _text("static_note", mode=content.words("reader", "mode_in_sentence")[mode])
        return static_page("course-document-reader", "\n".join(parts), note)

    def __repr__(self) -> str:
        return f"DocumentReader(mode={self.mode!r}, section={section_label(self.section)!r}, selected_claim={self.selected_claim!r})"


