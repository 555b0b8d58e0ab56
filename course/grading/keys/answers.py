"""Answers as values: the released stub, and submissions built from the answer cells' metadata.

Each graded item of an assignment is a one-line answer cell that assigns one
value (a label, an id, a date, a number, a quotation span), followed by a test
cell whose ``metadata["course"]`` names the variable (``answer``), its kind,
the skill and, for items whose finding is held back from students, where the
kit records it (``lookup``: table, row id, column).

:data:`ANSWER_STUB` is what nbgrader's ``ClearSolutions`` puts in place of a
solution region (``nbgrader_config.py`` sets it): a comment, so a released
answer cell (``x = None`` + the stub) runs, and a released function keeps its
docstring as its body. :func:`lookup_answers` builds the answers a student who
copies from the tables would give (see ``tests/grading/test_assignments.py``, the lookup tests).
"""

from __future__ import annotations

import ast

#: nbgrader ClearSolutions.code_stub: no `raise`, so "Run All" never stops on an unanswered item.
ANSWER_STUB = {"python": "# YOUR ANSWER HERE"}


def course_meta(cell) -> dict:
    return (cell.get("metadata") or {}).get("course") or {}


def value_items(nb) -> list[dict]:
    """The course metadata of every test cell that checks a value answer, with its grade id."""
    items = []
    for cell in nb.cells:
        meta = course_meta(cell)
        grade = (cell.get("metadata") or {}).get("nbgrader", {})
        if cell.cell_type == "code" and grade.get("grade") and meta.get("answer"):
            items.append({**meta, "grade_id": grade["grade_id"], "points": grade.get("points", 0)})
    return items


def lookup_value(item: dict, frames: dict):
    """What a student copying from the tables gets for ``item``: the cell its ``lookup`` names, as a plain value.

    ``frames`` maps table names to DataFrames (indexed by nothing; every table's first column is its id).
    Empty text and missing values give None; numbers become int; dates ISO text.
    """
    table, row_id, column = item["lookup"]
    key = str(frames[table].columns[0])
    frame = frames[table]
    if item.get("lookup_contains"):  # e.g. the actor whose document spellings include the name asked about
        wanted = item["lookup_contains"]
        for _, row in frame.iterrows():
            if wanted in [p.strip() for p in str(row[column]).split(";")]:
                return str(row[key])
        return None
    rows = frame[frame[key] == row_id]
    if rows.empty:
        return None
    value = rows.iloc[0][column]
    if value is None or str(value) in ("", "<NA>", "nan", "NaT", "None"):
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if type(value).__name__ in ("int64", "Int64", "int"):
        return int(value)
    text = str(value)
    if item.get("kind") == "number" and text.lstrip("-").isdigit():
        return int(text)
    if item.get("kind") in ("id", "label") and ";" in text:
        return text.split(";")[0].strip()  # the first of a list, as a copier would take it
    return text




def tables_of(names, edition: str = "student") -> dict:
    """The named tables as a student loads them (``student``: the teaching data) or with the assessment
    bank's rows (``full``: what only the grader's side has)."""
    from course.evidence import bank, data

    load = bank.full_table if edition == "full" else data.table
    return {name: load(name) for name in names}


# --- the demo's answer generation (course.grading.run.demo re-exports these) ---------------------------------

