"""Collect and the grader's own folders under the stranger-file rules, case by case (course/grading/intake).

Each test gets its own copy of one small class (ps1 released, clean students who
submit through nbgrader's exchange at the real time; built once per module) and does one thing a student or an
instructor would do: make an entry unreadable or remove it mid-collect, write to
an entry while it is collected, change every ctime with ``chmod -R``, back the
class up with hard links, link a student's folder elsewhere.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from course.grading.run import demo, verbs
from course.grading.classdir import open_api, source_notebook
from course.grading.intake import collect as collect_module
from course.grading.intake.converters import refusal
from course.grading.run.worker import unreadable_reason

ASSIGNMENT = "ps1-provenance-and-citations"
COURSE_ID = "mali-coup-source-evaluation"
STAMP = "%Y-%m-%d %H:%M:%S.%f UTC"
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


@pytest.fixture(scope="module")
def submitted_class(tmp_path_factory):
    """The class once: ps1 released, ada and ben submitted, nothing collected (each test gets its own copy)."""
    root = tmp_path_factory.mktemp("intake")
    class_dir = root / "class"
    api = open_api(class_dir, create=True, private_gradebook=True)
    verbs.release(ASSIGNMENT, due=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1), api=api)
    source_nb = nbformat.read(source_notebook(ASSIGNMENT), as_version=4)
    for student_id in ("ada", "ben"):
        student = demo.DemoStudent(student_id, student_id, "Clean", "perfect")
        path = demo.fetch(api, ASSIGNMENT, student, root / "homes" / student_id)
        nbformat.write(demo.build_submission(source_nb, nbformat.read(path, as_version=4), "perfect")[0], path)
        demo.submit(api, ASSIGNMENT, student, root / "homes" / student_id, dt.datetime.now(dt.timezone.utc))
    return class_dir


@pytest.fixture
def small_class(submitted_class, tmp_path):
    """A private copy of the submitted class (the tests collect, break and move its entries). The copy's files
    have a new ctime, later than the students' timestamp.txt, as files a student wrote a moment before submitting."""
    class_dir = tmp_path / "class"
    shutil.copytree(submitted_class, class_dir, symlinks=True)
    return class_dir, open_api(class_dir, private_gradebook=True)


def inbound(class_dir: Path) -> Path:
    return class_dir / "exchange" / COURSE_ID / "inbound"


def recorded(class_dir: Path, student: str) -> dt.datetime:
    text = (class_dir / "submitted" / student / ASSIGNMENT / "timestamp.txt").read_text().strip()
    return dt.datetime.strptime(text, STAMP)


@pytest.mark.parametrize("error", [PermissionError(13, "Permission denied"), FileNotFoundError(2, "No such file")])
def test_an_entry_that_cannot_be_read_or_vanishes_is_refused_alone(small_class, monkeypatch, error):
    """A student who makes a folder of their entry unreadable, or removes the entry while collect runs."""
    class_dir, api = small_class
    real = collect_module.inspect_submission

    def inspect(path, *args, **kwargs):
        if os.path.basename(path).startswith("ben+"):
            raise error
        return real(path, *args, **kwargs)

    monkeypatch.setattr(collect_module, "inspect_submission", inspect)
    refused: list[str] = []
    collected = verbs.collect(ASSIGNMENT, api=api, refused=refused)
    assert collected[ASSIGNMENT] == ["ada"]
    assert len(refused) == 1 and "ben+" in refused[0] and "cannot be read" in refused[0], refused


def test_an_unlistable_folder_in_an_entry_is_a_refusal_not_a_crash(small_class, monkeypatch):
    """As root a chmod cannot stop the grader, so the listing's PermissionError is made directly."""
    from course.grading.intake import files

    class_dir, api = small_class
    entry = next(inbound(class_dir).glob("ben+*"))
    (entry / "data").mkdir()
    real = os.scandir

    def scandir(target):
        if isinstance(target, int) and os.path.samefile(f"/proc/self/fd/{target}", entry / "data"):
            raise PermissionError(13, "Permission denied")
        return real(target)

    monkeypatch.setattr(files.os, "scandir", scandir)
    refused: list[str] = []
    assert verbs.collect(ASSIGNMENT, api=api, refused=refused)[ASSIGNMENT] == ["ada"]
    assert "data/ cannot be listed" in refused[0], refused


