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

Everything drawn comes from the data package (``course.evidence.data``) or from
``data/geo/`` (country outlines from Natural Earth, places and memberships with
the evidence ids that support them; see ``data/geo/README.md``).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
import sys
import textwrap
from functools import lru_cache

from course import paths

#: The Okabe-Ito colour-blind-safe palette, by name.
PALETTE = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

#: One colour, one hatch and a readable label per verdict (claims.verdict),
#: so a verdict can be told apart in greyscale or by a colour-blind reader.
VERDICT_COLOURS = {
    "accurate": {"colour": PALETTE["bluish_green"], "hatch": "", "label": "accurate"},
    "partly_accurate": {"colour": PALETTE["yellow"], "hatch": "..", "label": "partly accurate"},
    "inaccurate": {"colour": PALETTE["vermillion"], "hatch": "xx", "label": "inaccurate"},
    "unverifiable": {"colour": PALETTE["sky_blue"], "hatch": "//", "label": "unverifiable"},
    "not_checkable": {"colour": PALETTE["reddish_purple"], "hatch": "\\\\", "label": "not checkable"},
}

GROUPINGS = ("section", "claim_type")
MENTIONED_CHOICES = (None, True, False)
# Timeline labels: every event when few are shown, else only these categories.
LABEL_ALL_UP_TO = 25
KEY_CATEGORIES = ("coup", "un_resolution")


# --- Display -----------------------------------------------------------------

