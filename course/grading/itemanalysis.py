"""Item analysis from the gradebook: facility and discrimination per graded cell, and skills across the class.

For every grade cell (autograded test, written answer, rubric point) with
points, read through nbgrader's :class:`~nbgrader.api.Gradebook` API:

* **facility**: the class's mean share of the item's points (0 = nobody
  scores, 1 = everybody gets full marks);
* **discrimination**: the item–rest correlation, Pearson's r between the
  item's share and each student's total share on the *other* items of the
  same assignment (empty when either has no variance);
* a **flag** when facility is below 0.2 (almost everyone fails) or above 0.9
  (almost everyone passes), or discrimination is below 0.2 (the item does not
  separate stronger from weaker students).

Per skill (``metadata["course"]["skill"]`` of each cell, vocabulary in
:mod:`course.evidence.skills`), the share of points earned over every item of
that skill, per student and for the class. The figure draws facility per item
and the class's share per skill (Okabe-Ito colours plus hatches; the alt text
file lists every value), and a CSV sits beside the grade export.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from course.evidence.skills import SKILLS, label
from course.grading.gradereport import HATCHES, OKABE_ITO

LOW, HIGH, WEAK = 0.2, 0.9, 0.2


@dataclass
class Item:
    assignment: str
    grade_id: str
    skill: str
    kind: str
    max_score: float
    scores: dict[str, float] = field(default_factory=dict)  # student -> points

    @property
    def facility(self) -> float | None:
        if not self.scores or not self.max_score:
            return None
        return sum(self.scores.values()) / (len(self.scores) * self.max_score)


@dataclass
class ItemReport:
    items: list[Item]
    discrimination: dict[tuple[str, str], float | None]
    students: list[str]
    csv_path: Path | None = None
    figure_path: Path | None = None
    alt_text_path: Path | None = None

    def flag(self, item: Item) -> str:
        f, d = item.facility, self.discrimination.get((item.assignment, item.grade_id))
        flags = []
        if f is not None and f < LOW:
            flags.append("almost all fail")
        if f is not None and f > HIGH:
            flags.append("almost all pass")
        if d is not None and d < WEAK:
            flags.append("weak discrimination")
        return "; ".join(flags)

    def skill_shares(self, student: str | None = None, exclude: tuple[str, ...] = ()) -> dict[str, float]:
        """skill -> share of points earned (one student, or the whole class), leaving out the ``exclude`` assignments."""
        got: dict[str, float] = {}
        out_of: dict[str, float] = {}
        for item in self.items:
            if item.assignment in exclude:
                continue
            for who, points in item.scores.items():
                if student is None or who == student:
                    got[item.skill] = got.get(item.skill, 0.0) + points
                    out_of[item.skill] = out_of.get(item.skill, 0.0) + item.max_score
        order = [s for s in SKILLS if s in out_of] + sorted(s for s in out_of if s not in SKILLS)
        return {s: got[s] / out_of[s] for s in order if out_of[s]}

    def assignment_share(self, assignment: str, student: str, skill: str | None = None) -> float | None:
        """A student's share of the points of one assignment (optionally of one skill's items)."""
        chosen = [i for i in self.items if i.assignment == assignment and (skill is None or i.skill == skill)]
        if not chosen or not any(student in i.scores for i in chosen):
            return None
        out_of = sum(i.max_score for i in chosen)
        return sum(i.scores.get(student, 0.0) for i in chosen) / out_of if out_of else None

    def diagnostic_pair(self) -> tuple[str, str] | None:
        """(before, after) assignment ids of the diagnostic, when both are in this report."""
        before = [a for a, meta in _manifest().items() if meta.get("kind") == "diagnostic" and meta.get("form") == "A"]
        for pre in before:
            post = _manifest()[pre].get("pair")
            present = {i.assignment for i in self.items}
            if pre in present and post in present:
                return pre, post
        return None

    def gains(self) -> tuple[list[tuple[str, float | None, float | None, float | None]], dict[str, tuple]]:
        """Per student (before, after, gain) on the diagnostic, and per skill the class's (before, after, gain)."""
        pair = self.diagnostic_pair()
        if pair is None:
            return [], {}
        pre, post = pair
        students = []
        for student in self.students:
            a, b = self.assignment_share(pre, student), self.assignment_share(post, student)
            students.append((student, a, b, None if a is None or b is None else b - a))
        skills = {}
        for skill in dict.fromkeys(i.skill for i in self.items if i.assignment == pre):
            def class_share(assignment):
                chosen = [i for i in self.items if i.assignment == assignment and i.skill == skill]
                out_of = sum(i.max_score * len(i.scores) for i in chosen)
                return sum(sum(i.scores.values()) for i in chosen) / out_of if out_of else None
            a, b = class_share(pre), class_share(post)
            skills[skill] = (a, b, None if a is None or b is None else b - a)
        return students, skills

    def table(self) -> str:
        return format_tables(self)


