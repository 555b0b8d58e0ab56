"""WrittenFirst: Formgrader's grading page puts the written answers, with their mark schemes, at the top.

Formgrader renders a submission in the notebook's order, and the written questions come last: in ps1 the first
written answer began 5,588 px down the page, under six autograded questions and their hidden tests (issue 22).
The autograded items are already scored when a grader opens the page; the written ones are what they came for.

This step runs on the copy Formgrader renders (the kit's ``HTMLExporter`` configuration,
:func:`course.grading.pipeline.configure`), never on the graded file, and not on feedback:
``FeedbackExporter`` keeps its own list, so a student's feedback stays in the notebook's order. Each written
question moves whole (its heading, mark scheme, answer boxes and any cell the student added among them) to just
after the notebook's first cell, under a one-line note that says the page's order differs from the notebook's.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_markdown_cell
from traitlets import Bool

from course.grading.keys.answers import is_written_answer


def _grading(cell) -> dict:
    """The cell's nbgrader metadata, or an empty one: a student's own cell may carry anything there."""
    grading = cell.get("metadata", {}).get("nbgrader")
    return grading if isinstance(grading, dict) else {}


def _question(cell) -> str | None:
    """The question a cell belongs to, from its grade id (``q6-rubric`` -> ``q6``); None without one."""
    grade_id = _grading(cell).get("grade_id")
    return str(grade_id).split("-")[0] if grade_id else None


def _is_written(cell) -> bool:
    return bool(_grading(cell)) and is_written_answer(cell)


def question_runs(cells) -> list[tuple[str | None, list]]:
    """The cells cut into runs of one question each, in order; a cell without a grade id joins the run before it."""
    runs: list[tuple[str | None, list]] = []
    for cell in cells:
        question = _question(cell)
        if runs and (question is None or question == runs[-1][0]):
            runs[-1][1].append(cell)
        else:
            runs.append((question, [cell]))
    return runs


class WrittenFirst(Preprocessor):
    """HTMLExporter step for Formgrader's page: written questions first, then the rest in the notebook's order."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        runs = question_runs(nb.cells)
        written = [run for run in runs[1:] if any(_is_written(cell) for cell in run[1])]
        if not written:
            return nb, resources
        from course.grading import wording

        note = new_markdown_cell(wording.text("formgrader", "written_first"))
        rest = [run for run in runs if all(run is not moved for moved in written)]
        order = [rest[0], (None, [note]), *written, *rest[1:]]
        nb.cells = [cell for _, cells in order for cell in cells]
        return nb, resources
