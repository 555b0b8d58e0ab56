"""Fair keys (issue 21): a right answer in any reasonable form scores, a wrong one does not, the visible and hidden
checks share one checker and cannot disagree with the key, every hint reaches the student intact, and a notebook
that replaces the checker earns nothing.

The fairness table is ``tests/grading/fairness_table.py``. Before the checker (the notebooks at d5195b9), 73 of its
111 right forms scored 0 and 6 of its wrong answers scored (ps4 Q7's bare markers; any ids in the final memo's 1a
and 1b); now 0 and 0.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import shutil
from types import SimpleNamespace

import nbformat
import pytest

import fairness_table as fairness
import hostile_cases as hostile
from course import paths
from course.evidence.skills import SKILLS
from course.grading.keys import answers
from course.grading import classdir
from course.grading.reports.feedback import GENERAL_HINT, hint_for
from course.grading.keys import check, keyfile

ROWS = list(fairness.TABLE.items())
ROW_IDS = [f"{a.split('-')[0]}-{g}" for (a, g, _), _ in ROWS]
#: The contested answers of issue 21 still assessed, each accepted with its decision recorded in the key (ps1 Q3's
#: moved from C16 to C04, ps2 Q6's from K048 to K049, where the scale settles each: no longer contested).
CONTESTED = {
    ("ps1-provenance-and-citations", "q4-tests"): "news_website",
    ("ps3-names-dates-numbers-quotes", "q6-tests"): "translation",
    ("ps4-argument-and-alternatives", "q6-tests"): "EV026",
}


def notebook(assignment_id):
    return nbformat.read(classdir.source_notebook(assignment_id), as_version=4)


def grade_cell_source(assignment_id, grade_id) -> str:
    for cell in notebook(assignment_id).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell.source
    raise KeyError(grade_id)


def run_cell(source: str, name: str, value) -> tuple[bool, str]:
    """Run a test cell (visible and hidden halves) on ``value``, as the kernel would: (passed, message)."""
    try:
        exec(source, {name: value, "re": re, "dt": dt})
    except AssertionError as error:
        return False, str(error)
    return True, ""


# --- the table, through the notebooks' own test cells ---------------------------------------------------------

@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_right_forms_score_and_wrong_answers_do_not(row):
    """Does every right form of the table pass the item's whole test cell, and every wrong answer fail it?"""
    (assignment_id, grade_id, name), values = row
    source = grade_cell_source(assignment_id, grade_id)
    for value in values["right"]:
        assert run_cell(source, name, value)[0], (grade_id, value)
    for value in values["wrong"]:
        assert not run_cell(source, name, value)[0], (grade_id, value)


def test_the_table_covers_every_autograded_value_item():
    """Does the table list every autograded value item of the unit, with several right forms and wrong answers?"""
    listed = {(a, g) for a, g, _ in fairness.TABLE}
    for assignment_id in fairness.PS1, fairness.PS2, fairness.PS3, fairness.PS4, fairness.FINAL:
        for item in answers.value_items(notebook(assignment_id)):
            if item["points"]:
                assert (assignment_id, item["grade_id"]) in listed, (assignment_id, item["grade_id"])
    assert all(len(v["right"]) >= 2 and len(v["wrong"]) >= 2 for v in fairness.TABLE.values())


def test_wrong_forms_are_told_which_form_is_wanted_and_the_hint_survives_feedback():
    """Does a value of the wrong form fail the visible check with the checker's plain words, and does the feedback's
    and self-check's filter (hint_for) keep that sentence whole instead of the general 'could not run' hint?"""
    odd = {"label": "maybe", "id": "#12", "date": "soon", "number": "many", "bool": "perhaps", "span": "words the document never wrote"}
    for (assignment_id, grade_id, name), _ in ROWS:
        source = grade_cell_source(assignment_id, grade_id)
        visible = source.split("### BEGIN HIDDEN TESTS")[0]
        kind = keyfile.load(assignment_id)[grade_id]["kind"]
        for value in (None, odd[kind], 3.5 if kind != "number" else "3.5 people"):
            passed, message = run_cell(visible, name, value)
            assert not passed and len(message) > 30, (grade_id, value)
            assert hint_for("AssertionError", message, source) == message != GENERAL_HINT, (grade_id, message)
        passed, message = run_cell(source, name, fairness.TABLE[(assignment_id, grade_id, name)]["wrong"][0])
        assert hint_for("AssertionError", message, source) == message, (grade_id, message)