def _new_figure(width: float, height: float):
    """A Figure with an Agg canvas, outside pyplot's registry (never auto-displayed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _close(fig) -> None:
    # Only pyplot keeps figures alive (and shows them again at the end of a
    # cell); if pyplot was never imported there is nothing to close.
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)


def figure_html(fig, alt_text: str | None = None, caption: str | None = None, dpi: int = 100) -> str:
    """The figure as an HTML ``<figure>`` with an embedded PNG, its alt text and a caption.

    The alt text defaults to ``fig.alt_text``, the caption to ``fig.caption``
    (or the alt text). Raises ValueError when there is no alt text: every
    figure the kit shows must describe itself.
    """
    alt = alt_text if alt_text is not None else getattr(fig, "alt_text", None)
    if not alt or not str(alt).strip():
        raise ValueError("this figure has no alt text: pass alt_text=... or set fig.alt_text")
    if caption is None:
        caption = getattr(fig, "caption", None) or alt
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        '<figure style="margin:0">'
        f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(str(alt), quote=True)}" style="max-width:100%;height:auto">'
        f"<figcaption>{html.escape(str(caption))}</figcaption>"
        "</figure>"
    )


def show(fig, alt_text: str | None = None, caption: str | None = None):
    """Display-ready HTML for a figure (PNG + alt text + caption); closes the figure.

    Returns an ``IPython.display.HTML`` object: the last line of a cell shows
    it, or pass it to ``display()``. The figure is closed so Jupyter does not
    draw it a second time.
    """
    from IPython.display import HTML

    markup = figure_html(fig, alt_text, caption)
    _close(fig)
    return HTML(markup)



def new_figure(width: float, height: float):
    """A matplotlib Figure outside pyplot (for other modules' charts); pass it to :func:`show`."""
    return _new_figure(width, height)

# --- Small helpers ------------------------------------------------------------

def _vocabulary(table: str, column: str) -> list[str]:
    """The allowed values of a column, in the order the data package lists them."""
    from course.evidence import data

    for field in data.resource(table)["schema"]["fields"]:
        if field["name"] == column:
            return list(field.get("constraints", {}).get("enum", []))
    raise KeyError(f"no column {column!r} in table {table!r}")


def _join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _long_date(value) -> str:
    return f"{value.day} {value.strftime('%B %Y')}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- Verdicts ------------------------------------------------------------------

def _group_label(group_by: str, value) -> str:
    if group_by == "section":
        return "Lead paragraph" if int(value) == 0 else f"Section {int(value)}"
    return str(value).replace("_", " ")


def verdict_counts(group_by: str = "section"):
    """Claims per group (rows) and verdict (columns), groups in document or vocabulary order."""
    from course.evidence import data

    if group_by not in GROUPINGS:
        raise ValueError(f"unknown group_by {group_by!r}; choose one of: {', '.join(GROUPINGS)}")
    claims = data.claims()
    counts = claims.groupby([group_by, "verdict"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(VERDICT_COLOURS), fill_value=0)
    if group_by == "claim_type":
        order = [t for t in _vocabulary("claims", "claim_type") if t in counts.index]
    else:
        order = sorted(counts.index, key=int)
    return counts.loc[order]


def verdicts_figure(group_by: str = "section"):
    """Stacked horizontal bars: the verdicts on the document's claims per section or per claim type.

    For the lesson "where the errors cluster". Each verdict has its colour and
    hatch (:data:`VERDICT_COLOURS`); segments carry their count, bars their total.
    """
    from matplotlib.ticker import MaxNLocator

    counts = verdict_counts(group_by)
    labels = [_group_label(group_by, g) for g in counts.index]
    totals = counts.sum(axis=1)
    fig = _new_figure(9, 0.45 * len(counts) + 1.9)
    ax = fig.add_subplot()
    left = [0] * len(counts)
    positions = list(range(len(counts)))
    for verdict, style in VERDICT_COLOURS.items():
        widths = [int(v) for v in counts[verdict]]
        bars = ax.barh(positions, widths, left=left, color=style["colour"], hatch=style["hatch"],
                       edgecolor="black", linewidth=0.6, label=style["label"])
        for bar in bars:
            bar.set_gid(f"verdict-{verdict}")
        for bar, width in zip(bars, widths):
            if width:
                ax.text(bar.get_x() + width / 2, bar.get_y() + bar.get_height() / 2, str(width), ha="center", va="center",
                        fontsize=8, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
        left = [a + b for a, b in zip(left, widths)]
    for y, total in zip(positions, totals):
        ax.text(total + 0.3, y, f"{int(total)} claims", va="center", fontsize=8)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()  # first section (or first type) on top, as in the document
    ax.set_xlim(0, int(totals.max()) * 1.18)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("number of claims")
    heading = "document section" if group_by == "section" else "claim type"
    ax.set_title(f"Verdicts on the document's {int(totals.sum())} checkable claims, by {heading}", fontsize=11, loc="left")
    ax.legend(ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.28 if len(counts) < 6 else -0.16), fontsize=8, frameon=False, handleheight=1.4)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.subplots_adjust(left=0.16, right=0.97, top=0.88, bottom=0.26 if len(counts) < 6 else 0.18)

    fig.alt_text = _verdicts_alt_text(counts, labels, heading)
    fig.caption = (f"Source: data/claims.csv ({int(totals.sum())} claims; verdicts are defined in data/README.md). "
                   "Each verdict has its own colour and hatch.")
    return fig


def _verdicts_alt_text(counts, labels, heading) -> str:
    total = int(counts.values.sum())
    overall = [f"{int(counts[v].sum())} {VERDICT_COLOURS[v]['label']}" for v in VERDICT_COLOURS if counts[v].sum()]
    parts = [f"Stacked bar chart of the verdicts on {total} claims in the document, one bar per {heading} ({len(counts)} bars).",
             f"Overall: {_join(overall)}."]
    most = int(counts["inaccurate"].max())
    if most:
        worst = [f"{label} ({int(row['inaccurate'])} of {int(row.sum())})" for label, (_, row) in zip(labels, counts.iterrows()) if row["inaccurate"] == most]
        parts.append(f"Most inaccurate verdicts: {_join(worst)}.")
    per_group = []
    for label, (_, row) in zip(labels, counts.iterrows()):
        detail = ", ".join(f"{int(row[v])} {VERDICT_COLOURS[v]['label']}" for v in VERDICT_COLOURS if row[v])
        per_group.append(f"{label}: {int(row.sum())} ({detail})")
    parts.append("; ".join(per_group) + ".")
    return " ".join(parts)


# --- Forces --------------------------------------------------------------------

def _force_name(row) -> str:
    return f"{row['mission']} — {row['contributor']}"


def force_pairs():
    """Forces rows with both a document figure and a record figure (the ones that can be compared)."""
    from course.evidence import data

    forces = data.forces()
    return forces[forces["document_personnel"].notna() & forces["record_personnel"].notna()].reset_index(drop=True)


def forces_figure():
    """Foreign forces around August 2020: the document's figure next to the record's, on a log scale.

    Rows with both figures get paired bars (document hatched, record solid)
    and a note saying whether they match; rows with one figure only are drawn
    in a separate lower panel. The record's basis (cap, ceiling, planned…) is
    printed beside each record bar, since the figures are of different kinds.
    """
    import pandas as pd

    from course.evidence import data

    forces = data.forces()
    claims = data.claims().set_index("claim_id")
    pairs = force_pairs()
    has_doc, has_record = forces["document_personnel"].notna(), forces["record_personnel"].notna()
    singles = forces[has_doc ^ has_record].reset_index(drop=True)

    doc_style = {"facecolor": PALETTE["orange"], "hatch": "//", "edgecolor": "black", "linewidth": 0.6}
    record_style = {"facecolor": PALETTE["blue"], "edgecolor": "black", "linewidth": 0.6}
    single_style = {"facecolor": "white", "hatch": "..", "edgecolor": PALETTE["blue"], "linewidth": 1.0}

    fig = _new_figure(12, 0.75 * len(pairs) + 0.45 * len(singles) + 2.4)
    grid = fig.add_gridspec(2, 1, height_ratios=[max(len(pairs), 1) * 3, max(len(singles), 1) * 1.6], hspace=0.32)
    top, bottom = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    note_style = {"fontsize": 7.5, "va": "center", "ha": "left", "xycoords": ("axes fraction", "data"), "annotation_clip": False}

    # Paired panel: for each force a document bar above a record bar.
    ticks, tick_labels = [], []
    for index, row in pairs.iterrows():
        y_doc, y_rec = index * 3, index * 3 + 1
        document, record = int(row["document_personnel"]), int(row["record_personnel"])
        top.barh(y_doc, document, height=0.8, **doc_style, gid=f"document-{row['force_id']}")
        top.barh(y_rec, record, height=0.8, **record_style, gid=f"record-{row['force_id']}")
        top.text(document * 1.08, y_doc, f"{document:,}", va="center", fontsize=8)
        top.text(record * 1.08, y_rec, f"{record:,}", va="center", fontsize=8)
        verdicts = [f"{cid}: {claims.at[cid, 'verdict'].replace('_', ' ')}" for cid in data.split_ids(row["claim_ids"]) if cid in claims.index]
        match = "same figure as the record" if document == record else f"{document / record:.2g}× the record's figure ({document - record:+,})"
        top.annotate(f"document: {match}" + (f"; claim {'; '.join(verdicts)}" if verdicts else ""), (1.02, y_doc), **note_style)
        top.annotate("record: " + textwrap.shorten(row["record_basis"], 70, placeholder="…") + (f" ({row['record_as_of']})" if row["record_as_of"] else ""), (1.02, y_rec), **note_style)
        ticks.append(y_doc + 0.5)
        tick_labels.append(textwrap.fill(_force_name(row), 34))
    top.set_yticks(ticks, tick_labels, fontsize=8)
    top.set_ylim(len(pairs) * 3 - 1.3, -0.7)
    top.set_title("Forces for which the document gives a figure: document (hatched) vs record (solid)", fontsize=10, loc="left")

    # Lower panel: a figure on one side only.
    single_ticks, single_labels = [], []
    for index, row in singles.iterrows():
        which = "record" if pd.notna(row["record_personnel"]) else "document"
        value = int(row["record_personnel"] if which == "record" else row["document_personnel"])
        style = single_style if which == "record" else doc_style
        bottom.barh(index, value, height=0.7, **style, gid=f"{which}-only-{row['force_id']}")
        bottom.text(value * 1.08, index, f"{value:,}", va="center", fontsize=8)
        basis = (textwrap.shorten(row["record_basis"], 70, placeholder="…") + (f" ({row['record_as_of']})" if row["record_as_of"] else "")
                 if which == "record" else "the record gives no figure")
        bottom.annotate(f"{which} only: {basis}", (1.02, index), **note_style)
        single_ticks.append(index)
        single_labels.append(textwrap.fill(_force_name(row), 34))
    bottom.set_yticks(single_ticks, single_labels, fontsize=8)
    bottom.set_ylim(len(singles) - 0.4, -0.6)
    record_only = bool(len(singles)) and bool(singles["document_personnel"].isna().all())
    bottom.set_title("The document gives no figure for these: record only" if record_only else "Only one side gives a figure", fontsize=10, loc="left")

    values = [int(v) for v in forces["document_personnel"].dropna()] + [int(v) for v in forces["record_personnel"].dropna()]
    for ax in (top, bottom):
        ax.set_xscale("log")
        ax.set_xlim(min(values) / 1.6, max(values) * 2.2)
        ax.set_xlabel("personnel (log scale)", fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(**doc_style, label="the document's figure (hatched)"), Patch(**record_style, label="the record's figure (solid)"),
                        Patch(**single_style, label="one side only (dotted, lower panel)")],
               loc="upper left", bbox_to_anchor=(0.02, 0.955), ncols=3, fontsize=8, frameon=False, handleheight=1.4)
    fig.suptitle("Foreign and UN forces in Mali around August 2020: the document's figures and the record's (all figures approximate)",
                 fontsize=11, x=0.02, ha="left")
    fig.subplots_adjust(left=0.22, right=0.62, top=0.88, bottom=0.07)

    fig.alt_text = _forces_alt_text(pairs, singles)
    fig.caption = (f"Source: data/forces.csv ({len(forces)} rows; each row's evidence ids lead to the pages read). "
                   "Record figures are of different kinds (caps, ceilings, planned or announced strengths), so compare with care.")
    return fig


def _forces_alt_text(pairs, singles) -> str:
    same = [p for _, p in pairs.iterrows() if int(p["document_personnel"]) == int(p["record_personnel"])]
    different = [p for _, p in pairs.iterrows() if int(p["document_personnel"]) != int(p["record_personnel"])]
    parts = [f"Bar chart on a log scale of foreign and UN force sizes around August 2020 (all figures approximate). "
             f"{_plural(len(pairs), 'force')} have both a figure in the document and one in the record:"]
    matching = _join([f"{_force_name(p)}, {int(p['document_personnel']):,}" for p in same])
    parts.append(f"{len(same)} match ({matching})" if same else "none match")
    if different:
        listed = [f"{_force_name(p)}: document {int(p['document_personnel']):,}, record {int(p['record_personnel']):,} ({p['record_basis']})" for p in different]
        parts.append(f"and {len(different)} differ ({'; '.join(listed)}).")
    if len(singles):
        values = [int(v) for v in singles["record_personnel"].dropna()] + [int(v) for v in singles["document_personnel"].dropna()]
        parts.append(f"{_plural(len(singles), 'more force')} have a figure on one side only, from {min(values):,} to {max(values):,} personnel: "
                     f"{_join([_force_name(s) for _, s in singles.iterrows()])}.")
    return " ".join(parts)


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
        bits.append("involving " + _join([names[a] for a in wanted]))
    if mentioned is True:
        bits.append("mentioned in the document")
    elif mentioned is False:
        bits.append("not mentioned in the document")
    if start is not None or end is not None:
        bits.append(f"dated {start or 'the start'} to {end or 'the end'}")
    return "; ".join(bits)


def _short_title(title: str, width: int = 44) -> str:
    return textwrap.shorten(title, width, placeholder="…")


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

    fig = _new_figure(11, 0.42 * len(lanes) + 1.9)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.12, right=0.98, top=0.9, bottom=0.16)
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
        filled = bool(event["mentioned_in_document"])
        ax.plot([day.to_pydatetime()], [y], marker="o", markersize=5, linestyle="none", markeredgecolor=colour, markeredgewidth=1.3,
                markerfacecolor=colour if filled else "white", gid=f"event-{event['event_id']}")

    omitted = _label_events(fig, ax, events, positions)
    if events.empty:
        ax.text(0.5, 0.5, "No event matches these filters", transform=ax.transAxes, ha="center", va="center", fontsize=11)

    ax.legend(handles=[Line2D([], [], marker="o", linestyle="none", markerfacecolor=colour, markeredgecolor=colour, label="filled: mentioned in the document"),
                       Line2D([], [], marker="o", linestyle="none", markerfacecolor="white", markeredgecolor=colour, label="hollow: not mentioned in the document"),
                       Line2D([], [], color=colour, linewidth=1.6, label="line: event lasting several days")],
              loc="upper center", bbox_to_anchor=(0.5, -0.07), ncols=3, fontsize=8, frameon=False)
    description = _filter_description(actor_ids, mentioned, start, end)
    period = str(left.year) if left.year == right.year else f"{left.year}–{right.year}"
    ax.set_title(f"Events in and around Mali, {period}" + (f" ({description})" if description else "") + f": {_plural(len(events), 'event')}",
                 fontsize=10, loc="left")

    fig.alt_text = _timeline_alt_text(events, description, lanes)
    unlabelled = "; ".join(f"{_long_date(pd.Timestamp(e['date']))}: {e['title']}" for _, e in events.iloc[omitted].iterrows())
    fig.caption = (f"Source: data/events.csv ({len(events)} of {len(all_events)} events shown). "
                   + ("Labels: every event" if len(events) <= LABEL_ALL_UP_TO else "Labels: coups and UN resolutions only")
                   + (f"; not labelled where labels would overlap: {unlabelled}." if omitted else "."))
    fig.events_shown = list(events["event_id"])
    return fig


