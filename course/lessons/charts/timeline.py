"""The timeline of events in and around Mali, filtered by actor, mention in the document and date."""

from __future__ import annotations

import textwrap

from course.lessons import content
from course.lessons.charts.base import PALETTE, _join, _long_date, _new_figure, _plural, _vocabulary, figure_html

MENTIONED_CHOICES = (None, True, False)
# Timeline labels: every event when few are shown, else only these categories.
LABEL_ALL_UP_TO = 25
KEY_CATEGORIES = ("coup", "un_resolution")

#: Words for whether the document mentions an event (notebooks/words.toml's ``[charts.timeline]``, read on use).
MENTION_WORDS = content.Section("words.toml", "charts", "timeline", "mention")


def _text(key: str, /, **fields) -> str:
    """A timeline string of notebooks/words.toml (``[charts.timeline]``)."""
    return content.text("charts.timeline", key, **fields)


def mention_state(value) -> str:
    """``"yes"`` or ``"no"`` for a ``mentioned_in_document`` cell (a required boolean in data/datapackage.json)."""
    return "yes" if bool(value) else "no"


# --- Timeline -----------------------------------------------------------------

def _as_timestamp(value, name: str):
    import pandas as pd

    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name}={value!r} is not a date; use YYYY-MM-DD or a datetime.date") from None


def _actor_list(actor_ids) -> list[str]:
    if actor_ids is None:
        return []
    return [actor_ids] if isinstance(actor_ids, str) else list(actor_ids)


def timeline_events(actor_ids=None, mentioned=None, start=None, end=None):
    """The events the timeline draws: filtered by actor(s), by mention in the document and by date.

    ``actor_ids``: an id or a list of ids; an event is kept when its actors
    include any of them. ``mentioned``: True (mentioned in the document), False
    (not mentioned) or None (both). ``start``/``end``: inclusive bounds on the
    event's first day. Raises ValueError for unknown actor ids, a bad
    ``mentioned`` value or a start after the end.
    """
    from course.evidence import data

    wanted = _actor_list(actor_ids)
    known = set(data.actors()["actor_id"])
    unknown = [a for a in wanted if a not in known]
    if unknown:
        raise ValueError(f"unknown actor id(s): {', '.join(map(str, unknown))}; valid ids: {', '.join(sorted(known))}")
    if mentioned not in MENTIONED_CHOICES or not (mentioned is None or isinstance(mentioned, bool)):
        raise ValueError(f"mentioned must be True, False or None, not {mentioned!r}")
    start_ts, end_ts = _as_timestamp(start, "start"), _as_timestamp(end, "end")
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        raise ValueError(f"start {start!r} is after end {end!r}")

    events = data.events()
    if wanted:
        events = events[events["actor_ids"].map(lambda cell: bool(set(data.split_ids(cell)) & set(wanted)))]
    if mentioned is not None:
        events = events[events["mentioned_in_document"] == mentioned]
    import pandas as pd

    first_day = pd.to_datetime(events["date"])
    if start_ts is not None:
        events = events[first_day >= start_ts]
        first_day = first_day[first_day >= start_ts]
    if end_ts is not None:
        events = events[first_day <= end_ts]
    return events.sort_values(["date", "event_id"]).reset_index(drop=True)


def _filter_description(actor_ids, mentioned, start, end) -> str:
    from course.evidence import data

    bits = []
    wanted = _actor_list(actor_ids)
    if wanted:
        names = data.actors().set_index("actor_id")["canonical_name"]
        bits.append(_text("involving", actors=_join([names[a] for a in wanted])))
    if mentioned is True:
        bits.append(_text("filter_mentioned"))
    elif mentioned is False:
        bits.append(_text("filter_not_mentioned"))
    if start is not None or end is not None:
        bits.append(_text("dated", start=start or _text("from_the_start"), end=end or _text("to_the_end")))
    return "; ".join(bits)


