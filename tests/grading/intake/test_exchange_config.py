"""`COURSE_NBGRADER_CONFIG`: the kit's verbs use the exchange an instructor's own nbgrader configuration names.

Found on the JupyterHub: `python -m course collect` and `feedback` read only the
repository's `nbgrader_config.py` (exchange `class/exchange`, no course id in its
paths), so they missed the hub's shared exchange that Formgrader and the
students use. A configuration that loads the kit's and changes the exchange
(the hub grader's does exactly this) is now what every verb reads.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from course import paths

ASSIGNMENT = "ps1-provenance-and-citations"
COURSE_ID = "mali-coup-source-evaluation"

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (command, done.stdout[-1500:], done.stderr[-1500:])
    return done


def test_release_collect_and_feedback_use_the_exchange_of_the_named_configuration(tmp_path):
    shared = tmp_path / "srv-exchange"
    class_dir = tmp_path / "class"
    config = tmp_path / "grader_nbgrader_config.py"
    config.write_text(
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig({str(paths.REPO_ROOT / 'nbgrader_config.py')!r})  # noqa: F821\n"
        f"c.Exchange.root = {str(shared)!r}\n"
        "c.Exchange.path_includes_course = True\n")
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "COURSE_CLASS_DIR", "COURSE_NBGRADER_CONFIG")}
    env.update(HOME=str(home), PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}")
    kit = {**env, "COURSE_NBGRADER_CONFIG": str(config), "COURSE_CLASS_DIR": str(class_dir)}

    run([sys.executable, "-m", "course", "release", ASSIGNMENT], kit, paths.REPO_ROOT)
    assert (shared / COURSE_ID / "outbound" / ASSIGNMENT).is_dir()
    assert not (class_dir / "exchange" / ASSIGNMENT).exists() and not (class_dir / "exchange" / COURSE_ID).exists()

    # A student fetches and submits with plain nbgrader, from a folder with no kit configuration.
    student_dir = tmp_path / "student"
    student_dir.mkdir()
    exchange_options = [f"--Exchange.root={shared}", "--Exchange.path_includes_course=True",
                        f"--CourseDirectory.course_id={COURSE_ID}"]
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    run([nbgrader, "fetch_assignment", ASSIGNMENT, *exchange_options], env, student_dir)
    run([nbgrader, "submit", ASSIGNMENT, *exchange_options], env, student_dir)

    done = run([sys.executable, "-m", "course", "collect", ASSIGNMENT], kit, paths.REPO_ROOT)
    student = os.environ.get("USER") or __import__("pwd").getpwuid(os.getuid()).pw_name
    assert (class_dir / "submitted" / student / ASSIGNMENT).is_dir(), done.stdout

    run([sys.executable, "-m", "course", "autograde", ASSIGNMENT, "--sandbox", "off"], kit, paths.REPO_ROOT)
    run([sys.executable, "-m", "course", "feedback", ASSIGNMENT], kit, paths.REPO_ROOT)
    feedback = list((shared / COURSE_ID / "feedback").rglob("*.html"))
    assert feedback, sorted(str(p.relative_to(shared)) for p in shared.rglob("*"))


def test_a_named_configuration_that_does_not_exist_is_a_one_line_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL",)}
    env.update(COURSE_NBGRADER_CONFIG=str(tmp_path / "missing.py"), COURSE_CLASS_DIR=str(tmp_path / "class"))
    done = subprocess.run([sys.executable, "-m", "course", "release", ASSIGNMENT], cwd=paths.REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-1500:]
    assert "COURSE_NBGRADER_CONFIG" in done.stderr.strip().splitlines()[-1] and "is not a file" in done.stderr
    assert not (tmp_path / "class").exists()


def test_a_named_configuration_with_an_error_in_it_is_a_one_line_error(tmp_path):
    """An instructor's own nbgrader_config.py is Python: a syntax error in it printed a raw traceback."""
    broken = tmp_path / "nbgrader_config.py"
    broken.write_text("c = get_config()  # noqa: F821\nc.Exchange.root = (\n")
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL",)}
    env.update(COURSE_NBGRADER_CONFIG=str(broken), COURSE_CLASS_DIR=str(tmp_path / "class"))
    done = subprocess.run([sys.executable, "-m", "course", "release", ASSIGNMENT], cwd=paths.REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-1500:]
    last = done.stderr.strip().splitlines()[-1]
    assert str(broken) in last and "(line 2)" in last and "SyntaxError" in last
    assert not (tmp_path / "class").exists()
