"""The instructor's grading round trip, one plain function per ``python -m course`` verb.

============  =====================================================================
``release``   build the student version of an assignment and put it in the exchange
``collect``   copy the students' submissions from the exchange into ``submitted/``
``autograde`` run every submission and record its scores in the gradebook
``feedback``  write HTML feedback (hidden tests removed) and release it to students
``grades``    export the gradebook for an LMS, print a table, draw the distribution
``demo``      all of the above on a generated class of synthetic students
============  =====================================================================

Every step is nbgrader's own, called through one long-lived
:class:`nbgrader.apps.NbGraderAPI` (see :func:`course.classdir.open_api`), so
nbgrader's start-up cost is paid once per run, not once per student. The class
folder comes from ``nbgrader_config.py``; each function takes ``class_dir`` to
work on another one, and ``api`` to reuse an API object between steps.

Every step can run twice: release replaces the student version, collect takes
only newer submissions, autograde regrades (nbgrader keeps manual grades and
comments), feedback and grades rewrite their files. Bad input raises
:class:`~course.classdir.GradingError` with a one-line message and changes
nothing it was not asked to change.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

from course.classdir import GradingError, open_api, resolve_assignments


def _progress(items, description: str, enabled: bool):
    """A tqdm progress bar on stderr (a plain iterator when disabled)."""
    if not enabled or not items:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=description, unit="submission", leave=False)


def _first_error_line(result: dict) -> str:
    """The most useful line of a failed nbgrader call: its last error or log line."""
    for text in (result.get("error", ""), result.get("log", "")):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return "nbgrader reported a failure without a message"


def parse_due(due: str | dt.datetime | None) -> dt.datetime | None:
    """A due date as nbgrader stores it (naive UTC); strings are ISO 8601, naive means UTC."""
    if due is None or (isinstance(due, dt.datetime) and due.tzinfo is None):
        return due
    if isinstance(due, str):
        try:
            due = dt.datetime.fromisoformat(due)
        except ValueError:
            raise GradingError(f"due date {due!r} is not ISO 8601, e.g. 2025-03-14T17:00 (UTC) or 2025-03-14T17:00+01:00") from None
        if due.tzinfo is None:
            return due
    return due.astimezone(dt.timezone.utc).replace(tzinfo=None)


def release(assignment: str | list[str] = "all", *, due=None, class_dir: Path | None = None, api=None) -> list[str]:
    """Generate the student version of each assignment and release it to the exchange.

    ``due`` (ISO 8601 string or datetime; naive means UTC) is stored in the
    gradebook: submissions timestamped after it are reported late. Without
    ``due`` an existing due date is kept. Returns the released assignment ids.
    """
    ids = resolve_assignments(assignment)
    due = parse_due(due)
    api = api or open_api(class_dir, create=True)
    for assignment_id in ids:
        result = api.generate_assignment(assignment_id, force=True, create=True)
        if not result["success"]:
            raise GradingError(f"could not generate {assignment_id}: {_first_error_line(result)}")
        if due is not None:
            with api.gradebook as book:
                book.update_or_create_assignment(assignment_id, duedate=due)
        result = api.release_assignment(assignment_id)
        if not result["success"]:
            raise GradingError(f"could not release {assignment_id}: {_first_error_line(result)}")
    return ids


def _require_released(api, assignment_id: str) -> None:
    from nbgrader.api import MissingEntry

    with api.gradebook as book:
        try:
            book.find_assignment(assignment_id)
        except MissingEntry:
            raise GradingError(f"{assignment_id} has not been released in this class; run `python -m course release {assignment_id}` first") from None


def collect(assignment: str | list[str] = "all", *, class_dir: Path | None = None, api=None) -> dict[str, list[str]]:
    """Copy each student's latest submission from the exchange into ``submitted/``.

    Returns, per assignment, the ids of the students with a collected
    submission. nbgrader keeps the submission's ``timestamp.txt``, which is
    what makes a submission late or on time.
    """
    ids = resolve_assignments(assignment)
    api = api or open_api(class_dir)
    collected = {}
    for assignment_id in ids:
        _require_released(api, assignment_id)
        result = api.collect(assignment_id, update=True)
        if not result["success"]:
            raise GradingError(f"could not collect {assignment_id}: {_first_error_line(result)}")
        collected[assignment_id] = sorted(api.get_submitted_students(assignment_id))
    return collected


def _submissions(api, assignment_ids: list[str], student: str | None, *, autograded: bool = False) -> list[tuple[str, str]]:
    """(assignment, student) pairs to work on; an unknown student is a GradingError."""
    pairs = []
    everyone = set()
    for assignment_id in assignment_ids:
        _require_released(api, assignment_id)
        found = api.get_autograded_students(assignment_id) if autograded else api.get_submitted_students(assignment_id)
        everyone.update(found)
        pairs.extend((assignment_id, s) for s in sorted(found) if student is None or s == student)
    if student is not None and not pairs:
        what = "an autograded submission" if autograded else "a submission"
        known = ", ".join(sorted(everyone)) or "none"
        raise GradingError(f"no student {student!r} with {what} of {', '.join(assignment_ids)}; students: {known}")
    return pairs


def _unreadable(api, assignment_id: str, student_id: str) -> str | None:
    """Why a submission cannot be graded (missing or unreadable notebook), or None."""
    import nbformat

    folder = Path(api.coursedir.format_path(api.coursedir.submitted_directory, student_id, assignment_id))
    notebook = folder / f"{assignment_id}.ipynb"
    if not notebook.is_file():
        return f"{student_id}/{assignment_id}: no {notebook.name} in the submission"
    try:
        nbformat.read(notebook, as_version=4)
    except Exception as exc:  # JSON errors, permissions, wrong nbformat: all mean "cannot be read"
        return f"{student_id}/{assignment_id}: {notebook.name} cannot be read ({type(exc).__name__})"
    return None


def autograde(assignment: str | list[str] = "all", *, student: str | None = None, class_dir: Path | None = None,
              api=None, progress: bool = True) -> list[tuple[str, str]]:
    """Autograde every collected submission (or one student's), recording scores in the gradebook.

    Regrading is safe: nbgrader overwrites only the automatic scores, so manual
    grades and comments already entered stay. A submission whose notebook is
    missing or unreadable is skipped (nothing of it is changed); after grading
    the rest, a :class:`GradingError` names every skipped one. Returns the
    (assignment, student) pairs graded.
    """
    ids = resolve_assignments(assignment)
    api = api or open_api(class_dir)
    pairs = _submissions(api, ids, student)
    graded, problems = [], []
    for assignment_id, student_id in _progress(pairs, "autograde", progress):
        problem = _unreadable(api, assignment_id, student_id)
        if problem is None:
            result = api.autograde(assignment_id, student_id, force=True, create=True)
            if result["success"]:
                graded.append((assignment_id, student_id))
                continue
            problem = f"{student_id}/{assignment_id}: {_first_error_line(result)}"
        problems.append(problem)
    if problems:
        raise GradingError(f"{len(problems)} of {len(pairs)} submissions not graded (the others were): " + "; ".join(problems))
    return graded


def _check_for_leaks(api, assignment_id: str, student_id: str, html_files: list[Path]) -> list[str]:
    """Delete feedback files that would show solution or hidden-test text; return what was wrong."""
    import nbformat

    from course.classdir import source_notebook
    from course.leaks import find_leaks, html_text, notebook_text, secret_lines

    submitted = Path(api.coursedir.format_path(api.coursedir.submitted_directory, student_id, assignment_id))
    own_words = notebook_text(nbformat.read(submitted / f"{assignment_id}.ipynb", as_version=4))
    secrets = secret_lines(nbformat.read(source_notebook(assignment_id), as_version=4), allowed=own_words)
    problems = []
    for html in html_files:
        leaks = find_leaks(html_text(html.read_text(encoding="utf-8")), secrets)
        if leaks:
            html.unlink()
            problems.append(f"{student_id}/{assignment_id}: feedback withheld, it would show {len(leaks)} line(s) of solutions or hidden tests")
    return problems


def feedback(assignment: str | list[str] = "all", *, student: str | None = None, class_dir: Path | None = None,
             api=None, progress: bool = True, release_to_students: bool = True) -> list[Path]:
    """Write HTML feedback for autograded submissions and release it to the exchange.

    The feedback shows each test cell's score and, for failed tests, the
    exception type and a hint; hidden tests are removed (see
    :mod:`course.feedback`). Each file is scanned for solution and hidden-test
    text before release and withheld if any is found. Returns the HTML files.
    """
    ids = resolve_assignments(assignment)
    api = api or open_api(class_dir)
    pairs = _submissions(api, ids, student, autograded=True)
    written, problems = [], []
    for assignment_id, student_id in _progress(pairs, "feedback", progress):
        result = api.generate_feedback(assignment_id, student_id, force=True)
        if not result["success"]:
            problems.append(f"{student_id}/{assignment_id}: {_first_error_line(result)}")
            continue
        folder = Path(api.coursedir.format_path(api.coursedir.feedback_directory, student_id, assignment_id))
        html_files = sorted(folder.glob("*.html"))
        leak_problems = _check_for_leaks(api, assignment_id, student_id, html_files)
        if leak_problems:
            problems.extend(leak_problems)
            continue
        written.extend(html_files)
        if release_to_students:
            with warnings.catch_warnings():
                # nbgrader 0.9 misspells a keyword (`authentictor`) when it releases feedback; harmless.
                warnings.simplefilter("ignore", DeprecationWarning)
                result = api.release_feedback(assignment_id, student_id)
            if not result["success"]:
                problems.append(f"{student_id}/{assignment_id}: feedback not released: {_first_error_line(result)}")
    if problems:
        raise GradingError(f"{len(problems)} of {len(pairs)} feedback files not written or released: " + "; ".join(problems))
    return written


def grades(assignment: str | list[str] = "all", *, class_dir: Path | None = None, csv_path: Path | None = None,
           figure_path: Path | None = None, api=None):
    """Export grades for an LMS, and summarise them as a table and a figure.

    Writes a Canvas-style gradebook import CSV (see
    :func:`course.gradereport.write_lms_csv`), a grade-distribution PNG with
    its alt text in a ``.txt`` beside it, and returns a
    :class:`course.gradereport.GradeReport` whose ``table()`` is the printed
    summary. Defaults: ``<class>/grades/grades.csv`` and
    ``<class>/grades/grade-distribution.png``.
    """
    from course import gradereport

    ids = resolve_assignments(assignment)
    api = api or open_api(class_dir)
    report = gradereport.collect_report(api, ids)
    out = Path(api.coursedir.root) / "grades"
    report.csv_path = gradereport.write_lms_csv(report, Path(csv_path) if csv_path else out / "grades.csv")
    report.figure_path, report.alt_text_path = gradereport.plot_distribution(
        report, Path(figure_path) if figure_path else out / "grade-distribution.png")
    return report


def demo(class_dir: Path | None = None, assignment: str | list[str] = "all", *, progress: bool = True):
    """Run the whole round trip on the bundled demo class; see :func:`course.demo.run_demo`."""
    from course.demo import run_demo

    return run_demo(class_dir=class_dir, assignment=assignment, progress=progress)
