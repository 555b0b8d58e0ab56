"""The timeline explorer: pick an actor, mentioned or not, and a year; the chart redraws."""

from __future__ import annotations

from functools import lru_cache

from IPython.display import HTML

from course.lessons import content
from course.lessons.charts.base import _plural, show
from course.lessons.charts.timeline import MENTION_WORDS, mention_state, static_html, timeline_events, timeline_figure
from course.lessons.widgets.common import STYLE, escape_text

@lru_cache(maxsize=1)
def _explorer_class():
    import ipywidgets as widgets

    class TimelineExplorer(widgets.VBox):
        """A VBox whose plain-HTML form is the current timeline, for frontends without widgets."""

        def static_html(self) -> str:
            return self._last_html or static_html()

        def _repr_mimebundle_(self, **kwargs):
            bundle = super()._repr_mimebundle_(**kwargs)
            if isinstance(bundle, tuple):
                bundle = bundle[0]
            bundle = dict(bundle or {})
            bundle["text/html"] = self.static_html()
            return bundle

        def _repr_html_(self) -> str:
            return self.static_html()

    TimelineExplorer.__qualname__ = "TimelineExplorer"
    TimelineExplorer.__module__ = __name__
    return TimelineExplorer


#: The value every control starts on ("all"): a real option, so each control shows its selection from the start.
ALL = "all"
#: The list under the chart starts open when it has at most this many events (else one click opens it).
LIST_OPEN_UP_TO = 25
#: The mention filter's values; their words are notebooks/words.toml's ``[explorer] mentioned_*``.
MENTIONED_VALUES = (ALL, "yes", "no")
_MENTIONED = {ALL: None, "yes": True, "no": False}


def _text(key: str, /, **fields) -> str:
    """A timeline explorer string of notebooks/words.toml (``[explorer]``)."""
    return content.text("explorer", key, **fields)


def events_list_html(events) -> str:
    """The events shown, as a list a reader can scan: date, title, mentioned or not."""
    from course.lessons.views import format_value

    if events.empty:
        return f'<div class="course-doc"><p>{_text("no_match")}</p></div>'
    rows = "".join(
        f"<tr><td>{escape_text(format_value(e['date']))}</td><td>{escape_text(e['title'])}</td>"
        f"<td>{MENTION_WORDS[mention_state(e['mentioned_in_document'])]}</td></tr>"
        for e in events.to_dict("records"))
    opened = " open" if len(events) <= LIST_OPEN_UP_TO else ""
    summary, date, event, mentioned = (_text(key, count=len(events))
                                       for key in ("list_summary", "column_date", "column_event", "column_mentioned"))
    return (f'{STYLE}<div class="course-doc course-explorer-list"><details{opened}><summary>{summary}</summary>'
            f'<table class="course-table"><thead><tr><th scope="col">{date}</th><th scope="col">{event}</th>'
            f'<th scope="col">{mentioned}</th></tr></thead><tbody>{rows}</tbody></table></details></div>')


def timeline_explorer():
    """An interactive timeline: pick an actor, mentioned or not, and a year; the chart and the list of events redraw.

    Returns an ipywidgets VBox with ``.actor``, ``.mentioned``, ``.year``
    (the controls; each starts on :data:`ALL`, a visible option) and
    ``.output`` (the chart, then the events shown with their dates). Where
    widgets cannot render (a static HTML export, a viewer without a kernel),
    its HTML form is the chart as last drawn; ``.static_html()`` returns that HTML.
    """
    import ipywidgets as widgets
    import pandas as pd

    from course.evidence import data

    events, actors = data.events(), data.actors()
    involvement: dict[str, int] = {}
    for cell in events["actor_ids"]:
        for actor in data.split_ids(cell):
            involvement[actor] = involvement.get(actor, 0) + 1
    named = actors[actors["actor_id"].isin(involvement)].sort_values("canonical_name", key=lambda s: s.str.casefold())
    actor_options = [(_text("all_actors"), ALL)] + [
        (_text("actor_option", name=row.canonical_name, events=_plural(involvement[row.actor_id], "event")), row.actor_id)
        for row in named.itertuples()]
    years = sorted(pd.to_datetime(events["date"]).dt.year.unique())

    wide = {"description_width": "initial"}
    actor = widgets.Dropdown(options=actor_options, value=ALL, description=_text("actor"), style=wide, layout=widgets.Layout(width="auto"))
    mentioned = widgets.ToggleButtons(options=[(_text(f"mentioned_{value}"), value) for value in MENTIONED_VALUES], value=ALL,
                                      description=_text("events"),
                                      style={"button_width": "auto", **wide})
    year = widgets.Dropdown(options=[(_text("all_years"), ALL)] + [(str(y), int(y)) for y in years], value=ALL,
                            description=_text("year"),
                            style=wide, layout=widgets.Layout(width="auto"))
    output = widgets.Output()
    explorer = _explorer_class()([widgets.HBox([actor, year], layout=widgets.Layout(flex_flow="row wrap")), mentioned, output])
    explorer.actor, explorer.mentioned, explorer.year, explorer.output = actor, mentioned, year, output
    explorer._last_html = ""

    def redraw(_change=None) -> None:
        chosen_year = None if year.value == ALL else year.value
        filters = {"actor_ids": None if actor.value == ALL else actor.value, "mentioned": _MENTIONED[mentioned.value],
                   "start": f"{chosen_year}-01-01" if chosen_year else None, "end": f"{chosen_year}-12-31" if chosen_year else None}
        picture = show(timeline_figure(**filters))
        explorer._last_html = picture.data
        # Replace the outputs directly: works with or without a running kernel.
        output.outputs = ()
        output.append_display_data(picture)
        output.append_display_data(HTML(events_list_html(timeline_events(**filters))))

    for control in (actor, mentioned, year):
        control.observe(redraw, names="value")
    redraw()
    return explorer
