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
import urllib.request
from pathlib import Path

import pytest

from conftest import free_port
from course import paths
from course.grading import demo

ASSIGNMENT = "ps1-provenance-and-citations"
TOKEN = "course-lab-test"
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


def get(port: int, path: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?token={TOKEN}", timeout=30) as reply:
        return json.loads(reply.read().decode())


def test_make_lab_opens_the_demo_class_with_formgrader_and_assignment_list_working(tmp_path):
    class_dir = tmp_path / "demo"
    demo.build_demo_class(class_dir, ASSIGNMENT, students=demo.STUDENTS[:1])
    stray = paths.default_class_dir() / "gradebook.db"
    stray_before = stray.exists()
    port = free_port()
    # No venv bin on PATH: the launcher must put it there (nbgrader runs alembic).
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "VIRTUAL_ENV")}
    env["PATH"] = "/usr/bin:/bin"
    env["COURSE_CLASS_DIR"] = str(class_dir)
    env["HOME"] = str(tmp_path / "home")
    lab = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS=--no-browser --allow-root --port={port} "
                            f"--IdentityProvider.token={TOKEN}"],
                           cwd=paths.REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                get(port, "/api/status")
                break
            except OSError:
                assert lab.poll() is None and time.monotonic() < deadline, lab.stdout.read() if lab.poll() is not None else "timeout"
                time.sleep(0.5)
        assignments = get(port, "/formgrader/api/assignments")
        assert ASSIGNMENT in [a["name"] for a in assignments]
        courses = get(port, "/courses")
        assert courses["success"] and courses["value"] == ["mali-coup-source-evaluation"], courses
    finally:
        if lab.poll() is None:
            os.killpg(lab.pid, 15)
        log = lab.communicate(timeout=30)[0]
    assert "alembic" not in log and "FileNotFoundError" not in log, log[-2000:]
    assert stray.exists() == stray_before  # no empty gradebook made in class/