def timeline_figure(actor_ids=None, mentioned=None, start=None, end=None):
    """The events of 2012-2024 on a date axis, one lane per category, one marker per event.

    Filled markers: events the document mentions; hollow: events it does not.
    Multi-day events get a line to their last day. Filters as in
    :func:`timeline_events`. Labels: every event when at most 25 are shown,
    else the coups and UN resolutions; a label that would overlap another is
    left out (the caption says how many).
    """
    import pandas as pd
    from matplotlib import dates as mdates
    from matplotlib.lines import Line2D

    from course.evidence import data

    events = timeline_events(actor_ids, mentioned, start, end)
    all_events = data.events()
    lanes = [c for c in _vocabulary("events", "category") if c in set(all_events["category"])]
    lane_of = {category: i for i, category in enumerate(lanes)}
    left = _as_timestamp(start, "start") or pd.Timestamp(year=pd.to_datetime(all_events["date"]).min().year, month=1, day=1)
    right = _as_timestamp(end, "end") or pd.Timestamp(year=pd.to_datetime(all_events["date"]).max().year, month=12, day=31)

    fig = _new_figure(9, 0.42 * len(lanes) + 1.9)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.14, right=0.98, top=0.9, bottom=0.16)
    ax.set_xlim(left.to_pydatetime(), right.to_pydatetime())
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    for i in range(len(lanes)):
        if i % 2 == 0:
            ax.axhspan(i - 0.5, i + 0.5, color=PALETTE["black"], alpha=0.04, linewidth=0)
    ax.set_yticks(range(len(lanes)), [c.replace("_", " ") for c in lanes], fontsize=8)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=5, maxticks=14))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color=PALETTE["black"], alpha=0.12, linewidth=0.6)

    # Stack events that would sit on top of each other within a lane.
    width_px = ax.get_window_extent().width
    span_days = max((right - left).days, 1)
    gap_days = span_days * 9 / width_px  # about one marker width
    levels = [0, -1, 1, -2, 2]
    positions = []
    last_day_at_level: dict[tuple[int, int], pd.Timestamp] = {}
    for _, event in events.iterrows():
        day = pd.Timestamp(event["date"])
        lane = lane_of[event["category"]]
        level = next((lv for lv in levels if (lane, lv) not in last_day_at_level or (day - last_day_at_level[(lane, lv)]).days > gap_days), 0)
        last_day_at_level[(lane, level)] = day
        positions.append((day, lane + level * 0.17))

    colour = PALETTE["blue"]
    for (day, y), (_, event) in zip(positions, events.iterrows()):
        if pd.notna(event["end_date"]):
            ax.plot([day.to_pydatetime(), pd.Timestamp(event["end_date"]).to_pydatetime()], [y, y], color=colour, linewidth=1.6, alpha=0.7, solid_capstyle="butt")
        state = mention_state(event["mentioned_in_document"])
        ax.plot([day.to_pydatetime()], [y], marker="o", markersize=5, linestyle="none",
                markeredgecolor=colour, markeredgewidth=1.3, markerfacecolor=colour if state == "yes" else "white",
                gid=f"event-{event['event_id']}")

    omitted, numbered = _label_events(fig, ax, events, positions)
    if events.empty:
        ax.text(0.5, 0.5, _text("no_match"), transform=ax.transAxes, ha="center", va="center", fontsize=11)

    # The legend lists only what is drawn (lesson 08 once promised filled markers where none were).
    keys = []
    states = set(events["mentioned_in_document"].map(mention_state))
    if "yes" in states:
        keys.append(Line2D([], [], marker="o", linestyle="none", markerfacecolor=colour, markeredgecolor=colour, label=_text("legend_filled")))
    if "no" in states:
        keys.append(Line2D([], [], marker="o", linestyle="none", markerfacecolor="white", markeredgecolor=colour, label=_text("legend_hollow")))
    if events["end_date"].notna().any():
        keys.append(Line2D([], [], color=colour, linewidth=1.6, label=_text("legend_line")))
    if keys:
        # Four keys in one row are wider than a lesson's output area (the figure would be scaled below 11 px text).
        ax.legend(handles=keys, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncols=len(keys) if len(keys) < 4 else 2,
                  fontsize=8, frameon=False)
    description = _filter_description(actor_ids, mentioned, start, end)
    period = str(left.year) if left.year == right.year else f"{left.year}–{right.year}"
    title = _text("title", period=period, description=_text("title_description", description=description) if description else "",
                  events=_plural(len(events), "event"))
    ax.set_title(title, fontsize=10, loc="left")

    fig.alt_text = _timeline_alt_text(events, description, lanes)
    unlabelled = "; ".join(_text("unlabelled_event", date=_long_date(pd.Timestamp(e["date"])), title=e["title"])
                           for _, e in events.iloc[omitted].iterrows())
    as_of = data.record_as_of()
    key = "; ".join(f"{number}: {_long_date(pd.Timestamp(events.iloc[i]['date']))}, {events.iloc[i]['title']}" for number, i in numbered)
    fig.caption = (_text("caption", as_of=_long_date(as_of), shown=len(events), total=len(all_events))
                   + (_text("labels_all") if len(events) <= LABEL_ALL_UP_TO else _text("labels_key"))
                   + (_text("labels_omitted", events=unlabelled) if omitted else _text("labels_end"))
                   + (" " + content.load("practice.toml")["labels"]["screen"]["timeline_key"].format(key=key) if numbered else ""))
    fig.events_shown = list(events["event_id"])
    return fig


