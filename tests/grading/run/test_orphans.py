"""A grader killed with SIGKILL leaves no sandbox running, and the next run removes the folders it left."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import demo_autograde, live_command_lines
from course import paths
from course.grading.sandbox import bwrap, scratch

ASSIGNMENT = "ps1-provenance-and-citations"
AVAILABLE, WHY = bwrap.sandbox_available()
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook"),
              pytest.mark.skipif(not AVAILABLE, reason=f"bubblewrap unavailable: {WHY}")]


def processes_naming(text: str) -> list[str]:
    """Live processes whose command line names ``text`` (each sandbox's bubblewrap hides the class folder by name)."""
    return [cmdline[:120] for pid, cmdline in live_command_lines().items() if text in cmdline and pid != str(os.getpid())]


def stale_folders() -> list[Path]:
    """Scratch roots and kernel runtime folders in the temporary folder whose grading process is gone."""
    base, stale = Path(tempfile.gettempdir()), []
    for root in base.glob(f"{scratch.SCRATCH_PREFIX}*"):
        pid = root.name[len(scratch.SCRATCH_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            stale.append(root)
    for runtime in base.glob(f"{scratch.RUNTIME_PREFIX}*"):
        owner = runtime / scratch.OWNER_FILE
        if owner.is_file() and not Path(f"/proc/{owner.read_text().strip()}").exists():
            stale.append(runtime)
    return stale


def test_sigkill_of_the_grader_group_leaves_no_sandbox_and_the_next_run_cleans_up(tmp_path):
    class_dir, command, env = demo_autograde(tmp_path, ASSIGNMENT, jobs=2)
    grader = subprocess.Popen(command, cwd=paths.REPO_ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    assert ASSIGNMENT in grader.stdout.readline()
    assert processes_naming(str(class_dir)), "expected sandboxes running at the moment of the kill"
    os.killpg(grader.pid, signal.SIGKILL)
    grader.wait(timeout=30)
    deadline = time.monotonic() + 5
    while processes_naming(str(class_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_naming(str(class_dir)) == []
    while not stale_folders() and time.monotonic() < deadline + 5:  # the killed workers are reaped
        time.sleep(0.2)
    assert stale_folders(), "a killed grader leaves its scratch behind (nothing for the next run to clean)"
    done = subprocess.run(command, cwd=paths.REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert stale_folders() == []


def test_stale_scratch_of_another_account_is_left_alone(tmp_path):
    """In a shared /tmp, does the clean-up skip another user's dead-looking folders instead of failing on them?"""
    import os

    from course.grading.sandbox import scratch

    mine = tmp_path / f"{scratch.SCRATCH_PREFIX}999999-mine"
    theirs = tmp_path / f"{scratch.SCRATCH_PREFIX}999998-theirs"
    for folder in (mine, theirs):
        (folder / "inner").mkdir(parents=True)
    os.chown(theirs, 12345, 12345)  # pid 999998 is not running, but the folder is another account's
    removed = scratch.remove_stale_scratch(tmp_path)
    assert removed == [mine] and not mine.exists() and theirs.exists()
