"""The grading round trip (course.grading.run.verbs) on the demo class: scores, lateness, feedback, manual grades, bad input."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course import paths
from course.grading import classdir
from course.grading.run import demo, verbs
from course.grading.classdir import GradingError
from course.grading.release.leaks import find_leaks, html_text, notebook_text, secret_lines

#: Two assignments keep the suite fast and still cover the shapes: value items, written parts and an optional
#: data-skills function (ps2, ps4). The final memo has no test cell since issue 21 (every part is written).
DEMO_ASSIGNMENTS = ["ps2-claims-and-evidence", "ps4-argument-and-alternatives"]

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One run of the demo round trip, shared by the tests of this module."""
    return demo.run_demo(class_dir=tmp_path_factory.mktemp("class") / "demo", assignment=DEMO_ASSIGNMENTS, progress=False)


@pytest.fixture(scope="module")
def api(demo_run):
    return classdir.open_api(demo_run.class_dir)


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def spec(behaviour, source):
    """What each behaviour should do, written here independently of course.grading.run.demo:
    (intact answers, deleted tests, answered written cells, share of their points)."""
    code = [nbgrader_meta(c)["grade_id"] for c in source.cells if c.cell_type == "code" and nbgrader_meta(c).get("solution")]
    tests = [nbgrader_meta(c)["grade_id"] for c in source.cells if c.cell_type == "code" and nbgrader_meta(c).get("grade")]
    written = [nbgrader_meta(c)["grade_id"] for c in source.cells if c.cell_type == "markdown" and nbgrader_meta(c).get("grade")]
    return {
        "perfect": (set(code), set(), set(written), 1.0),
        "late": (set(code), set(), set(written), 1.0),
        "partial": (set(code[0::2]), set(), set(written[:1]), 0.5),
        "empty": (set(), set(), set(), 0.0),
        "raises": (set(code[1:]), set(), set(written), 1.0),
        "syntax-error": (set(code[:-1]), set(), set(written), 1.0),
        "deleted-test": (set(code), {tests[0]}, set(written), 1.0),
        "gamer": (set(), set(), set(), 0.0),
    }[behaviour]


def expected_scores(source, intent):
    """(auto, written) points a submission built with this intent must earn.

    A test cell scores when the answer cell before it is intact and the test
    cell was not deleted; a written answer earns the share the demo grader gives.
    """
    auto, written, answer = 0.0, 0.0, None
    for cell in source.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("solution"):
            answer = meta["grade_id"]
        elif cell.cell_type == "code" and meta.get("grade"):
            if answer in intent.correct_answers and meta["grade_id"] not in intent.deleted_cells:
                auto += meta["points"]
        elif cell.cell_type == "markdown" and meta.get("grade") and meta["grade_id"] in intent.written_answers:
            written += round(meta["points"] * intent.written_share * 2) / 2
    return auto, written


def test_each_behaviour_built_what_it_should(demo_run):
    """Did the generator do, for every student and assignment, what each behaviour means?"""
    assert len(demo_run.intents) == len(demo.STUDENTS) * len(DEMO_ASSIGNMENTS)
    for intent in demo_run.intents:
        source = nbformat.read(classdir.source_notebook(intent.assignment_id), as_version=4)
        correct, deleted, written, share = spec(intent.behaviour, source)
        assert (set(intent.correct_answers), set(intent.deleted_cells), set(intent.written_answers)) == (correct, deleted, written), intent
        assert intent.written_share == share


def test_scores_per_student_match_the_generators_intent(demo_run):
    """Does every synthetic submission get exactly the points its intent implies (and no more for the gamer)?"""
    report = demo_run.report
    for intent in demo_run.intents:
        source = nbformat.read(classdir.source_notebook(intent.assignment_id), as_version=4)
        auto, written = expected_scores(source, intent)
        row = report.row(intent.assignment_id, intent.student_id)
        assert (row.code_score, row.written_score) == (auto, written), (intent.student_id, intent.assignment_id)
        assert row.final_score == auto + written
    for assignment_id in DEMO_ASSIGNMENTS:
        assert report.row(assignment_id, "demo-perfect").final_score == report.max_scores[assignment_id]
        assert report.row(assignment_id, "demo-gamer").final_score == 0
        assert report.row(assignment_id, "demo-empty").final_score == 0


def test_the_late_submission_is_flagged(demo_run):
    """Is the late student, and only the late student, reported late by nbgrader's timestamps?"""
    late = {(r.assignment, r.student): r.seconds_late for r in demo_run.report.submitted() if r.late}
    assert late == {(a, "demo-late"): 16.5 * 3600 for a in DEMO_ASSIGNMENTS}
    assert "16h30m late" in demo_run.report.table()
    timestamp = (demo_run.class_dir / "submitted" / "demo-late" / DEMO_ASSIGNMENTS[0] / "timestamp.txt").read_text()
    assert timestamp.startswith("2025-03-15 09:30:00")


