"""The self-study practice set (issue 20, item 4): built like the problem sets, never graded, every skill covered,
full feedback in the learner's own notebook, and teaching rows only, so practising gives no graded answer away."""

from __future__ import annotations

import csv
import json
import re
import tomllib

import nbformat
import pytest

from course import paths
from course.evidence.skills import SKILLS
from course.grading import classdir
from course.grading.keys import practice

PRACTICE = practice.practice_ids()
#: Row ids as the kit writes them, by table (evidence pages are three capitals and three digits).
ID_PATTERNS = {
    "citations": r"\bC\d{2}\b", "claims": r"\bK\d{3}\b", "events": r"\bEV\d{3}\b", "arguments": r"\bR\d{2}\b",
    "sources": r"\bS\d{3}\b", "actors": r"\bA\d{3}\b", "quote_pairs": r"\bQ\d{2}\b", "forces": r"\bF\d{2}\b",
    "evidence": r"\b(?:ACT|BAC|CIT|COR|CRI|FOR|MET|PRO|REG|SOU|REC)\d{3}\b(?!-\d)",
    "evidence_facts": r"\b(?:ACT|BAC|CIT|COR|CRI|FOR|MET|PRO|REG|SOU|REC)\d{3}-\d+\b",
}


def _ids(folder, table) -> set[str]:
    path = folder / f"{table}.csv"
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8", newline="") as handle:
        return {next(iter(row.values())) for row in csv.DictReader(handle)}


def _texts(practice_id) -> list[str]:
    """Everything a learner's copy of the practice set holds: the notebook, its key and its packet file."""
    folder = practice.notebook_path(practice_id).parent
    return [p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()]


def _source(practice_id):
    return nbformat.read(practice.notebook_path(practice_id), as_version=4)


def test_the_manifest_marks_a_practice_set_that_grading_never_sees():
    """Is there a practice set, marked "kind": "practice", and left out of every graded list (release, autograde,
    demo, gradebook, item analysis all read classdir.assignment_ids())?"""
    assert PRACTICE == ["practice-self-study"]
    assert not set(PRACTICE) & set(classdir.assignment_ids())
    for practice_id in PRACTICE:
        with pytest.raises(classdir.GradingError):
            classdir.check_assignment(practice_id)


@pytest.mark.parametrize("practice_id", PRACTICE)
def test_check_cells_are_generated_from_the_key_and_never_graded(practice_id):
    """Does every check cell match its key, and is no cell of the set an nbgrader grade cell (no points)?"""
    nb = _source(practice_id)
    assert practice.differences(nb, practice_id, practice.load(practice_id)) == []
    for cell in nb.cells:
        meta = cell.metadata["nbgrader"]
        assert meta["schema_version"] == 3 and meta["grade"] is False and "points" not in meta
        if meta["solution"]:
            assert "### BEGIN SOLUTION" in cell.source and not meta["locked"]
        assert "### BEGIN HIDDEN TESTS" not in cell.source


@pytest.mark.parametrize("practice_id", PRACTICE)
def test_every_skill_is_practised_with_one_skill_per_item(practice_id):
    """Does the set reach each of the seven skills at least once, with one known skill per item?"""
    items = practice.load(practice_id)
    skills = [item["skill"] for item in items.values()]
    assert set(skills) == set(SKILLS), set(SKILLS) - set(skills)
    nb = _source(practice_id)
    answers = [c for c in nb.cells if c.metadata["nbgrader"]["solution"]]
    assert len(answers) == len(items)
    for item in items.values():
        task = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == item["grade_id"].replace("-tests", "-task"))
        assert f"(skill: *{SKILLS[item['skill']][0]}*)" in task.source


@pytest.mark.parametrize("practice_id", PRACTICE)
def test_every_row_the_practice_set_names_is_a_teaching_row(practice_id):
    """Is every row id in the notebook, its key (and the rows each item lists) and its packet file a row of the
    teaching data and none a bank row?"""
    data_dir, bank_dir = paths.data_dir(), paths.bank_dir()
    named: dict[str, set[str]] = {table: set() for table in ID_PATTERNS}
    for text in _texts(practice_id):
        for table, pattern in ID_PATTERNS.items():
            named[table] |= set(re.findall(pattern, text))
    for item in practice.load(practice_id).values():
        for table, ids in item["rows"].items():
            named[table] |= set(ids)
    assert sum(len(ids) for ids in named.values()) >= 30
    problems = []
    for table, ids in named.items():
        for row_id in sorted(ids):
            if row_id not in _ids(data_dir, table):
                problems.append(f"{table} {row_id}: not a teaching row")
            if row_id in _ids(bank_dir, table):
                problems.append(f"{table} {row_id}: a bank row")
    assert problems == []