def _manifest() -> dict[str, dict]:
    from course.grading.classdir import ASSIGNMENTS_DIR

    data = json.loads((ASSIGNMENTS_DIR / "manifest.json").read_text(encoding="utf-8"))
    return {item["id"]: item for item in data["assignments"]}


def _cell_skills(assignment_id: str) -> dict[str, tuple[str, str]]:
    """grade id -> (skill, kind) from the source notebook's cell metadata."""
    from course.grading.classdir import source_notebook

    notebook = json.loads(Path(source_notebook(assignment_id)).read_text(encoding="utf-8"))
    out = {}
    for cell in notebook["cells"]:
        grade = cell.get("metadata", {}).get("nbgrader", {})
        meta = cell.get("metadata", {}).get("course") or {}
        if grade.get("grade"):
            kind = "auto" if cell["cell_type"] == "code" else ("rubric" if grade.get("task") else "written")
            out[grade["grade_id"]] = (meta.get("skill", "unknown"), kind)
    return out


def collect_items(api, assignment_ids: list[str]) -> ItemReport:
    """Read every grade of every submission from the gradebook (nbgrader's Gradebook API)."""
    from nbgrader.api import MissingEntry

    items: list[Item] = []
    students: set[str] = set()
    with api.gradebook as book:
        for assignment_id in assignment_ids:
            try:
                assignment = book.find_assignment(assignment_id)
            except MissingEntry:
                continue
            skills = _cell_skills(assignment_id)
            by_id: dict[str, Item] = {}
            for notebook in assignment.notebooks:
                for cell in notebook.grade_cells:
                    if not cell.max_score:
                        continue  # the optional data-skills track: no points, not analysed
                    skill, kind = skills.get(cell.name, ("unknown", "auto"))
                    by_id[cell.name] = Item(assignment_id, cell.name, skill, kind, float(cell.max_score))
            for submission in assignment.submissions:
                students.add(submission.student.id)
                for nb in submission.notebooks:
                    for grade in nb.grades:
                        if grade.name in by_id:
                            by_id[grade.name].scores[submission.student.id] = float(grade.score or 0)
            items.extend(by_id.values())
    return ItemReport(items=items, discrimination=_discrimination(items), students=sorted(students))


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if not sxx or not syy:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (sxx * syy) ** 0.5


def _discrimination(items: list[Item]) -> dict[tuple[str, str], float | None]:
    """Item-rest correlation within each assignment."""
    out = {}
    for item in items:
        rest = [o for o in items if o.assignment == item.assignment and o is not item]
        rest_max = sum(o.max_score for o in rest)
        students = sorted(item.scores)
        if not rest_max:
            out[(item.assignment, item.grade_id)] = None
            continue
        xs = [item.scores[s] / item.max_score for s in students]
        ys = [sum(o.scores.get(s, 0.0) for o in rest) / rest_max for s in students]
        out[(item.assignment, item.grade_id)] = _pearson(xs, ys)
    return out


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _grid(header, rows) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def item_rows(report: ItemReport) -> list[tuple]:
    return [(i.assignment, i.grade_id, i.kind, i.skill, f"{i.max_score:g}", len(i.scores), _fmt(i.facility),
             _fmt(report.discrimination.get((i.assignment, i.grade_id))), report.flag(i)) for i in report.items]


def format_tables(report: ItemReport) -> str:
    out = ["Items (facility: mean share of points; discrimination: item-rest correlation)"]
    out += _grid(("assignment", "item", "kind", "skill", "points", "n", "facility", "discrim.", "flag"), item_rows(report))
    pair = report.diagnostic_pair() or ()
    unit = [i for i in report.items if i.assignment not in pair]
    exclude = tuple(pair) if unit else ()
    out += ["", "Skills (share of points earned over every item of the skill" + (", diagnostic left out)" if exclude else ")")]
    skills = list(report.skill_shares(exclude=exclude))
    header = ("student", *skills)
    rows = [(s, *(_fmt(report.skill_shares(s, exclude).get(k)) for k in skills)) for s in report.students]
    rows.append(("CLASS", *(_fmt(report.skill_shares(exclude=exclude).get(k)) for k in skills)))
    out += _grid(header, rows)
    counts = {k: sum(1 for i in report.items if i.skill == k and i.assignment not in exclude) for k in skills}
    out.append("items per skill: " + ", ".join(f"{k} {n}" for k, n in counts.items()))
    students, by_skill = report.gains()
    if students:
        pre, post = report.diagnostic_pair()
        out += ["", f"Diagnostic: {pre} (form A, before) and {post} (form B, after); share of points and gain"]
        out += _grid(("student", "before", "after", "gain"), [(s, _fmt(a), _fmt(b), _signed(g)) for s, a, b, g in students])
        gains = [g for *_, g in students if g is not None]
        out.append(f"class mean gain: {_signed(sum(gains) / len(gains)) if gains else ''} ({len(gains)} students took both forms)")
        out += ["", "Diagnostic by skill (class share of points)"]
        out += _grid(("skill", "before", "after", "gain"), [(k, _fmt(a), _fmt(b), _signed(g)) for k, (a, b, g) in by_skill.items()])
    return "\n".join(out)