def _label_events(fig, ax, events, positions) -> tuple[list[int], list[tuple[int, int]]]:
    """Number the events to label beside their markers; returns the row numbers left unlabelled to avoid overlap,
    and (number, row) for each label drawn.

    A number, not a title: titles cut to fit ("Coup d'état in Mali: President Keïta resig…") told a student
    neither the whole event nor, in a crowded lane, which marker they belonged to. The caption gives each
    number's date and full title.
    """
    from matplotlib import dates as mdates

    if len(events) <= LABEL_ALL_UP_TO:
        chosen = list(range(len(events)))
    else:
        chosen = [i for i, category in enumerate(events["category"]) if category in KEY_CATEGORIES]
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    axes_box = ax.get_window_extent(renderer)
    # Markers are obstacles too, so a label never hides another event.
    placed = []
    for day, y in positions:
        x_px, y_px = ax.transData.transform((mdates.date2num(day.to_pydatetime()), y))
        placed.append(Bbox.from_extents(x_px - 3, y_px - 3, x_px + 3, y_px + 3))
    # Beside the marker first, then one or two lines further up or down with a leader line.
    offsets = [((dx, dy), ha, "bottom" if dy > 0 else "top") for dy in (4, -4, 16, -16, 28, -28) for dx, ha in ((5, "left"), (-5, "right"))]
    omitted, numbered = [], []
    for i in chosen:
        day, y = positions[i]
        own = placed[i]
        title = str(len(numbered) + 1)
        for offset, ha, va in offsets:
            leader = {"arrowstyle": "-", "linewidth": 0.5, "color": PALETTE["black"], "alpha": 0.6} if abs(offset[1]) > 4 else None
            label = ax.annotate(title, (day.to_pydatetime(), y), xytext=offset, textcoords="offset points", ha=ha, va=va, fontsize=9,
                                fontweight="bold",
                                arrowprops=leader, bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
            label.update_positions(renderer)
            box = Text.get_window_extent(label, renderer)  # the words only, not the leader line
            inside = axes_box.x0 <= box.x0 and box.x1 <= axes_box.x1 and axes_box.y0 <= box.y0 and box.y1 <= axes_box.y1
            if inside and not any(box.overlaps(other) for other in placed if other is not own):
                placed.append(box)
                label.set_gid(f"label-{events.iloc[i]['event_id']}")
                numbered.append((int(title), i))
                break
            label.remove()
        else:
            omitted.append(i)
    return omitted, numbered


def _timeline_alt_text(events, description: str, lanes) -> str:
    import pandas as pd

    scope = _text("title_description", description=description) if description else ""
    if events.empty:
        return _text("alt_empty", scope=scope)
    days = pd.to_datetime(events["date"])
    states = events["mentioned_in_document"].map(mention_state)
    mentioned = int((states == "yes").sum())
    not_mentioned = len(events) - mentioned
    by_category = events["category"].value_counts()
    by_year = days.dt.year.value_counts()
    top_category, top_year = by_category.index[0], by_year.index[0]
    return _text("alt", events=_plural(len(events), "event"), scope=scope, first=_long_date(days.min()), last=_long_date(days.max()),
                 categories=len(by_category), lanes=len(lanes), mentioned=_plural(mentioned, "mentioned_event"),
                 unmentioned=_plural(not_mentioned, "unmentioned_event"),
                 category=top_category.replace("_", " "), category_count=by_category.iloc[0], year=top_year, year_count=by_year.iloc[0])


def static_html() -> str:
    """The unfiltered timeline as HTML (a PNG with alt text): the fallback where widgets cannot render."""
    return figure_html(timeline_figure())

