"""Self-check (course.grading.selfcheck): a private run of the visible tests only; form checks, never an oracle (issue 20).

The proof runs the real self-check on real ps1 notebooks, as a student would
(``python -m course selfcheck FILE``): a right answer and a wrong answer of the
right form print the same line and the same total, a blank item says the answer
is missing, and a wrong form gets its plain-words hint.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import course
from course.grading import classdir, selfcheck
from course.grading.keys.answers import ANSWER_STUB, is_code_answer, value_items
from course.grading.classdir import GradingError
from course.grading.release.leaks import find_leaks, secret_lines

ASSIGNMENT = "ps1-provenance-and-citations"


def released(assignment: str = ASSIGNMENT):
    """The notebook students receive: nbgrader's release steps, with the kit's answer stub."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions, ComputeChecksums, LockCells

    release = nbformat.read(classdir.source_notebook(assignment), as_version=4)
    for preprocessor in (LockCells(), ClearSolutions(code_stub=ANSWER_STUB), ComputeChecksums(), ClearHiddenTests()):
        release, _ = preprocessor.preprocess(release, {"language": "python"})
    return release


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """A learner's folder with a solved copy and an untouched released copy of one assignment."""
    folder = tmp_path_factory.mktemp("learner")
    solved = folder / "solved" / f"{ASSIGNMENT}.ipynb"
    solved.parent.mkdir()
    shutil.copy(classdir.source_notebook(ASSIGNMENT), solved)
    release = released()
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
def test_solved_copy_passes_every_form_check(results):
    """Does a solved copy pass every visible (form) check, with the written answers left to the instructor?

    Was test_solved_copy_scores_every_autograded_point (auto_score == auto_points): the
    self-check no longer scores anything that depends on a hidden test.
    """
    solved, _ = results
    assert solved.assignment_id == ASSIGNMENT
    assert {q.kind for q in solved.questions} == {"auto", "written"}
    assert all(q.status == selfcheck.FORM_OK and q.hint == "" for q in solved.questions if q.kind == "auto")
    assert all(q.status == selfcheck.WRITTEN for q in solved.questions if q.kind == "written")
    assert "6 of 6 short answers are in the form asked for; 0 not answered yet; 0 in another form." in solved.table()


@pytest.mark.slow
def test_untouched_copy_says_every_answer_is_missing(results):
    """Does the released copy say, for every item, that the answer is still missing, and count no form as passed?

    Was test_untouched_copy_scores_zero_with_hints (auto_score == 0, optional items
    passed is False): the same facts, said as form checks instead of points.
    """
    _, untouched = results
    assert untouched.assignment_id == ASSIGNMENT
    auto = [q for q in untouched.questions if q.kind == "auto"]
    assert auto and all(q.status == selfcheck.MISSING and q.hint.startswith("The answer has not been written yet") for q in auto)
    assert any(not q.points for q in auto)  # the optional data-skills track (0 points) is checked the same way
    assert all(q.status == selfcheck.MISSING for q in untouched.questions if q.kind == "written")
    table = untouched.table()
    assert "in the form the question asks for" not in table
    assert f"0 of {len(auto)} short answers are in the form asked for; {len(auto)} not answered yet" in table


@pytest.mark.slow
def test_report_shows_no_solution_or_hidden_test_text(results):
    """Is there nothing of the solutions or hidden tests in what the self-check prints?"""
    secrets = secret_lines(nbformat.read(classdir.source_notebook(ASSIGNMENT), as_version=4))
    for result in results:
        text = result.table()
        assert find_leaks(text, secrets) == [] and "BEGIN HIDDEN" not in text and "_b." not in text


@pytest.mark.slow
def test_the_one_line_call_works_inside_the_notebook(copies, tmp_path, monkeypatch):
    """Does `from course.grading.selfcheck import check; check()` in a notebook find its own file and print the results?"""
    from nbclient import NotebookClient

    # The kernel imports the `course` under test (a git worktree's), not whichever one is installed.
    checkout = str(Path(course.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [checkout, os.environ.get("PYTHONPATH")])))

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
    assert f"({ASSIGNMENT}.ipynb)" in printed and "6 of 6 short answers are in the form asked for" in printed


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


# --- the proof of issue 20, item 4: self-check is not an oracle ------------------------------------------------
# One ps1 notebook, three versions that differ only in q1 (comparison_C05): right, wrong of the right form
# (another allowed label) and blank (the released stub). The other items are fixed: q2 right, q3 a wrong form
# (a number where a label in quotes is wanted), q4 wrong of the right form, q5 blank, d1 the stub.
# The asserts use the printed words, not the module's names, so this section also runs against the old
# self-check (it fails there: the old one printed "1/1 pts passed" for the right label only).

