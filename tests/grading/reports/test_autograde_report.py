"""The autograde report's printed table: warnings on top, one line per submission, totals, the one difference."""

from __future__ import annotations

from course.grading.reports.autograde import SCRATCH_NOTE, AutogradeReport, SubmissionResult


def test_the_discarded_files_difference_is_said_once_under_the_totals():
    """nbgrader keeps files a notebook writes in autograded/; the kit's scratch copy discards them. The report says
    so once per run (not per submission), and not for --sandbox off, which is stock nbgrader execution."""
    results = [SubmissionResult("ps1", f"s{n}", "graded", score=1.0, max_score=2.0) for n in range(3)]
    table = AutogradeReport(results=results, seconds=3.0, warnings=["SANDBOX DISABLED: no bwrap. Fix: x"]).table()
    assert table.count(SCRATCH_NOTE) == 1 and table.splitlines().index(SCRATCH_NOTE) > 3
    assert table.splitlines()[0].startswith("WARNING: SANDBOX DISABLED")  # said at the top, once
    assert SCRATCH_NOTE not in AutogradeReport(results=results, scratch=False).table()