def test_deleted_test_cell_is_left_for_a_human(demo_run):
    """Is a submission whose test cell was deleted marked as needing a manual look?"""
    for assignment_id in DEMO_ASSIGNMENTS:
        assert demo_run.report.row(assignment_id, "demo-deleted-test").to_grade == 1
        assert demo_run.report.row(assignment_id, "demo-perfect").to_grade == 0


def test_feedback_never_shows_solutions_or_hidden_tests(demo_run):
    """Does no feedback file contain a line of a solution or hidden test that the student did not write themselves?"""
    files = sorted((demo_run.class_dir / "feedback").rglob("*.html"))
    assert len(files) == len(demo_run.intents)
    for html in files:
        student, assignment_id = html.parent.parent.name, html.parent.name
        source = nbformat.read(classdir.source_notebook(assignment_id), as_version=4)
        submitted = nbformat.read(demo_run.class_dir / "submitted" / student / assignment_id / html.name.replace(".html", ".ipynb"), as_version=4)
        text = html_text(html.read_text(encoding="utf-8"))
        assert find_leaks(text, secret_lines(source, allowed=notebook_text(submitted))) == [], html
        assert "BEGIN HIDDEN TESTS" not in text and "import builtins as _b" not in text
        if student in ("demo-empty", "demo-gamer"):  # wrote nothing of the solutions: no secret line at all
            assert find_leaks(text, secret_lines(source)) == []


def test_stock_nbgrader_feedback_would_leak_hidden_tests(demo_run):
    """Is the kit's filter needed? Stock nbgrader feedback shows hidden tests, and the scan catches it."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.apps import NbGraderAPI
    from nbgrader.preprocessors import GetGrades

    config = classdir.nbgrader_config(demo_run.class_dir)
    config.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor]
    config.CourseDirectory.feedback_directory = "stock-feedback"
    assignment_id = DEMO_ASSIGNMENTS[0]
    assert NbGraderAPI(config=config).generate_feedback(assignment_id, "demo-empty")["success"]
    html = demo_run.class_dir / "stock-feedback" / "demo-empty" / assignment_id / f"{assignment_id}.html"
    source = nbformat.read(classdir.source_notebook(assignment_id), as_version=4)
    assert find_leaks(html_text(html.read_text(encoding="utf-8")), secret_lines(source))


def test_feedback_shows_scores_and_hints(demo_run):
    """Does a student see which tests passed, and a hint for a failed one?"""
    html = demo_run.class_dir / "feedback" / "demo-partial" / DEMO_ASSIGNMENTS[0] / f"{DEMO_ASSIGNMENTS[0]}.html"
    text = html_text(html.read_text(encoding="utf-8"))
    # every autograded item is worth one point (answers as values); partial solves every other one
    assert "Score: 1.0 / 1.0" in text and "Score: 0.0 / 1.0" in text
    assert "Hidden tests ran here; their code is not shown." in text
    assert "The answer has not been written yet" in text
    released = list((demo_run.class_dir / "exchange").rglob("feedback/*.html"))
    assert len(released) == len(demo_run.intents)


def test_manual_grades_and_comments_survive_a_second_autograde(demo_run, api):
    """Re-running autograde: are a grader's manual score and comment still there, and the automatic scores unchanged?"""
    assignment_id, student = DEMO_ASSIGNMENTS[0], "demo-perfect"
    written = next(c.metadata.nbgrader.grade_id for c in nbformat.read(classdir.source_notebook(assignment_id), 4).cells
                   if demo.is_written_answer(c))
    with api.gradebook as book:
        grade = book.find_grade(written, assignment_id, assignment_id, student)
        grade.manual_score = 0.5
        comment = book.find_comment(written, assignment_id, assignment_id, student)
        comment.manual_comment = "Clear distinction; name the page type."
        book.db.commit()
        before = book.find_submission(assignment_id, student).code_score
    assert verbs.autograde(assignment_id, student=student, api=api, progress=False) == [(assignment_id, student)]
    with api.gradebook as book:
        assert book.find_grade(written, assignment_id, assignment_id, student).manual_score == 0.5
        assert book.find_comment(written, assignment_id, assignment_id, student).manual_comment == "Clear distinction; name the page type."
        assert book.find_submission(assignment_id, student).code_score == before


def test_every_verb_can_run_twice(demo_run, api):
    """Can release, collect, feedback and grades run again on a graded class without errors or changed scores?"""
    before = {(r.assignment, r.student): r.final_score for r in verbs.grades(DEMO_ASSIGNMENTS, api=api).rows}
    assert verbs.release(DEMO_ASSIGNMENTS[1], api=api) == [DEMO_ASSIGNMENTS[1]]
    assert verbs.collect(DEMO_ASSIGNMENTS[1], api=api, trust_student_timestamps=True)[DEMO_ASSIGNMENTS[1]] == sorted(s.student_id for s in demo.STUDENTS)
    assert len(verbs.feedback(DEMO_ASSIGNMENTS[1], student="demo-late", api=api, progress=False)) == 1
    after = {(r.assignment, r.student): r.final_score for r in verbs.grades(DEMO_ASSIGNMENTS, api=api).rows}
    assert after == before


