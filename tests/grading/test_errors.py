"""Bad class folders and gradebooks: one line naming the file and what to do, nothing changed, no gradebook made."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course import paths
from course.grading.run import demo

ASSIGNMENT = "ps1-provenance-and-citations"

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A demo class of one assignment and two students, collected, not graded."""
    folder = tmp_path_factory.mktemp("errors") / "demo"
    demo.build_demo_class(folder, ASSIGNMENT, students=demo.STUDENTS[:2])
    return folder


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def autograde(class_dir: Path, *wrapper: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "COURSE_CLASS_DIR")}
    return subprocess.run([*wrapper, sys.executable, "-m", "course", "autograde", ASSIGNMENT, "--class-dir", str(class_dir),
                           "--force", "--sandbox", "off"], cwd=paths.REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def assert_one_line_error(done: subprocess.CompletedProcess, *words: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("course autograde: error: "), done.stderr
    for word in words:
        assert word in last, last
    return last


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_gradebook_is_named_and_left_as_it_was(released, tmp_path, damage):
    class_dir = tmp_path / "class"
    shutil.copytree(released, class_dir)
    book = class_dir / "gradebook.db"
    data = book.read_bytes()
    book.write_bytes(b"this is not a database" * 100 if damage == "garbage" else data[: len(data) // 2])
    before = tree_digest(class_dir)
    last = assert_one_line_error(autograde(class_dir), str(book), "damaged", "backups")
    assert "restore_gradebook" in last
    assert tree_digest(class_dir) == before


def test_autograde_before_any_release_makes_no_gradebook(tmp_path):
    class_dir = tmp_path / "class"
    class_dir.mkdir()
    assert_one_line_error(autograde(class_dir), "no gradebook", "release")
    assert sorted(p.name for p in class_dir.iterdir()) == []


def test_a_read_only_class_folder_is_refused_before_anything_is_graded(released, tmp_path):
    class_dir = tmp_path / "class"
    shutil.copytree(released, class_dir)
    before = tree_digest(class_dir)
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        pytest.skip("bubblewrap is needed to mount the class folder read-only")
    done = autograde(class_dir, bwrap, "--bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                     "--ro-bind", str(class_dir), str(class_dir))
    assert_one_line_error(done, str(class_dir), "cannot be written")
    assert tree_digest(class_dir) == before


def test_a_full_disk_at_backup_is_reported_and_grades_nothing(released, tmp_path):
    class_dir = tmp_path / "class"
    shutil.copytree(released, class_dir)
    (class_dir / "backups").mkdir()
    before = tree_digest(class_dir)
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        pytest.skip("bubblewrap is needed to mount a tiny tmpfs as the backup folder")
    # The backups folder is a 16 KiB tmpfs: the gradebook (hundreds of KiB) does not fit.
    done = autograde(class_dir, bwrap, "--bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                     "--size", "16384", "--tmpfs", str(class_dir / "backups"))
    assert_one_line_error(done, "could not back up the gradebook", "--no-backup")
    assert tree_digest(class_dir) == before
    assert not (class_dir / "autograded").exists()


def report(class_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "COURSE_CLASS_DIR")}
    return subprocess.run([sys.executable, "-m", "course", "report", "--class-dir", str(class_dir)], cwd=paths.REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


def test_report_on_a_folder_that_is_no_class_writes_nothing_there(tmp_path):
    """`course report --class-dir /etc` (a typo, a wrong folder) made a gradebook and a grades/ folder in it."""
    folder = tmp_path / "not-a-class"
    folder.mkdir()
    done = report(folder)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-1500:]
    assert done.stderr.strip().splitlines()[-1].startswith("course report: error: there is no gradebook at ")
    assert list(folder.iterdir()) == []


def test_report_before_anything_is_graded_says_so_and_writes_nothing(released, tmp_path):
    class_dir = tmp_path / "class"
    shutil.copytree(released, class_dir)
    before = tree_digest(class_dir)
    done = report(class_dir)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-1500:]
    assert "has been autograded yet" in done.stderr.strip().splitlines()[-1]
    assert tree_digest(class_dir) == before and not (class_dir / "grades").exists()
