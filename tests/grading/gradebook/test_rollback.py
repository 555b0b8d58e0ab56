"""A regrade that fails leaves the previous grades, review flags and autograded files untouched, and says so."""

from __future__ import annotations

import pytest

from course.grading import classdir
from course.grading.run import demo, verbs
from course.grading.sandbox import bwrap

ASSIGNMENT = "ps1-provenance-and-citations"
AVAILABLE, WHY = bwrap.sandbox_available()

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook"),
              pytest.mark.skipif(not AVAILABLE, reason=f"bubblewrap unavailable: {WHY}")]


def gradebook_state(class_dir):
    """(student, cell) -> (auto score, manual score, needs manual grade), for every grade row."""
    state = {}
    with classdir.open_api(class_dir).gradebook as book:
        for submission in book.find_assignment(ASSIGNMENT).submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    state[(submission.student.id, grade.name)] = (grade.auto_score, grade.manual_score,
                                                                  grade.needs_manual_grade)
    return state


def autograded_files(class_dir):
    root = class_dir / "autograded"
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_forced_regrade_whose_kernels_all_fail_keeps_the_previous_grades(tmp_path, monkeypatch):
    class_dir = tmp_path / "demo"
    demo.build_demo_class(class_dir, ASSIGNMENT, students=demo.STUDENTS[:3])
    first = verbs.autograde(ASSIGNMENT, class_dir=class_dir, jobs=1, progress=False, backup=False)
    assert {r.status for r in first.results} == {"graded"}
    graded, files = gradebook_state(class_dir), autograded_files(class_dir)
    assert any(auto for auto, _, _ in graded.values())  # real scores to lose

    real = bwrap.mount_args
    monkeypatch.setattr(bwrap, "mount_args", lambda **kw: real(**kw) + ["--no-such-option"])  # every kernel dies
    with pytest.raises(classdir.GradingError) as failed:
        verbs.autograde(ASSIGNMENT, class_dir=class_dir, jobs=1, progress=False, backup=False, force=True)
    report = failed.value.report
    assert {r.status for r in report.results} == {"failed"}
    assert all("previous grades were kept" in r.reason and "no-such-option" in r.reason for r in report.results)
    assert gradebook_state(class_dir) == graded
    assert autograded_files(class_dir) == files

    monkeypatch.setattr(bwrap, "mount_args", real)
    again = verbs.autograde(ASSIGNMENT, class_dir=class_dir, jobs=1, progress=False, backup=False, force=True)
    assert {r.status for r in again.results} == {"graded"}
    assert gradebook_state(class_dir) == graded  # the same scores and the same review flags as the first run
