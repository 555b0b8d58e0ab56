"""Grades out of the gradebook: an LMS import file, a printed table and a distribution figure.

The LMS file follows the **Canvas gradebook import CSV**: the columns
``Student`` (``Last, First``), ``ID`` (Canvas's internal id, left empty),
``SIS User ID`` and ``SIS Login ID`` (both the nbgrader student id, which is
what Canvas matches on when ``ID`` is empty), ``Section`` (empty), then one
column per assignment headed by the assignment id; the first data row is
``Points Possible``. Canvas creates an assignment for a column header it does
not know, so rename a header to an existing Canvas column (``Name (12345)``)
to fill that one instead. A student with no submission gets an empty cell, so
importing never overwrites a grade entered in Canvas with a zero.

A score is nbgrader's total (automatic scores, replaced by manual ones where a
grader entered them) minus any late penalty; written answers count once graded.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from course.grading import wording

#: Okabe-Ito colours, one per assignment in course order (never the only cue: each also gets a hatch).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "--", "oo")
BANDS = tuple(range(0, 100, 10))  # lower bounds of the 10-point score bands; 100% falls in the last


@dataclass
class GradeRow:
    """One student's result on one assignment (``submitted=False``: no submission)."""

    assignment: str
    student: str
    first_name: str
    last_name: str
    submitted: bool
    score: float = 0.0
    max_score: float = 0.0
    code_score: float = 0.0
    max_code_score: float = 0.0
    written_score: float = 0.0
    max_written_score: float = 0.0
    to_grade: int = 0
    seconds_late: float = 0.0
    late_penalty: float = 0.0

    @property
    def final_score(self) -> float:
        """The score the LMS receives: total minus late penalty, never below zero."""
        return max(0.0, self.score - self.late_penalty)

    @property
    def late(self) -> bool:
        return self.seconds_late > 0


@dataclass
class GradeReport:
    """Every (assignment, student) row, with the assignments' points; paths filled by :func:`course.grading.grades`."""

    assignments: list[str]
    max_scores: dict[str, float]
    rows: list[GradeRow] = field(default_factory=list)
    csv_path: Path | None = None
    figure_path: Path | None = None
    alt_text_path: Path | None = None

    def row(self, assignment: str, student: str) -> GradeRow:
        """The row of one student on one assignment (KeyError if there is none)."""
        for item in self.rows:
            if item.assignment == assignment and item.student == student:
                return item
        raise KeyError(f"no grade row for student {student!r} on {assignment!r}")

    def submitted(self) -> list[GradeRow]:
        return [r for r in self.rows if r.submitted]

    def table(self) -> str:
        """The printed summary: one line per submission, then one line per assignment."""
        return format_table(self)


def collect_report(api, assignment_ids: list[str]) -> GradeReport:
    """Read every student's result on each assignment from the gradebook of ``api``."""
    from nbgrader.api import MissingEntry

    report = GradeReport(assignments=list(assignment_ids), max_scores={})
    with api.gradebook as book:
        students = sorted(book.students, key=lambda s: s.id)
        for assignment_id in assignment_ids:
            try:
                assignment = book.find_assignment(assignment_id)
            except MissingEntry:
                continue  # not released in this class: no column
            report.max_scores[assignment_id] = float(assignment.max_score)
            for student in students:
                base = dict(assignment=assignment_id, student=student.id, first_name=student.first_name or "",
                            last_name=student.last_name or "")
                try:
                    sub = book.find_submission(assignment_id, student.id)
                except MissingEntry:
                    report.rows.append(GradeRow(submitted=False, **base))
                    continue
                report.rows.append(GradeRow(
                    submitted=True,
                    score=float(sub.score),
                    max_score=float(sub.max_score),
                    code_score=float(sub.code_score),
                    max_code_score=float(sub.max_code_score),
                    written_score=float(sub.written_score),
                    max_written_score=float(sub.max_written_score),
                    to_grade=sum(1 for nb in sub.notebooks for g in nb.grades if g.needs_manual_grade),
                    seconds_late=float(sub.total_seconds_late or 0),
                    late_penalty=float(sub.late_submission_penalty or 0),
                    **base,
                ))
    report.assignments = [a for a in report.assignments if a in report.max_scores]
    return report


def _text(key: str, /, **fields) -> str:
    """A string of notebooks/grading.toml's ``[grade_report]``."""
    return wording.text("grade_report", key, **fields)


def _points(value: float) -> str:
    return f"{value:g}"