#: Students with a skill profile: value answers right on their skills, a wrong value of the right form elsewhere;
#: written rubric points met on their skills. ``lookup`` is the demo's cheater: every answer cell looks its answer up
#: while it is graded, by every route that once worked (:data:`GRADING_TIME_LOOKUP`: the old edition switch, the
#: ``lookup`` metadata that named where each answer lives, the bank through the kit's loader, the CSV files).
PROFILES: dict[str, tuple[frozenset[str], float]] = {
    "sift-reader": (frozenset({"investigate-source", "lateral-reading", "trace-origin", "omission-alternatives"}), 1.0),
    "detail-checker": (frozenset({"names-dates-numbers", "quotation-fidelity", "trace-origin"}), 1.0),
    "arguer": (frozenset({"argument-structure", "omission-alternatives", "lateral-reading"}), 1.0),
    "lookup": (frozenset(), 0.0),
}
#: What the profile students can already do when they take the diagnostic's form A, before the unit.
BEFORE_THE_UNIT: dict[str, frozenset[str]] = {
    "sift-reader": frozenset({"investigate-source", "trace-origin"}),
    "detail-checker": frozenset({"names-dates-numbers"}),
    "arguer": frozenset({"argument-structure"}),
    "lookup": frozenset(),
}


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_code_answer(cell) -> bool:
    """An autograded answer cell: code the student writes (nbgrader solution, not a grade cell)."""
    from nbgrader.utils import is_grade, is_solution

    return cell.cell_type == "code" and is_solution(cell) and not is_grade(cell)


def is_written_answer(cell) -> bool:
    """A manually graded written answer: a markdown cell that is both solution and grade."""
    from nbgrader.utils import is_grade, is_solution

    return cell.cell_type == "markdown" and is_solution(cell) and is_grade(cell)


def is_test(cell) -> bool:
    """An autograder test cell: a locked code grade cell."""
    from course.grading.sandbox.record import is_test_cell

    return is_test_cell(cell)


def solution_text(cell) -> str:
    """A source cell's answer as a student who solved it would write it: delimiters removed."""
    lines = [line for line in cell.source.splitlines() if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line]
    return "\n".join(lines)


