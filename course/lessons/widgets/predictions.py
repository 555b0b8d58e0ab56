"""The prediction check: pick one of the document's predictions, explore the record after its date, judge, then see the desk's check.

Lesson 08 used to print two long tables (every later event, and every
prediction-event pair). This view lets the student do the work instead: the
record after 1 September 2020 is paged and filtered by kind of event and by
year, each event with the pages it rests on; the student records a judgement
and a reason, and only then sees the kit's verdict, its explanation and the
events the desk linked to the prediction. The reason is kept in the
workspace's ``my-answers.json`` like an exercise's answer.

Every control is a button (ToggleButtons and Buttons), so it works from the
keyboard with Tab and Enter or Space, and no arrow key is needed. The words
are in ``notebooks/predictions.toml``; the facts come from the data package.

Stable CSS classes: ``course-prediction-check``, ``course-prediction-picker``,
``course-prediction-view``, ``course-record-kinds``, ``course-record-years``,
``course-record-previous``, ``course-record-next``, ``course-record-status``,
``course-record-events``, ``course-judgement-picker``, ``course-judgement-reason``,
``course-judgement-record``, ``course-desk-view``.
"""

from __future__ import annotations

from course.evidence import data, record
from course.lessons import content
from course.lessons.exercises import save_answer, saved_answer
from course.lessons.widgets.common import OKABE_ITO, STYLE, StaticFallbackView, escape_text, link_html, static_page, verdict_html

#: Events shown at once: about one screen at 1280×900 beside the controls.
PAGE_SIZE = 5
#: The value of the "all" choice of a filter.
ALL = "all"

EVENT_STYLE = f"""<style>
.course-record-list ol{{list-style:none;margin:0;padding:0}}
.course-record-list ol > li{{border:1px solid #767676;border-radius:6px;padding:.4em .8em;margin:0 0 .5em;background:#fff;color:#1a1a1a}}
.course-record-list h4{{margin:.1em 0 .2em;font-size:1em}}
.course-record-list p{{margin:0 0 .3em}}
.course-record-list .event-sources{{font-size:.92em;color:#3d3d3d}}
.course-prediction-text blockquote{{border-left:4px solid {OKABE_ITO["reddish_purple"]};margin:.3em 0;padding:.2em .8em;font-style:italic}}
</style>"""


def words() -> dict:
    """The view's words, from ``notebooks/predictions.toml``."""
    return content.load("predictions.toml")


def predictions():
    """The document's predictions (claims of type ``prediction``), in document order."""
    return record.prediction_claims()


def later_events():
    """Events after the document's date, oldest first (the record the student explores)."""
    return record.events_after_document()


def linked_events(claim_id: str):
    """Later events the desk linked to ``claim_id`` (``events.csv`` ``claim_ids``), oldest first."""
    return record.later_events_linked_to(claim_id)


def filter_events(events, kind: str = ALL, year=ALL):
    """The events of one kind (``category``) and one year; :data:`ALL` keeps every value."""
    import pandas as pd

    chosen = events
    if kind != ALL:
        chosen = chosen[chosen["category"] == kind]
    if year != ALL:
        chosen = chosen[pd.to_datetime(chosen["date"]).dt.year == int(year)]
    return chosen.reset_index(drop=True)


def sources_html(evidence_ids, w: dict) -> str:
    """The pages an event rests on, on one line: outlet linked to its page, with the evidence id."""
    links = data.evidence_links(evidence_ids)
    if not links:
        return ""
    pages = " · ".join(f"{link_html(url, outlet)} <code>{escape_text(eid)}</code>" for eid, outlet, url in links)
    return f'<p class="event-sources">{escape_text(w["sources_label"])}: {pages}</p>'


def event_html(event: dict, w: dict) -> str:
    from course.lessons.views import format_value

    return (f'<li><h4>{escape_text(format_value(event["date"]))} · {escape_text(event["title"])}</h4>'
            f'<p>{escape_text(event["description"])}</p>{sources_html(event["evidence_ids"], w)}</li>')


def events_page_html(events, start: int, w: dict) -> str:
    """One page of events (from ``start``), with the count shown, as HTML."""
    if events.empty:
        return f'<div class="course-doc"><p>{escape_text(w["no_events"])}</p></div>'
    rows = events.iloc[start:start + PAGE_SIZE].to_dict("records")
    items = "".join(event_html(e, w) for e in rows)
    return f'{STYLE}{EVENT_STYLE}<div class="course-doc course-record-list"><ol>{items}</ol></div>'