def test_work_written_while_the_entry_is_copied_carries_the_time_it_was_written(small_class, monkeypatch):
    class_dir, api = small_class
    entry = next(inbound(class_dir).glob("ben+*"))
    real = collect_module.copy_submission
    written = {}

    def copy_after_a_late_write(source, target, *args, **kwargs):
        if os.path.basename(source).startswith("ben+"):
            time.sleep(1.5)  # past the inspection, as a student polling timestamp.txt's atime would be
            with open(entry / f"{ASSIGNMENT}.ipynb", "a", encoding="utf-8") as handle:
                handle.write(" ")
            written["at"] = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(collect_module, "copy_submission", copy_after_a_late_write)
    verbs.collect(ASSIGNMENT, api=api)
    assert recorded(class_dir, "ben") >= written["at"] - dt.timedelta(milliseconds=50)
    assert recorded(class_dir, "ada") < written["at"] - dt.timedelta(seconds=1)


def test_collecting_again_after_every_ctime_changed_changes_nothing(small_class):
    """An instructor's chmod -R on the exchange moves every ctime; the same entries are not newer submissions."""
    class_dir, api = small_class
    # Ben's claim is older than his files by more than the clock tolerance: his recorded time is the files'.
    entry = next(inbound(class_dir).glob("ben+*"))
    (entry / "timestamp.txt").write_text((dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=3)).strftime(STAMP))
    verbs.collect(ASSIGNMENT, api=api)
    before = {s: recorded(class_dir, s) for s in ("ada", "ben")}
    time.sleep(1.1)
    for folder, dirs, files in os.walk(inbound(class_dir)):
        for name in dirs + files:
            os.chmod(os.path.join(folder, name), os.lstat(os.path.join(folder, name)).st_mode | 0o040)
    refused: list[str] = []
    verbs.collect(ASSIGNMENT, api=api, refused=refused)
    assert refused == [] and {s: recorded(class_dir, s) for s in ("ada", "ben")} == before


def test_a_claim_earlier_than_the_files_is_never_the_recorded_time(small_class):
    """A submission written now claiming two minutes ago (within the clock tolerance) is recorded now."""
    class_dir, api = small_class
    entry = next(inbound(class_dir).glob("ben+*"))
    claimed = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=115)
    (entry / "timestamp.txt").write_text(claimed.strftime(STAMP))
    verbs.collect(ASSIGNMENT, api=api)
    assert recorded(class_dir, "ben") > claimed.replace(tzinfo=None) + dt.timedelta(seconds=100)


def test_a_hard_link_backup_of_the_graders_folders_does_not_stop_grading(small_class, tmp_path):
    """cp -al (rsnapshot, rsync --link-dest) gives every file of submitted/ a second name: still gradable."""
    class_dir, api = small_class
    verbs.collect(ASSIGNMENT, api=api)
    folder = class_dir / "submitted" / "ada" / ASSIGNMENT
    for path in folder.iterdir():
        os.link(path, tmp_path / f"backup-{path.name}")
    assert unreadable_reason(folder, [ASSIGNMENT]) is None


def test_a_students_folder_that_is_a_link_is_refused_by_the_guard(small_class, tmp_path):
    class_dir, api = small_class
    verbs.collect(ASSIGNMENT, api=api)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(class_dir / "submitted" / "ada", elsewhere)
    (class_dir / "submitted" / "ada").symlink_to(elsewhere)
    folder = class_dir / "submitted" / "ada" / ASSIGNMENT
    assert "submitted/ada is a link" in refusal(folder, "ada", class_dir)
    assert refusal(class_dir / "submitted" / "ben" / ASSIGNMENT, "ben", class_dir) is None


def test_a_notebook_for_a_kernel_the_grader_does_not_have_is_refused_in_one_line(tmp_path):
    """nbgrader refuses a notebook whose kernelspec names a kernel it does not have; the kit ran it as Python.
    The kit refuses it too, in one line, and a notebook for the grader's own kernel still passes."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    folder = tmp_path / "ada" / ASSIGNMENT
    folder.mkdir(parents=True)
    notebook = new_notebook(cells=[new_code_cell("x = 1")],
                            metadata={"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}})
    nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
    reason = unreadable_reason(folder, [ASSIGNMENT])
    assert reason and "'ir'" in reason and "\n" not in reason
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
    assert unreadable_reason(folder, [ASSIGNMENT]) is None