PROBE = "comparison_C05"
FIXED = {"comparison_C06": "right", "comparison_C04": 3, "type_of_S007": "wrong"}


def solution_values(assignment: str = ASSIGNMENT) -> dict:
    """Each value item's right answer (name -> value), read from the source notebook's solution regions."""
    import ast

    source = nbformat.read(classdir.source_notebook(assignment), as_version=4)
    names = {item["answer"] for item in value_items(source)}
    values = {}
    for cell in source.cells:
        name = next((n for n in names if f"{n} = None" in cell.source), None)
        if is_code_answer(cell) and name is not None:
            region = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            values[name] = ast.literal_eval(ast.parse(region.strip()).body[0].value)
    return values


def answered(answers: dict):
    """The released ps1 with ``answers`` (name -> value) written into their answer cells; other cells as released."""
    notebook = released()
    for cell in notebook.cells:
        if is_code_answer(cell):
            name = next((n for n in answers if f"{n} = None" in cell.source), None)
            if name is not None:
                cell.source = f"{name} = {answers[name]!r}\n"
    return notebook


@pytest.fixture(scope="module")
def probes(tmp_path_factory):
    """The three versions of the notebook, each saved under the assignment's own file name in its own folder."""
    from course.grading.keys.answers import wrong_value

    right = solution_values()
    items = {item["answer"]: item for item in value_items(nbformat.read(classdir.source_notebook(ASSIGNMENT), as_version=4))}
    fixed = {}
    for name, how in FIXED.items():
        fixed[name] = right[name] if how == "right" else wrong_value(items[name], right[name]) if how == "wrong" else how
    assert fixed["type_of_S007"] != right["type_of_S007"]
    wrong = wrong_value(items[PROBE], right[PROBE])
    assert wrong != right[PROBE] and wrong in items[PROBE]["choices"]  # wrong, and of the right form
    folder = tmp_path_factory.mktemp("probes")
    paths = {}
    for version, answers in {"right": {**fixed, PROBE: right[PROBE]}, "wrong": {**fixed, PROBE: wrong}, "blank": fixed}.items():
        paths[version] = folder / version / f"{ASSIGNMENT}.ipynb"
        paths[version].parent.mkdir()
        nbformat.write(answered(answers), paths[version])
    return paths


