"""course.grading.engine: one execution engine, so a self-check scores a notebook as the real grade does.

Both tests grade the demo class (every behaviour, one assignment) through
``course.grading.autograde`` and compare per-cell scores from the gradebook:
with the self-check of the same submitted notebooks, and with a run in which
every library patch is off (stock nbgrader, jsonschema and SQLAlchemy paths).
"""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbgrader.utils import is_grade, is_solution

from course.grading import classdir, demo, patches, selfcheck, verbs as grading

ASSIGNMENT = "ps1-provenance-and-citations"

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


@pytest.fixture(scope="module")
def ungraded(tmp_path_factory):
    """A fresh demo class of one assignment, collected and not graded yet (copied by each test)."""
    folder = tmp_path_factory.mktemp("engine") / "demo"
    demo.build_demo_class(folder, ASSIGNMENT)
    return folder


def graded_copy(ungraded, target):
    shutil.copytree(ungraded, target)
    report = grading.autograde(ASSIGNMENT, class_dir=target, jobs=1, progress=False, backup=False)
    assert {r.status for r in report.results} == {"graded"}, report.table()
    return target


def cell_scores(class_dir) -> dict[tuple[str, str], float]:
    """(student, grade cell) -> automatic score, for every autograded test cell in the gradebook."""
    source = nbformat.read(classdir.source_notebook(ASSIGNMENT), as_version=4)
    tests = {c.metadata.nbgrader["grade_id"] for c in source.cells if is_grade(c) and not is_solution(c)}
    scores = {}
    with classdir.open_api(class_dir).gradebook as book:
        for submission in book.find_assignment(ASSIGNMENT).submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name in tests:
                        scores[(submission.student.id, grade.name)] = float(grade.auto_score or 0)
    return scores


def test_selfcheck_and_autograde_give_the_same_score_for_every_cell(ungraded, tmp_path):
    """Does every student's self-check of their submitted notebook score each test cell as autograde did?"""
    class_dir = graded_copy(ungraded, tmp_path / "graded")
    graded = cell_scores(class_dir)
    students = sorted({student for student, _ in graded})
    assert len(students) == len(demo.STUDENTS)
    checked = {}
    for student in students:
        notebook = class_dir / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        result = selfcheck.run_selfcheck(notebook)
        checked.update({(student, q.grade_id): float(q.score or 0) for q in result.questions if q.kind == "auto"})
    assert checked == graded
    # not a trivial agreement: the class has full, partial and zero scores
    totals = {student: sum(v for (s, _), v in graded.items() if s == student) for student in students}
    assert len(set(totals.values())) >= 3, totals


def test_grading_with_every_library_patch_off_gives_the_same_scores(ungraded, tmp_path, monkeypatch):
    """The stock library paths (patches off, as on any version they were not measured with) grade identically."""
    assert all(patches.active_patches().values())
    patched = cell_scores(graded_copy(ungraded, tmp_path / "patched"))
    monkeypatch.setenv(patches.STOCK_ENV, "1")
    assert not any(patches.active_patches().values())
    stock = cell_scores(graded_copy(ungraded, tmp_path / "stock"))
    assert stock == patched and len(stock) >= len(demo.STUDENTS)
