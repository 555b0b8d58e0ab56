"""`make lab`: JupyterLab on the demo class with working Formgrader and Assignment List, and no stray gradebook.

Drives the server's own REST endpoints (the ones the two panels call); the
real-browser walk through both panels is not written yet.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import free_port
from course import paths
from course.grading import demo

ASSIGNMENT = "ps1-provenance-and-citations"
COURSE_ID = "mali-coup-source-evaluation"
TOKEN = "course-lab-test"
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


def get(port: int, path: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?token={TOKEN}", timeout=30) as reply:
        return json.loads(reply.read().decode())


def post(port: int, path: str, **form):
    """A POST as the Assignment List's buttons send it (form fields in the query, the token in a header)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}?{urllib.parse.urlencode(form)}", data=b"",
                                     method="POST", headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read().decode())


def lab_environment(class_dir: Path, home: Path) -> dict:
    """The environment `make lab` is started with: the class folder, a private HOME, no venv on PATH."""
    # No venv bin on PATH: the launcher must put it there (nbgrader runs alembic).
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "VIRTUAL_ENV", "JUPYTER_CONFIG_PATH")}
    env["PATH"] = "/usr/bin:/bin"
    env["COURSE_CLASS_DIR"] = str(class_dir)
    env["HOME"] = str(home)
    return env


@contextmanager
def make_lab(env: dict, timeout: float = 90):
    """`make lab` on a free port, yields (port, {"log": ...}); the log is filled in when the server has stopped."""
    port = free_port()
    lab = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS=--no-browser --allow-root --port={port} "
                            f"--IdentityProvider.token={TOKEN}"],
                           cwd=paths.REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    result = {"log": ""}
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                get(port, "/api/status")
                break
            except OSError:
                assert lab.poll() is None and time.monotonic() < deadline, lab.stdout.read() if lab.poll() is not None else "timeout"
                time.sleep(0.5)
        yield port, result
    finally:
        if lab.poll() is None:
            os.killpg(lab.pid, 15)
        result["log"] = lab.communicate(timeout=30)[0]


def test_make_lab_opens_the_demo_class_with_formgrader_and_assignment_list_working(tmp_path):
    class_dir = tmp_path / "demo"
    demo.build_demo_class(class_dir, ASSIGNMENT, students=demo.STUDENTS[:1])
    stray = paths.default_class_dir() / "gradebook.db"
    stray_before = stray.exists()
    stray_fetch = paths.REPO_ROOT / ASSIGNMENT  # where the Assignment List fetched while the server ran in the repository
    stray_fetch_before = stray_fetch.exists()
    try:
        with make_lab(lab_environment(class_dir, tmp_path / "home")) as (port, lab):
            assignments = get(port, "/formgrader/api/assignments")
            assert ASSIGNMENT in [a["name"] for a in assignments]
            courses = get(port, "/courses")
            assert courses["success"] and courses["value"] == [COURSE_ID], courses
            # The Assignment List's Fetch: into the folder the server serves, where its link opens the notebook.
            listed = post(port, "/assignments/fetch", course_id=COURSE_ID, assignment_id=ASSIGNMENT)
            fetched = [a for a in listed["value"] if a["status"] == "fetched"]
            assert [a["path"] for a in fetched] == [ASSIGNMENT], listed
            assert (class_dir / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
            assert get(port, f"/api/contents/{fetched[0]['notebooks'][0]['path']}")["type"] == "notebook"
        assert stray_fetch_before or not stray_fetch.exists(), "the Assignment List fetched into the repository"
    finally:
        if stray_fetch.exists() and not stray_fetch_before:
            shutil.rmtree(stray_fetch)
    log = lab["log"]
    assert "alembic" not in log and "FileNotFoundError" not in log, log[-2000:]
    assert stray.exists() == stray_before  # no empty gradebook made in class/
