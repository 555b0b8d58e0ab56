"""The forces chart: the document's troop figures beside the record's."""

from __future__ import annotations

import textwrap

from course.evidence import vocabulary
from course.lessons import content
from course.lessons.charts.base import PALETTE, _join, _new_figure, _plural

#: Characters per line of the notes beside the bars (the whole note is shown, wrapped, never cut).
NOTE_WIDTH = 48

# --- Forces --------------------------------------------------------------------

def _text(key: str, /, **fields) -> str:
    """A forces chart string of notebooks/words.toml (``[charts.forces]``)."""
    return content.text("charts.forces", key, **fields)


def _force_name(row) -> str:
    return _text("force_name", mission=row["mission"], contributor=row["contributor"])


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
    from matplotlib.ticker import NullFormatter, StrMethodFormatter

    from course.evidence import data

    forces = data.forces()
    claims = data.claims().set_index("claim_id")
    pairs = force_pairs()
    has_doc, has_record = forces["document_personnel"].notna(), forces["record_personnel"].notna()
    singles = forces[has_doc ^ has_record].reset_index(drop=True)

    doc_style = {"facecolor": PALETTE["orange"], "hatch": "//", "edgecolor": "black", "linewidth": 0.6}
    record_style = {"facecolor": PALETTE["blue"], "edgecolor": "black", "linewidth": 0.6}
    single_style = {"facecolor": "white", "hatch": "..", "edgecolor": PALETTE["blue"], "linewidth": 1.0}

    fig = _new_figure(9, 0.95 * len(pairs) + 0.6 * len(singles) + 2.6)
    grid = fig.add_gridspec(2, 1, height_ratios=[max(len(pairs), 1) * 3, max(len(singles), 1) * 1.6], hspace=0.32)
    top, bottom = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    note_style = {"fontsize": 8, "va": "center", "ha": "left", "xycoords": ("axes fraction", "data"), "annotation_clip": False}

    # Paired panel: for each force a document bar above a record bar.
    ticks, tick_labels = [], []
    for index, row in pairs.iterrows():
        y_doc, y_rec = index * 3, index * 3 + 1
        document, record = int(row["document_personnel"]), int(row["record_personnel"])
        top.barh(y_doc, document, height=0.8, **doc_style, gid=f"document-{row['force_id']}")
        top.barh(y_rec, record, height=0.8, **record_style, gid=f"record-{row['force_id']}")
        top.text(document * 1.08, y_doc, f"{document:,}", va="center", fontsize=8)
        top.text(record * 1.08, y_rec, f"{record:,}", va="center", fontsize=8)
        verdicts = [_text("claim_verdict", claim=cid, verdict=vocabulary.VERDICTS[claims.at[cid, "verdict"]].in_sentence)
                    for cid in data.split_ids(row["claim_ids"]) if cid in claims.index]
        match = (_text("same_figure") if document == record
                 else _text("times_record", ratio=f"{document / record:.2g}", difference=f"{document - record:+,}"))
        note = _text("document_note", match=match) + (_text("document_note_claims", verdicts="; ".join(verdicts)) if verdicts else "")
        top.annotate(textwrap.fill(note, NOTE_WIDTH), (1.02, y_doc), **note_style)
        top.annotate(textwrap.fill(_text("record_note", basis=_basis(row)), NOTE_WIDTH), (1.02, y_rec), **note_style)
        ticks.append(y_doc + 0.5)
        tick_labels.append(textwrap.fill(_force_name(row), 28))
    top.set_yticks(ticks, tick_labels, fontsize=8)
    top.set_ylim(len(pairs) * 3 - 1.3, -0.7)
    top.set_title(_text("pairs_title"), fontsize=10, loc="left")

    # Lower panel: a figure on one side only.
    single_ticks, single_labels = [], []
    for index, row in singles.iterrows():
        which = "record" if pd.notna(row["record_personnel"]) else "document"
        value = int(row["record_personnel"] if which == "record" else row["document_personnel"])
        style = single_style if which == "record" else doc_style
        bottom.barh(index, value, height=0.7, **style, gid=f"{which}-only-{row['force_id']}")
        bottom.text(value * 1.08, index, f"{value:,}", va="center", fontsize=8)
        basis = _basis(row) if which == "record" else _text("no_record_figure")
        bottom.annotate(textwrap.fill(_text("one_side_note", side=_text(f"{which}_only_side"), basis=basis), NOTE_WIDTH),
                        (1.02, index), **note_style)
        single_ticks.append(index)
        single_labels.append(textwrap.fill(_force_name(row), 28))
    bottom.set_yticks(single_ticks, single_labels, fontsize=8)
    bottom.set_ylim(len(singles) - 0.4, -0.6)
    record_only = bool(len(singles)) and bool(singles["document_personnel"].isna().all())
    bottom.set_title(_text("singles_title_record_only") if record_only else _text("singles_title"), fontsize=10, loc="left")

    values = [int(v) for v in forces["document_personnel"].dropna()] + [int(v) for v in forces["record_personnel"].dropna()]
    for ax in (top, bottom):
        ax.set_xscale("log")
        # Decades written as plain numbers (100, 1,000, 10,000) like the figures on the bars, not 10^n in mathtext;
        # minor ticks unlabelled (and not laid out).
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlim(min(values) / 1.6, max(values) * 4)
        ax.set_xlabel(_text("xlabel"), fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(**doc_style, label=_text("legend_document")), Patch(**record_style, label=_text("legend_record")),
                        Patch(**single_style, label=_text("legend_single"))],
               loc="upper left", bbox_to_anchor=(0.02, 0.955), ncols=3, fontsize=8, frameon=False, handleheight=1.4)
    fig.suptitle(_text("title"), fontsize=11, x=0.02, ha="left")
    fig.subplots_adjust(left=0.27, right=0.6, top=0.86, bottom=0.07)

    fig.alt_text = _forces_alt_text(pairs, singles)
    fig.caption = _text("caption", rows=len(forces))
    return fig


def _basis(row) -> str:
    """What the record's figure is (a cap, a ceiling...) and, when known, as of when."""
    return row["record_basis"] + (_text("as_of", as_of=row["record_as_of"]) if row["record_as_of"] else "")


def _forces_alt_text(pairs, singles) -> str:
    same = [p for _, p in pairs.iterrows() if int(p["document_personnel"]) == int(p["record_personnel"])]
    different = [p for _, p in pairs.iterrows() if int(p["document_personnel"]) != int(p["record_personnel"])]
    parts = [_text("alt_intro", forces=_plural(len(pairs), "force"))]
    matching = _join([_text("alt_match_item", force=_force_name(p), figure=f"{int(p['document_personnel']):,}") for p in same])
    parts.append(_text("alt_match", count=len(same), forces=matching) if same else _text("alt_none_match"))
    if different:
        listed = [_text("alt_differ_item", force=_force_name(p), document=f"{int(p['document_personnel']):,}",
                        record=f"{int(p['record_personnel']):,}", basis=p["record_basis"]) for p in different]
        parts.append(_text("alt_differ", count=len(different), forces="; ".join(listed)))
    if len(singles):
        values = [int(v) for v in singles["record_personnel"].dropna()] + [int(v) for v in singles["document_personnel"].dropna()]
        parts.append(_text("alt_singles", forces=_plural(len(singles), "more_force"), low=f"{min(values):,}", high=f"{max(values):,}",
                           names=_join([_force_name(s) for _, s in singles.iterrows()])))
    return " ".join(parts)


