"""Feedback that tells students what passed, with a hint, and never shows hidden tests.

nbgrader's autograde restores every locked test cell from the gradebook, hidden
tests included, so stock ``nbgrader generate_feedback`` renders the hidden test
code in the student's HTML, and a failing hidden test's traceback quotes the
failing line. The kit adds one preprocessor to nbgrader's own feedback
pipeline, :class:`HideHiddenTests`, that works on the autograded copy before it
is rendered:

* the ``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS`` region is removed
  from each test cell (nbgrader's :class:`~nbgrader.preprocessors.ClearHiddenTests`
  logic) and replaced by one comment line saying hidden tests ran;
* every output of such a cell is reduced to what a student may see: nothing
  when it passed; when it failed, the exception type and a hint. The hint is
  the assertion message when that message is written in the test cell itself
  (so the author controls every word); any other error gets a general hint, so
  a hidden input echoed in an exception message never reaches the student.

A second preprocessor, :class:`SkillSummary`, puts a short table at the top of
the feedback: for each graded item and each rubric point of a written answer
(each point has its own answer cell and grade),
its skill and whether it was met (points earned), then the student's share of
points per skill in this assignment. It names rubric points by their public
text (the mark scheme every student sees) and never shows a model answer or an
accepted value.

The same reduction serves :mod:`course.grading.selfcheck`. Unlike most of the kit,
this module imports nbgrader at import time (it subclasses one of its
preprocessors), so only code that is about to run nbgrader imports it. The pipeline order matters
(grades are read while the cell ids are intact, hidden regions are removed
before the HTML is written); :func:`feedback_preprocessors` is the one place
that states it, and ``nbgrader_config.py`` uses it.
"""

from __future__ import annotations

from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader import utils as nbgrader_utils
from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor

#: The comment that stands where hidden tests were.
HIDDEN_PLACEHOLDER = "# Hidden tests ran here; their code is not shown."

#: Shown when a test cell failed with something other than an authored assertion.
GENERAL_HINT = (
    "A test could not run to the end. Check that the cell with your answer runs "
    "without errors and defines the names the task asks for, with the types it asks for."
)

#: Hints for errors whose cause is usually clear from their type alone (their messages are never shown).
ERROR_HINTS = {
    "NotImplementedError": "The answer has not been written yet: replace the stub with your answer (a value in place of None, or your code).",
    "NameError": "A name the test needs is not defined: run the cell with your answer (and the cells above it) without errors, and keep the names the task asks for.",
    "SyntaxError": "Python could not read a cell: fix the syntax error in your answer.",
}


def hint_for(ename: str, evalue: str, cell_source: str) -> str:
    """The hint a student may see for a failed test.

    ``cell_source`` is the full test cell (hidden region included): an
    AssertionError's message is kept only when it is written in that source,
    so the words come from the author and cannot carry a hidden test's input.
    """
    if ename == "AssertionError" and evalue and evalue in cell_source:
        return evalue
    return ERROR_HINTS.get(ename, GENERAL_HINT)


def has_hidden_tests(source: str, begin: str = "BEGIN HIDDEN TESTS") -> bool:
    """True when a cell's source holds a hidden-test region."""
    return begin in source


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden-test regions and reduce what their cells printed (see the module docstring)."""

    def preprocess_cell(self, cell, resources, cell_index):
        # Only autograder test cells: nbgrader restored them from the gradebook,
        # so their hidden regions are the author's (a student's own cell that
        # happens to contain the delimiter text is theirs to see).
        if not (cell.cell_type == "code" and nbgrader_utils.is_grade(cell) and not nbgrader_utils.is_solution(cell)):
            return cell, resources
        if not has_hidden_tests(cell.source, self.begin_test_delimeter):
            return cell, resources
        full_source = cell.source
        self._remove_hidden_test_region(cell)
        cell.source = cell.source.rstrip("\n") + "\n" + HIDDEN_PLACEHOLDER
        cell.outputs = _reduced_outputs(cell.get("outputs", []), full_source)
        return cell, resources


def _reduced_outputs(outputs, full_source: str) -> list:
    """Keep only one error line (type and hint) from a hidden-test cell's outputs."""
    from nbformat.v4 import new_output

    for output in outputs:
        if output.get("output_type") == "error":
            ename = output.get("ename") or "Error"
            hint = hint_for(ename, output.get("evalue") or "", full_source)
            return [new_output("error", ename=ename, evalue=hint, traceback=[f"{ename}: {hint}"])]
    return []


