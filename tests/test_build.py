"""python -m course build: one command regenerates every generated file, and --check names each stale one."""

from __future__ import annotations

import fnmatch

import pytest
from scratch_repo import copy_repo, run_in

from course import paths
from course.build import runner
from course.build.steps import STEPS


def test_the_tree_is_built():
    """Is every generated file of this checkout what its step would write (what `make test` runs first)?"""
    assert runner.check(STEPS) == []


def test_every_output_has_one_step_and_is_declared_by_it():
    """Does each generated file come from exactly one step, and match the outputs that step declares?"""
    makers: dict = {}
    for step in STEPS:
        for path in step.render():
            makers.setdefault(path, []).append(step.name)
            relative = str(path.relative_to(paths.REPO_ROOT))
            assert any(fnmatch.fnmatch(relative, pattern) for pattern in step.outputs), (step.name, relative)
    assert {p: names for p, names in makers.items() if len(names) > 1} == {}
    assert len(makers) >= 15  # 4 evidence tables, the two docs, packets and notebooks


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    copy = copy_repo(tmp_path_factory.mktemp("repo"))
    found = run_in(copy, "-c", "from course import paths; print(paths.REPO_ROOT)")
    assert found.stdout.strip() == str(copy), found.stderr  # the commands below work on the copy, not on this tree
    return copy


def test_check_names_a_stale_output_and_build_repairs_it(scratch):
    """A hand-edited output fails --check with one line naming it and the fix, writes nothing; build restores it."""
    packet = next(scratch.glob("assignments/*/packets.json"))
    relative = str(packet.relative_to(scratch))
    built = packet.read_text(encoding="utf-8")
    packet.write_text(built.replace('"title"', '"Title"', 1), encoding="utf-8")
    edited = packet.read_text(encoding="utf-8")
    assert edited != built

    result = run_in(scratch, "-m", "course", "build", "--check")
    stale = [line for line in result.stderr.splitlines() if " is stale" in line]
    assert result.returncode == 1, result.stdout + result.stderr
    assert stale == [f"{relative} is stale: the 'packets' step makes it from "
                     "bank/packets.toml, bank/evidence.csv, bank/evidence_facts.csv, data/*.csv; run: python -m course build"]
    assert packet.read_text(encoding="utf-8") == edited  # --check writes nothing

    result = run_in(scratch, "-m", "course", "build")
    assert result.returncode == 0, result.stderr
    assert f"packets: wrote {relative}" in result.stdout.splitlines()
    assert packet.read_text(encoding="utf-8") == built
    assert run_in(scratch, "-m", "course", "build", "--check").returncode == 0


def test_check_sees_a_missing_output(scratch):
    """A deleted output is stale too (step by name: only the desk-notes step runs)."""
    facts = scratch / "data" / "evidence_facts.csv"
    text = facts.read_text(encoding="utf-8")
    facts.unlink()
    result = run_in(scratch, "-m", "course", "build", "--check", "desk-notes")
    assert result.returncode == 1 and result.stderr.startswith("data/evidence_facts.csv is stale: the 'desk-notes' step")
    assert not facts.exists()
    assert run_in(scratch, "-m", "course", "build", "desk-notes").returncode == 0
    assert facts.read_text(encoding="utf-8") == text


def test_an_unknown_step_is_one_line():
    from course.cli import main

    with pytest.raises(runner.BuildError, match="no build step nothing; the steps are desk-notes, "):
        runner.select(STEPS, ["nothing"])
    assert main(["build", "--check", "nothing"]) == 2
