"""Ten students, each a real Unix user, submit at the same moment through nbgrader's exchange.

A smaller version of bench/hub_load.py (30 students; its figures are in deploy/README.md): every
submission is collected exactly once, graded by the kit's sandboxed autograder with the score its
answers earn, and every student fetches feedback with that score.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import close_deployment, new_deployment
from hubfixtures import hub_cache  # noqa: F401 -- a fixture
from hubload import run_load

STUDENTS = 10
ASSIGNMENT = "ps2-claims-and-evidence"
pytestmark = [pytest.mark.hub, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def hub(hub_cache):
    deployment = new_deployment(hub_cache, students=[f"l{i:02d}" for i in range(STUDENTS)], instructors=["inst"])
    yield deployment
    close_deployment(deployment)


def test_simultaneous_submissions_are_each_collected_graded_and_returned_once(hub):
    result = run_load(hub, ASSIGNMENT)
    assert result.collected == sorted(hub.student_users)
    assert result.graded == pytest.approx(result.expected)
    assert set(result.feedback_scores) == set(hub.student_users)
    for user, score in result.feedback_scores.items():
        assert score >= result.expected[user]  # written answers are not graded here: feedback = automatic points
        assert score == pytest.approx(result.graded[user])
    assert len(set(result.expected.values())) == 3, "perfect, partial and blank answers must score differently"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "hub-load-10.json").write_text(json.dumps(result.__dict__, indent=2, default=str))
