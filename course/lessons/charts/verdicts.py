"""Verdict charts: the verdicts on the document's claims per section or claim type, and how it renders its citations."""

from __future__ import annotations

from course.lessons.charts.base import PALETTE, VERDICT_COLOURS, _join, _new_figure, _vocabulary

GROUPINGS = ("section", "claim_type")

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
    ax.set_title(f"Verdicts on {int(totals.sum())} checkable claims of the document, by {heading}", fontsize=11, loc="left")
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
    styles = COMPARISON_STYLES
    words = {c: c.replace("_", " ") for c in COMPARISON_STYLES}
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
    ax.set_xlabel("number of citations")
    from course.document.citations import citations as document_citations

    total = len(document_citations())
    # The others are in the assessment bank: how the document renders them is what graded work asks.
    shown = f"the {total}" if len(table) >= total else f"{len(table)} of the {total}"
    ax.set_title(f"How the document renders {shown} reports it cites", fontsize=11, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.subplots_adjust(left=0.2, right=0.97, top=0.85, bottom=0.2)
    parts = [f"{n} {words[c]} ({', '.join(table.loc[table['comparison'] == c, 'citation_id'])})" for c, n in zip(order, counts)]
    others = "" if len(table) >= total else f" The other {total - len(table)} are left to graded work."
    fig.alt_text = (f"Bar chart of {shown} citations of the document by how faithfully it renders the original report: "
                    + "; ".join(parts) + "." + others)
    fig.caption = "Source: data/citations.csv (each row lists the pages the desk read to trace the citation); categories are defined in data/README.md."
    return fig