@pytest.fixture(scope="module")
def printed(probes):
    """What `python -m course selfcheck FILE` prints for each version (run from the checkout whose `course` is under test)."""
    checkout = Path(course.__file__).resolve().parents[1]
    out = {}
    # The three commands are independent (each grades in its own scratch class): started together, then awaited.
    runs = {version: subprocess.Popen([sys.executable, "-m", "course", "selfcheck", str(path)], cwd=checkout,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for version, path in probes.items()}
    try:
        for version, run in runs.items():
            stdout, stderr = run.communicate(timeout=300)
            assert run.returncode == 0, stderr
            out[version] = stdout.replace(str(probes[version].parent), "<folder>")
    finally:
        for run in runs.values():
            if run.poll() is None:
                run.kill()
                run.wait()
    return out


def line_of(text: str, question: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(question + ":"))


@pytest.mark.slow
def test_a_right_and_a_wrong_answer_of_the_right_form_print_the_same(printed):
    """Is the printed self-check of a right q1 identical, line for line and in the total, to that of a wrong label?"""
    assert printed["right"] == printed["wrong"]
    assert line_of(printed["right"], "Question 1").endswith(": answered, in the form the question asks for")
    assert line_of(printed["right"], "Question 4") == line_of(printed["right"], "Question 2").replace("2", "4")  # wrong = right


@pytest.mark.slow
def test_a_right_and_a_wrong_answer_of_the_right_form_give_the_same_result(probes):
    """Is the returned result (every field of every item, in process) the same for a right and a wrong q1?"""
    right, wrong = selfcheck.run_selfcheck(probes["right"]), selfcheck.run_selfcheck(probes["wrong"])
    assert right.questions == wrong.questions and right.table() == wrong.table()


@pytest.mark.slow
def test_a_blank_item_says_the_answer_is_missing(printed):
    """Does the blank q1 print differently from both, saying the answer is still missing (and nothing else change)?"""
    blank, right = printed["blank"], printed["right"]
    assert blank != right and blank != printed["wrong"]
    assert "Question 1: The answer has not been written yet" in line_of(blank, "Question 1")
    assert "The answer has not been written yet" in line_of(blank, "Question 5")
    changed = [(a, b) for a, b in zip(blank.splitlines(), right.splitlines()) if a != b]
    assert len(changed) == 2 and changed[0][0] == line_of(blank, "Question 1")  # the item and the counts in the total


@pytest.mark.slow
def test_a_wrong_form_gets_its_plain_words_hint(printed):
    """Does a number where a label in quotes is wanted get the visible test's hint, in plain words?"""
    line = line_of(printed["right"], "Question 3")
    assert line.endswith("not in the form the question asks for: The answer should be one of these labels, in quotes: "
                         "faithful, paraphrased, truncated, altered_meaning, misattributed, not_found.")
    assert "Error" not in line


@pytest.mark.slow
def test_no_hidden_test_words_reach_the_output(printed):
    """Is nothing of the hidden tests (their messages, their code) or the solutions in what the student sees?"""
    secrets = secret_lines(nbformat.read(classdir.source_notebook(ASSIGNMENT), as_version=4))
    for text in printed.values():
        assert find_leaks(text, secrets) == []
        assert "does not match" not in text and "not the publisher" not in text  # two of ps1's hidden-test messages
        assert not re.search(r"\d+/\d+ pts", text)  # no score: it would count hidden tests


def test_the_graded_copy_has_no_hidden_region_and_keeps_every_visible_check():
    """Does the copy the self-check grades against lose every hidden region, in every assignment, and nothing visible?"""
    config = classdir.nbgrader_config()
    for assignment in classdir.assignment_ids():
        source = nbformat.read(classdir.source_notebook(assignment), as_version=4)
        stripped = selfcheck.visible_only(source, config)
        release = {c.metadata.nbgrader["grade_id"]: c.source for c in released(assignment).cells if c.metadata.get("nbgrader", {}).get("grade")}
        assert not any("HIDDEN TESTS" in c.source for c in stripped.cells), assignment
        for cell in stripped.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                assert cell.source == release[meta["grade_id"]], (assignment, meta["grade_id"])  # exactly what students have


# --- issue 22: a learner without an instructor reads the self-check -------------------------------------------
GRADE_ID = re.compile(r"\b[a-z]\d+-(tests|answer)\b")
EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b")


@pytest.mark.slow
def test_the_graded_self_check_speaks_plain_words(printed):
    """No grade id (q1-tests), no exception name (AssertionError), no 'your instructor' a self-study learner lacks;
    every item is named by its question's own heading."""
    for text in printed.values():
        assert not GRADE_ID.search(text) and not EXCEPTION_NAME.search(text), text
        assert "your instructor" not in text
        assert "Question 6, box 1 of 2: " in text and "Data skills: " in text


def practice_copy(folder: Path, answers: dict[str, str]) -> Path:
    """A learner's copy of the practice set (as `course start` makes it) with ``answers`` (name -> source) written."""
    from course.grading.keys import practice

    [practice_id] = practice.practice_ids()
    copied = practice.copy_to(folder)
    assert copied == [practice_id]
    path = folder / practice_id / f"{practice_id}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        for name, source in answers.items():
            if cell.cell_type == "code" and f"{name} = None" in cell.source:
                cell.source = source
    nbformat.write(notebook, path)
    return path


@pytest.mark.slow
def test_the_practice_self_check_gives_full_feedback_from_any_folder_and_any_python(tmp_path):
    """The practice set is never graded, so its self-check says right or not quite, and why. It runs the same
    called as `../.venv/bin/python -m course selfcheck` from inside the workspace (the dots once broke bwrap), with
    an absolute path from elsewhere, and through a symlinked environment (another path to the same interpreter)."""
    workspace = tmp_path / "my-work"
    path = practice_copy(workspace, {"comparison_C14": "comparison_C14 = 'paraphrased'",
                                     "type_of_S004": "type_of_S004 = 'government'", "page_of_C01": "page_of_C01 = 3"})
    (path.parent / "my-answers.json").write_text('{"practice-r06-weigh": "The reasons are weak."}', encoding="utf-8")
    venv = Path(sys.prefix)
    (tmp_path / "linked-venv").symlink_to(venv, target_is_directory=True)
    relative = os.path.relpath(venv / "bin" / "python", workspace)
    env = dict(os.environ, PYTHONPATH=str(Path(course.__file__).resolve().parents[1]))  # this checkout's `course`
    runs = {
        "relative": ([relative, "-m", "course", "selfcheck", str(path.relative_to(workspace))], workspace),
        "absolute": ([str(venv / "bin" / "python"), "-m", "course", "selfcheck", str(path)], Path("/")),
        "symlinked": ([str(tmp_path / "linked-venv" / "bin" / "python"), "-m", "course", "selfcheck", path.name], path.parent),
    }
    outputs = {}
    for how, (command, cwd) in runs.items():
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (how, done.stderr[-2000:])
        assert done.stderr.strip() == "", (how, done.stderr[-2000:])  # no kernel warning or traceback for a learner
        outputs[how] = done.stdout
    assert outputs["relative"] == outputs["absolute"] == outputs["symlinked"]
    text = outputs["absolute"]
    assert "Question 1\n  Right: paraphrased." in text and "\n  Why: The kit's desk compared citation C14" in text
    assert "Question 2\n  Not quite: government is not the answer the evidence supports. Alhurra is funded" in text
    assert "Question 3\n  Not checked yet: The answer should be one id in quotes" in text
    assert "Question 4\n  Not answered yet: replace None with your answer" in text
    assert "1 of 7 answers right; 1 not quite; 5 not answered yet or not in the form asked for." in text
    assert "Question 8: you have written an answer." in text
    assert not GRADE_ID.search(text) and not EXCEPTION_NAME.search(text) and "q8-written" not in text


@pytest.mark.slow
def test_a_practice_notebook_that_stops_is_said_in_plain_words(tmp_path):
    """A cell that raises stops the run: one plain sentence (no exception name), never a traceback."""
    path = practice_copy(tmp_path, {"comparison_C14": "comparison_C14 = undefined_name"})
    result = selfcheck.run_selfcheck(path)
    text = result.table()
    assert "could not be run to the end: a cell stopped with an error" in text
    assert not EXCEPTION_NAME.search(text) and "Traceback" not in text


@pytest.mark.slow
def test_the_graded_self_check_runs_from_any_folder_and_any_python(copies, tmp_path):
    """The graded self-check starts a sandboxed kernel with the interpreter that runs it: called as
    `../.venv/bin/python` from the workspace (the dots once broke bwrap) or through a symlinked environment
    (bwrap could not exec the link's path), it prints the same report as with the plain path."""
    _, untouched = copies
    workspace = tmp_path / "my-work"
    (workspace / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(untouched, workspace / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    venv = Path(sys.prefix)
    (tmp_path / "linked-venv").symlink_to(venv, target_is_directory=True)
    env = dict(os.environ, PYTHONPATH=str(Path(course.__file__).resolve().parents[1]))
    env.pop("COURSE_DB_URL", None)
    target = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    pythons = {"plain": str(venv / "bin" / "python"), "relative": os.path.relpath(venv / "bin" / "python", workspace),
               "symlinked": str(tmp_path / "linked-venv" / "bin" / "python")}
    runs = {how: subprocess.Popen([python, "-m", "course", "selfcheck", target], cwd=workspace, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for how, python in pythons.items()}
    printed = {}
    for how, run in runs.items():
        stdout, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, (how, stderr[-2000:])
        printed[how] = stdout
    assert printed["plain"] == printed["relative"] == printed["symlinked"]
    assert "Question 1: The answer has not been written yet" in printed["plain"]


@pytest.mark.slow
def test_a_notebook_the_self_check_cannot_run_gets_one_plain_sentence(copies, tmp_path):
    """A notebook the grader cannot run (here: it asks for a kernel nobody has) ends in one plain line saying what
    to do; the grader's own reason comes on a line of its own, for whoever helps."""
    _, untouched = copies
    notebook = nbformat.read(untouched, as_version=4)
    notebook.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "?", "language": "python"}
    path = tmp_path / f"{ASSIGNMENT}.ipynb"
    nbformat.write(notebook, path)
    done = subprocess.run([sys.executable, "-m", "course", "selfcheck", str(path)], capture_output=True, text=True,
                          timeout=300, cwd=Path(course.__file__).resolve().parents[1])
    assert done.returncode == 2
    *detail, line = done.stderr.strip().splitlines()
    assert line == (f"course selfcheck: error: could not check {path.name}: open it in JupyterLab and run it from the "
                    "top (Run > Run All Cells) to see where it stops")
    assert detail and detail[-1].startswith("technical detail: ") and "no-such-kernel" in detail[-1]
