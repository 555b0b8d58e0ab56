"""What a released notebook may carry: the kit's cell metadata, cut to what a student needs to answer.

The source notebooks keep, per answer cell, where the kit's own tables hold
the finding the item assesses (``course.lookup``: table, row, column) and
which rows it assesses (``course.assesses``). The grader and the item analysis
read them from the sources; in a released notebook they would point a student
at the answer. :class:`KeepStudentMetadata` runs last in nbgrader's
``generate_assignment`` (:data:`course.grading.pipeline.RELEASE_PREPROCESSORS`), for the kit's verbs and plain
``nbgrader`` alike, and keeps only the keys in :data:`STUDENT_KEYS`.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

#: The ``course`` metadata a released cell keeps: the answer's name and form, its choices, and the labels
#: (skill, track, part, question, rubric point) the feedback and the item analysis show.
STUDENT_KEYS = frozenset({"answer", "kind", "accepted_form", "choices", "skill", "track", "part", "question",
                          "rubric_point"})


def student_metadata(course: dict) -> dict:
    """The part of a cell's ``course`` metadata a student may receive."""
    return {key: value for key, value in course.items() if key in STUDENT_KEYS}


class KeepStudentMetadata(NbGraderPreprocessor):
    """generate_assignment's last step: every cell's ``course`` metadata cut to :data:`STUDENT_KEYS`."""

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            course = cell.metadata.get("course")
            if isinstance(course, dict):
                kept = student_metadata(course)
                if kept:
                    cell.metadata["course"] = kept
                else:
                    del cell.metadata["course"]
        return nb, resources