def test_a_message_carrying_other_words_is_not_shown():
    """Is a checker-shaped sentence filled with words that are not in the cell (a hidden value) still withheld?"""
    source = grade_cell_source(fairness.PS1, "q1-tests")
    assert hint_for("AssertionError", "The answer should be one of these labels, in quotes: faithful, SECRET.", source) == GENERAL_HINT


def test_every_sentence_of_the_checker_lives_in_its_data_file():
    """Are the checker's sentences read from notebooks/checker.toml, with no student-facing sentence in its Python?"""
    text = (paths.REPO_ROOT / "course" / "grading" / "keys" / "check.py").read_text(encoding="utf-8")
    for sentence in [m for group in check.messages()["form"].values() for m in [group[:25]]]:
        assert sentence not in text
    assert not re.search(r"AssertionError\(\s*[\"']", text), "messages come from checker.toml"


# --- the keys ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("assignment_id", keyfile.assignments_with_keys())
def test_notebook_test_cells_are_the_ones_their_keys_generate(assignment_id):
    """Do the hidden literals (and the visible form fields) of every item agree with its key, cell for cell?"""
    assert keyfile.differences(notebook(assignment_id), keyfile.load(assignment_id)) == []


def test_every_autograded_item_of_the_unit_has_a_complete_key():
    """Does every autograded value item have a key with task type, skill, kind, accepted answers with reasons,
    near misses, identifiers and giveaways (the leak test reads the last two)?"""
    for assignment_id in fairness.PS1, fairness.PS2, fairness.PS3, fairness.PS4:
        items = keyfile.load(assignment_id)
        for item in answers.value_items(notebook(assignment_id)):
            if not item["points"]:
                continue
            key = items[item["grade_id"]]
            assert key["skill"] == item["skill"] and key["kind"] == item["kind"]
            assert all(e["why"].strip() for e in key["accepted"] + key["near_misses"])
            assert key["identifiers"] and key["giveaways"] and key["near_misses"]
            for miss in key["near_misses"]:
                assert not check.accepts(miss["value"], key["kind"], keyfile.accepted_values(key), **keyfile.spec(key))


def test_one_skill_per_task_type():
    """Does every task type map to exactly one skill across all keys (the citation comparison included)?"""
    skills_of = {}
    for assignment_id in keyfile.assignments_with_keys():
        for item in keyfile.load(assignment_id).values():
            assert item["skill"] in SKILLS
            skills_of.setdefault(item["task_type"], set()).add(item["skill"])
    assert skills_of and all(len(s) == 1 for s in skills_of.values()), {t: s for t, s in skills_of.items() if len(s) > 1}
    assert skills_of["compare a citation with its original"] == {"quotation-fidelity"}


@pytest.mark.parametrize("where", list(CONTESTED), ids=[f"{a.split('-')[0]}-{g}" for a, g in CONTESTED])
def test_contested_answers_are_decided_and_recorded(where):
    """Is each of the contested answers of issue 21 accepted, with the decision and its reason in the key?"""
    assignment_id, grade_id = where
    key = keyfile.load(assignment_id)[grade_id]
    assert len(key.get("decision", "")) > 100
    assert check.accepts(CONTESTED[where], key["kind"], keyfile.accepted_values(key), **keyfile.spec(key))
    if grade_id == "q6-tests" and assignment_id == fairness.PS4:
        assert check.accepts("EV030", key["kind"], keyfile.accepted_values(key), **keyfile.spec(key))


def test_final_memo_parts_1a_and_1b_are_read_by_the_instructor():
    """Are the final memo's subject and sources rubric points (no autograded item accepting 67 ids or any ids)?"""
    nb = notebook(fairness.FINAL)
    assert not answers.value_items(nb)
    points = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert {"q1-answer", "q1-answer-b"} <= set(points)
    assert all(points[g].cell_type == "markdown" for g in ("q1-answer", "q1-answer-b"))


def test_an_inference_step_must_be_a_whole_step():
    """Does ps4 Q7 refuse the bare markers of a step ('so it appears', 'Which indicates') and take the whole step?"""
    key = keyfile.load(fairness.PS4)["q7-tests"]
    spec, accepted = keyfile.spec(key), keyfile.accepted_values(key)
    assert not check.accepts("so it appears", "span", accepted, **spec)
    assert check.accepts("so it appears that America does not condemn the coup and the group that conducted it", "span", accepted, **spec)


