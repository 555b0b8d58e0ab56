"""Grading on a Dask cluster (course.grading.run.parallel.run_dask through course.grading.run.verbs.autograde).

A ``distributed.LocalCluster`` with two worker processes stands in for a
cluster; the class folder is shared storage (the same path on every worker)
and the gradebook is a throwaway PostgreSQL database.
"""

from __future__ import annotations

import nbformat
import pytest

from course.grading import classdir
from course.grading.run import demo, verbs
from course.grading.gradebook import store as gradebookops

ASSIGNMENT = "ps2-claims-and-evidence"
STUDENTS = tuple(s for s in demo.STUDENTS if s.behaviour in ("perfect", "partial", "raises", "deleted-test"))

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


@pytest.fixture(scope="module")
def cluster():
    """A local Dask cluster: two worker processes, one thread each."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as local:
        with Client(local) as client:
            yield client


def scores_in(api) -> dict[tuple[str, str], tuple]:
    """Every grade (student, cell) -> (auto score, needs manual grade) in the gradebook."""
    with api.gradebook as book:
        return {(s.student.id, grade.name): (grade.auto_score, grade.needs_manual_grade)
                for s in book.find_assignment(ASSIGNMENT).submissions for nb in s.notebooks for grade in nb.grades}


def test_a_dask_run_scores_as_a_local_run(postgres, cluster, tmp_path):
    """Graded as tasks on two Dask workers, does every submission get the grades a local run gives it?"""
    database = postgres.rsplit("/", 1)[0] + "/postgres"
    api, intents = demo.build_demo_class(tmp_path / "class", ASSIGNMENT, students=STUDENTS, db_url=database)
    on_cluster = verbs.autograde(ASSIGNMENT, api=api, scheduler=cluster, progress=False)
    assert on_cluster.jobs == 2 and {r.status for r in on_cluster.results} == {"graded"}
    from_cluster = scores_in(api)
    source = nbformat.read(classdir.source_notebook(ASSIGNMENT), as_version=4)
    grade_cells = sum(1 for c in source.cells if c.metadata.get("nbgrader", {}).get("grade"))
    assert len(from_cluster) == len(intents) * grade_cells and on_cluster.backup_path.suffix == ".sql"
    records = {i.student_id: gradebookops.read_record(tmp_path / "class", ASSIGNMENT, i.student_id) for i in intents}
    assert all(r and r["status"] == "graded" for r in records.values())

    local = verbs.autograde(ASSIGNMENT, api=api, jobs=2, force=True, progress=False)
    assert scores_in(api) == from_cluster
    assert {r.student: (r.score, r.reason) for r in local.results} == {r.student: (r.score, r.reason) for r in on_cluster.results}
    assert verbs.gradebook_integrity(tmp_path / "class", db_url=api.coursedir.db_url) == []


def test_a_dask_run_and_a_local_run_at_once_grade_each_submission_exactly_once(postgres, cluster, tmp_path):
    """Issue #11 ("exactly once ... also for Dask workers"): a grader on the Dask cluster starts while a local
    grader on the same class and PostgreSQL gradebook is midway. Each submission is graded by exactly one of them
    (both grade some: the cluster run starts only once the local one has graded its first), and the other
    reports it skipped because another grader has it or had it."""
    import os
    import subprocess
    import sys
    import time

    from course import paths
    from postgres_databases import new_database

    database = new_database(postgres, "course_dask_and_local")
    class_dir = tmp_path / "class"
    api, intents = demo.build_demo_class(class_dir, ASSIGNMENT, students=demo.STUDENTS, db_url=database)
    everyone = {i.student_id for i in intents}
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "COURSE_CLASS_DIR")}
    out_path, err_path = tmp_path / "local.out", tmp_path / "local.err"
    with out_path.open("w") as out, err_path.open("w") as err:
        local = subprocess.Popen([sys.executable, "-m", "course", "autograde", ASSIGNMENT, "--class-dir", str(class_dir),
                                  "--db-url", database, "--jobs", "1", "--no-backup"], cwd=paths.REPO_ROOT, env=env,
                                 stdout=out, stderr=err, text=True)
        try:
            deadline = time.monotonic() + 300
            while not any((gradebookops.read_record(class_dir, ASSIGNMENT, s) or {}).get("status") == "graded"
                          for s in everyone):
                assert local.poll() is None and time.monotonic() < deadline, err_path.read_text()[-2000:]
                time.sleep(0.2)
            on_cluster = verbs.autograde(ASSIGNMENT, api=api, scheduler=cluster, progress=False)
            assert local.wait(timeout=600) == 0, err_path.read_text()[-2000:]
        finally:
            if local.poll() is None:
                local.kill()
                local.wait()
    printed = out_path.read_text()
    assert "-" * 20 in printed, printed[-2000:]
    table = printed.split("-" * 20, 1)[1]
    rows = [line.split() for line in table.splitlines() if f" {ASSIGNMENT} " in line]
    by_local = {row[0] for row in rows if row[2] == "graded"}
    by_cluster = {r.student for r in on_cluster.results if r.status == "graded"}
    assert not by_local & by_cluster, f"graded twice: {sorted(by_local & by_cluster)}"
    assert by_local | by_cluster == everyone
    assert by_local and by_cluster, (sorted(by_local), sorted(by_cluster))  # the two really graded at once
    skipped = [r for r in on_cluster.results if r.status == "skipped"]
    assert all("another grader" in r.reason or "already graded" in r.reason for r in skipped), [r.reason for r in skipped]
    assert verbs.gradebook_integrity(class_dir, db_url=api.coursedir.db_url) == []
