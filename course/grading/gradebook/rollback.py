"""course.grading.gradebook.rollback: a grading that fails leaves the previous grades, flags and files as they were.

nbgrader writes to the gradebook before and while it executes a submission
(the submission's timestamp, zeros for missing notebooks, each notebook's
scores as it is saved) and deletes the autograded folder when it fails. A
regrade that fails (every kernel dying, say) would otherwise replace correct
scores with nothing or zeros. :class:`PreviousGrading` takes a snapshot of a
previously graded submission before it is graded again, and :meth:`restore`
puts the grades, comments, review flags and the autograded folder back.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

#: Grade and comment columns a regrade may change.
GRADE_FIELDS = ("auto_score", "manual_score", "extra_credit", "needs_manual_grade")
COMMENT_FIELDS = ("auto_comment", "manual_comment")


@dataclass
class PreviousGrading:
    """What a graded submission looked like before it was graded again."""

    assignment: str
    student: str
    grades: dict[tuple[str, str], dict] = field(default_factory=dict)
    comments: dict[tuple[str, str], dict] = field(default_factory=dict)
    autograded_copy: Path | None = None

    @classmethod
    def take(cls, api, assignment: str, student: str, autograded: Path) -> "PreviousGrading | None":
        """A snapshot of the submission's gradebook rows and autograded folder; None if it was never graded."""
        from nbgrader.api import MissingEntry

        snapshot = cls(assignment, student)
        with api.gradebook as book:
            try:
                submission = book.find_submission(assignment, student)
            except MissingEntry:
                return None
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    snapshot.grades[(notebook.name, grade.name)] = {f: getattr(grade, f) for f in GRADE_FIELDS}
                for comment in notebook.comments:
                    snapshot.comments[(notebook.name, comment.name)] = {f: getattr(comment, f) for f in COMMENT_FIELDS}
        if autograded.is_dir():
            holder = Path(tempfile.mkdtemp(prefix="course-previous-autograded-"))
            snapshot.autograded_copy = holder / "autograded"
            shutil.copytree(autograded, snapshot.autograded_copy, symlinks=True)
        return snapshot

    def restore(self, api, autograded: Path) -> None:
        """Put the gradebook rows and the autograded folder back as they were when the snapshot was taken."""
        with api.gradebook as book:
            submission = book.find_submission(self.assignment, self.student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    for name, value in self.grades.get((notebook.name, grade.name), {}).items():
                        setattr(grade, name, value)
                for comment in notebook.comments:
                    for name, value in self.comments.get((notebook.name, comment.name), {}).items():
                        setattr(comment, name, value)
            book.db.commit()
        if self.autograded_copy is not None:
            shutil.rmtree(autograded, ignore_errors=True)
            shutil.copytree(self.autograded_copy, autograded, symlinks=True)
        self.discard()

    def discard(self) -> None:
        """Delete the copy of the autograded folder (the regrade succeeded, or it was restored)."""
        if self.autograded_copy is not None:
            shutil.rmtree(self.autograded_copy.parent, ignore_errors=True)
            self.autograded_copy = None
