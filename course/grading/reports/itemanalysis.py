"""Item analysis from the gradebook: facility and discrimination per graded cell, and skills across the class.

For every grade cell (autograded test, written answer, rubric point) with
points, read through nbgrader's :class:`~nbgrader.api.Gradebook` API:

* **facility**: the class's mean share of the item's points (0 = nobody
  scores, 1 = everybody gets full marks);
* **discrimination**: the item–rest correlation, Pearson's r between the
  item's share and each student's total share on the *other* items of the
  same assignment (empty when either has no variance);
* the **reasons to review** it: *too hard* (facility below 0.2), *too easy*
  (above 0.9), *negative discrimination* (r below 0: the students who do
  worse on the rest do better here, often a key or wording fault) or *weak
  discrimination* (r below 0.2: the item hardly separates stronger from
  weaker students).

Each item carries a **short title** an instructor recognises, taken from the
source notebook: the assignment's short label and the question heading above
the cell (``ps1 Q3 the junta spokesman's statements``), not nbgrader's grade
id, which repeats across assignments (``q1-tests``).

Per skill (``metadata["course"]["skill"]`` of each cell, vocabulary in
:mod:`course.evidence.skills`), the share of points earned over every item of
that skill, per student and for the class, and, when both diagnostic forms are
graded, each student's and each skill's gain. The printed table leads with the
items to review; :mod:`course.grading.reports.itemfigure` draws the figure and its alt
text, and a CSV sits beside the grade export.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from course.evidence.skills import SKILLS, label
from course.grading import wording

#: Thresholds of the reasons to review an item (facility below LOW or above HIGH; r below WEAK or NEGATIVE).
LOW, HIGH, WEAK, NEGATIVE = 0.2, 0.9, 0.2, 0.0

#: The reasons to review an item, most urgent first (a negative r usually means a fault in the key). Their words,
#: what each means and the tables' words are notebooks/grading.toml's ``[item_analysis]``, looked up on use.
REASON_KEYS = ("negative_discrimination", "too_hard", "weak_discrimination", "too_easy")
#: Names other modules and tests read, looked up on access (:func:`__getattr__`): each reason's words
#: (``TOO_HARD``...), ``REASON_HELP`` (why each matters, as the table's key and the alt text say it),
#: ``TABLE_KEY`` and the tables' headings.
_WORDS = {"TOO_HARD": "too_hard", "TOO_EASY": "too_easy", "NEGATIVE_DISCRIMINATION": "negative_discrimination",
          "WEAK_DISCRIMINATION": "weak_discrimination", "TABLE_REVIEW": "table_review", "TABLE_REST": "table_rest",
          "TABLE_REVIEW_NONE": "table_review_none", "WHY": "why"}


def __getattr__(name: str):
    if name in _WORDS:
        return _text(_WORDS[name])
    if name == "REASON_HELP":
        return _reason_help()
    if name == "TABLE_KEY":
        return _table_key()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _text(key: str, /, **fields) -> str:
    """A string of notebooks/grading.toml's ``[item_analysis]``."""
    return wording.text("item_analysis", key, **fields)


def _table_key() -> str:
    """The table's key: each reason and why it matters, one line each."""
    return "\n".join(_text("table_key_line", reason=reason, help=why) for reason, why in _reason_help().items())


def _reason_help() -> dict[str, str]:
    """Each reason's words -> why it matters, in the order of :data:`REASON_KEYS`."""
    return {_text(key): _text(f"help_{key}", low=LOW, high=HIGH, weak=WEAK) for key in REASON_KEYS}
#: Heading words shortened in titles ("Question 3" -> "Q3"); any other word is kept whole.
HEADING_WORDS = {"Question": "Q", "Part": "P"}
#: Longest title on the plot and in the table (characters): longer ones are cut with an ellipsis; the alt text and CSV keep them whole.
TITLE_CHARS = 36


@dataclass
class Item:
    assignment: str
    grade_id: str
    skill: str
    kind: str
    max_score: float
    scores: dict[str, float] = field(default_factory=dict)  # student -> points
    #: Short title from the source notebook ("ps1 Q3 the junta spokesman's statements"); empty when unknown.
    title: str = ""

    @property
    def facility(self) -> float | None:
        if not self.scores or not self.max_score:
            return None
        return sum(self.scores.values()) / (len(self.scores) * self.max_score)

    @property
    def name(self) -> str:
        """The title cut to :data:`TITLE_CHARS` for plots and tables, else the assignment's label and the grade id."""
        title = self.title or f"{assignment_label(self.assignment)} {self.grade_id}"
        return title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1].rstrip() + "…"


