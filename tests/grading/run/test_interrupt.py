"""Ctrl-C during autograde: no new submission starts, running kernels end within seconds, a resume does the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import demo_autograde, live_command_lines
from course import paths
from course.grading.run import demo
from course.grading.sandbox import bwrap, scratch

ASSIGNMENT = "ps1-provenance-and-citations"
AVAILABLE, WHY = bwrap.sandbox_available()
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook"),
              pytest.mark.skipif(not AVAILABLE, reason=f"bubblewrap unavailable: {WHY}")]


def sandboxes_of(pid: int) -> list[str]:
    """Command lines of live processes that belong to grading process ``pid`` (its kernels' scratch root names it)."""
    return [cmdline for cmdline in live_command_lines().values() if f"{scratch.SCRATCH_PREFIX}{pid}-" in cmdline]


def test_ctrl_c_starts_nothing_new_ends_its_kernels_and_a_resume_finishes(tmp_path):
    class_dir, command, env = demo_autograde(tmp_path, ASSIGNMENT, jobs=2)
    # A shell without job control starts background jobs with SIGINT ignored, and the ignore is inherited
    # (`make test &`): give the grader the default action, as an interactive terminal would.
    grader = subprocess.Popen(command, cwd=paths.REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, start_new_session=True,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    first = grader.stdout.readline()  # one line per graded submission, as it completes
    assert ASSIGNMENT in first, first + grader.stderr.read()
    os.killpg(grader.pid, signal.SIGINT)  # what a terminal does: the whole foreground group
    pressed = time.monotonic()
    out, err = grader.communicate(timeout=60)
    assert time.monotonic() - pressed < 15, "the run took too long to stop"
    assert grader.returncode == 130 and "interrupted" in err, err[-2000:]
    graded_lines = [line for line in [first, *out.splitlines()] if f" {ASSIGNMENT} " in line and " graded " in line]
    assert 1 <= len(graded_lines) < len(demo.STUDENTS), out
    time.sleep(2)
    assert sandboxes_of(grader.pid) == []
    assert not list(Path("/tmp").glob(f"{scratch.SCRATCH_PREFIX}{grader.pid}-*"))
    done = subprocess.run(command, cwd=paths.REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    table = done.stdout.split("-" * 20, 1)[1]  # the summary table, one row per submission
    statuses = [line.split()[2] for line in table.splitlines() if f" {ASSIGNMENT} " in line]
    assert statuses.count("skipped") >= len(graded_lines) and statuses.count("graded") >= 1, done.stdout
    assert statuses.count("skipped") + statuses.count("graded") == len(demo.STUDENTS), done.stdout