def page_status(total: int, start: int, w: dict) -> str:
    if not total:
        return ""
    return w["page_status"].format(first=start + 1, last=min(start + PAGE_SIZE, total), total=total)


def prediction_html(claim: dict, w: dict) -> str:
    return (f'{EVENT_STYLE}<div class="course-doc course-prediction-text"><p>{escape_text(w["prediction_heading"].format(section=claim["section"]))}</p>'
            f'<blockquote>“{escape_text(claim["exact"])}”</blockquote></div>')


def desk_html(claim: dict, judgement: str, w: dict) -> str:
    """The desk's check of a prediction, shown after the student's judgement (``judgement`` may be empty)."""
    from course.lessons.views import format_value

    linked = linked_events(claim["claim_id"]).to_dict("records")
    events = "".join(f"<li>{escape_text(format_value(e['date']))} · {escape_text(e['title'])}</li>" for e in linked)
    yours = f"<p>{escape_text(w['yours'].format(judgement=w['judgements'][judgement]))}</p>" if judgement else ""
    return (f'{yours}<p><strong>{escape_text(w["desk_heading"])}</strong></p>'
            f'<p>{escape_text(w["desk_verdict"])} {verdict_html(claim["verdict"])}</p><p>{escape_text(claim["rating_explanation"])}</p>'
            + (f'<p>{escape_text(w["desk_events"])}</p><ul>{events}</ul>' if events else "")
            + f'<p>{escape_text(w["compare"])}</p>')


def answer_id(claim_id: str) -> str:
    """Where the student's reason is kept in ``my-answers.json``."""
    return f"08-prediction-{claim_id}"


