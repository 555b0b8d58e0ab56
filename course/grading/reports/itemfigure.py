"""The item report's figure and its alt text: which items to review, and what the diagnostic shows per skill.

Left panel: every graded item as a point, facility (x) against discrimination
(y). Shaded bands mark the regions where an item should be reviewed (see
:data:`course.grading.reports.itemanalysis.REASON_HELP`); only the flagged items are
named on the plot, so their labels stay readable in a class of 90 items, and
the alt text lists every item. Right panel: the class's share of points per
skill before (form A) and after (form B) the unit, with the gain, or, when the
two forms are not both graded, the class's share per skill.

Colour is never the only cue: each assignment has an Okabe-Ito colour *and* a
marker shape; before and after differ in shape and fill as well as colour. All
text is at least 10 pt. The canvas is Agg: headless, never a notebook's backend.
"""

from __future__ import annotations

from pathlib import Path

from course.evidence.skills import SKILLS, label
from course.grading import wording
from course.grading.reports.grades import OKABE_ITO
from course.grading.reports import itemanalysis
from course.grading.reports.itemanalysis import HIGH, LOW, NEGATIVE, WEAK, ItemReport, assignment_label

#: Instructor-facing words: notebooks/grading.toml's ``[item_figure]``, looked up on access by these names
#: (:func:`__getattr__`), so importing this module reads no file and a translation changes data only.
_WORDS = ("SCATTER_TITLE", "X_LABEL", "Y_LABEL", "NO_R", "MORE_FLAGGED", "GAINS_TITLE", "BEFORE", "AFTER", "SHARE",
          "SKILLS_TITLE", "ALT_INTRO", "ALT_REVIEW", "ALT_REVIEW_NONE", "ALT_REST", "ALT_ITEM", "ALT_GAINS", "ALT_GAIN",
          "ALT_SKILLS", "ALT_SKILL", "NOT_COMPUTED")


