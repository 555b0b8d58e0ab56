"""course.grading.run.engine: one execution engine, so a self-check scores a notebook as the real grade does.

Both tests read one grading of the demo class (every behaviour, one assignment;
a module fixture) through ``course.grading.run.verbs.autograde`` and compare per-cell
scores from the gradebook: with the self-check of the same submitted notebooks,
and with a second run in which every library patch is off (stock nbgrader,
jsonschema and SQLAlchemy paths).
"""

from __future__ import annotations

import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor

import nbformat
import pytest
from nbgrader.utils import is_grade, is_solution

from course.grading import classdir, patches, selfcheck
from course.grading.run import demo, verbs

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
    report = verbs.autograde(ASSIGNMENT, class_dir=target, jobs=1, progress=False, backup=False)
    assert {r.status for r in report.results} == {"graded"}, report.table()
    return target


@pytest.fixture(scope="module")
def patched_class(ungraded, tmp_path_factory):
    """The class graded once with every library patch on (both tests read it; neither changes it)."""
    assert all(patches.active_patches().values())
    return graded_copy(ungraded, tmp_path_factory.mktemp("engine") / "patched")


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


def test_selfcheck_form_verdicts_agree_with_what_autograde_scored(patched_class):
    """Self-check reports forms, never scores; where it speaks it must agree with the real grade: an item autograde
    scored above 0 is in the expected form, and an item self-check calls missing scored 0."""
    class_dir = patched_class
    graded = cell_scores(class_dir)
    students = sorted({student for student, _ in graded})
    assert len(students) == len(demo.STUDENTS)
    statuses = {}
    notebooks = [class_dir / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb" for student in students]
    # Each self-check is independent (its own scratch class): two at a time, in their own processes (2 cores).
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        for student, result in zip(students, pool.map(selfcheck.run_selfcheck, notebooks)):
            statuses.update({(student, q.grade_id): q.status for q in result.questions if q.kind == "auto"})
    assert set(statuses) == set(graded)
    for key, score in graded.items():
        if score > 0:
            assert statuses[key] == selfcheck.FORM_OK, (key, statuses[key])
        if statuses[key] == selfcheck.MISSING:
            assert score == 0, key
    # not a trivial agreement: the class has every status and full, partial and zero scores
    assert set(statuses.values()) >= {selfcheck.FORM_OK, selfcheck.MISSING}, set(statuses.values())
    totals = {student: sum(v for (s, _), v in graded.items() if s == student) for student in students}
    assert len(set(totals.values())) >= 3, totals


def test_grading_with_every_library_patch_off_gives_the_same_scores(ungraded, patched_class, tmp_path, monkeypatch):
    """The stock library paths (patches off, as on any version they were not measured with) grade identically."""
    patched = cell_scores(patched_class)  # graded with every patch on (the fixture checks they were)
    monkeypatch.setenv(patches.STOCK_ENV, "1")
    assert not any(patches.active_patches().values())
    stock = cell_scores(graded_copy(ungraded, tmp_path / "stock"))
    assert stock == patched and len(stock) >= len(demo.STUDENTS)
