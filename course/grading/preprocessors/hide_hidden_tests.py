"""HideHiddenTests: the feedback step that removes hidden-test regions and reduces what their cells printed.

nbgrader's autograde restores every locked test cell from the gradebook, hidden
tests included. Before the feedback HTML is rendered, each autograder test
cell's ``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS`` region is removed
(nbgrader's :class:`~nbgrader.preprocessors.ClearHiddenTests` logic) and
replaced by :data:`~course.grading.reports.feedback.HIDDEN_PLACEHOLDER` (read when
a cell is processed, never at import); its
outputs shrink to the exception type and a hint
(:func:`course.grading.reports.feedback.hint_for`), so a hidden input echoed
in an exception message never reaches the student.
"""

from __future__ import annotations

from nbgrader import utils as nbgrader_utils
from nbgrader.preprocessors import ClearHiddenTests

from course.grading import wording
from course.grading.reports.feedback import hint_for


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
        cell.source = cell.source.rstrip("\n") + "\n" + wording.text("feedback", "hidden_placeholder")
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
