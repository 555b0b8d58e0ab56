"""Grading a class at once (course.grading.run.verbs.autograde with course.grading.run.parallel and course.grading.preprocessors.sandboxed_execute).

One demo class (one assignment, the eight synthetic students) is generated
once; every test grades its own copy. The reference is stock nbgrader: the
``nbgrader autograde`` command line on another copy of the same class.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import nbformat
import pytest

from course.grading import classdir
from course.grading.run import demo, verbs
from course.grading.gradebook import store as gradebookops
from course.grading.sandbox import bwrap as sandbox
from course.grading.classdir import GradingError

ASSIGNMENT = "ps2-claims-and-evidence"
AVAILABLE, WHY = sandbox.sandbox_available()
needs_sandbox = pytest.mark.skipif(not AVAILABLE, reason=f"bubblewrap unavailable: {WHY}")

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A collected, not yet graded demo class (SQLite gradebook in the folder); copy it, never grade it."""
    folder = tmp_path_factory.mktemp("pristine") / "class"
    demo.build_demo_class(folder, ASSIGNMENT)
    return folder


def copy_class(pristine: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(pristine, target, symlinks=True)
    return target


def submitted_notebook(class_dir: Path, student: str) -> Path:
    return class_dir / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def autograded_notebook(class_dir: Path, student: str) -> Path:
    return class_dir / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def prepend_to_cell(class_dir: Path, student: str, grade_id: str, code: str) -> int:
    """Put ``code`` at the top of a student's cell; return the cell's index."""
    path = submitted_notebook(class_dir, student)
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    nb.cells[index].source = code + "\n" + nb.cells[index].source
    nbformat.write(nb, path)
    return index


def written_points() -> float:
    """Points of the written answers (graded by hand, so never part of an autograde score)."""
    source = nbformat.read(classdir.source_notebook(ASSIGNMENT), as_version=4)
    return sum(c.metadata.nbgrader["points"] for c in source.cells
               if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade"))


def gradebook_rows(class_dir: Path) -> dict:
    """Every grade and comment per (student, cell), and each submission's timestamp and late penalty."""
    with sqlite3.connect(class_dir / "gradebook.db") as db:
        grades = db.execute("""SELECT sa.student_id, bc.name, g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade
            FROM grade g JOIN submitted_notebook sn ON sn.id = g.notebook_id JOIN submitted_assignment sa ON sa.id = sn.assignment_id
            JOIN base_cell bc ON bc.id = g.cell_id ORDER BY 1, 2""").fetchall()
        comments = db.execute("""SELECT sa.student_id, bc.name, c.auto_comment, c.manual_comment
            FROM comment c JOIN submitted_notebook sn ON sn.id = c.notebook_id JOIN submitted_assignment sa ON sa.id = sn.assignment_id
            JOIN base_cell bc ON bc.id = c.cell_id ORDER BY 1, 2""").fetchall()
        submissions = db.execute("""SELECT sa.student_id, sa.timestamp, sn.late_submission_penalty
            FROM submitted_assignment sa JOIN submitted_notebook sn ON sn.assignment_id = sa.id ORDER BY 1""").fetchall()
    return {"grades": grades, "comments": comments, "submissions": submissions}


#: A traceback frame inside the answer checker: stock nbgrader shows the module's file, the sandbox the
#: grader's own copy it re-installs before each test cell (so a notebook cannot replace it); the frames say
#: nothing about the submission, and the error line under them is the same.
CHECKER_FRAME = re.compile(r"course/grading/keys/check\.py")


def normalised(path: Path) -> dict:
    """An autograded notebook without what differs between two runs of the same code:
    execution timestamps, where the kernel happened to split a stream, and the checker's own frames."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
        merged = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output = {**output, "traceback": [line for line in output["traceback"] if not CHECKER_FRAME.search(line)]}
            if output.get("output_type") == "stream":
                output = {**output, "text": "".join(output["text"])}
                if merged and merged[-1].get("output_type") == "stream" and merged[-1]["name"] == output["name"]:
                    merged[-1]["text"] += output["text"]
                    continue
            merged.append(output)
        if "outputs" in cell:
            cell["outputs"] = merged
    return nb


def autograded_files(class_dir: Path) -> dict[str, object]:
    """Every file nbgrader wrote under autograded/: notebooks normalised, other files as bytes."""
    root = class_dir / "autograded"
    return {str(p.relative_to(root)): normalised(p) if p.suffix == ".ipynb" else p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def stock_cli_autograde(class_dir: Path) -> None:
    """Stock nbgrader, sequential: `nbgrader autograde ASSIGNMENT` on the class (config from nbgrader_config.py)."""
    venv_bin = str(Path(sys.executable).parent)
    # nbgrader_config.py sandboxes plain nbgrader; "stock" here means nbgrader's own Execute.
    env = {**os.environ, "COURSE_CLASS_DIR": str(class_dir), "PATH": venv_bin + os.pathsep + os.environ["PATH"],
           "COURSE_UNSANDBOXED_GRADING": "I-understand"}
    done = subprocess.run([os.path.join(venv_bin, "nbgrader"), "autograde", ASSIGNMENT], cwd=classdir.paths.REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def stock(pristine, tmp_path_factory) -> Path:
    """The class graded by the stock nbgrader command line."""
    folder = copy_class(pristine, tmp_path_factory.mktemp("stock"), "class")
    stock_cli_autograde(folder)
    return folder


# --- parallel grading equals stock nbgrader ----------------------------------------------------------------------

def test_two_jobs_without_sandbox_equal_stock_nbgrader(pristine, stock, tmp_path):
    """With jobs=2 and sandbox="off", are scores, comments, timestamps and autograded files those of stock `nbgrader autograde`?"""
    ours = copy_class(pristine, tmp_path, "class")
    report = verbs.autograde(ASSIGNMENT, class_dir=ours, jobs=2, sandbox="off", progress=False)
    assert report.jobs == 2 and not report.sandboxed
    assert [r.status for r in report.results] == ["graded"] * len(demo.STUDENTS)
    assert gradebook_rows(ours) == gradebook_rows(stock)
    assert autograded_files(ours) == autograded_files(stock)


@needs_sandbox
def test_two_jobs_in_the_sandbox_equal_stock_nbgrader_too(pristine, stock, tmp_path):
    """Sandboxed, in scratch folders, on kernels started ahead: are the grades and autograded files still stock nbgrader's?"""
    ours = copy_class(pristine, tmp_path, "class")
    report = verbs.autograde(ASSIGNMENT, class_dir=ours, jobs=2, progress=False)
    assert report.sandboxed and report.jobs == 2
    assert gradebook_rows(ours) == gradebook_rows(stock)
    assert autograded_files(ours) == autograded_files(stock)
    scores = {r.student: r.score for r in report.results}
    assert scores["demo-perfect"] == scores["demo-late"] > scores["demo-partial"] > scores["demo-empty"] == 0
    assert "grade cell 'q1-tests' deleted" in report.by_student(ASSIGNMENT)["demo-deleted-test"].reason
    assert verbs.gradebook_integrity(ours) == []


# --- the sandbox, a crash, a broken notebook ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def troubled(pristine, tmp_path_factory):
    """A class where one student snoops on the others, one kills its kernel and one submits broken JSON,
    graded with the defaults (sandbox "auto", one job per CPU)."""
    class_dir = copy_class(pristine, tmp_path_factory.mktemp("troubled"), "class")
    probe = (f"import glob, os\nprint('OTHERS', sorted(glob.glob({str(class_dir)!r} + '/*/*/*/*.ipynb')),"
             f" os.path.exists({str(class_dir / 'gradebook.db')!r}), os.path.isdir({str(classdir.ASSIGNMENTS_DIR)!r}),"
             " sorted(os.listdir('.')))")
    prepend_to_cell(class_dir, "demo-late", "q1-answer", probe)
    crash_at = prepend_to_cell(class_dir, "demo-perfect", "q3-answer", "import os\nos._exit(3)")
    submitted_notebook(class_dir, "demo-raises").write_text("{ half a notebook", encoding="utf-8")
    report = verbs.autograde(ASSIGNMENT, class_dir=class_dir, progress=False)
    return class_dir, report, crash_at


@needs_sandbox
def test_the_sandbox_is_on_by_default_and_hides_other_students(troubled):
    """By default, is student code sandboxed, so that it sees only its own submission (the notebook and the
    source packet released with it): no other submission, no gradebook, no source notebooks?"""
    class_dir, report, _ = troubled
    assert report.sandboxed and report.warnings == []
    nb = nbformat.read(autograded_notebook(class_dir, "demo-late"), as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q1-answer")
    printed = "".join(o.get("text", "") for o in answer.outputs if o.output_type == "stream")
    assert printed == f"OTHERS [] False False ['packets.json', '{ASSIGNMENT}.ipynb']\n"
    late = report.by_student(ASSIGNMENT)["demo-late"]
    assert late.score == late.max_score - written_points()  # every automatic point: printing costs nothing


@needs_sandbox
def test_a_crashed_kernel_keeps_the_scores_of_the_cells_before_the_crash(troubled):
    """When the kernel dies (os._exit) in one answer, do the tests before it keep their points, does the rest of
    the notebook still run on a fresh kernel (the crashed answer's own test scores 0: its value was never set;
    the later answers, each a value in its own cell, keep theirs), and does the report say where and why?"""
    class_dir, report, crash_at = troubled
    source = nbformat.read(classdir.source_notebook(ASSIGNMENT), as_version=4)
    tests = [(i, c.metadata.nbgrader) for i, c in enumerate(source.cells)
             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    auto = [(i, meta) for i, meta in tests if not meta.get("solution")]  # test cells, not written answers
    crashed_test = min(i for i, _ in auto if i > crash_at)  # the test of the answer that crashed
    expected = {meta["grade_id"]: (0 if i == crashed_test else meta["points"]) for i, meta in auto}
    earlier = sum(meta["points"] for i, meta in auto if i < crash_at)
    assert 0 < earlier < sum(expected.values()) < sum(meta["points"] for _, meta in auto)
    result = report.by_student(ASSIGNMENT)["demo-perfect"]
    assert result.status == "graded" and result.kernel_died and not result.timed_out
    assert result.score == sum(expected.values())
    assert result.reason.startswith(f"cell {crash_at + 1} stopped the kernel (exit status 3)")
    with sqlite3.connect(class_dir / "gradebook.db") as db:
        scores = dict(db.execute("""SELECT bc.name, g.auto_score FROM grade g JOIN base_cell bc ON bc.id = g.cell_id
            JOIN submitted_notebook sn ON sn.id = g.notebook_id JOIN submitted_assignment sa ON sa.id = sn.assignment_id
            WHERE sa.student_id = 'demo-perfect' AND bc.type = 'GradeCell'""").fetchall())
    for grade_id, points in expected.items():
        assert scores[grade_id] == points, grade_id
    nb = nbformat.read(autograded_notebook(class_dir, "demo-perfect"), as_version=4)
    assert [o.ename for o in nb.cells[crash_at].outputs if o.output_type == "error"] == ["KernelDied"]
    later = [c for c in nb.cells[crash_at + 1:] if c.cell_type == "code"]
    assert later and all(c.execution_count is not None for c in later)  # ran on the fresh kernel
    assert not any(o.get("ename") == "NotExecuted" for c in later for o in c.outputs)


def test_a_broken_notebook_fails_alone_with_its_reason_in_report_gradebook_and_feedback(troubled):
    """Is invalid JSON reported as failed with a reason, given 0 for a human to look at, explained in its
    feedback, while everyone else is graded?"""
    class_dir, report, _ = troubled
    results = report.by_student(ASSIGNMENT)
    broken = results["demo-raises"]
    assert (broken.status, broken.score) == ("failed", 0)
    assert broken.reason.startswith("invalid notebook JSON") and "NotJSONError" in broken.reason
    assert sorted(s for s, r in results.items() if r.status == "graded") == sorted(
        s.student_id for s in demo.STUDENTS if s.student_id != "demo-raises")
    assert "demo-raises" in report.table() and "invalid notebook JSON" in report.table()
    files = verbs.feedback(ASSIGNMENT, class_dir=class_dir, progress=False)
    note = class_dir / "feedback" / "demo-raises" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert note in files and "invalid notebook JSON" in note.read_text(encoding="utf-8")
    assert verbs.gradebook_integrity(class_dir) == []


def test_only_failures_is_an_error_that_carries_the_report(troubled):
    """Asked to grade only a broken submission, does autograde raise GradingError with the report attached?"""
    class_dir, _, _ = troubled
    with pytest.raises(GradingError, match=r"1 of 1 submissions not graded.*demo-raises/.*invalid notebook JSON") as caught:
        verbs.autograde(ASSIGNMENT, student="demo-raises", class_dir=class_dir, progress=False, backup=False)
    assert [r.status for r in caught.value.report.results] == ["failed"]


def test_required_sandbox_is_refused_where_bubblewrap_does_not_work(pristine, monkeypatch):
    """With sandbox="required" and no working bubblewrap, is grading refused before anything runs?"""
    monkeypatch.setattr(sandbox, "sandbox_available", lambda: (False, "simulated: no bwrap"))
    with pytest.raises(GradingError, match="required but unavailable: simulated: no bwrap"):
        verbs.autograde(ASSIGNMENT, class_dir=pristine, sandbox="required", progress=False)
    with pytest.raises(GradingError, match="unknown sandbox mode 'maybe'"):
        verbs.autograde(ASSIGNMENT, class_dir=pristine, sandbox="maybe", progress=False)


def test_auto_without_bubblewrap_warns_loudly_and_still_grades_outside_the_class(pristine, tmp_path, monkeypatch, capfd):
    """Without bubblewrap, does "auto" say SANDBOX DISABLED on stderr and in the report, and still grade in a scratch folder?"""
    monkeypatch.setattr(sandbox, "sandbox_available", lambda: (False, "simulated: no bwrap"))
    class_dir = copy_class(pristine, tmp_path, "class")
    prepend_to_cell(class_dir, "demo-perfect", "q1-answer", "import os\nprint('CWD', os.getcwd())")
    report = verbs.autograde(ASSIGNMENT, student="demo-perfect", class_dir=class_dir, jobs=1, progress=False)
    assert not report.sandboxed and "SANDBOX DISABLED: simulated: no bwrap" in report.warnings[0]
    assert "WARNING: SANDBOX DISABLED" in report.table() and "SANDBOX DISABLED" in capfd.readouterr().err
    result = report.by_student(ASSIGNMENT)["demo-perfect"]
    assert result.status == "graded" and result.score == result.max_score - written_points()
    nb = nbformat.read(autograded_notebook(class_dir, "demo-perfect"), as_version=4)
    printed = next(o.text for c in nb.cells for o in c.get("outputs", []) if o.get("text", "").startswith("CWD"))
    assert str(class_dir) not in printed


# --- backups, resume -------------------------------------------------------------------------------------------

def submissions_in(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT student_id FROM submitted_assignment ORDER BY 1")]


def test_the_gradebook_is_backed_up_before_grading_and_the_backup_restores(pristine, tmp_path):
    """Is a copy of the gradebook as it was before the run written to class/backups/, and does restoring it undo the run?"""
    class_dir = copy_class(pristine, tmp_path, "class")
    database = class_dir / "gradebook.db"
    report = verbs.autograde(ASSIGNMENT, student="demo-perfect", class_dir=class_dir, progress=False)
    assert report.backup_path.parent == class_dir / "backups" and report.backup_path.suffix == ".db"
    assert submissions_in(report.backup_path) == [] and submissions_in(database) == ["demo-perfect"]
    gradebookops.restore_gradebook(report.backup_path, f"sqlite:///{database}")
    assert submissions_in(database) == []
    assert verbs.autograde(ASSIGNMENT, student="demo-perfect", class_dir=class_dir, backup=False,
                             progress=False).backup_path is None


def test_integrity_check_finds_a_score_above_max_a_missing_grade_row_and_an_orphan(pristine, tmp_path):
    """Does gradebook_integrity name a score above the maximum, a lost grade row and a row pointing at nothing?"""
    class_dir = copy_class(pristine, tmp_path, "class")
    verbs.autograde(ASSIGNMENT, student="demo-perfect", class_dir=class_dir, progress=False, sandbox="off")
    assert verbs.gradebook_integrity(class_dir) == []
    with sqlite3.connect(class_dir / "gradebook.db") as db:
        db.execute("UPDATE grade SET auto_score = 1000 WHERE cell_id = (SELECT id FROM base_cell WHERE name = 'q2-tests')")
        db.execute("DELETE FROM grade WHERE cell_id = (SELECT id FROM base_cell WHERE name = 'q3-tests')")
        db.execute("INSERT INTO comment (id, notebook_id, cell_id) VALUES ('orphan', 'no-such-notebook', 'no-such-cell')")
    problems = "\n".join(verbs.gradebook_integrity(class_dir))
    assert "grade of 'q2-tests' is out of range (auto 1000.0" in problems
    assert "0 grade rows for grade cell 'q3-tests' (expected 1)" in problems
    assert "orphan row(s) in comment" in problems


def test_a_killed_run_resumes_without_grading_anyone_twice_or_losing_anyone(pristine, tmp_path):
    """Kill the command line while it grades a submission that never finishes; does the next run skip exactly the
    submissions already graded and grade all the others?"""
    class_dir = copy_class(pristine, tmp_path, "class")
    students = sorted(s.student_id for s in demo.STUDENTS)
    first, sleeper = students[0], students[1]
    original = submitted_notebook(class_dir, sleeper).read_bytes()
    prepend_to_cell(class_dir, sleeper, "q1-answer", "import time\ntime.sleep(600)")
    command = [sys.executable, "-m", "course", "autograde", ASSIGNMENT, "--class-dir", str(class_dir), "--jobs", "1"]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           cwd=classdir.paths.REPO_ROOT, start_new_session=True)
    watchdog = threading.Timer(240, run.kill)  # never hang the suite
    watchdog.start()
    try:
        line = run.stdout.readline()  # the first result: the next submission (the sleeper) is now being graded
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
        watchdog.cancel()
    assert line.split()[:3] == [first, ASSIGNMENT, "graded"], line
    graded_first = gradebookops.read_record(class_dir, ASSIGNMENT, first)
    assert graded_first["status"] == "graded"
    assert all(gradebookops.read_record(class_dir, ASSIGNMENT, s) is None for s in students[1:])
    mtime = autograded_notebook(class_dir, first).stat().st_mtime_ns
    left_behind = list(Path(tempfile.gettempdir()).glob(f"course-grading-{run.pid}-*"))
    assert left_behind or not AVAILABLE  # SIGKILL: the killed run could not remove its scratch folders

    submitted_notebook(class_dir, sleeper).write_bytes(original)  # the student's real submission
    report = verbs.autograde(ASSIGNMENT, class_dir=class_dir, jobs=2, progress=False)
    assert not any(path.exists() for path in left_behind)  # the next run did
    status = {r.student: r.status for r in report.results}
    assert status == {s: "skipped" if s == first else "graded" for s in students}
    assert gradebookops.read_record(class_dir, ASSIGNMENT, first) == graded_first
    assert autograded_notebook(class_dir, first).stat().st_mtime_ns == mtime
    assert verbs.gradebook_integrity(class_dir) == []
    assert len(list((class_dir / "backups").glob("*.db"))) == 2  # one per run, the killed one included

    again = verbs.autograde(ASSIGNMENT, class_dir=class_dir, jobs=2, progress=False)
    assert {r.status for r in again.results} == {"skipped"}
    assert [r.status for r in verbs.autograde(ASSIGNMENT, student=first, class_dir=class_dir, force=True,
                                                 progress=False).results] == ["graded"]


def test_a_new_submission_is_regraded_on_resume(pristine, tmp_path):
    """After a student submits again (new timestamp and content), does a resumed run grade that submission again?"""
    class_dir = copy_class(pristine, tmp_path, "class")
    verbs.autograde(ASSIGNMENT, student="demo-empty", class_dir=class_dir, progress=False, sandbox="off")
    folder = class_dir / "submitted" / "demo-empty" / ASSIGNMENT
    shutil.copyfile(submitted_notebook(class_dir, "demo-perfect"), folder / f"{ASSIGNMENT}.ipynb")
    (folder / "timestamp.txt").write_text("2025-03-14 12:00:00.000000 UTC", encoding="utf-8")
    report = verbs.autograde(ASSIGNMENT, student="demo-empty", class_dir=class_dir, progress=False, sandbox="off")
    result = report.by_student(ASSIGNMENT)["demo-empty"]
    assert result.status == "graded" and result.score > 0


def test_bad_jobs_and_a_sqlite_gradebook_for_a_cluster_are_refused(pristine):
    """Are jobs=0 and a Dask scheduler with a SQLite gradebook refused with a message saying why?"""
    with pytest.raises(GradingError, match="jobs must be a whole number of at least 1"):
        verbs.autograde(ASSIGNMENT, class_dir=pristine, jobs=0, progress=False)
    with pytest.raises(GradingError, match="SQLite must not be shared across machines"):
        verbs.autograde(ASSIGNMENT, class_dir=pristine, scheduler="tcp://127.0.0.1:1", progress=False)
