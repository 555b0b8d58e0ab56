"""Plain `nbgrader autograde` with the repository's nbgrader_config.py runs student code in the kit's sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from course import paths
from course.grading.run import demo
from course.grading import pipeline as plain_nbgrader
from course.grading.sandbox import bwrap

ASSIGNMENT = "ps1-provenance-and-citations"
AVAILABLE, WHY = bwrap.sandbox_available()

PROBE = '''
import os, pathlib
def _probe(label, action):
    try:
        print(label, "LEAKED", repr(action())[:60])
    except Exception as error:
        print(label, "blocked", type(error).__name__)
_probe("secret", lambda: os.environ["COURSE_PROBE_SECRET"])
_probe("gradebook", lambda: pathlib.Path({gradebook!r}).read_bytes()[:16])
_probe("source", lambda: pathlib.Path({source!r}).read_text()[:16])
_probe("others", lambda: os.listdir({submitted!r}))
_probe("write", lambda: pathlib.Path({outside!r}).write_text("written by a submission"))
'''


def test_the_listed_preprocessors_are_nbgraders_own_with_execute_replaced():
    """If nbgrader's default pipeline changes, the plain-nbgrader sandbox must be updated with it."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute
    from traitlets.utils.importstring import import_item

    from course.grading.preprocessors.sandboxed_execute import SandboxedExecute

    stock = Autograde.class_traits()["autograde_preprocessors"].default()
    listed = [import_item(name) for name in plain_nbgrader.SANDBOXED_AUTOGRADE_PREPROCESSORS]
    assert listed == [SandboxedExecute if pp is Execute else pp for pp in stock]


def test_turning_the_sandbox_off_takes_the_exact_consent_and_says_so(monkeypatch, capsys, tmp_path):
    c = Config()
    c.CourseDirectory.root = str(tmp_path)
    c.CourseDirectory.db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    monkeypatch.setenv(plain_nbgrader.UNSANDBOXED_ENV, "yes")
    assert plain_nbgrader.sandbox_plain_autograde(c) is True
    assert "grading stays sandboxed" in capsys.readouterr().err
    assert c.Autograde.autograde_preprocessors[0] == plain_nbgrader.SANDBOXED_EXECUTE
    assert str(tmp_path) in c.SandboxedExecute.hidden_paths
    off = Config()
    monkeypatch.setenv(plain_nbgrader.UNSANDBOXED_ENV, plain_nbgrader.UNSANDBOXED_CONSENT)
    assert plain_nbgrader.sandbox_plain_autograde(off) is False
    assert "UNSANDBOXED" in capsys.readouterr().err and "autograde_preprocessors" not in off.Autograde


@pytest.mark.slow
@pytest.mark.skipif(not AVAILABLE, reason=f"bubblewrap unavailable: {WHY}")
@pytest.mark.usefixtures("no_external_gradebook")
def test_plain_nbgrader_autograde_runs_a_probe_that_reads_and_writes_nothing_it_should_not(tmp_path):
    """A submission probing for an env secret, the gradebook, the solutions, other submissions and a write
    outside the class folder, graded by a plain `nbgrader autograde` command: is every probe blocked?"""
    class_dir = tmp_path / "class"
    api, _ = demo.build_demo_class(class_dir, ASSIGNMENT, students=demo.STUDENTS[:2])
    outside = Path("/var/tmp") / f"course-probe-{uuid.uuid4().hex}"
    student = demo.STUDENTS[0].student_id
    notebook = class_dir / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    answer = next(c for c in nb.cells if demo.is_code_answer(c))
    answer.source = PROBE.format(gradebook=str(class_dir / "gradebook.db"),
                                 source=str(paths.assignments_dir() / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
                                 submitted=str(class_dir / "submitted"), outside=str(outside)) + "\n" + answer.source
    nbformat.write(nb, notebook)
    venv_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if k != plain_nbgrader.UNSANDBOXED_ENV}
    env.update(COURSE_CLASS_DIR=str(class_dir), COURSE_PROBE_SECRET="s3cret-token",
               PATH=venv_bin + os.pathsep + os.environ["PATH"])
    done = subprocess.run([os.path.join(venv_bin, "nbgrader"), "autograde", ASSIGNMENT, "--student", student],
                          cwd=paths.REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    graded = nbformat.read(class_dir / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in graded.cells if c.cell_type == "code" for o in c.outputs)
    lines = [line for line in text.splitlines() if line.split(" ", 1)[0] in ("secret", "gradebook", "source", "others", "write")]
    assert len(lines) == 5, text[-2000:]
    assert all(" blocked " in line for line in lines), lines
    assert not outside.exists()