@pytest.mark.parametrize("practice_id", PRACTICE)
def test_the_practice_set_gives_no_graded_answer_away(practice_id):
    """The bank's leak scan over the practice folder: no graded item's answer or giveaway next to its identifiers."""
    from course.grading.release import keyleaks

    graded = [a for a in classdir.assignment_ids() if (paths.bank_dir() / "keys" / f"{a}.toml").is_file()]
    items = keyleaks.items_from_sources({a: classdir.source_notebook(a) for a in graded}, paths.bank_dir() / "keys")
    assert keyleaks.scan(practice.notebook_path(practice_id).parent, items) == []


@pytest.mark.parametrize("practice_id", PRACTICE)
def test_feedback_says_right_wrong_or_not_answered_yet_with_the_why(practice_id):
    """Every accepted answer is right, every near miss is wrong with its reason, a blank is not answered yet,
    a wrong form gets the checker's form sentence; right and wrong both end with the item's explanation."""
    words = tomllib.loads((paths.notebooks_dir() / "checker.toml").read_text(encoding="utf-8"))["practice"]
    for grade_id, item in practice.load(practice_id).items():
        explanation = words["explain"].format(explanation=item["explanation"])
        for entry in item["accepted"]:
            text = practice.feedback_text(entry["value"], practice_id, grade_id)
            assert text == words["right"].format(value=entry["value"], why=entry["why"]) + "\n\n" + explanation
        for entry in item["near_misses"]:
            text = practice.feedback_text(entry["value"], practice_id, grade_id)
            assert text.startswith("Not quite") and entry["why"] in text and text.endswith(explanation)
        blank = practice.feedback_text(None, practice_id, grade_id)
        assert blank == words["blank"].format(accepted_form=item["accepted_form"])
        assert blank.startswith("Not answered yet")
        wrong_form = practice.feedback_text(12.5 if item["kind"] != "number" else "twelve", practice_id, grade_id)
        assert wrong_form.startswith("Not checked yet: The answer should be")


def _run(nb, folder):
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return {c.metadata["nbgrader"]["grade_id"]: "".join(o.get("text", "") for o in c.outputs)
            for c in nb.cells if c.cell_type == "code"}, [o for c in nb.cells if c.cell_type == "code"
                                                           for o in c.outputs if o.output_type == "error"]


@pytest.mark.parametrize("practice_id", PRACTICE)
def test_the_solution_passes_every_check_and_the_learner_copy_starts_not_answered(practice_id, tmp_path):
    """Run the source (every check says Right) and the learner's copy, copied into a folder of its own with its key
    and packets (every check says Not answered yet); no cell raises in either."""
    import shutil

    items = practice.load(practice_id)
    folder = practice.notebook_path(practice_id).parent
    outputs, errors = _run(_source(practice_id), folder)
    assert errors == []
    for grade_id in items:
        assert outputs[grade_id].startswith("Right: "), (grade_id, outputs[grade_id][:200])
    copy = tmp_path / practice_id
    copy.mkdir()
    for name in (practice.KEY_FILE, practice.WRITTEN_FILE, "packets.json"):
        shutil.copy(folder / name, copy / name)
    learner = practice.student_copy(practice_id)
    assert "BEGIN SOLUTION" not in json.dumps(learner)
    outputs, errors = _run(learner, copy)
    assert errors == []
    for grade_id in items:
        assert outputs[grade_id].startswith("Not answered yet"), (grade_id, outputs[grade_id][:200])


