"""Charts for the lessons: verdicts, forces, the timeline and the regional map.

Every builder returns a matplotlib :class:`~matplotlib.figure.Figure` made
without pyplot (so nothing is displayed behind the notebook's back) and sets
``fig.alt_text``, a description computed from the data it draws, and
``fig.caption``, a short line naming the table it comes from. Notebooks show a
figure with :func:`show`, which embeds it as a PNG with that alt text:

>>> from course.lessons import charts
>>> charts.show(charts.verdicts_figure("claim_type"))   # doctest: +SKIP

The colours are the Okabe-Ito palette (:data:`PALETTE`), which stays distinct
for the common forms of colour blindness; meaning is never carried by colour
alone: verdicts also get a hatch, the timeline uses filled and hollow markers,
and map groups get hatches and a legend.

One module per chart family: ``base`` (palette, display), ``verdicts``,
``forces``, ``timeline`` and ``geomap``; this package re-exports their
public names. The interactive timeline is
:func:`course.lessons.widgets.timeline_explorer`.

Everything drawn comes from the data package (``course.evidence.data``) or from
``data/geo/`` (country outlines from Natural Earth, places and memberships with
the evidence ids that support them; see ``data/geo/README.md``).
"""


from course.lessons.charts.base import PALETTE, VERDICT_COLOURS, figure_html, figure_png, new_figure, show
from course.lessons.charts.forces import force_pairs, forces_figure
from course.lessons.charts.geomap import (
    MALI_ISO, MAP_EXTENT, MAP_STYLES, PLACE_MARKERS, SCALE_LATITUDE, country_shapes, map_figure, map_places, memberships,
)
from course.lessons.charts.timeline import (
    KEY_CATEGORIES, LABEL_ALL_UP_TO, MENTIONED_CHOICES, static_html, timeline_events, timeline_figure,
)
from course.lessons.charts.verdicts import (
    COMPARISON_STYLES, GROUPINGS, citation_comparison_figure, verdict_counts, verdicts_figure,
)