def _signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.2f}"


def write_csv(report: ItemReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["assignment", "grade_id", "kind", "skill", "max_score", "n", "facility", "discrimination", "flag"])
        writer.writerows(item_rows(report))
    students, by_skill = report.gains()
    if students:
        with path.with_name("diagnostic-gains.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "name", "before", "after", "gain"])
            writer.writerows(("student", s, _fmt(a), _fmt(b), _fmt(g)) for s, a, b, g in students)
            writer.writerows(("skill", k, _fmt(a), _fmt(b), _fmt(g)) for k, (a, b, g) in by_skill.items())
    return path


def alt_text(report: ItemReport) -> str:
    lines = ["Item analysis. Top panel: facility (mean share of points) of each graded item, one bar per item, grouped by "
             "assignment. Bottom panel: the class's share of points per skill."]
    for i in report.items:
        lines.append(f"{i.assignment} {i.grade_id} ({label(i.skill) if i.skill in SKILLS else i.skill}): facility {_fmt(i.facility)}.")
    pair = report.diagnostic_pair() or ()
    exclude = tuple(pair) if any(i.assignment not in pair for i in report.items) else ()
    for skill, share in report.skill_shares(exclude=exclude).items():
        lines.append(f"Skill {label(skill) if skill in SKILLS else skill}: class share {share:.2f}"
                     + (" (diagnostic left out)." if exclude else "."))
    return "\n".join(lines)


def plot(report: ItemReport, path: Path) -> tuple[Path, Path]:
    """Facility per item and class share per skill (Agg canvas: headless, never touches a notebook's backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path.parent.mkdir(parents=True, exist_ok=True)
    figure = Figure(figsize=(max(7, 0.22 * len(report.items) + 2), 6.5), layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1)
    assignments = list(dict.fromkeys(i.assignment for i in report.items))
    for n, item in enumerate(report.items):
        k = assignments.index(item.assignment)
        top.bar(n, item.facility or 0, color=OKABE_ITO[k % len(OKABE_ITO)], hatch=HATCHES[k % len(HATCHES)],
                edgecolor="black", linewidth=0.5, label=item.assignment if n == 0 or report.items[n - 1].assignment != item.assignment else None)
    for y in (LOW, HIGH):
        top.axhline(y, color="black", linestyle=":", linewidth=0.8)
    top.set_ylim(0, 1.05)
    top.set_ylabel("facility")
    top.set_xticks(range(len(report.items)), [i.grade_id for i in report.items], rotation=90, fontsize=6)
    top.legend(fontsize=6, ncol=3, loc="upper right")
    top.set_title("Facility per item (dotted: 0.2 and 0.9)", fontsize=9, loc="left")
    pair = report.diagnostic_pair() or ()
    shares = report.skill_shares(exclude=tuple(pair) if any(i.assignment not in pair for i in report.items) else ())
    names = [label(s) if s in SKILLS else s for s in shares]
    bars = bottom.barh(range(len(shares)), list(shares.values()), color=OKABE_ITO[0], hatch="//", edgecolor="black", linewidth=0.5)
    bottom.bar_label(bars, labels=[f"{v:.2f}" for v in shares.values()], padding=2, fontsize=7)
    bottom.set_yticks(range(len(shares)), names, fontsize=8)
    bottom.set_xlim(0, 1.1)
    bottom.set_xlabel("class share of points")
    bottom.set_title("Skills across the class" + (" (diagnostic left out)" if pair else ""), fontsize=9, loc="left")
    figure.savefig(path, dpi=120)
    text_path = path.with_suffix(".txt")
    text_path.write_text(alt_text(report) + "\n", encoding="utf-8")
    return path, text_path


def item_report(api, assignment_ids: list[str], out_dir: Path) -> ItemReport:
    """Collect, write ``item-analysis.csv`` and ``item-analysis.png`` (+ alt text) in ``out_dir``; return the report."""
    report = collect_items(api, assignment_ids)
    report.csv_path = write_csv(report, Path(out_dir) / "item-analysis.csv")
    report.figure_path, report.alt_text_path = plot(report, Path(out_dir) / "item-analysis.png")
    return report


def report(assignment: str | list[str] = "all", *, class_dir: Path | None = None, api=None) -> ItemReport:
    """The ``report`` verb: item and skill tables for the class, CSV and figure in ``<class>/grades/``."""
    from course.grading.classdir import GradingError, open_api, resolve_assignments
    from course.grading.gradebook import check_gradebook

    ids = resolve_assignments(assignment)
    api = api or open_api(class_dir)
    # Before anything opens the gradebook: nbgrader would create one (and the report its files) in any folder.
    check_gradebook(api.coursedir.db_url, must_exist=True)
    if not any(api.get_autograded_students(assignment_id) for assignment_id in ids):
        raise GradingError(f"nothing in {api.coursedir.root} has been autograded yet ({', '.join(ids)}); "
                           "run `python -m course autograde ASSIGNMENT` first (no report was written)")
    return item_report(api, ids, Path(api.coursedir.root) / "grades")