SUMMARY_TITLE = "## Your results by skill"


def skill_rows(nb) -> list[tuple[str, str, str, float, float]]:
    """(item, kind, skill, score, points) for every graded cell with a skill, after GetGrades set the scores."""
    rows = []
    for cell in nb.cells:
        grade = cell.metadata.get("nbgrader", {})
        course = cell.metadata.get("course") or {}
        if not (grade.get("grade") and course.get("skill") and grade.get("points")):
            continue
        if course.get("rubric_point"):
            kind = f"written, point {course['rubric_point']} of {course.get('question') or grade['grade_id'].split('-')[0]}"
        else:
            kind = "checked automatically"
        rows.append((grade["grade_id"], kind, course["skill"], float(grade.get("score") or 0), float(grade["points"])))
    return rows


def summary_markdown(rows) -> str:
    """The feedback's skills table: which items and rubric points were met, and the share per skill."""
    from course.evidence.skills import label

    lines = [SUMMARY_TITLE, "", "| item | how it is marked | skill | met? |", "|---|---|---|---|"]
    for item, kind, skill, score, points in rows:
        met = "met" if score >= points else ("partly met" if score > 0 else "not yet")
        lines.append(f"| `{item}` | {kind} | {label(skill)} | {met} ({score:g}/{points:g}) |")
    shares: dict[str, list[float]] = {}
    for _, _, skill, score, points in rows:
        shares.setdefault(skill, [0.0, 0.0])
        shares[skill][0] += score
        shares[skill][1] += points
    lines += ["", "Share of points per skill: " + "; ".join(f"{label(k)} {v[0]:g}/{v[1]:g}" for k, v in shares.items()) + "."]
    return "\n".join(lines)


class SkillSummary(NbGraderPreprocessor):
    """Insert the skills table (see the module docstring) after the notebook's first cell."""

    def preprocess(self, nb, resources):
        from nbformat.v4 import new_markdown_cell

        rows = skill_rows(nb)
        if rows:
            nb.cells.insert(1, new_markdown_cell(summary_markdown(rows), metadata={"course": {"feedback_summary": True}}))
        return nb, resources


def feedback_preprocessors() -> list:
    """nbgrader's feedback pipeline with the kit's hidden-test filter, in the order it needs.

    GetGrades first (it reads grades by cell id from the gradebook), then
    HideHiddenTests (it edits sources and outputs), then the skills table, then the HTML header.
    """
    return [GetGrades, HideHiddenTests, SkillSummary, CSSHTMLHeaderPreprocessor]


FAILED_FEEDBACK = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{assignment}: not graded automatically</title></head>
<body>
<h1>{assignment}: your submission could not be graded automatically</h1>
<p>Reason: {reason}.</p>
<p>Your instructor has been told and will look at it. Check that the notebook opens in Jupyter and
runs from top to bottom, then submit it again if you can.</p>
</body></html>
"""


def write_failed_feedback(api, assignment_id: str, student_id: str, reason: str) -> Path:
    """An HTML note for a submission that could not be graded, written where nbgrader's feedback goes."""
    import html

    from course.grading.intake.files import SubmittedFileError, read_small_file

    coursedir = api.coursedir
    folder = Path(coursedir.format_path(coursedir.feedback_directory, student_id, assignment_id))
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, student_id, assignment_id))
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("timestamp.txt", "submission_secret.txt"):  # what release_feedback needs
        try:  # a stranger's files: never through a link (another student's secret), never a FIFO
            content = read_small_file(submitted / name, 4096)
        except (OSError, SubmittedFileError):
            if name != "timestamp.txt":
                continue  # without a secret this feedback cannot be released; the release says so
            # nbgrader's release only logs the time; the note must reach the student whose timestamp was refused.
            import datetime as dt

            content = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC").encode()
        (folder / name).unlink(missing_ok=True)
        (folder / name).write_bytes(content)
    target = folder / f"{assignment_id}.html"
    target.write_text(FAILED_FEEDBACK.format(assignment=html.escape(assignment_id), reason=html.escape(reason, quote=False)),
                      encoding="utf-8")
    return target


def withhold_leaking_feedback(api, assignment_id: str, student_id: str, html_files: list[Path]) -> list[str]:
    """Delete feedback files that would show solution or hidden-test text; return what was wrong."""
    import nbformat

    from course.grading.classdir import source_notebook
    from course.grading.leaks import find_leaks, html_text, notebook_text, secret_lines

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
