"""The timeline explorer: pick an actor, mentioned or not, and a year; the chart redraws."""

from __future__ import annotations

from functools import lru_cache

from course.lessons.charts.base import _plural, show
from course.lessons.charts.timeline import static_html, timeline_figure

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


def timeline_explorer():
    """An interactive timeline: pick an actor, mentioned or not, and a year; the chart redraws.

    Returns an ipywidgets VBox with ``.actor``, ``.mentioned``, ``.year``
    (the controls) and ``.output`` (the chart). Where widgets cannot render
    (a static HTML export, a viewer without a kernel), its HTML form is the
    chart as last drawn; ``.static_html()`` returns that HTML.
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
    actor_options = [("All actors", None)] + [(f"{row.canonical_name} ({_plural(involvement[row.actor_id], 'event')})", row.actor_id) for row in named.itertuples()]
    years = sorted(pd.to_datetime(events["date"]).dt.year.unique())

    actor = widgets.Dropdown(options=actor_options, value=None, description="Actor")
    mentioned = widgets.ToggleButtons(options=[("All", None), ("Mentioned in the document", True), ("Not mentioned", False)], value=None,
                                      description="Events", style={"button_width": "auto"})
    year = widgets.Dropdown(options=[("All years", None)] + [(str(y), int(y)) for y in years], value=None, description="Year")
    output = widgets.Output()
    explorer = _explorer_class()([widgets.HBox([actor, year]), mentioned, output])
    explorer.actor, explorer.mentioned, explorer.year, explorer.output = actor, mentioned, year, output
    explorer._last_html = ""

    def redraw(_change=None) -> None:
        chosen_year = year.value
        fig = timeline_figure(actor_ids=actor.value, mentioned=mentioned.value,
                              start=f"{chosen_year}-01-01" if chosen_year else None, end=f"{chosen_year}-12-31" if chosen_year else None)
        picture = show(fig)
        explorer._last_html = picture.data
        # Replace the outputs directly: works with or without a running kernel.
        output.outputs = ()
        output.append_display_data(picture)

    for control in (actor, mentioned, year):
        control.observe(redraw, names="value")
    redraw()
    return explorer