def format_late(seconds: float) -> str:
    """A lateness such as ``16h30m late`` (empty when on time)."""
    if seconds <= 0:
        return ""
    minutes = int(round(seconds / 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{days}d"] if days else []) + ([f"{hours}h"] if hours else []) + [f"{minutes:02d}m" if (days or hours) else f"{minutes}m"]
    return wording.text("grade_report", "late", time="".join(parts))


def format_table(report: GradeReport) -> str:
    """A plain-text table of every submission and a summary line per assignment."""
    header = tuple(wording.words("grade_report", "columns"))
    lines = []
    for row in sorted(report.submitted(), key=lambda r: (report.assignments.index(r.assignment), r.student)):
        to_grade = _text("to_grade", count=row.to_grade) if row.to_grade else ""
        status = "; ".join(s for s in (format_late(row.seconds_late), to_grade) if s)
        lines.append((row.assignment, row.student,
                      f"{_points(row.code_score)}/{_points(row.max_code_score)}",
                      f"{_points(row.written_score)}/{_points(row.max_written_score)}",
                      f"{_points(row.final_score)}/{_points(row.max_score)}",
                      status or _text("ok")))
    widths = [max(len(str(item[i])) for item in [header, *lines]) for i in range(len(header))]
    out = ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(item)).rstrip() for item in [header, *lines]]
    out.insert(1, "  ".join("-" * w for w in widths))
    out.append("")
    for assignment in report.assignments:
        rows = [r for r in report.submitted() if r.assignment == assignment]
        if not rows:
            out.append(_text("no_submissions", assignment=assignment))
            continue
        shares = sorted(100 * r.final_score / r.max_score for r in rows if r.max_score)
        late = sum(r.late for r in rows)
        pending = sum(r.to_grade for r in rows)
        out.append(_text("summary", assignment=assignment, count=len(rows), median=f"{_median(shares):.0f}",
                         points=_points(report.max_scores[assignment]), late=late, pending=pending))
    return "\n".join(out)


def _median(values: list[float]) -> float:
    if not values:
        return 0.0
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell a spreadsheet shows as text: a string starting like a formula gets a leading ``'`` (OWASP).

    Only for text: the caller leaves the points it writes itself as they are (``-1`` is a number there).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_lms_csv(report: GradeReport, path: Path) -> Path:
    """Write the Canvas-style import CSV described in the module docstring; return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    by_student: dict[str, dict[str, GradeRow]] = {}
    names: dict[str, tuple[str, str]] = {}
    for row in report.rows:
        by_student.setdefault(row.student, {})[row.assignment] = row
        names[row.student] = (row.last_name, row.first_name)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        # Names, ids and titles are text someone else typed; the points are numbers the kit wrote.
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         *(spreadsheet_safe(a) for a in report.assignments)])
        writer.writerow(["Points Possible", "", "", "", "", *(_points(report.max_scores[a]) for a in report.assignments)])
        for student in sorted(by_student):
            last, first = names[student]
            display = f"{last}, {first}" if last and first else (last or first or student)
            cells = []
            for assignment in report.assignments:
                row = by_student[student].get(assignment)
                cells.append(_points(row.final_score) if row is not None and row.submitted else "")
            writer.writerow([spreadsheet_safe(display), "", spreadsheet_safe(student), spreadsheet_safe(student), "", *cells])
    return path


def band_counts(report: GradeReport, assignment: str) -> list[int]:
    """How many submissions of an assignment fall in each 10-point band of percentage scores."""
    counts = [0] * len(BANDS)
    for row in report.submitted():
        if row.assignment == assignment and row.max_score:
            share = 100 * row.final_score / row.max_score
            counts[min(int(share // 10), len(BANDS) - 1)] += 1
    return counts


def alt_text(report: GradeReport) -> str:
    """A text description of the distribution figure, with every count it shows."""
    lines = [_text("alt_intro")]
    for assignment in report.assignments:
        counts = band_counts(report, assignment)
        total = sum(counts)
        if not total:
            lines.append(_text("alt_none", assignment=assignment))
            continue
        bands = ", ".join(_text("alt_band", low=low, high=low + 9 if low < 90 else 100, count=n) for low, n in zip(BANDS, counts) if n)
        lines.append(_text("alt_assignment", assignment=assignment, total=total, bands=bands))
    return "\n".join(lines)


def plot_distribution(report: GradeReport, path: Path) -> tuple[Path, Path]:
    """Draw one histogram panel per assignment (Okabe-Ito colour plus hatch, counts on the bars).

    Saves the PNG and its alt text (``<name>.txt``); returns both paths. Uses
    matplotlib's object API with the Agg canvas, so it runs headless and never
    changes the backend of a notebook that calls it.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    path.parent.mkdir(parents=True, exist_ok=True)
    panels = max(1, len(report.assignments))
    figure = Figure(figsize=(7, 1.6 * panels + 0.8), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(panels, 1, sharex=True, squeeze=False)[:, 0]
    labels = [f"{low}-{low + 9 if low < 90 else 100}" for low in BANDS]
    for index, (ax, assignment) in enumerate(zip(axes, report.assignments)):
        counts = band_counts(report, assignment)
        bars = ax.bar(range(len(BANDS)), counts, color=OKABE_ITO[index % len(OKABE_ITO)],
                      hatch=HATCHES[index % len(HATCHES)], edgecolor="black", linewidth=0.6)
        ax.bar_label(bars, labels=[str(n) if n else "" for n in counts], padding=1, fontsize=8)
        ax.set_title(_text("panel_title", assignment=assignment, count=sum(counts)), fontsize=9, loc="left")
        ax.set_ylabel(_text("ylabel"), fontsize=8)
        ax.set_ylim(0, max(counts + [1]) * 1.3)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
    axes[-1].set_xticks(range(len(BANDS)), labels, fontsize=8)
    axes[-1].set_xlabel(_text("xlabel"))
    figure.suptitle(_text("title"), fontsize=11)
    figure.savefig(path, dpi=120)
    text_path = path.with_suffix(".txt")
    text_path.write_text(alt_text(report) + "\n", encoding="utf-8")
    return path, text_path
