"""Argument maps: the premises the document offers for a conclusion, with the kit's verdict on each.

Built from ``arguments.csv`` (premise and conclusion claim ids) and
``claims.csv`` (verdicts). :func:`premises` is the table; :func:`argument_figure`
draws premises as boxes above the conclusion, each box marked with its verdict
by colour, hatch and a text label (so the map reads without colour too).
"""

from __future__ import annotations

import textwrap

from course.evidence import data, vocabulary
from course.lessons import content

#: Drawn at most this many inches wide (100 dpi): a 1280 px window shows it at full size.
FIGURE_WIDTH = 10.0
#: Premises per row, and the text size in points (10 pt at 100 dpi is about 14 px on screen).
PER_ROW = 3
TEXT_POINTS = 10


def _argument(argument_id: str):
    arguments = data.arguments().set_index("argument_id")
    if argument_id not in arguments.index:
        raise KeyError(f"no argument {argument_id!r}; arguments are {', '.join(arguments.index)}")
    return arguments.loc[argument_id]


def _text(key: str, /, **fields) -> str:
    """An argument map string of notebooks/words.toml (``[argument_map]``)."""
    return content.text("argument_map", key, **fields)


def _verdict_words(verdict: str) -> str:
    return vocabulary.VERDICTS[verdict].in_sentence


def premises(argument_id: str):
    """The premises of one argument: claim id, paraphrase, type and verdict, in the order listed."""
    argument = _argument(argument_id)
    claims = data.claims().set_index("claim_id")
    ids = data.split_ids(argument["premise_claim_ids"])
    table = claims.loc[ids, ["claim_text", "claim_type", "verdict", "rating_explanation"]].reset_index()
    return table


def argument_figure(argument_id: str):
    """Draw the argument map; returns a matplotlib Figure with ``alt_text`` set."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from course.lessons.charts import VERDICT_COLOURS, new_figure

    argument = _argument(argument_id)
    table = premises(argument_id)
    conclusion_claim = data.claims().set_index("claim_id").loc[argument["conclusion_claim_id"]]
    count = len(table)
    # Legible at 100 % zoom in a 1280 px window: the figure is drawn at most
    # FIGURE_WIDTH inches wide (so it is not scaled down) with at most
    # PER_ROW premises a row, and text of TEXT_POINTS points (about 14 px).
    per_row = min(PER_ROW, count)
    rows = -(-count // per_row)
    width, row_height, gap = FIGURE_WIDTH, 1.8, 0.5
    conclusion_height = 1.6
    height = rows * (row_height + gap) + conclusion_height + 0.9
    fig = new_figure(width, height)
    ax = fig.add_subplot()
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")

    def box(x, y, w, h, text, verdict):
        style = VERDICT_COLOURS[verdict]
        patch = FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.05", facecolor=style["colour"], edgecolor="black",
                               hatch=style["hatch"], alpha=0.9, linewidth=1.2)
        ax.add_patch(patch)
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=TEXT_POINTS,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.9, "pad": 2})

    slot = width / per_row
    tops = []
    for index, row in table.iterrows():
        line, column = divmod(index, per_row)
        x = column * slot + 0.1
        y = height - 0.2 - (line + 1) * (row_height + gap) + gap
        label = _text("premise", claim=row["claim_id"], verdict=_verdict_words(row["verdict"])) + "\n" + textwrap.fill(row["claim_text"], int(slot * 9))
        box(x, y, slot - 0.2, row_height, label, row["verdict"])
        tops.append((x + (slot - 0.2) / 2, y))
    cx = 0.3
    box(cx, 0.2, width - 0.6, conclusion_height,
        _text("conclusion", claim=argument["conclusion_claim_id"], verdict=_verdict_words(conclusion_claim["verdict"]))
        + "\n" + textwrap.fill(argument["conclusion"], 95),
        conclusion_claim["verdict"])
    for x, y in tops:
        ax.add_patch(FancyArrowPatch((x, y), (width / 2, 0.2 + conclusion_height + 0.05), arrowstyle="-|>", mutation_scale=12,
                                     color="black", linewidth=0.8, zorder=0))
    weaknesses = ", ".join(vocabulary.WEAKNESSES[w].in_sentence
                           for w in data.split_ids(argument["reasoning_weaknesses"])) or _text("no_weaknesses")
    ax.set_title(_text("title", argument_id=argument_id, weaknesses=weaknesses), fontsize=TEXT_POINTS + 1)
    verdict_counts = table["verdict"].value_counts()
    summary = ", ".join(_text("verdict_count", count=n, verdict=_verdict_words(v)) for v, n in verdict_counts.items())
    fig.alt_text = _text("alt", argument_id=argument_id, count=count, conclusion=argument["conclusion"],
                         verdict=_verdict_words(conclusion_claim["verdict"]), summary=summary, weaknesses=weaknesses)
    fig.tight_layout()
    return fig