@dataclass
class ItemReport:
    items: list[Item]
    discrimination: dict[tuple[str, str], float | None]
    students: list[str]
    csv_path: Path | None = None
    figure_path: Path | None = None
    alt_text_path: Path | None = None

    def r(self, item: Item) -> float | None:
        """The item's discrimination (item-rest correlation), None when it cannot be computed."""
        return self.discrimination.get((item.assignment, item.grade_id))

    def reasons(self, item: Item) -> list[str]:
        """Why ``item`` should be reviewed, most urgent first (empty: nothing to review)."""
        f, d = item.facility, self.r(item)
        found = set()
        if f is not None and f < LOW:
            found.add("too_hard")
        if f is not None and f > HIGH:
            found.add("too_easy")
        if d is not None and d < NEGATIVE:
            found.add("negative_discrimination")
        elif d is not None and d < WEAK:
            found.add("weak_discrimination")
        return [_text(key) for key in REASON_KEYS if key in found]

    def flag(self, item: Item) -> str:
        return "; ".join(self.reasons(item))

    def to_review(self) -> list[Item]:
        """The flagged items, most urgent reason first, then the lowest discrimination."""
        flagged = [i for i in self.items if self.reasons(i)]
        order = [_text(key) for key in REASON_KEYS]
        return sorted(flagged, key=lambda i: (order.index(self.reasons(i)[0]), _or(self.r(i), 1.0)))

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

    def skill_exclude(self) -> tuple[str, ...]:
        """The diagnostic's assignments, left out of the skill shares when the unit's own work is in the report."""
        pair = self.diagnostic_pair() or ()
        return tuple(pair) if any(i.assignment not in pair for i in self.items) else ()

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


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _manifest() -> dict[str, dict]:
    from course.grading.classdir import ASSIGNMENTS_DIR

    data = json.loads((ASSIGNMENTS_DIR / "manifest.json").read_text(encoding="utf-8"))
    return {item["id"]: item for item in data["assignments"]}


def assignment_label(assignment_id: str) -> str:
    """A short label for plots and tables: "diag A" for a diagnostic form, else the id's first word ("ps1", "final")."""
    meta = _manifest().get(assignment_id, {})
    if meta.get("kind") == "diagnostic" and meta.get("form"):
        return _text("diagnostic_label", form=meta["form"])
    return assignment_id.split("-")[0]


#: A question heading: "### Question 3: the junta spokesman's statements (1 point; skill: ...)".
_HEADING = re.compile(r"^#+\s*(?P<word>\w+)\s+(?P<number>\w+)\s*(?::\s*(?P<topic>.*?))?\s*(?:\([^()]*\))?\s*$")


def short_title(assignment_id: str, heading: str, part: str = "", skill: str = "") -> str:
    """``"ps1 Q3 the junta spokesman's statements"`` from a cell's question heading (the skill when it has no topic)."""
    match = _HEADING.match(heading.strip())
    if not match:
        return f"{assignment_label(assignment_id)} {heading.strip('# ')}"
    word = HEADING_WORDS.get(match["word"], match["word"] + " ")
    number = match["number"] + (part if part and not match["number"].endswith(part) else "")
    head = f"{assignment_label(assignment_id)} {word}{number}"
    topic = (match["topic"] or "").strip() or (label(skill) if skill in SKILLS else "")
    return f"{head} {topic}".strip()