def defined_names(code: str) -> list[str]:
    """Top-level functions and variables a code answer defines (what the tests will look up)."""
    names = []
    for node in ast.parse(code).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names.extend(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def written_answer(source_cell) -> str:
    """The demo's written answer: the model answer with the instructor's label removed."""
    return source_cell.source.replace("*Model answer (instructor's copy).* ", "").strip()


def is_rubric_point(cell) -> bool:
    """A rubric point of a written answer marked on its own: an nbgrader task cell."""
    meta = _meta(cell)
    return cell.cell_type == "markdown" and bool(meta.get("task")) and bool(meta.get("grade"))


def _solution_value(cell):
    """The value a value answer's solution region assigns (None if the cell is not a value answer)."""
    for node in reversed(ast.parse(solution_text(cell)).body):
        if isinstance(node, ast.Assign):
            try:
                return ast.literal_eval(node.value)
            except ValueError:
                return None
    return None


def wrong_value(item: dict, right):
    """A plausible wrong answer of the right form (what a student without the skill might give)."""
    kind = item.get("kind")
    if kind == "label":
        return next(c for c in item.get("choices", []) if c != right)
    if kind == "bool":
        return not right
    if kind == "number":
        return int(right) + 37
    if kind == "date":
        return "2020-01-01"
    if kind == "ids":
        return ["XXX998", "XXX999", "XXX997"]
    if kind == "span":
        return "the coup"  # occurs many times: not one passage
    return "".join("9" if ch.isdigit() else ch for ch in str(right))


def lookup_submission(source_nb, release_nb, edition: str = "student"):
    """The release with every value answer copied from the tables of ``edition`` (None where nothing is found)."""
    import copy

    items = value_items(source_nb)
    frames = tables_of({i["lookup"][0] for i in items if i.get("lookup")}, edition)
    by_name = {i["answer"]: i for i in items}
    submission = copy.deepcopy(release_nb)
    for cell in submission.cells:
        if is_code_answer(cell):
            name = next((n for n in defined_names(cell.source) if n in by_name), None)
            if name is not None:
                item = by_name[name]
                value = lookup_value(item, frames) if item.get("lookup") else None
                cell.source = f"{name} = {value!r}\n"
    return submission


#: The answer cell of a submission that looks its answer up while it is being graded (see
#: :func:`grading_time_lookup_submission`): the old edition switch, the assessment bank through the kit's
#: own loader, then the table files read straight from the bank and data folders beside the package.
GRADING_TIME_LOOKUP = """import os as _os
_os.environ["COURSE_DATA_EDITION"] = "full"
from course.evidence import data as _data
from course.grading.keys.answers import lookup_value as _lookup_value
_data.clear_cache()
_item = {item!r}
{name} = None
try:
    from course.evidence import bank as _bank
    {name} = _lookup_value(_item, {{_item["lookup"][0]: _bank.full_table(_item["lookup"][0])}})
except Exception:
    pass
if {name} is None:
    import pandas as _pd
    from course import paths as _paths
    for _folder in (_paths.REPO_ROOT / "bank", _paths.data_dir()):
        try:
            _frame = _pd.read_csv(_folder / (_item["lookup"][0] + ".csv"), dtype=str, keep_default_na=False)
            {name} = _lookup_value(_item, {{_item["lookup"][0]: _frame}})
        except Exception:
            pass
        if {name} is not None:
            break
"""


def grading_time_lookup_submission(source_nb, release_nb):
    """The release with every value answer looked up *while it is graded*, from the full tables.

    What a student who knows where the kit records each finding would submit:
    code that loads the assessment bank and, failing that, reads the table files
    themselves. The grading kernel sees only the student edition and no bank
    (:mod:`course.grading.sandbox.studentdata`), so this scores nothing.
    """
    import copy

    by_name = {i["answer"]: i for i in value_items(source_nb) if i.get("lookup")}
    submission = copy.deepcopy(release_nb)
    for cell in submission.cells:
        if is_code_answer(cell):
            name = next((n for n in defined_names(cell.source) if n in by_name), None)
            if name is not None:
                item = {k: by_name[name][k] for k in ("lookup", "lookup_contains", "kind") if k in by_name[name]}
                cell.source = GRADING_TIME_LOOKUP.format(item=item, name=name)
    return submission


def profile_submission(source_nb, release_nb, behaviour: str):
    """A profile student's submission: see :data:`PROFILES`. Returns what :func:`build_submission` returns."""
    import copy

    from course.grading.keys.answers import value_items

    skills, share = PROFILES[behaviour]
    course = source_nb.metadata.get("course") or {}
    if course.get("kind") == "diagnostic" and course.get("form") == "A":
        skills = BEFORE_THE_UNIT[behaviour]
    submission = copy.deepcopy(release_nb)
    solutions = {_meta(c)["grade_id"]: c for c in source_nb.cells if _meta(c).get("solution")}
    items = {item["answer"]: item for item in value_items(source_nb)}
    correct: set[str] = set()
    for cell in submission.cells:
        if not is_code_answer(cell):
            continue
        grade_id = _meta(cell)["grade_id"]
        source = solutions[grade_id]
        names = defined_names(solution_text(source))
        item = next((items[n] for n in names if n in items), None)
        if item is None:  # a data-skills function: profiles leave the optional track alone
            continue
        right = _solution_value(source)
        if behaviour == "lookup":
            if item.get("lookup"):
                where = {k: item[k] for k in ("lookup", "lookup_contains", "kind") if k in item}
                cell.source = GRADING_TIME_LOOKUP.format(item=where, name=item["answer"])
            else:
                cell.source = f"{item['answer']} = None\n"
            continue
        if item["skill"] in skills:
            value = right
            correct.add(grade_id)
        else:
            value = wrong_value(item, right)
        cell.source = f"{item['answer']} = {value!r}\n"
    answered: set[str] = set()
    if share:
        for cell in submission.cells:
            meta = _meta(cell)
            skill = (cell.get("metadata", {}).get("course") or {}).get("skill")
            if skill not in skills:
                continue
            if is_written_answer(cell):
                cell.source = written_answer(solutions[meta["grade_id"]])
                answered.add(meta["grade_id"])
            elif is_rubric_point(cell):
                answered.add(meta["grade_id"])
    return submission, frozenset(correct), frozenset(), frozenset(answered), share


