"""The gradebook behind parallel grading: SQLite (the default) and PostgreSQL (several graders or machines).

A throwaway PostgreSQL cluster is started once for this module with
scripts/pg-test-cluster.sh (loopback only) and stopped at the end; if it
cannot start, the PostgreSQL tests fail rather than skip.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest

from course.grading import classdir
from course.grading.run import demo, verbs
from course.grading.gradebook import store as gradebookops
from postgres_databases import new_database  # tests/ is on the path, beside conftest.py

ASSIGNMENT = "ps2-claims-and-evidence"
STUDENTS = tuple(s for s in demo.STUDENTS if s.behaviour in ("perfect", "partial", "raises", "late"))

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


@pytest.fixture(params=["sqlite", "postgresql"])
def gradebook(request, tmp_path):
    """(class folder, gradebook URL or None for the class's own SQLite file) for each backend."""
    if request.param == "sqlite":
        return tmp_path / "class", None
    return tmp_path / "class", new_database(request.getfixturevalue("postgres"), "course_round_trip")


def expected_auto_score(intent) -> float:
    """Automatic points an intent must earn: a test scores when the answer before it is intact and the test is there."""
    source = nbformat.read(classdir.source_notebook(ASSIGNMENT), as_version=4)
    points, answer = 0.0, None
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            answer = meta["grade_id"]
        elif cell.cell_type == "code" and meta.get("grade"):
            if answer in intent.correct_answers and meta["grade_id"] not in intent.deleted_cells:
                points += meta["points"]
    return points


def test_grading_round_trip_on_each_gradebook(gradebook):
    """On SQLite and on PostgreSQL: do two jobs grade everyone as intended, back up the gradebook first, pass the
    integrity check, survive a restore (which resume notices), and carry on to feedback and the grade export?"""
    from nbgrader.api import SubmittedAssignment

    class_dir, db_url = gradebook
    api, intents = demo.build_demo_class(class_dir, ASSIGNMENT, students=STUDENTS, db_url=db_url)
    database = api.coursedir.db_url
    assert gradebookops.is_sqlite(database) == (db_url is None)
    report = verbs.autograde(ASSIGNMENT, api=api, jobs=2, progress=False)
    assert report.jobs == 2
    scores = {r.student: r.score for r in report.results if r.status == "graded"}
    assert scores == {i.student_id: expected_auto_score(i) for i in intents}
    assert report.backup_path.suffix == (".db" if db_url is None else ".sql")
    assert verbs.gradebook_integrity(class_dir, db_url=database) == []

    gradebookops.restore_gradebook(report.backup_path, database)  # back to before the run: no submission at all
    with api.gradebook as book:
        assert book.db.query(SubmittedAssignment).count() == 0 and len(book.students) == len(intents)
    again = verbs.autograde(ASSIGNMENT, api=api, jobs=2, progress=False)
    assert {r.student: r.status for r in again.results} == {i.student_id: "graded" for i in intents}
    assert {r.student: r.score for r in again.results} == scores
    assert {r.status for r in verbs.autograde(ASSIGNMENT, api=api, jobs=2, progress=False).results} == {"skipped"}

    assert len(verbs.feedback(ASSIGNMENT, api=api, progress=False)) == len(intents)
    exported = verbs.grades(ASSIGNMENT, api=api)
    assert {r.student: r.code_score for r in exported.rows} == scores


def test_postgres_backup_without_pg_dump_is_a_json_dump_that_restores(postgres, tmp_path, monkeypatch):
    """Without pg_dump on PATH, is the PostgreSQL gradebook dumped table by table to JSON, and does that restore it?"""
    database = classdir.check_db_url(new_database(postgres, "course_json_dump"))
    api, intents = demo.build_demo_class(tmp_path / "class", ASSIGNMENT, students=STUDENTS[:1], db_url=database)
    verbs.autograde(ASSIGNMENT, api=api, jobs=1, progress=False, sandbox="off")
    real_which = gradebookops.shutil.which
    monkeypatch.setattr(gradebookops.shutil, "which", lambda name: None if name == "pg_dump" else real_which(name))
    backup = gradebookops.backup_gradebook(database, tmp_path / "class")
    assert backup.suffix == ".json"
    with api.gradebook as book:
        before = book.find_submission(ASSIGNMENT, intents[0].student_id).score
        book.remove_submission(ASSIGNMENT, intents[0].student_id)
    gradebookops.restore_gradebook(backup, database)
    with api.gradebook as book:
        assert book.find_submission(ASSIGNMENT, intents[0].student_id).score == before == expected_auto_score(intents[0])
    assert verbs.gradebook_integrity(tmp_path / "class", db_url=database) == []


def test_a_plain_postgresql_url_gets_the_installed_driver():
    """Is postgresql://… given the driver the environment has (psycopg2 here), SQLite a busy timeout, and a bad URL refused by name?"""
    import importlib.util

    url = classdir.check_db_url("postgresql://grader@db.example:5432/course")
    driver = "psycopg" if importlib.util.find_spec("psycopg") else "psycopg2"
    assert url == f"postgresql+{driver}://grader@db.example:5432/course"
    # SQLite gets a busy timeout, so a parallel worker waits for another's write lock instead of failing.
    assert classdir.check_db_url("sqlite:////srv/gradebook.db") == f"sqlite:////srv/gradebook.db?timeout={classdir.SQLITE_BUSY_TIMEOUT}"
    assert classdir.check_db_url("sqlite:////srv/gradebook.db?timeout=5") == "sqlite:////srv/gradebook.db?timeout=5"
    with pytest.raises(classdir.GradingError, match="gradebook URL 'mysql://x/y' is not supported"):
        classdir.check_db_url("mysql://x/y")
