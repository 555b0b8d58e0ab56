"""Install layouts: the sandboxed kernel imports the grader's own `course` and data, however the kit was installed.

Each layout grades the same two-student demo class with
``python -m course autograde`` run from a checkout, and must give the scores of
the in-checkout venv: the perfect submission full marks (not 0, as when a
kernel imported site-packages' copy without data, or died because another
checkout's editable install pointed it elsewhere). New venvs reuse this
environment's libraries through a ``.pth`` file, so no dependency is installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from course import paths
from course.grading.run import demo
from course.grading.sandbox import bwrap

ASSIGNMENT = "ps1-provenance-and-citations"
AVAILABLE, WHY = bwrap.sandbox_available()
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook"),
              pytest.mark.skipif(not AVAILABLE, reason=f"bubblewrap unavailable: {WHY}")]

_IGNORED_ANYWHERE = shutil.ignore_patterns(".venv", ".git", "class", "__pycache__", "*.egg-info", ".pytest_cache")


def IGNORED(folder, names) -> set[str]:
    """What a second checkout leaves out: the venv, caches, the class, and setuptools' build/ at the top (never
    course/build, the kit's build package)."""
    skipped = set(_IGNORED_ANYWHERE(folder, names))
    if Path(folder) == paths.REPO_ROOT and "build" in names:
        skipped.add("build")
    return skipped


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("layouts")
    demo.build_demo_class(folder / "template", ASSIGNMENT, students=(demo.STUDENTS[0], demo.STUDENTS[2]))
    shutil.copytree(paths.REPO_ROOT, folder / "checkout", ignore=IGNORED)  # a second checkout of this tree
    return folder


def bare_venv(target: Path) -> Path:
    """A venv of this interpreter's base Python that sees this environment's libraries (a .pth line) but no `course`."""
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(target)], check=True, timeout=120)
    site = Path(subprocess.run([str(target / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "course-test-libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return target / "bin" / "python"


def pip_install(python: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                           "--disable-pip-version-check", *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


def grade(python: Path, checkout: Path, work: Path, name: str) -> dict:
    class_dir = work / name
    shutil.copytree(work / "template", class_dir)
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "COURSE_CLASS_DIR", "PYTHONPATH", "COURSE_DATA_DIR")}
    done = subprocess.run([str(python), "-m", "course", "autograde", ASSIGNMENT, "--class-dir", str(class_dir),
                           "--jobs", "1", "--force", "--no-backup"], cwd=checkout, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, (done.stdout[-1500:], done.stderr[-1500:])
    return {path.stem: (record["status"], record["score"]) for path in (class_dir / "autograde-state" / ASSIGNMENT).glob("*.json")
            for record in [json.loads(path.read_text())]}


@pytest.fixture(scope="module")
def reference(work) -> dict:
    scores = grade(Path(sys.executable), paths.REPO_ROOT, work, "reference")
    assert scores["demo-perfect"][1] > 0 and scores["demo-empty"][1] == 0
    return scores


def test_an_editable_install_of_one_checkout_grades_right_from_another_checkout(work, reference):
    assert grade(Path(sys.executable), work / "checkout", work, "second-checkout") == reference


@pytest.fixture(scope="module")
def wheel_python(work, tmp_path_factory) -> Path:
    """A venv with the kit installed from its wheel (not editable), away from any checkout."""
    folder = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder / "wheels"),
                           str(work / "checkout")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    python = bare_venv(folder / "venv-wheel")
    pip_install(python, str(next((folder / "wheels").glob("*.whl"))))
    return python


def test_a_wheel_install_grades_right_from_a_checkout_and_ships_the_data(work, reference, wheel_python, tmp_path):
    # outside any checkout, the installed package finds its own data
    probe = subprocess.run([str(wheel_python), "-c", "from course import paths; print(paths.primary_document_path().is_file(), "
                            "paths.PACKAGE_DIR.parent.name)"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert probe.stdout.split() == ["True", "site-packages"], probe.stderr
    assert grade(wheel_python, work / "checkout", work, "wheel") == reference


def test_a_wheel_install_ships_the_lessons_a_student_can_start_and_run(wheel_python, tmp_path):
    """Issue #11: the lessons' notebooks and content files were not in the wheel, so `course start` and the
    lessons' own imports (practice questions, exercises) failed in a non-editable install."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COURSE_DATA_DIR", "VIRTUAL_ENV")}
    env["HOME"] = str(tmp_path / "home")
    done = subprocess.run([str(wheel_python), "-m", "course", "start", "--no-lab"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    workspace = tmp_path / "home" / "course-workspace"  # the default for an installed kit, not site-packages
    lessons = sorted(p.name for p in workspace.glob("*.ipynb"))
    assert len(lessons) == 9 and lessons[0].startswith("00-"), (lessons, done.stdout)
    # The student runs a lesson that asks check-yourself questions and shows an exercise, on the wheel's kernel.
    runner = ("import sys, nbformat\nfrom nbclient import NotebookClient\n"
              "nb = nbformat.read(sys.argv[1], as_version=4)\n"
              "nb.cells.append(nbformat.v4.new_code_cell('import course, sys; print(course.__file__, sys.executable)'))\n"
              "NotebookClient(nb, timeout=300, kernel_name='python3', resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
              "print(nb.cells[-1].outputs[0]['text'].strip())\n"
              "print(sum(o.get('output_type') == 'error' for c in nb.cells for o in c.get('outputs', [])))")
    lesson = next(p for p in lessons if p.startswith("01-"))
    done = subprocess.run([str(wheel_python), "-c", runner, str(workspace / lesson), str(workspace)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    where, kernel_python, errors = done.stdout.split()[-3:]  # as the lesson's kernel saw them
    assert "site-packages" in where and kernel_python == str(wheel_python) and errors == "0", done.stdout[-2000:]


def test_a_venv_outside_the_checkout_with_an_editable_install_of_it_grades_right(work, reference, tmp_path):
    python = bare_venv(tmp_path / "venv-editable")
    pip_install(python, "-e", str(work / "checkout"))
    assert grade(python, work / "checkout", work, "outside-editable") == reference
