"""Shared fixtures: the shipped document, a private copy of data/ to break, and a throwaway PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from course import paths
from course.document import load_document

REPO_ROOT = paths.REPO_ROOT
SEED = REPO_ROOT.parent / "shared" / "seeds" / "000_adb982db65b87a25.txt"


@pytest.fixture(scope="session")
def document():
    return load_document()


@pytest.fixture
def data_copy(tmp_path, monkeypatch) -> Path:
    """A copy of data/ that a test may alter; COURSE_DATA_DIR points the kit at it."""
    target = tmp_path / "data"
    shutil.copytree(paths.data_dir(), target)
    monkeypatch.setenv("COURSE_DATA_DIR", str(target))
    return target


def demo_autograde(tmp_path: Path, assignment: str, jobs: int) -> tuple[Path, list[str], dict[str, str]]:
    """A fresh demo class under ``tmp_path`` and the instructor's ``python -m course autograde`` for it, as
    (class folder, command, environment): the set-up the concurrency, Ctrl-C and SIGKILL tests share."""
    import sys

    from course.grading.run import demo

    class_dir = tmp_path / "demo"
    demo.build_demo_class(class_dir, assignment)
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "COURSE_CLASS_DIR")}
    command = [sys.executable, "-m", "course", "autograde", assignment, "--class-dir", str(class_dir), "--jobs", str(jobs),
               "--no-backup"]
    return class_dir, command, env


def live_command_lines() -> dict[str, str]:
    """pid -> command line of every process /proc shows now (processes that vanish while read are skipped)."""
    found = {}
    for entry in os.listdir("/proc"):
        try:
            found[entry] = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
    return found


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgres():
    """The URL of a fresh PostgreSQL cluster on loopback, started once by scripts/pg-test-cluster.sh and
    stopped and deleted at the end of the session. If it cannot start, the tests that need it fail (no skip)."""
    script = REPO_ROOT / "scripts" / "pg-test-cluster.sh"
    # Not under pytest's private tmp folders: the server runs as the 'postgres' user and must reach it.
    parent = Path(tempfile.mkdtemp(prefix="course-pg-test-"))
    parent.chmod(0o755)
    folder = parent / "cluster"
    started = subprocess.run([str(script), "start", str(folder), str(free_port())], capture_output=True, text=True,
                             timeout=180)
    if started.returncode != 0:
        shutil.rmtree(parent, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {started.stderr.strip()[-1000:]}")
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(script), "stop", str(folder)], capture_output=True, timeout=180)
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="module")
def no_external_gradebook():
    """Never write to a database named in the environment (COURSE_DB_URL) during these tests."""
    saved = os.environ.pop("COURSE_DB_URL", None)
    yield
    if saved is not None:
        os.environ["COURSE_DB_URL"] = saved
