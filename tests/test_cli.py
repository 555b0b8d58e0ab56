"""python -m course: help, version, check and document."""

from __future__ import annotations

import os
import subprocess
import sys

from course import __version__
from course.cli import main


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "course", *args], capture_output=True, text=True, env=env, timeout=120)


def test_help_lists_the_verbs():
    result = run("--help")
    assert result.returncode == 0
    for verb in ("check", "document", "build"):
        assert verb in result.stdout


def test_version():
    result = run("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_no_verb_is_a_usage_error():
    result = run()
    assert result.returncode == 2 and "VERB" in result.stderr


def test_cli_imports_no_heavy_library():
    """Start-up stays fast because the CLI module imports nothing heavy (timings live in bench/)."""
    code = "import sys, course.cli; print(' '.join(m for m in ('pandas', 'numpy', 'matplotlib', 'nbgrader', 'frictionless', 'jupyterlab') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_check_passes_on_the_shipped_data(capsys):
    assert main(["check"]) == 0
    assert "data OK" in capsys.readouterr().out


def test_check_fails_readably_when_the_document_is_altered(data_copy):
    doc = data_copy / "primary-document.txt"
    doc.write_bytes(doc.read_bytes().replace(b"Bamako", b"Bamak0", 1))
    result = run("check", env=os.environ.copy())
    assert result.returncode == 1
    assert "primary-document.txt" in result.stderr and "has been altered" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_fails_readably_when_the_document_is_missing(data_copy):
    (data_copy / "primary-document.txt").unlink()
    result = run("check", env=os.environ.copy())
    assert result.returncode == 1
    assert "not found" in result.stderr and "Traceback" not in result.stderr


def test_document_prints_seven_sections_and_the_citation_table(capsys):
    assert main(["document"]) == 0
    out = capsys.readouterr().out
    assert "Q&A: The Military Coup d’état in Mali" in out
    sections = out.split("Sections")[1].split("Closing:")[0]
    rows = [line for line in sections.splitlines() if line[:1].isdigit()]
    assert [row.split()[0] for row in rows] == ["1", "2", "3", "4", "5", "6", "7"]
    assert "Citations (16)" in out
    assert "(Reuters 19/8/2020)" not in out  # the table shows fields, not raw markers
    assert "19/8/2020     2020-08-19" in out


def test_document_on_an_altered_file_is_one_line_error(data_copy):
    doc = data_copy / "primary-document.txt"
    doc.write_text("tampered", encoding="utf-8")
    result = run("document", env=os.environ.copy())
    assert result.returncode == 2
    assert result.stderr.startswith("course document: error: primary document") and "Traceback" not in result.stderr


def test_every_wing_s_user_errors_share_one_base_class_on_the_bottom_floor():
    """The command line catches one class (course.errors.CourseError), which every wing's user-facing errors
    subclass; course/errors.py imports nothing of the kit (a layer test puts it beside course.paths)."""
    import ast

    from course import errors, paths
    from course.document import DocumentError
    from course.document.anchors import AnchorError
    from course.document.dates import MalformedDateError
    from course.evidence.data import DataPackageError
    from course.evidence.editions import EditionError
    from course.grading.classdir import GradingError
    from course.grading.release.packets import PacketError

    for kind in (DocumentError, AnchorError, MalformedDateError, DataPackageError, EditionError, GradingError, PacketError):
        assert issubclass(kind, errors.CourseError) and errors.is_user_error(kind("x")), kind
    assert not errors.is_user_error(KeyError("a bug"))
    tree = ast.parse((paths.PACKAGE_DIR / "errors.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and (n.module or "").startswith("course")]
