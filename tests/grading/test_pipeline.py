"""The one pipeline: plain `nbgrader autograde` with the repository's nbgrader_config.py runs student code in the kit's
sandbox, configured by the same `configure(c, settings)` as the kit's verbs and workers."""

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
from course.grading import pipeline, settings
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
    listed = [import_item(name) for name in pipeline.SANDBOXED_AUTOGRADE_PREPROCESSORS]
    assert listed == [SandboxedExecute if pp is Execute else pp for pp in stock]


def test_the_stock_list_is_nbgraders_own_autograde_pipeline():
    """The sandbox mode "off" is nbgrader's own autograde pipeline, nothing of the kit's in the execution."""
    from nbgrader.converters import Autograde
    from traitlets.utils.importstring import import_item

    stock = Autograde.class_traits()["autograde_preprocessors"].default()
    assert [import_item(name) for name in pipeline.STOCK_AUTOGRADE_PREPROCESSORS] == stock


def test_turning_the_sandbox_off_takes_the_exact_consent_and_says_so(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv(settings.CLASS_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(settings.DB_URL_ENV, raising=False)
    monkeypatch.setenv(settings.UNSANDBOXED_ENV, "yes")
    c = Config()
    pipeline.configure(c, settings.plain_nbgrader_settings())
    assert "grading stays sandboxed" in capsys.readouterr().err
    assert c.Autograde.autograde_preprocessors[0] == pipeline.SANDBOXED_EXECUTE
    assert str(tmp_path) in c.SandboxedExecute.hidden_paths
    off = Config()
    monkeypatch.setenv(settings.UNSANDBOXED_ENV, settings.UNSANDBOXED_CONSENT)
    pipeline.configure(off, settings.plain_nbgrader_settings())
    assert "UNSANDBOXED" in capsys.readouterr().err
    assert off.Autograde.autograde_preprocessors == pipeline.STOCK_AUTOGRADE_PREPROCESSORS
    assert "SandboxedExecute" not in off


def test_nbgrader_config_py_and_the_kits_verbs_build_the_same_configuration(monkeypatch, tmp_path):
    """One configuration: what plain nbgrader reads from nbgrader_config.py is what classdir builds for the verbs."""
    from traitlets.config.loader import PyFileConfigLoader

    from course.grading import classdir

    monkeypatch.setenv(settings.CLASS_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(settings.DB_URL_ENV, raising=False)
    monkeypatch.delenv(settings.UNSANDBOXED_ENV, raising=False)
    monkeypatch.delenv(classdir.CONFIG_ENV, raising=False)
    plain = PyFileConfigLoader(classdir.CONFIG_FILE, path=str(paths.REPO_ROOT)).load_config()
    kit = classdir.nbgrader_config()
    del kit.ExchangeReleaseAssignment  # the verbs' one addition: `release` may run twice
    assert plain == kit
    assert plain.CourseDirectory.root == str(tmp_path.resolve())


def test_a_worker_builds_its_configuration_from_the_settings_alone(monkeypatch, tmp_path):
    """A worker's configuration comes from the settings it is handed: the environment does not reach it."""
    from course.grading.classdir import nbgrader_config

    given = settings.class_settings(tmp_path / "class", sandbox="rlimits")
    monkeypatch.setenv(settings.CLASS_DIR_ENV, str(tmp_path / "elsewhere"))
    monkeypatch.setenv(settings.DB_URL_ENV, "postgresql://nobody@nowhere/none")
    c = Config()
    pipeline.configure(c, given)
    assert c.CourseDirectory.root == str((tmp_path / "class").resolve())
    assert c.CourseDirectory.db_url == given.db_url and "gradebook.db" in given.db_url
    assert c.SandboxedExecute.allow_unsandboxed is True
    assert c.Execute.timeout == settings.CELL_TIMEOUT and c.SandboxedExecute.notebook_timeout == settings.NOTEBOOK_TIMEOUT
    assert nbgrader_config(tmp_path / "class").CourseDirectory.db_url != given.db_url  # COURSE_DB_URL is read there


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
    env = {k: v for k, v in os.environ.items() if k != settings.UNSANDBOXED_ENV}
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
