"""Verdict charts: the verdicts on the document's claims per section or claim type, and how it renders its citations."""

from __future__ import annotations

from course.evidence import vocabulary
from course.lessons import content
from course.lessons.charts.base import PALETTE, VERDICT_COLOURS, _join, _new_figure, _plural, _vocabulary

GROUPINGS = ("section", "claim_type")

# --- Verdicts ------------------------------------------------------------------

def _text(key: str, /, **fields) -> str:
    """A verdict chart string of notebooks/words.toml (``[charts.verdicts]``)."""
    return content.text("charts.verdicts", key, **fields)


def _group_label(group_by: str, value) -> str:
    if group_by == "section":
        return _text("lead_paragraph") if int(value) == 0 else _text("section", number=int(value))
    return vocabulary.label("claim_type", str(value), default=str(value).replace("_", " "))


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
        ax.text(total + 0.3, y, _plural(int(total), "claim"), va="center", fontsize=8)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()  # first section (or first type) on top, as in the document
    ax.set_xlim(0, int(totals.max()) * 1.18)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_text("xlabel"))
    heading = _text(f"heading_{group_by}")
    ax.set_title(_text("title", total=int(totals.sum()), heading=heading), fontsize=11, loc="left")
    ax.legend(ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.28 if len(counts) < 6 else -0.16), fontsize=8, frameon=False, handleheight=1.4)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.subplots_adjust(left=0.16, right=0.97, top=0.88, bottom=0.26 if len(counts) < 6 else 0.18)

    fig.alt_text = _verdicts_alt_text(counts, labels, heading)
    fig.caption = _text("caption", total=int(totals.sum()))
    return fig


def _verdicts_alt_text(counts, labels, heading) -> str:
    total = int(counts.values.sum())
    def counted(count, verdict) -> str:
        return _text("verdict_count", count=int(count), verdict=VERDICT_COLOURS[verdict]["label"])

    overall = [counted(counts[v].sum(), v) for v in VERDICT_COLOURS if counts[v].sum()]
    parts = [_text("alt_intro", total=total, heading=heading, bars=len(counts)), _text("alt_overall", counts=_join(overall))]
    most = int(counts["inaccurate"].max())
    if most:
        worst = [_text("alt_worst_group", label=label, inaccurate=int(row["inaccurate"]), total=int(row.sum()))
                 for label, (_, row) in zip(labels, counts.iterrows()) if row["inaccurate"] == most]
        parts.append(_text("alt_worst", groups=_join(worst)))
    per_group = []
    for label, (_, row) in zip(labels, counts.iterrows()):
        detail = ", ".join(counted(row[v], v) for v in VERDICT_COLOURS if row[v])
        per_group.append(_text("alt_group", label=label, total=int(row.sum()), detail=detail))
    parts.append("; ".join(per_group) + ".")
    return " ".join(parts)



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


def _citations_text(key: str, /, **fields) -> str:
    """A citation chart string of notebooks/words.toml (``[charts.citations]``)."""
    return content.text("charts.citations", key, **fields)


def citation_comparison_figure():
    """One bar per way the document renders a cited report (faithful … not found), labelled with the citation ids."""
    from course.evidence import data

    table = data.citations()
    styles = COMPARISON_STYLES
    words = {c: vocabulary.COMPARISONS[c].in_sentence for c in COMPARISON_STYLES}
    order = [c for c in styles if c in set(table["comparison"])]
    counts = [int((table["comparison"] == c).sum()) for c in order]
    fig = _new_figure(9, 0.55 * len(order) + 1.6)
    ax = fig.add_subplot()
    for y, (comparison, count) in enumerate(zip(order, counts)):
        style = styles[comparison]
        ax.barh(y, count, color=style["colour"], hatch=style["hatch"], edgecolor="black", linewidth=0.6, gid=f"comparison-{comparison}")
        ids = ", ".join(table.loc[table["comparison"] == comparison, "citation_id"])
        ax.text(count + 0.1, y, f"{count}: {ids}", va="center", fontsize=8)
    ax.set_yticks(range(len(order)), [words[c] for c in order])
    ax.invert_yaxis()
    ax.set_xlim(0, max(counts) * 2.2)
    ax.set_xlabel(_citations_text("xlabel"))
    from course.document.citations import citations as document_citations

    total = len(document_citations())
    # The others are in the assessment bank: how the document renders them is what graded work asks.
    shown = _citations_text("shown_all", total=total) if len(table) >= total else _citations_text("shown_some", count=len(table), total=total)
    ax.set_title(_citations_text("title", shown=shown), fontsize=11, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.subplots_adjust(left=0.2, right=0.97, top=0.85, bottom=0.2)
    parts = [_citations_text("alt_part", count=n, comparison=words[c], ids=", ".join(table.loc[table["comparison"] == c, "citation_id"]))
             for c, n in zip(order, counts)]
    others = "" if len(table) >= total else _citations_text("others", count=total - len(table))
    fig.alt_text = _citations_text("alt", shown=shown, parts="; ".join(parts), others=others)
    fig.caption = _citations_text("caption")
    return fig