# --- through nbgrader: one round trip, sandboxed ------------------------------------------------------------------

ROUND_TRIP = fairness.PS3


def _answers_build(pick):
    """A build: the released notebook with every value item answered by ``pick(row)`` (a value of the table)."""
    def build(release_nb, source_nb, home_dir):
        nb = copy.deepcopy(release_nb)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            test_id = grade_id.replace("-answer", "-tests")
            for (assignment_id, row_grade_id, name), row in fairness.TABLE.items():
                if assignment_id == ROUND_TRIP and row_grade_id == test_id and grade_id.endswith("-answer"):
                    cell.source = f"import datetime\n{name} = {pick(row)!r}\n"
        hostile._write(nb, home_dir)
    return build


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    """ps3 autograded in the sandbox for three students: right answers in other forms, values of wrong forms, and
    a notebook that replaces the checker; then feedback."""
    from course.grading.run import verbs

    root = tmp_path_factory.mktemp("fairness")
    students = [SimpleNamespace(name="other-forms", build=_answers_build(lambda row: row["right"][-1])),
                SimpleNamespace(name="wrong-forms", build=_answers_build(lambda row: "?")),
                hostile.case_named("replace-checker")]
    built = hostile.build_class(root / "class", students, assignment=ROUND_TRIP, clean=())
    verbs.autograde(class_dir=built.class_dir, assignment=ROUND_TRIP, jobs=1, sandbox="required", progress=False)
    verbs.feedback(ROUND_TRIP, class_dir=built.class_dir, progress=False)
    api = classdir.open_api(built.class_dir)
    with api.gradebook as book:
        scores = {s.name: (book.find_submission(ROUND_TRIP, s.name).code_score,
                           book.find_submission(ROUND_TRIP, s.name).max_code_score) for s in students}
    yield SimpleNamespace(class_dir=built.class_dir, scores=scores)
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_right_answers_in_other_forms_score_full_marks_through_nbgrader(round_trip):
    """Do '21 August 2020'-style dates, '100'-style numbers, lower-case ids and labels and straight-quoted spans
    earn every automatic point of ps3 when nbgrader grades them in the sandbox?"""
    code, max_code = round_trip.scores["other-forms"]
    assert max_code > 0 and code == max_code


@pytest.mark.slow
def test_a_notebook_that_replaces_the_checker_scores_zero(round_trip):
    """Does a notebook that swaps the checker's judge (and its module in sys.modules) for one that accepts anything
    earn nothing, because the grader puts its own checker back before each test cell?"""
    code, max_code = round_trip.scores["replace-checker"]
    assert max_code > 0 and code == 0


@pytest.mark.slow
def test_feedback_shows_each_form_hint_whole(round_trip):
    """Does the feedback of a student whose values have the wrong form show the checker's sentences (the date's
    included), not 'A test could not run to the end'?"""
    from course.grading.release.leaks import html_text

    assert round_trip.scores["wrong-forms"][0] == 0
    path = round_trip.class_dir / "feedback" / "wrong-forms" / ROUND_TRIP / f"{ROUND_TRIP}.html"
    text = " ".join(html_text(path.read_text(encoding="utf-8")).split())
    assert check.messages()["form"]["date"] in text
    assert check.messages()["form"]["number"] in text
    assert "A test could not run to the end" not in text


@pytest.mark.slow
def test_self_check_shows_each_form_hint_whole(tmp_path):
    """Does self-check (the visible checks only) name the wanted form of each wrong-form value, the date's included?"""
    from course.grading.run import demo
    from course.grading import selfcheck

    _, release = demo.source_and_release(ROUND_TRIP)
    folder = tmp_path / ROUND_TRIP
    folder.mkdir()
    _answers_build(lambda row: "?")(release, None, folder)
    result = selfcheck.run_selfcheck(folder / f"{ROUND_TRIP}.ipynb")
    hints = {q.grade_id: q.hint for q in result.questions if q.kind == "auto" and q.grade_id.startswith("q")}
    assert hints["q3-tests"] == check.messages()["form"]["date"]
    assert hints["q4-tests"] == check.messages()["form"]["number"]
    assert all(q.status == selfcheck.FORM_PROBLEM for q in result.questions if q.kind == "auto" and q.grade_id in hints)
