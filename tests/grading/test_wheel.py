"""What the built wheel ships: the package, and none of the test suite's attack code."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

import hostile_cases
from course import paths


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(out), str(paths.REPO_ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    (found,) = out.glob("*.whl")
    return zipfile.ZipFile(found)


def _attack_snippets() -> list[str]:
    """Distinctive lines of the hostile-submission payloads (the student code of each attack case)."""
    payloads = [value for name, value in vars(hostile_cases).items()
                if name.isupper() and isinstance(value, str) and value.count("\n") >= 3]
    lines = {line.strip() for payload in payloads for line in payload.splitlines()}
    return sorted(line for line in lines if len(line) >= 40)


@pytest.mark.slow
def test_the_wheel_carries_no_hostile_submission_code(wheel):
    """Does `pip wheel --no-deps .` leave the attack payloads (tests/grading/hostile_cases.py) out?"""
    snippets = _attack_snippets()
    assert len(snippets) > 20, "the payload scan found too few lines to mean anything"
    names = wheel.namelist()
    assert any(name == "course/grading/preprocessors/sandboxed_execute.py" or name.startswith("course/grading/sandbox/") for name in names)
    assert not [name for name in names if "hostile" in name.lower()]
    for name in names:
        if name.endswith(".py"):
            assert not hostile_lines_in(wheel.read(name).decode("utf-8")), f"{name} holds hostile-submission code"


def hostile_lines_in(text: str) -> list[str]:
    return [snippet for snippet in _attack_snippets() if snippet in text]


def test_the_snippet_scan_flags_a_payload_and_passes_a_clean_module():
    """Would the scan above notice a payload pasted into a module, and leave ordinary kit code alone?"""
    clean = (paths.PACKAGE_DIR / "grading" / "run" / "verbs.py").read_text(encoding="utf-8")
    assert hostile_lines_in(clean) == []
    assert hostile_lines_in(clean + "\n" + hostile_cases.READ_GRADEBOOK)


def test_the_wheel_carries_no_desk_notes(wheel):
    """data/research (the fact-check desk's notes discuss the verdicts graded work assesses) stays out of the wheel."""
    names = wheel.namelist()
    assert any(name.startswith("course/_data/geo/") for name in names)
    assert not [name for name in names if "/research/" in name]


def test_the_wheel_carries_the_kits_words(wheel):
    """Do the data files every student-visible word is read from ship with the package (course/_notebooks)?"""
    names = set(wheel.namelist())
    for words in ("vocabulary.toml", "words.toml", "grading.toml", "lessons.toml", "practice.toml"):
        assert f"course/_notebooks/{words}" in names, words
