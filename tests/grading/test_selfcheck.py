"""Self-study (course.grading.selfcheck): a private grading run with per-question results, no solutions, no hidden tests."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from course.grading import classdir, selfcheck
from course.grading.classdir import GradingError
from course.grading.leaks import find_leaks, secret_lines

ASSIGNMENT = "ps1-provenance-and-citations"


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """A learner's folder with a solved copy and an untouched released copy of one assignment."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions, ComputeChecksums, LockCells

    folder = tmp_path_factory.mktemp("learner")
    solved = folder / "solved" / f"{ASSIGNMENT}.ipynb"
    solved.parent.mkdir()
    shutil.copy(classdir.source_notebook(ASSIGNMENT), solved)
    release = nbformat.read(classdir.source_notebook(ASSIGNMENT), as_version=4)
    for preprocessor in (LockCells(), ClearSolutions(), ComputeChecksums(), ClearHiddenTests()):
        release, _ = preprocessor.preprocess(release, {"language": "python"})
    untouched = folder / "untouched" / "my copy.ipynb"  # renamed: found by its graded cells
    untouched.parent.mkdir()
    nbformat.write(release, untouched)
    return solved, untouched


@pytest.fixture(scope="module")
def results(copies):
    """Self-check both copies once, with COURSE_DB_URL pointing at a database that must not be touched."""
    solved, untouched = copies
    saved = os.environ.get("COURSE_DB_URL")
    os.environ["COURSE_DB_URL"] = "sqlite:////nonexistent-folder/course-gradebook.db"
    try:
        return selfcheck.run_selfcheck(solved), selfcheck.run_selfcheck(untouched)
    finally:
        if saved is None:
            del os.environ["COURSE_DB_URL"]
        else:
            os.environ["COURSE_DB_URL"] = saved


@pytest.mark.slow
def test_solved_copy_scores_every_autograded_point(results):
    """Does a solved copy pass every question, with the written answers left to the instructor?"""
    solved, _ = results
    assert solved.assignment_id == ASSIGNMENT
    assert solved.auto_points > 0 and solved.auto_score == solved.auto_points
    assert {q.kind for q in solved.questions} == {"auto", "written"}
    assert all(q.hint == "read by your instructor against the mark scheme" for q in solved.questions if q.kind == "written")


@pytest.mark.slow
def test_untouched_copy_scores_zero_with_hints(results):
    """Does the released copy score zero, each question with a hint and the written ones marked unanswered?"""
    _, untouched = results
    assert untouched.assignment_id == ASSIGNMENT and untouched.auto_score == 0
    assert all("The answer has not been written yet" in q.hint for q in untouched.questions if q.kind == "auto")
    assert all(q.hint == "no answer yet" for q in untouched.questions if q.kind == "written")
    table = untouched.table()
    assert "0/3 pts  not yet" in table and "Autograded: 0 of 7 points." in table


@pytest.mark.slow
def test_report_shows_no_solution_or_hidden_test_text(results):
    """Is there nothing of the solutions or hidden tests in what the self-check prints?"""
    secrets = secret_lines(nbformat.read(classdir.source_notebook(ASSIGNMENT), as_version=4))
    for result in results:
        text = result.table()
        assert find_leaks(text, secrets) == [] and "BEGIN HIDDEN" not in text and "_b." not in text


@pytest.mark.slow
def test_the_one_line_call_works_inside_the_notebook(copies, tmp_path):
    """Does `from course.grading.selfcheck import check; check()` in a notebook find its own file and print the results?"""
    from nbclient import NotebookClient

    solved, _ = copies
    notebook_path = tmp_path / f"{ASSIGNMENT}.ipynb"
    nb = copy.deepcopy(nbformat.read(solved, as_version=4))
    nb.cells.append(nbformat.v4.new_code_cell("from course.grading.selfcheck import check; check()"))
    nbformat.write(nb, notebook_path)
    saved = os.environ.get("JPY_SESSION_NAME")
    os.environ["JPY_SESSION_NAME"] = str(notebook_path)  # what Jupyter sets for a notebook's kernel
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        if saved is None:
            del os.environ["JPY_SESSION_NAME"]
        else:
            os.environ["JPY_SESSION_NAME"] = saved
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert f"Self-check of {ASSIGNMENT}.ipynb" in printed and "Autograded: 7 of 7 points." in printed


def test_find_notebook_uses_the_kernels_session_name(tmp_path, monkeypatch):
    """Inside Jupyter, is the notebook found from JPY_SESSION_NAME, and is a clear error raised when it cannot be?"""
    notebook = tmp_path / "mine.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), notebook)
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    assert selfcheck.find_notebook() == notebook.resolve()
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "renamed-since.ipynb"))
    with pytest.raises(GradingError, match="pass its path"):
        selfcheck.find_notebook()
    with pytest.raises(GradingError, match="not found"):
        selfcheck.find_notebook(tmp_path / "missing.ipynb")


def test_check_does_nothing_while_nbgrader_runs_the_notebook(monkeypatch, capsys):
    """Does a check() left in a submission stay silent (and cost nothing) during autograde or validate?"""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("JPY_SESSION_NAME", "")
    assert selfcheck.check() is None
    assert capsys.readouterr().out == ""


def test_a_notebook_of_no_assignment_is_refused(tmp_path):
    """Is a notebook that matches no assignment refused with the list of assignments?"""
    other = tmp_path / "notes.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("my notes")]), other)
    with pytest.raises(GradingError, match=r"matches no assignment; known assignments: .*ps1-provenance-and-citations"):
        selfcheck.assignment_of(other)


def test_cli_selfcheck_of_a_missing_file_is_one_line(tmp_path):
    """Does `python -m course selfcheck` on a missing file exit 2 with one line and no traceback?"""
    result = subprocess.run([sys.executable, "-m", "course", "selfcheck", str(tmp_path / "nope.ipynb")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.startswith("course selfcheck: error: notebook")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