def _label_events(fig, ax, events, positions) -> list[int]:
    """Write short titles beside the events to label; returns the row numbers left unlabelled to avoid overlap."""
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
    omitted = []
    for i in chosen:
        day, y = positions[i]
        own = placed[i]
        title = _short_title(events.iloc[i]["title"])
        for offset, ha, va in offsets:
            leader = {"arrowstyle": "-", "linewidth": 0.5, "color": PALETTE["black"], "alpha": 0.6} if abs(offset[1]) > 4 else None
            label = ax.annotate(title, (day.to_pydatetime(), y), xytext=offset, textcoords="offset points", ha=ha, va=va, fontsize=7,
                                arrowprops=leader, bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
            label.update_positions(renderer)
            box = Text.get_window_extent(label, renderer)  # the words only, not the leader line
            inside = axes_box.x0 <= box.x0 and box.x1 <= axes_box.x1 and axes_box.y0 <= box.y0 and box.y1 <= axes_box.y1
            if inside and not any(box.overlaps(other) for other in placed if other is not own):
                placed.append(box)
                label.set_gid(f"label-{events.iloc[i]['event_id']}")
                break
            label.remove()
        else:
            omitted.append(i)
    return omitted


def _timeline_alt_text(events, description: str, lanes) -> str:
    import pandas as pd

    scope = f" ({description})" if description else ""
    if events.empty:
        return f"Empty timeline: no event in the kit's data matches these filters{scope}."
    days = pd.to_datetime(events["date"])
    mentioned = int(events["mentioned_in_document"].sum())
    by_category = events["category"].value_counts()
    by_year = days.dt.year.value_counts()
    top_category, top_year = by_category.index[0], by_year.index[0]
    return (f"Timeline of {_plural(len(events), 'event')}{scope}, from {_long_date(days.min())} to {_long_date(days.max())}, "
            f"in {len(by_category)} of the {len(lanes)} category lanes. "
            f"{mentioned} {'is' if mentioned == 1 else 'are'} mentioned in the document (filled markers) and {len(events) - mentioned} "
            f"{'is' if len(events) - mentioned == 1 else 'are'} not (hollow markers). "
            f"Busiest category: {top_category.replace('_', ' ')} ({by_category.iloc[0]}); busiest year: {top_year} ({by_year.iloc[0]}).")


def static_html() -> str:
    """The unfiltered timeline as HTML (a PNG with alt text): the fallback where widgets cannot render."""
    return figure_html(timeline_figure())


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


# --- Map -------------------------------------------------------------------------

def _geo_dir():
    return paths.data_dir() / "geo"


@lru_cache(maxsize=4)
def _read_geojson(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def country_shapes() -> dict:
    """The country outlines (GeoJSON FeatureCollection) from ``data/geo/west-africa.geojson``."""
    path = _geo_dir() / "west-africa.geojson"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; rebuild it with python scripts/build_map_data.py")
    return _read_geojson(str(path))


def _read_csv(name: str) -> list[dict]:
    path = _geo_dir() / name
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def map_places() -> list[dict]:
    """Places on the map (``data/geo/places.csv``): name, lon, lat (floats), kind, label, evidence_id."""
    rows = _read_csv("places.csv")
    for row in rows:
        row["lon"], row["lat"] = float(row["lon"]), float(row["lat"])
    return rows


def memberships() -> dict[str, list[dict]]:
    """Group name -> member rows (country, iso_n3, evidence_id, source_url) from ``data/geo/memberships.csv``."""
    groups: dict[str, list[dict]] = {}
    for row in _read_csv("memberships.csv"):
        groups.setdefault(row["group"], []).append(row)
    return groups


def _polygon_rings(geometry) -> list[list]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return polygons


def _ring_area_centroid(ring) -> tuple[float, float, float]:
    """Signed-area-weighted centroid of a ring (shoelace formula); (|area|, x, y)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if area == 0:
        return 0.0, ring[0][0], ring[0][1]
    return abs(area) / 2, cx / (3 * area), cy / (3 * area)


MAP_STYLES = {
    # key: (legend label, face colour, hatch, edge width)
    "mali": ("Mali (G5 Sahel and ECOWAS)", PALETTE["vermillion"], "xx", 1.6),
    "both": ("G5 Sahel and ECOWAS member", PALETTE["bluish_green"], "/.", 0.7),
    "g5": ("G5 Sahel member", PALETTE["orange"], "//", 0.7),
    "ecowas": ("ECOWAS member (2020)", PALETTE["sky_blue"], "..", 0.7),
    "other": ("other country", "#00000012", "", 0.4),
}
MALI_ISO = "466"  # ISO 3166-1 numeric code of Mali, the id Natural Earth gives it
MAP_EXTENT = (-26.0, 26.0, 0.0, 28.0)  # lon_min, lon_max, lat_min, lat_max (as in scripts/build_map_data.py)
SCALE_LATITUDE = 15.0  # the map's aspect and scale bar are true along this parallel (middle of Mali)
PLACE_MARKERS = {"capital": ("*", 13), "military_camp": ("s", 6), "foreign_base": ("^", 8)}


def map_figure():
    """Mali and its region in 2020: G5 Sahel and ECOWAS members, Bamako, Kati and the main foreign bases.

    Country outlines are Natural Earth (1:50m); each country is one
    PatchCollection (gid ``country-<iso>``), styled by membership with a colour
    and a hatch. Points and their labels come from ``data/geo/places.csv``,
    memberships from ``data/geo/memberships.csv``, each with evidence ids.
    Simple longitude/latitude drawing with the aspect set for 15°N, so the
    500 km scale bar is right along that parallel.
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Polygon

    shapes = country_shapes()
    groups = memberships()
    g5 = {row["iso_n3"] for row in groups.get("G5 Sahel", [])}
    ecowas = {row["iso_n3"] for row in groups.get("ECOWAS", [])}

    fig = _new_figure(11, 7.6)
    ax = fig.add_axes([0.02, 0.2, 0.96, 0.72])
    ax.set_facecolor("#FFFFFF")
    kind_of = {}
    for feature in shapes["features"]:
        iso = feature["properties"]["iso_n3"]
        kind = "mali" if iso == MALI_ISO else "both" if iso in g5 and iso in ecowas else "g5" if iso in g5 else "ecowas" if iso in ecowas else "other"
        kind_of[iso] = kind
        label, face, hatch, edge_width = MAP_STYLES[kind]
        patches = [Polygon(polygon[0], closed=True) for polygon in _polygon_rings(feature["geometry"])]
        collection = PatchCollection(patches, facecolor=face, edgecolor=PALETTE["black"], hatch=hatch or None,
                                     linewidth=edge_width, zorder=3 if kind == "mali" else 2 if kind != "other" else 1)
        collection.set_gid(f"country-{iso}")
        collection.set_label(feature["properties"]["name"])
        ax.add_collection(collection)
        if kind != "other":
            _label_country(ax, feature)

    lon_min, lon_max, lat_min, lat_max = MAP_EXTENT
    ax.set_xlim(lon_min, lon_max)
    ax.set_ylim(lat_min, lat_max)
    ax.set_aspect(1 / math.cos(math.radians(SCALE_LATITUDE)))
    ax.set_xticks([]), ax.set_yticks([])

    places = map_places()
    _draw_places(ax, places)
    _draw_scale_bar(ax, 500)

    country_handles = [Patch(facecolor=MAP_STYLES[k][1], hatch=MAP_STYLES[k][2] or None, edgecolor=PALETTE["black"], label=MAP_STYLES[k][0])
                       for k in MAP_STYLES if k in kind_of.values()]
    place_handles = [Line2D([], [], marker=PLACE_MARKERS[k][0], markersize=PLACE_MARKERS[k][1] * 0.8, linestyle="none", markerfacecolor=PALETTE["black"],
                            markeredgecolor="white", label=k.replace("_", " ")) for k in PLACE_MARKERS if any(p["kind"] == k for p in places)]
    ax.legend(handles=country_handles + place_handles, loc="lower left", fontsize=8, framealpha=0.95, handleheight=1.6, title="Key", title_fontsize=8)
    ax.set_title("Mali and its region in 2020: G5 Sahel and ECOWAS members, the Kati camp and the main foreign bases", fontsize=11, loc="left")

    key_lines = [f"{i}. {p['label']} [{p['evidence_id'].replace(';', ', ')}]" for i, p in enumerate(places, start=1)]
    fig.text(0.02, 0.17, "\n".join(key_lines), fontsize=7.5, va="top", ha="left")
    fig.text(0.98, 0.17, "Country outlines: Natural Earth 1:50m (public domain), via world-atlas.\n"
             f"Place coordinates: GeoNames (CC BY 4.0), rounded to 0.01°.\nSimple longitude/latitude map; scale true along {SCALE_LATITUDE:g}°N.",
             fontsize=7, va="top", ha="right")

    fig.alt_text = _map_alt_text(shapes, groups, places, kind_of)
    fig.caption = ("Sources: data/geo/memberships.csv and data/geo/places.csv (each row with its evidence ids), "
                   "Natural Earth country outlines; see data/geo/README.md.")
    return fig


def _label_country(ax, feature) -> None:
    """Name a member country at the centre of its largest polygon, or beside it when it is small."""
    best = max((_ring_area_centroid(polygon[0]) + (polygon[0],) for polygon in _polygon_rings(feature["geometry"])), key=lambda item: item[0])
    area, x, y, ring = best
    name = feature["properties"]["name"]
    if area >= 4:
        ax.text(x, y, name, ha="center", va="center", fontsize=7.5, zorder=6,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
        return
    # Small countries: label in the open sea to the west, or east when there is no room.
    lons = [p[0] for polygon in _polygon_rings(feature["geometry"]) for p in polygon[0]]
    west = min(lons) - 6 > MAP_EXTENT[0]
    ax.annotate(name, (min(lons) if west else max(lons), y), xytext=(-10 if west else 10, 0), textcoords="offset points",
                ha="right" if west else "left", va="center", fontsize=7, zorder=6,
                arrowprops={"arrowstyle": "-", "linewidth": 0.6, "color": PALETTE["black"]})


def _draw_places(ax, places) -> None:
    """Markers by kind, numbered to match the key under the map; close neighbours get their number on the other side."""
    labelled = []
    for number, place in enumerate(places, start=1):
        marker, size = PLACE_MARKERS.get(place["kind"], ("o", 6))
        ax.plot(place["lon"], place["lat"], marker=marker, markersize=size, linestyle="none", markerfacecolor=PALETTE["black"],
                markeredgecolor="white", markeredgewidth=0.8, zorder=7, gid=f"place-{place['name']}")
        crowded = any(math.hypot(place["lon"] - lon, place["lat"] - lat) < 1.0 for lon, lat in labelled)
        labelled.append((place["lon"], place["lat"]))
        ax.annotate(f"{number} {place['name']}", (place["lon"], place["lat"]), xytext=(-6, 6) if crowded else (6, -6), textcoords="offset points",
                    ha="right" if crowded else "left", va="bottom" if crowded else "top", fontsize=8, fontweight="bold", zorder=8,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})


def _draw_scale_bar(ax, kilometres: float) -> None:
    """A bar of ``kilometres`` along the parallel of true scale, in the top-left corner (open sea)."""
    degrees = kilometres / (111.32 * math.cos(math.radians(SCALE_LATITUDE)))
    x0, y0 = MAP_EXTENT[0] + 1, MAP_EXTENT[3] - 1.5
    ax.plot([x0, x0 + degrees], [y0, y0], color=PALETTE["black"], linewidth=3, solid_capstyle="butt", zorder=8, gid="scale-bar")
    ax.text(x0 + degrees / 2, y0 - 0.4, f"{kilometres:g} km (along {SCALE_LATITUDE:g}°N)", ha="center", va="top", fontsize=7.5, zorder=8)


def _map_alt_text(shapes, groups, places, kind_of) -> str:
    names = {f["properties"]["iso_n3"]: f["properties"]["name"] for f in shapes["features"]}
    g5 = groups.get("G5 Sahel", [])
    ecowas = groups.get("ECOWAS", [])
    both = sorted({r["country"] for r in g5} & {r["country"] for r in ecowas})
    bases = [p["label"] for p in places if p["kind"] == "foreign_base"]
    others = [p["name"] for p in places if p["kind"] != "foreign_base"]
    return (f"Map of West Africa and the Sahel with {len(names)} countries outlined; Mali, in the middle, is highlighted. "
            f"The {len(g5)} G5 Sahel members ({_join(sorted(r['country'] for r in g5))}) and the {len(ecowas)} ECOWAS members in 2020 "
            f"({_join(sorted(r['country'] for r in ecowas))}) are shaded and hatched by group; {_join(both)} belong to both. "
            f"Marked: {_join(others)}, and {_plural(len(bases), 'foreign base location')}: {'; '.join(bases)}. "
            f"A 500 km scale bar is drawn along {SCALE_LATITUDE:g}°N.")


# --- Citations ----------------------------------------------------------------

#: How the document renders each cited report (citations.comparison): colour and hatch.
COMPARISON_STYLES = {
    "faithful": {"colour": PALETTE["bluish_green"], "hatch": ""},
    "paraphrased": {"colour": PALETTE["sky_blue"], "hatch": ".."},
    "truncated": {"colour": PALETTE["yellow"], "hatch": "\\\\"},
    "altered_meaning": {"colour": PALETTE["orange"], "hatch": "xx"},
    "misattributed": {"colour": PALETTE["vermillion"], "hatch": "//"},
    "not_found": {"colour": "#BBBBBB", "hatch": "oo"},
}


def citation_comparison_figure():
    """One bar per way the document renders a cited report (faithful … not found), labelled with the citation ids."""
    from course.evidence import data

    table = data.citations()
    order = [c for c in COMPARISON_STYLES if c in set(table["comparison"])]
    counts = [int((table["comparison"] == c).sum()) for c in order]
    fig = _new_figure(9, 0.55 * len(order) + 1.6)
    ax = fig.add_subplot()
    for y, (comparison, count) in enumerate(zip(order, counts)):
        style = COMPARISON_STYLES[comparison]
        ax.barh(y, count, color=style["colour"], hatch=style["hatch"], edgecolor="black", linewidth=0.6, gid=f"comparison-{comparison}")
        ids = ", ".join(table.loc[table["comparison"] == comparison, "citation_id"])
        ax.text(count + 0.1, y, f"{count}: {ids}", va="center", fontsize=8)
    ax.set_yticks(range(len(order)), [c.replace("_", " ") for c in order])
    ax.invert_yaxis()
    ax.set_xlim(0, max(counts) * 2.2)
    ax.set_xlabel("number of citations")
    ax.set_title(f"How the document renders the {len(table)} reports it cites", fontsize=11, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.subplots_adjust(left=0.2, right=0.97, top=0.85, bottom=0.2)
    parts = [f"{n} {c.replace('_', ' ')} ({', '.join(table.loc[table['comparison'] == c, 'citation_id'])})" for c, n in zip(order, counts)]
    fig.alt_text = f"Bar chart of the document's {len(table)} citations by how faithfully it renders the original report: " + "; ".join(parts) + "."
    fig.caption = "Source: data/citations.csv (each row lists the pages the desk read to trace the citation); categories are defined in data/README.md."
    return fig