def test_lms_csv_has_canvas_columns_and_points_possible(demo_run):
    """Is the export shaped for a Canvas gradebook import, with one row per student and the right scores?"""
    report = demo_run.report
    with report.csv_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *DEMO_ASSIGNMENTS]
    assert rows[1][0] == "Points Possible" and [float(x) for x in rows[1][5:]] == [report.max_scores[a] for a in DEMO_ASSIGNMENTS]
    by_id = {row[2]: row for row in rows[2:]}
    assert sorted(by_id) == sorted(s.student_id for s in demo.STUDENTS)
    assert by_id["demo-late"][0] == "Demo student, Late"
    for index, assignment_id in enumerate(DEMO_ASSIGNMENTS, start=5):
        assert float(by_id["demo-partial"][index]) == report.row(assignment_id, "demo-partial").final_score


def test_distribution_figure_has_alt_text_with_every_count(demo_run):
    """Is there a PNG, and does its alt text account for every submission of every assignment?"""
    report = demo_run.report
    assert report.figure_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    alt = report.alt_text_path.read_text(encoding="utf-8")
    for assignment_id in DEMO_ASSIGNMENTS:
        line = next(line for line in alt.splitlines() if line.startswith(assignment_id))
        counts = [int(part.rsplit(": ", 1)[1]) for part in line.split("; ", 1)[1].rstrip(".").split(", ")]
        assert sum(counts) == len(demo.STUDENTS)


# --- bad input ---------------------------------------------------------------------------------------------

def test_unknown_assignment_names_the_valid_ones():
    """Is an unknown assignment id refused before any work, with the valid ids listed?"""
    with pytest.raises(GradingError, match=r"unknown assignment 'ps9'.*ps1-provenance-and-citations"):
        verbs.autograde("ps9")


def test_unknown_student_names_the_students(api):
    """Is an unknown student id refused with the students who did submit?"""
    with pytest.raises(GradingError, match=r"no student 'nobody'.*demo-perfect"):
        verbs.autograde(DEMO_ASSIGNMENTS[0], student="nobody", api=api, progress=False)


def test_missing_class_folder_is_a_clear_error(tmp_path):
    """Does collecting into a class folder that does not exist say what to run first?"""
    with pytest.raises(GradingError, match="does not exist; run `python -m course release all` first"):
        verbs.collect("all", class_dir=tmp_path / "no-class")


def test_unreadable_or_missing_submission_is_reported_and_nothing_is_lost(demo_run, api):
    """Is a corrupt or missing notebook reported in one line, left as it was, while the other grades stay as they were?"""
    assignment_id = DEMO_ASSIGNMENTS[0]
    folder = demo_run.class_dir / "submitted" / "broken-json" / assignment_id
    folder.mkdir(parents=True)
    notebook = folder / f"{assignment_id}.ipynb"
    notebook.write_text("{ this is not json", encoding="utf-8")
    try:
        before = verbs.grades(DEMO_ASSIGNMENTS, api=api).row(assignment_id, "demo-perfect").final_score
        with pytest.raises(GradingError, match=r"1 of 1 submissions not graded.*broken-json/.*cannot be read \(NotJSONError\)"):
            verbs.autograde(assignment_id, student="broken-json", api=api, progress=False)
        assert notebook.read_text(encoding="utf-8") == "{ this is not json"
        assert verbs.grades(DEMO_ASSIGNMENTS, api=api).row(assignment_id, "demo-perfect").final_score == before
        notebook.unlink()  # a submission folder without its notebook
        with pytest.raises(GradingError, match=r"broken-json/.*: no .*\.ipynb in the submission"):
            verbs.autograde(assignment_id, student="broken-json", api=api, progress=False)
    finally:
        import shutil

        shutil.rmtree(folder.parent)


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "course", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_cli_bad_input_is_one_line_and_exit_status_2(tmp_path):
    """Does the command line turn bad input into one line on stderr, exit status 2 and no traceback?"""
    unknown = run_cli("autograde", "ps9")
    missing = run_cli("collect", "--class-dir", str(tmp_path / "nowhere"))
    for result in (unknown, missing):
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert unknown.stderr.startswith("course autograde: error: unknown assignment 'ps9'")
    assert missing.stderr.startswith("course collect: error: class folder")


def test_cli_grades_prints_the_table(demo_run):
    """Does `python -m course grades --class-dir …` print the summary table and say where the files are?"""
    result = run_cli("grades", "--class-dir", str(demo_run.class_dir))
    assert result.returncode == 0, result.stderr
    assert "demo-late" in result.stdout and "16h30m late" in result.stdout and "Canvas CSV" in result.stdout


def test_makefile_demo_runs_the_grading_demo():
    """Does `make demo` run `python -m course demo` (the README's main command)?"""
    makefile = (paths.REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "$(BIN)/python -m course demo" in recipe