def _cell_info(assignment_id: str) -> dict[str, tuple[str, str, str]]:
    """grade id -> (skill, kind, short title) from the source notebook's cells and the question heading above each."""
    from course.grading.classdir import source_notebook

    notebook = json.loads(Path(source_notebook(assignment_id)).read_text(encoding="utf-8"))
    out, heading = {}, ""
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        grade = cell.get("metadata", {}).get("nbgrader", {})
        meta = cell.get("metadata", {}).get("course") or {}
        if cell["cell_type"] == "markdown" and source.lstrip().startswith("#"):
            heading = source.lstrip().splitlines()[0]  # the question every cell below belongs to
        if grade.get("grade"):
            kind = "auto" if cell["cell_type"] == "code" else ("rubric" if grade.get("task") else "written")
            skill = meta.get("skill", "unknown")
            out[grade["grade_id"]] = (skill, kind, short_title(assignment_id, heading, meta.get("part", ""), skill))
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
            info = _cell_info(assignment_id)
            by_id: dict[str, Item] = {}
            for notebook in assignment.notebooks:
                for cell in notebook.grade_cells:
                    if not cell.max_score:
                        continue  # the optional data-skills track: no points, not analysed
                    skill, kind, title = info.get(cell.name, ("unknown", "auto", ""))
                    by_id[cell.name] = Item(assignment_id, cell.name, skill, kind, float(cell.max_score), title=title)
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
    """One CSV row per item, in course order (the CSV keeps the full assignment id and the grade id)."""
    return [(i.assignment, i.grade_id, i.title, i.kind, i.skill, f"{i.max_score:g}", len(i.scores), _fmt(i.facility),
             _fmt(report.r(i)), report.flag(i)) for i in report.items]


def _table_row(report: ItemReport, i: Item) -> tuple:
    return (i.name, f"{assignment_label(i.assignment)} {i.grade_id}", i.kind, i.skill, f"{i.max_score:g}",
            len(i.scores), _fmt(i.facility), _fmt(report.r(i)))


def format_tables(report: ItemReport) -> str:
    review = report.to_review()
    if review:
        out = [_text("table_review", n=len(review)), _table_key()]
        out += _grid((*wording.words("item_analysis", "item_header"), _text("why")),
                     [(*_table_row(report, i), report.flag(i)) for i in review])
    else:
        out = [_text("table_review_none")]
    rest = [i for i in report.items if i not in review]
    out += ["", _text("table_rest", n=len(rest))]
    out += _grid(tuple(wording.words("item_analysis", "item_header")), [_table_row(report, i) for i in rest])
    exclude = report.skill_exclude()
    out += ["", _text("skills_heading_without_diagnostic" if exclude else "skills_heading")]
    skills = list(report.skill_shares(exclude=exclude))
    header = (_text("student"), *skills)
    rows = [(s, *(_fmt(report.skill_shares(s, exclude).get(k)) for k in skills)) for s in report.students]
    rows.append((_text("class_row"), *(_fmt(report.skill_shares(exclude=exclude).get(k)) for k in skills)))
    out += _grid(header, rows)
    counts = {k: sum(1 for i in report.items if i.skill == k and i.assignment not in exclude) for k in skills}
    out.append(_text("items_per_skill", counts=", ".join(_text("skill_count", skill=k, count=n) for k, n in counts.items())))
    students, by_skill = report.gains()
    if students:
        pre, post = report.diagnostic_pair()
        gain_columns = tuple(wording.words("item_analysis", "gain_columns"))
        out += ["", _text("diagnostic_heading", pre=pre, post=post)]
        out += _grid((_text("student"), *gain_columns), [(s, _fmt(a), _fmt(b), _signed(g)) for s, a, b, g in students])
        gains = [g for *_, g in students if g is not None]
        out.append(_text("class_gain", gain=_signed(sum(gains) / len(gains)) if gains else "", count=len(gains)))
        out += ["", _text("diagnostic_by_skill")]
        out += _grid((_text("skill"), *gain_columns), [(k, _fmt(a), _fmt(b), _signed(g)) for k, (a, b, g) in by_skill.items()])
    return "\n".join(out)


def _signed(value: float | None) -> str:
    return "" if value is None else f"{value:+.2f}"


def write_csv(report: ItemReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["assignment", "grade_id", "title", "kind", "skill", "max_score", "n", "facility", "discrimination", "flag"])
        writer.writerows(item_rows(report))
    students, by_skill = report.gains()
    if students:
        with path.with_name("diagnostic-gains.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "name", "before", "after", "gain"])
            writer.writerows(("student", s, _fmt(a), _fmt(b), _fmt(g)) for s, a, b, g in students)
            writer.writerows(("skill", k, _fmt(a), _fmt(b), _fmt(g)) for k, (a, b, g) in by_skill.items())
    return path