def __getattr__(name: str):
    if name in _WORDS:
        return _word(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _word(name: str) -> str:
    """The template of one of :data:`_WORDS` (``"ALT_REST"`` is ``[item_figure] alt_rest``)."""
    return wording.words("item_figure", name.lower())


#: Okabe-Ito without its yellow, which is too pale on white for a small marker; one shape per colour as well.
COLOURS = tuple(c for c in OKABE_ITO if c != "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
BAND_GREY = "#000000"  # bands are grey shades (alpha), so they never compete with an assignment's colour
FONT = 10  # points: the smallest text in the figure
MAX_LABELS = 12  # beyond this many flagged items, name the most urgent and point to the table
#: Where a label may go around its point (offsets in points), tried in order until one overlaps nothing.
OFFSETS = tuple((dx, dy) for r in range(1, 9) for dx in (8 * r, -8 * r) for dy in (8 * r, -8 * r - 6))
Y_LIMITS = (-1.05, 1.1)
X_LIMITS = (-0.03, 1.03)


def _fmt(value: float | None) -> str:
    return _word("NOT_COMPUTED") if value is None else f"{value:.2f}"


def _describe(report: ItemReport, item) -> str:
    return _word("ALT_ITEM").format(name=item.title or item.name, assignment=item.assignment, grade_id=item.grade_id,
                           facility=_fmt(item.facility), r=_fmt(report.r(item)))


def _skill_name(skill: str) -> str:
    return label(skill) if skill in SKILLS else skill


def alt_text(report: ItemReport) -> str:
    """Every flagged item with its reasons, every other item with its values, then the right panel's values."""
    lines = [_word("ALT_INTRO").format(low=LOW, high=HIGH, weak=WEAK)]
    review = report.to_review()
    lines.append(_word("ALT_REVIEW").format(n=len(review)) if review else _word("ALT_REVIEW_NONE"))
    for item in review:
        lines.append(f"- {_describe(report, item)}: " + "; ".join(f"{r}, {itemanalysis.REASON_HELP[r]}" for r in report.reasons(item)) + ".")
    rest = [i for i in report.items if i not in review]
    if rest:
        lines.append(_word("ALT_REST").format(n=len(rest)))
        lines += [f"- {_describe(report, item)}." for item in rest]
    _, by_skill = report.gains()
    if by_skill:
        lines.append(_word("ALT_GAINS"))
        lines += [_word("ALT_GAIN").format(skill=_skill_name(k), before=_fmt(a), after=_fmt(b),
                                  gain=_word("NOT_COMPUTED") if g is None else f"{g:+.2f}") for k, (a, b, g) in by_skill.items()]
    else:
        lines.append(_word("ALT_SKILLS"))
        lines += [_word("ALT_SKILL").format(skill=_skill_name(k), share=f"{v:.2f}")
                  for k, v in report.skill_shares(exclude=report.skill_exclude()).items()]
    return "\n".join(lines)


def _bands(ax) -> None:
    """Shade the regions to review and name each inside it."""
    ax.axvspan(X_LIMITS[0], LOW, color=BAND_GREY, alpha=0.07, linewidth=0)
    ax.axvspan(HIGH, X_LIMITS[1], color=BAND_GREY, alpha=0.07, linewidth=0)
    ax.axhspan(NEGATIVE, WEAK, color=BAND_GREY, alpha=0.06, linewidth=0)
    ax.axhspan(Y_LIMITS[0], NEGATIVE, color=BAND_GREY, alpha=0.12, linewidth=0)
    for y in (NEGATIVE, WEAK):
        ax.axhline(y, color="black", linestyle=":", linewidth=0.8)
    for x in (LOW, HIGH):
        ax.axvline(x, color="black", linestyle=":", linewidth=0.8)
    style = dict(fontsize=FONT, color="#333333", style="italic")
    ax.text(LOW / 2, Y_LIMITS[1] - 0.04, itemanalysis.TOO_HARD, ha="center", va="top", **style)
    ax.text((HIGH + X_LIMITS[1]) / 2, Y_LIMITS[1] - 0.04, itemanalysis.TOO_EASY, ha="center", va="top", rotation=90, **style)
    ax.text(LOW + 0.01, (NEGATIVE + WEAK) / 2, itemanalysis.WEAK_DISCRIMINATION, ha="left", va="center", **style)
    ax.text(LOW + 0.01, Y_LIMITS[0] + 0.04, itemanalysis.NEGATIVE_DISCRIMINATION, ha="left", va="bottom", **style)


def _overlaps(box, boxes) -> bool:
    return any(box.overlaps(other) for other in boxes)


def _label_flagged(figure, ax, report: ItemReport, points: dict) -> None:
    """Name the flagged items beside their points, trying :data:`OFFSETS` until a label covers no other text or point.

    A label with no free place is left off and counted in a note: overlapping names are unreadable, and every
    flagged item is in the table and the alt text anyway.
    """
    renderer = figure.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    taken = [t.get_window_extent(renderer).expanded(1.05, 1.2) for t in ax.texts]
    marks = {key: ax.transData.transform(xy) for key, xy in points.items()}
    review, left_off = report.to_review(), 0
    for n, item in enumerate(review):
        key = (item.assignment, item.grade_id)
        if n >= MAX_LABELS:
            left_off += 1
            continue
        # The reasons under the title: the bands say where, the label says which item and why in words.
        text = item.name + (f" ({_word('NO_R')})" if report.r(item) is None else "") + "\n" + "; ".join(report.reasons(item))
        others = [p for k, p in marks.items() if k != key]
        for dx, dy in OFFSETS:
            style = dict(xytext=(dx, dy), textcoords="offset points", fontsize=FONT, zorder=5,
                         ha="left" if dx > 0 else "right", va="bottom" if dy > 0 else "top",
                         bbox=dict(boxstyle="round,pad=0.2", facecolor="white", edgecolor="#555555", alpha=0.9))
            trial = ax.annotate(text, points[key], **style)  # measured without its leader line, which reaches the point
            box = trial.get_window_extent(renderer).expanded(1.04, 1.15)
            trial.remove()
            fits = inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
            if fits and not _overlaps(box, taken) and not any(box.contains(x, y) for x, y in others):
                ax.annotate(text, points[key], arrowprops=dict(arrowstyle="-", color="#555555", linewidth=0.8), **style)
                taken.append(box)
                break
        else:
            left_off += 1
    if left_off:
        # Below the legend, outside the axes: inside, it would cover the points and the bands' names.
        ax.text(0.5, -0.2, _word("MORE_FLAGGED").format(n=left_off), transform=ax.transAxes, ha="center", va="top", fontsize=FONT)


def _scatter(figure, ax, report: ItemReport) -> None:
    ax.set_xlim(*X_LIMITS)
    ax.set_ylim(*Y_LIMITS)
    _bands(ax)
    assignments = list(dict.fromkeys(i.assignment for i in report.items))
    points = {}
    for k, assignment in enumerate(assignments):
        mine = [i for i in report.items if i.assignment == assignment]
        xs = [i.facility or 0.0 for i in mine]
        ys = [report.r(i) or 0.0 for i in mine]  # an item with no r sits on 0 and is marked "no r" if flagged
        ax.scatter(xs, ys, s=55, marker=MARKERS[k % len(MARKERS)], color=COLOURS[k % len(COLOURS)],
                   edgecolor="black", linewidth=0.5, alpha=0.85, label=assignment_label(assignment), zorder=3)
        points.update({(i.assignment, i.grade_id): (x, y) for i, x, y in zip(mine, xs, ys)})
    ax.set_xlabel(_word("X_LABEL"), fontsize=FONT + 1)
    ax.set_ylabel(_word("Y_LABEL"), fontsize=FONT + 1)
    ax.tick_params(labelsize=FONT)
    ax.set_title(_word("SCATTER_TITLE"), fontsize=FONT + 2, loc="left")
    ax.legend(fontsize=FONT, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=min(7, len(assignments)), frameon=False)
    _label_flagged(figure, ax, report, points)


def _gains(ax, report: ItemReport) -> None:
    _, by_skill = report.gains()
    ax.set_xlim(0, 1.25)  # room for the gain written right of each row
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.tick_params(labelsize=FONT)
    ax.set_xlabel(_word("SHARE"), fontsize=FONT + 1)
    if not by_skill:  # no before/after pair graded: the class's share per skill, as the table prints it
        shares = report.skill_shares(exclude=report.skill_exclude())
        bars = ax.barh(range(len(shares)), list(shares.values()), color=COLOURS[0], hatch="//", edgecolor="black", linewidth=0.5)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in shares.values()], padding=3, fontsize=FONT)
        ax.set_yticks(range(len(shares)), [_skill_name(s) for s in shares], fontsize=FONT)
        ax.invert_yaxis()
        ax.set_title(_word("SKILLS_TITLE"), fontsize=FONT + 2, loc="left", wrap=True)
        return
    rows = list(by_skill.items())
    for n, (_, (before, after, gain)) in enumerate(rows):
        if before is not None and after is not None and abs(after - before) > 0.005:
            ax.annotate("", (after, n), xytext=(before, n), arrowprops=dict(arrowstyle="->", color="#555555", linewidth=1.2))
        if gain is not None:
            ax.text(max(before, after) + 0.06, n, f"{gain:+.2f}", va="center", fontsize=FONT)
    ys = range(len(rows))
    # A large hollow circle round a small square: when before equals after, both stay visible.
    ax.scatter([_or0(b) for _, (b, _, _) in rows], ys, s=150, marker="o", facecolor="white", edgecolor=COLOURS[0],
               linewidth=1.8, label=_word("BEFORE"), zorder=3)
    ax.scatter([_or0(a) for _, (_, a, _) in rows], ys, s=45, marker="s", color=COLOURS[5], edgecolor="black",
               linewidth=0.5, label=_word("AFTER"), zorder=4)
    ax.set_yticks(list(ys), [_skill_name(k) for k, _ in rows], fontsize=FONT)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_title(_word("GAINS_TITLE"), fontsize=FONT + 2, loc="left")
    ax.legend(fontsize=FONT, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)


def _or0(value: float | None) -> float:
    return 0.0 if value is None else value


def plot(report: ItemReport, path: Path) -> tuple[Path, Path]:
    """Draw the two panels into ``path`` (PNG) and write the alt text beside it (``.txt``); return both paths."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path.parent.mkdir(parents=True, exist_ok=True)
    # Fixed margins, not constrained layout: the label placement measures text in pixels before the figure is saved.
    figure = Figure(figsize=(14, 7.5))
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(1, 2, width_ratios=(1.55, 1), left=0.06, right=0.98, top=0.93, bottom=0.17, wspace=0.42)
    scatter, gains = figure.add_subplot(grid[0]), figure.add_subplot(grid[1])
    _gains(gains, report)
    _scatter(figure, scatter, report)
    figure.savefig(path, dpi=110)
    text_path = path.with_suffix(".txt")
    text_path.write_text(alt_text(report) + "\n", encoding="utf-8")
    return path, text_path