def test_course_start_copies_the_practice_set_and_on_request_the_problem_sets(tmp_path, capsys):
    """Does `course start --no-lab` give a self-study learner the practice set (notebook without solutions, its key
    and packets), `--assignments` add each graded assignment's student edition, and a second run keep their work?"""
    from course.cli import main

    root = tmp_path / "ws"
    assert main(["start", str(root), "--no-lab"]) == 0
    for practice_id in PRACTICE:
        folder = root / practice_id
        assert sorted(p.name for p in folder.iterdir()) == sorted([f"{practice_id}.ipynb", practice.KEY_FILE,
                                                                  practice.WRITTEN_FILE, "packets.json"])
        assert "BEGIN SOLUTION" not in (folder / f"{practice_id}.ipynb").read_text(encoding="utf-8")
    assert not any((root / a).exists() for a in classdir.assignment_ids())
    mine = root / PRACTICE[0] / f"{PRACTICE[0]}.ipynb"
    mine.write_text(mine.read_text(encoding="utf-8").replace("comparison_C14 = None", "comparison_C14 = 'faithful'"), encoding="utf-8")
    assert main(["start", str(root), "--no-lab", "--assignments"]) == 0
    assert "comparison_C14 = 'faithful'" in mine.read_text(encoding="utf-8")
    for assignment_id in classdir.assignment_ids():
        text = (root / assignment_id / f"{assignment_id}.ipynb").read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
        assert not (root / assignment_id / practice.KEY_FILE).exists()
    capsys.readouterr()


def test_course_start_still_copies_the_lessons_where_no_assignments_ship(tmp_path, monkeypatch, capsys):
    """An installed kit (the wheel) has no assignments/: `course start` copies the lessons and nothing else."""
    from course.cli import main

    monkeypatch.setattr(classdir, "MANIFEST", tmp_path / "no-assignments" / "manifest.json")
    assert main(["start", str(tmp_path / "ws"), "--no-lab", "--assignments"]) == 0
    from course.lessons import manifest

    assert f"copied {len(manifest.lessons())} lesson(s)" in capsys.readouterr().out
    folders = {p.name for p in (tmp_path / "ws").iterdir() if p.is_dir() and not p.name.startswith(".")}
    assert folders == {"data"}  # only the copy of data/README.md the lessons point to: no assignment folder


def test_a_hub_student_who_cannot_read_assignments_still_gets_the_lessons(tmp_path, monkeypatch):
    """On the hub assignments/ is the graders' (mode 0750): `course start` (run before every student's
    JupyterLab) raised PermissionError there and the student's server never started. It copies the lessons."""
    from course import cli
    from course.grading import classdir

    class Unreadable(type(classdir.MANIFEST)):
        def is_file(self):
            raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(classdir, "MANIFEST", Unreadable(classdir.MANIFEST))
    assert cli.main(["start", str(tmp_path / "ws"), "--no-lab"]) == 0
    assert any(p.suffix == ".ipynb" for p in (tmp_path / "ws").iterdir())


@pytest.mark.parametrize("practice_id", PRACTICE)
def test_only_the_practice_set_shows_its_learner_a_mark_scheme(practice_id, tmp_path, monkeypatch):
    """The practice set's written question shows a model answer and mark scheme once something is written (as the
    lessons' exercises do); no graded assignment has such a box or a written.toml, in its source or in the copy
    `course start --assignments` makes: a graded rubric stays with the grader."""
    from course.lessons import exercises

    written = practice.notebook_path(practice_id).parent / practice.WRITTEN_FILE
    specs = exercises.exercises(written)
    source = json.dumps(nbformat.read(practice.notebook_path(practice_id), as_version=4))
    assert specs and all(f'exercise(\\"{exercise_id}\\", specs=\\"{practice.WRITTEN_FILE}\\")' in source for exercise_id in specs)
    practice.copy_to(tmp_path, assignments=True)
    for assignment_id in classdir.assignment_ids():
        for folder in (paths.assignments_dir() / assignment_id, tmp_path / assignment_id):
            assert not (folder / practice.WRITTEN_FILE).exists(), folder
            assert "course.lessons.exercises" not in (folder / f"{assignment_id}.ipynb").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path / practice_id)
    for exercise_id in specs:
        box = exercises.exercise(exercise_id, specs=practice.WRITTEN_FILE)
        assert box.model_button.disabled and box.reveal() is False  # nothing written yet: no mark scheme
        box.answer_box.value = "My own judgement of the argument."
        assert box.reveal() and "Model answer." in box.model_view.value and "Did you" in box.model_view.value
        assert "{" not in exercises.model_answer_html(specs[exercise_id])  # every placeholder filled from the teaching data