class PredictionCheck(StaticFallbackView):
    """Pick a prediction, explore the later record, record a judgement, then see the desk's check.

    Sub-widgets: ``prediction_picker``, ``prediction_view``, ``kind_picker``,
    ``year_picker``, ``previous_button``, ``next_button``, ``status``,
    ``events_view``, ``judgement_picker``, ``reason_box``, ``record_button``,
    ``desk_view``; the container is ``widget``.
    """

    def __init__(self):
        import ipywidgets as widgets

        self.w = w = words()
        self.claims = predictions().to_dict("records")
        self.events = later_events()
        self.start = 0
        self._loading = False
        wide = {"description_width": "initial", "button_width": "auto"}
        self.prediction_picker = widgets.ToggleButtons(
            options=[(w["prediction_label"].format(number=n), c["claim_id"]) for n, c in enumerate(self.claims, start=1)],
            value=self.claims[0]["claim_id"], style=wide)
        self.prediction_view = widgets.HTML()
        counts = self.events["category"].value_counts()
        self.kind_picker = widgets.ToggleButtons(
            options=[(w["all_kinds"], ALL)] + [(f"{w['categories'][k]} ({counts[k]})", k) for k in sorted(counts.index, key=lambda k: w["categories"][k])],
            value=ALL, description=w["kind_label"], style=wide)
        years = sorted({int(str(d)[:4]) for d in self.events["date"]})
        self.year_picker = widgets.ToggleButtons(options=[(w["all_years"], ALL)] + [(str(y), y) for y in years],
                                                 value=ALL, description=w["year_label"], style=wide)
        self.previous_button = widgets.Button(description=w["previous"])
        self.next_button = widgets.Button(description=w["next"])
        self.status = widgets.HTML()
        self.events_view = widgets.HTML()
        self.judgement_picker = widgets.ToggleButtons(options=[(label, key) for key, label in w["judgements"].items()],
                                                      value=None, style=wide)
        self.reason_box = widgets.Textarea(placeholder=w["reason_placeholder"], layout=widgets.Layout(width="100%", height="6em"))
        self.record_button = widgets.Button(description=w["record"], tooltip=w["record_tooltip"], button_style="primary")
        self.desk_view = widgets.HTML()
        for control, name in [(self.prediction_picker, "prediction-picker"), (self.prediction_view, "prediction-view"),
                              (self.kind_picker, "record-kinds"), (self.year_picker, "record-years"),
                              (self.previous_button, "record-previous"), (self.next_button, "record-next"),
                              (self.status, "record-status"), (self.events_view, "record-events"),
                              (self.judgement_picker, "judgement-picker"), (self.reason_box, "judgement-reason"),
                              (self.record_button, "judgement-record"), (self.desk_view, "desk-view")]:
            control.add_class(f"course-{name}")
        heading = widgets.HTML(f'{STYLE}<div class="course-doc"><h3>{escape_text(w["heading"])}</h3><p>{escape_text(w["intro"])}</p></div>')
        browse = widgets.HTML(f'<div class="course-doc"><h4>{escape_text(w["browse_heading"])}</h4></div>')
        judge = widgets.HTML(f'<div class="course-doc"><h4>{escape_text(w["judge_heading"])}</h4><p>{escape_text(w["judge_prompt"])}</p></div>')
        pager = widgets.HBox([self.previous_button, self.status, self.next_button], layout=widgets.Layout(align_items="center", flex_flow="row wrap"))
        self.widget = widgets.VBox([heading, self.prediction_picker, self.prediction_view, browse, self.kind_picker, self.year_picker,
                                    pager, self.events_view, judge, self.judgement_picker, self.reason_box, self.record_button, self.desk_view])
        self.widget.add_class("course-prediction-check")
        self.prediction_picker.observe(lambda _: self._show_prediction(), names="value")
        for control in (self.kind_picker, self.year_picker):
            control.observe(lambda _: self._filter(), names="value")
        self.previous_button.on_click(lambda _: self.turn(-1))
        self.next_button.on_click(lambda _: self.turn(1))
        self.judgement_picker.observe(lambda _: self._update_record_button(), names="value")
        self.reason_box.observe(self._on_reason, names="value")
        self.record_button.on_click(lambda _: self.record())
        self._show_prediction()
        self._filter()

    # -- the record ---------------------------------------------------------
    def shown_events(self):
        """The events the filters keep, oldest first."""
        return filter_events(self.events, self.kind_picker.value, self.year_picker.value)

    def _filter(self) -> None:
        self.start = 0
        self._draw_events()

    def turn(self, step: int) -> None:
        """Page through the events: +1 for later ones, -1 for earlier ones (stops at either end)."""
        total = len(self.shown_events())
        self.start = min(max(self.start + step * PAGE_SIZE, 0), max(total - 1, 0) // PAGE_SIZE * PAGE_SIZE)
        self._draw_events()

    def _draw_events(self) -> None:
        events = self.shown_events()
        self.events_view.value = events_page_html(events, self.start, self.w)
        self.status.value = f'<span role="status">{escape_text(page_status(len(events), self.start, self.w))}</span>'
        self.previous_button.disabled = self.start == 0
        self.next_button.disabled = self.start + PAGE_SIZE >= len(events)

    # -- the judgement ------------------------------------------------------
    def claim(self) -> dict:
        return next(c for c in self.claims if c["claim_id"] == self.prediction_picker.value)

    def _show_prediction(self) -> None:
        claim = self.claim()
        self.prediction_view.value = prediction_html(claim, self.w)
        self.judgement_picker.value = None
        self._loading = True  # showing a saved reason is not typing one: do not write it back
        self.reason_box.value = saved_answer(answer_id(claim["claim_id"]))
        self._loading = False
        self.desk_view.value = ""
        self._update_record_button()

    def _on_reason(self, change) -> None:
        if not self._loading:
            save_answer(answer_id(self.prediction_picker.value), change["new"])
        self._update_record_button()

    def _update_record_button(self) -> None:
        self.record_button.disabled = self.judgement_picker.value is None or not self.reason_box.value.strip()

    def record(self) -> bool:
        """Show the desk's check; refused (False, with a one-line note) until a judgement and a reason are given."""
        if self.judgement_picker.value is None or not self.reason_box.value.strip():
            self.desk_view.value = f'<div class="course-doc"><p>{escape_text(self.w["need_both"])}</p></div>'
            return False
        self.desk_view.value = f'{STYLE}<div class="course-doc" role="status">{desk_html(self.claim(), self.judgement_picker.value, self.w)}</div>'
        return True

    def static_html(self) -> str:
        w = self.w
        parts = []
        for n, claim in enumerate(self.claims, start=1):
            parts.append(f"<h4>{escape_text(w['prediction_label'].format(number=n))}</h4>{prediction_html(claim, w)}"
                         f"<details><summary>{escape_text(w['static_desk'])}</summary>{desk_html(claim, '', w)}</details>")
        items = "".join(event_html(e, w) for e in self.events.to_dict("records"))
        summary = w["static_record"].format(count=len(self.events))
        body = (f"<h3>{escape_text(w['heading'])}</h3>{''.join(parts)}"
                f'{EVENT_STYLE}<details><summary>{escape_text(summary)}</summary><div class="course-record-list"><ol>{items}</ol></div></details>')
        return static_page("course-prediction-check", body, w["static_note"])

    def __repr__(self) -> str:
        return f"PredictionCheck({len(self.claims)} predictions, {len(self.events)} later events)"
