"""Two autograde runs at once on one class grade each submission once between them, and say who skipped what."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import demo_autograde
from course import paths
from course.grading.gradebook import claims
from course.grading.run import demo

ASSIGNMENT = "ps1-provenance-and-citations"
pytestmark = [pytest.mark.usefixtures("no_external_gradebook")]


def test_a_claimed_submission_cannot_be_claimed_again_until_released(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with claims.claim(tmp_path, url, "ps1", "alice") as first:
        probe = subprocess.run([sys.executable, "-c", "import sys\nfrom course.grading.gradebook import claims\n"
                                f"with claims.claim({str(tmp_path)!r}, {url!r}, 'ps1', 'alice') as held: print(held)"],
                               capture_output=True, text=True, timeout=60)
        assert first is True and probe.stdout.strip() == "False", probe.stderr
    with claims.claim(tmp_path, url, "ps1", "alice") as again:
        assert again is True


@pytest.mark.slow
def test_two_concurrent_runs_grade_every_submission_exactly_once(tmp_path):
    class_dir, command, env = demo_autograde(tmp_path, ASSIGNMENT, jobs=1)
    runs = [subprocess.Popen(command, cwd=paths.REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=900) for run in runs]
    graded = []
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err[-2000:]
        table = out.split("-" * 20, 1)[1]
        rows = [line.split() for line in table.splitlines() if f" {ASSIGNMENT} " in line]
        assert len(rows) == len(demo.STUDENTS)
        graded.append({row[0] for row in rows if row[2] == "graded"})
        skipped = [line for line in table.splitlines() if " skipped " in line]
        assert all("another grader" in line or "already graded" in line for line in skipped), skipped
    assert not graded[0] & graded[1], "a submission was graded twice"
    assert graded[0] | graded[1] == {s.student_id for s in demo.STUDENTS}
