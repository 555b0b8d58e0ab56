"""SkillSummary: the feedback step that puts the skills table at the top of a student's feedback.

For each graded item and each rubric point of a written answer, its skill and
whether it was met, then the student's share of points per skill
(:func:`course.grading.reports.feedback.summary_markdown` writes the words).
It runs after GetGrades, which sets the scores it reads.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from course.grading.reports.feedback import skill_rows, summary_markdown


class SkillSummary(NbGraderPreprocessor):
    """Insert the skills table (see the module docstring) after the notebook's first cell."""

    def preprocess(self, nb, resources):
        from nbformat.v4 import new_markdown_cell

        rows = skill_rows(nb)
        if rows:
            nb.cells.insert(1, new_markdown_cell(summary_markdown(rows), metadata={"course": {"feedback_summary": True}}))
        return nb, resources
