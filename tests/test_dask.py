"""Grading on a Dask cluster (course.parallel.run_dask through course.grading.autograde).

A ``distributed.LocalCluster`` with two worker processes stands in for a
cluster; the class folder is shared storage (the same path on every worker)
and the gradebook is a throwaway PostgreSQL database.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import nbformat
import pytest

from course import classdir, demo, gradebookops, grading

ASSIGNMENT = "ps2-claims-and-evidence"
STUDENTS = tuple(s for s in demo.STUDENTS if s.behaviour in ("perfect", "partial", "raises", "deleted-test"))
SCRIPT = classdir.paths.REPO_ROOT / "scripts" / "pg-test-cluster.sh"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL database on a fresh loopback cluster (stopped and deleted after the module)."""
    parent = Path(tempfile.mkdtemp(prefix="course-pg-dask-"))
    parent.chmod(0o755)  # the server runs as 'postgres' and must reach its folder
    folder = parent / "cluster"
    started = subprocess.run([str(SCRIPT), "start", str(folder), str(free_port())], capture_output=True, text=True,
                             timeout=180)
    if started.returncode != 0:
        shutil.rmtree(parent, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {started.stderr.strip()[-1000:]}")
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(SCRIPT), "stop", str(folder)], capture_output=True, timeout=180)
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster():
    """A local Dask cluster: two worker processes, one thread each."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as local:
        with Client(local) as client:
            yield client


@pytest.fixture(scope="module", autouse=True)
def no_external_gradebook():
    saved = os.environ.pop("COURSE_DB_URL", None)
    yield
    if saved is not None:
        os.environ["COURSE_DB_URL"] = saved


def scores_in(api) -> dict[tuple[str, str], tuple]:
    """Every grade (student, cell) -> (auto score, needs manual grade) in the gradebook."""
    with api.gradebook as book:
        return {(s.student.id, grade.name): (grade.auto_score, grade.needs_manual_grade)
                for s in book.find_assignment(ASSIGNMENT).submissions for nb in s.notebooks for grade in nb.grades}


def test_a_dask_run_scores_as_a_local_run(postgres, cluster, tmp_path):
    """Graded as tasks on two Dask workers, does every submission get the grades a local run gives it?"""
    database = postgres.rsplit("/", 1)[0] + "/postgres"
    api, intents = demo.build_demo_class(tmp_path / "class", ASSIGNMENT, students=STUDENTS, db_url=database)
    on_cluster = grading.autograde(ASSIGNMENT, api=api, scheduler=cluster, progress=False)
    assert on_cluster.jobs == 2 and {r.status for r in on_cluster.results} == {"graded"}
    from_cluster = scores_in(api)
    source = nbformat.read(classdir.source_notebook(ASSIGNMENT), as_version=4)
    grade_cells = sum(1 for c in source.cells if c.metadata.get("nbgrader", {}).get("grade"))
    assert len(from_cluster) == len(intents) * grade_cells and on_cluster.backup_path.suffix == ".sql"
    records = {i.student_id: gradebookops.read_record(tmp_path / "class", ASSIGNMENT, i.student_id) for i in intents}
    assert all(r and r["status"] == "graded" for r in records.values())

    local = grading.autograde(ASSIGNMENT, api=api, jobs=2, force=True, progress=False)
    assert scores_in(api) == from_cluster
    assert {r.student: (r.score, r.reason) for r in local.results} == {r.student: (r.score, r.reason) for r in on_cluster.results}
    assert grading.gradebook_integrity(tmp_path / "class", db_url=api.coursedir.db_url) == []
