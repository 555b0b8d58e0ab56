"""Hostile files: what students hand in, through the exchange and in submitted/, taken as a stranger's.

One class (module fixture) with clean students who submit through nbgrader's
own exchange and, beside them, entries made by hand the way a student with a
shell would make them: links to the source notebook, the gradebook, another
student's secret and /dev/zero; FIFOs; hard links; an entry named for another
student dated 2099; a late entry with an on-time timestamp.txt; names and ids
that are not data. Plain ``nbgrader collect`` (the repository's configuration)
collects first, then ``python -m course collect``; then folders are planted in
``submitted/`` by hand and the class is autograded and given feedback with the
kit's verbs. After it all:

* every clean submission was collected, graded and given feedback;
* no hostile entry reached ``submitted/``, and each was named in one line;
* nothing outside a submission was copied (no solution line anywhere a student's
  files went), no other student's submission or feedback changed;
* a late entry is recorded late; a FIFO never hangs anything.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course import paths
from course.grading.run import demo, verbs
from course.grading.classdir import open_api, source_notebook
from course.grading.intake import files as intake_files
from course.grading.intake.ids import is_safe_id
from course.grading.sandbox import bwrap

ASSIGNMENT = "ps1-provenance-and-citations"
COURSE_ID = "mali-coup-source-evaluation"
AVAILABLE, WHY = bwrap.sandbox_available()
CLEAN = ("clean-a", "clean-b", "victim")
NOW = dt.datetime.now(dt.timezone.utc)
STAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


# --- making entries the way a student with a shell would ----------------------------------------------------

def inbound(class_dir: Path) -> Path:
    return class_dir / "exchange" / COURSE_ID / "inbound"


def entry(class_dir: Path, student: str, when: dt.datetime, *, stamp_text: str | None = None,
          notebook: Path | None = None, name: str | None = None) -> Path:
    """An inbound entry laid out as nbgrader's submit lays it out, with a real notebook copied in."""
    folder = inbound(class_dir) / (name or f"{student}+{ASSIGNMENT}+{when.strftime(STAMP_FORMAT)}+x")
    folder.mkdir(parents=True)
    if notebook is not None:
        (folder / f"{ASSIGNMENT}.ipynb").write_bytes(notebook.read_bytes())
    (folder / "timestamp.txt").write_text(stamp_text if stamp_text is not None else when.strftime(STAMP_FORMAT))
    (folder / "submission_secret.txt").write_text(f"secret-of-{student}")
    return folder


def submit_clean(api, student_id: str, homes: Path, source_nb) -> Path:
    """Fetch, answer perfectly and submit through nbgrader's exchange, at the real time; the answered notebook."""
    student = demo.DemoStudent(student_id, student_id, "Clean", "perfect")
    path = demo.fetch(api, ASSIGNMENT, student, homes / student_id)
    submission = demo.build_submission(source_nb, nbformat.read(path, as_version=4), "perfect")[0]
    nbformat.write(submission, path)
    demo.submit(api, ASSIGNMENT, student, homes / student_id, dt.datetime.now(dt.timezone.utc))
    return path


def run(args: list[str], class_dir: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    venv_bin = str(Path(sys.executable).parent)
    env = dict(os.environ, COURSE_CLASS_DIR=str(class_dir), PATH=venv_bin + os.pathsep + os.environ["PATH"])
    env.pop("COURSE_DB_URL", None)
    return subprocess.run(args, cwd=paths.REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


#: Hostile entries in the exchange, by name: what each one is. Built in :func:`hostile_class`.
EXCHANGE_CASES = {
    "link-to-source": "its notebook is a symbolic link to the instructor's source notebook",
    "link-to-gradebook": "an extra file links to the gradebook",
    "link-to-secret": "its submission_secret.txt links to the victim's secret",
    "link-to-dev-zero": "an extra file links to /dev/zero",
    "fifo-inside": "a FIFO beside the notebook",
    "fifo-timestamp": "timestamp.txt is a FIFO",
    "hard-link": "an extra file is a hard link to a file outside the entry",
    "bad-timestamp": "timestamp.txt is not a timestamp",
    "too-big": "a 101 MB file",
    "forged-victim": "an entry named for the victim, dated 2099",
    "bad-name": "a folder name with no date",
    "unsafe-ids": "entries named '*', '=HYPERLINK', '<img>' and one with a newline",
}


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    class_dir = tmp_path_factory.mktemp("hostile-files") / "class"
    api = open_api(class_dir, create=True, private_gradebook=True)
    # Due an hour ago: what the clock says decides who is late.
    verbs.release(ASSIGNMENT, due=NOW - dt.timedelta(hours=1), api=api)
    source_path = source_notebook(ASSIGNMENT)
    source_nb = nbformat.read(source_path, as_version=4)
    homes = class_dir.parent / "homes"
    answered = {s: submit_clean(api, s, homes, source_nb) for s in CLEAN}
    good = answered["clean-a"]
    victim_entry = next(inbound(class_dir).glob(f"victim+{ASSIGNMENT}+*"))
    outside = class_dir.parent / "outside.txt"
    outside.write_text("a file outside every submission\n")

    made = {}
    folder = entry(class_dir, "link-to-source", NOW)
    (folder / f"{ASSIGNMENT}.ipynb").symlink_to(source_path)
    made["link-to-source"] = folder
    folder = entry(class_dir, "link-to-gradebook", NOW, notebook=good)
    (folder / "data.csv").symlink_to(class_dir / "gradebook.db")
    made["link-to-gradebook"] = folder
    folder = entry(class_dir, "link-to-secret", NOW, notebook=good)
    (folder / "submission_secret.txt").unlink()
    (folder / "submission_secret.txt").symlink_to(victim_entry / "submission_secret.txt")
    made["link-to-secret"] = folder
    folder = entry(class_dir, "link-to-dev-zero", NOW, notebook=good)
    (folder / "big.bin").symlink_to("/dev/zero")
    made["link-to-dev-zero"] = folder
    folder = entry(class_dir, "fifo-inside", NOW, notebook=good)
    os.mkfifo(folder / "pipe")
    made["fifo-inside"] = folder
    folder = entry(class_dir, "fifo-timestamp", NOW, notebook=good)
    (folder / "timestamp.txt").unlink()
    os.mkfifo(folder / "timestamp.txt")
    made["fifo-timestamp"] = folder
    folder = entry(class_dir, "hard-link", NOW, notebook=good)
    os.link(outside, folder / "notes.txt")
    made["hard-link"] = folder
    made["bad-timestamp"] = entry(class_dir, "bad-timestamp", NOW, notebook=good, stamp_text="next tuesday")
    folder = entry(class_dir, "too-big", NOW, notebook=good)
    with open(folder / "video.bin", "wb") as handle:
        handle.truncate(101 * 1024 * 1024)
    made["too-big"] = folder
    made["forged-victim"] = entry(class_dir, "victim", dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc), notebook=source_path)
    made["bad-name"] = entry(class_dir, "bad-name", NOW, notebook=good, name=f"bad-name+{ASSIGNMENT}+not-a-date")
    unsafe = []
    for student in ("*", "=HYPERLINK(1)", "<img src=x>", "new\nline"):
        unsafe.append(entry(class_dir, student, NOW, notebook=good))
    made["unsafe-ids"] = unsafe
    # A late entry with an on-time timestamp.txt: files written now (after the due date), claiming 3 hours ago.
    entry(class_dir, "late-claims-on-time", NOW, notebook=good,
                 stamp_text=(NOW - dt.timedelta(hours=3)).strftime(STAMP_FORMAT))
    # The victim resubmits after the forged 2099 entry was planted: this later real submission must win.
    time.sleep(1.1)
    answered["victim"] = submit_clean(api, "victim", homes, source_nb)

    started = time.monotonic()
    plain = run([str(Path(sys.executable).parent / "nbgrader"), "collect", ASSIGNMENT], class_dir, timeout=120)
    plain_seconds = time.monotonic() - started
    kit = run([sys.executable, "-m", "course", "collect", ASSIGNMENT], class_dir, timeout=120)
    return {"class_dir": class_dir, "api": api, "made": made, "plain": plain, "kit": kit,
            "plain_seconds": plain_seconds, "source": source_path, "outside": outside}


def submitted(class_dir: Path) -> Path:
    return class_dir / "submitted"


def test_plain_nbgrader_collect_takes_the_clean_entries_refuses_each_hostile_one_and_fails(hostile_class):
    plain, class_dir = hostile_class["plain"], hostile_class["class_dir"]
    assert plain.returncode != 0, plain.stdout[-2000:] + plain.stderr[-2000:]
    assert hostile_class["plain_seconds"] < 60  # no FIFO or /dev/zero held it up
    collected = sorted(p.name for p in submitted(class_dir).iterdir())
    assert collected == sorted([*CLEAN, "late-claims-on-time"])
    log = plain.stdout + plain.stderr
    for name in EXCHANGE_CASES:
        if name not in ("forged-victim", "bad-name", "unsafe-ids"):
            assert f"'{name}+{ASSIGNMENT}+" in log, (name, log[-3000:])
    # The 2099 entry is refused by its time (one Unix account here; the owner check is tests/hub's).
    assert "says 2099-01-01 00:00:00 UTC, after the files were written" in log
    assert "('not-a-date') is not a timestamp" in log and "'*' is refused" in log


def test_the_kit_collect_says_each_refusal_in_one_line_and_exits_non_zero(hostile_class):
    kit = hostile_class["kit"]
    assert kit.returncode == 1, kit.stderr[-2000:]
    refused = [line for line in kit.stderr.splitlines() if line.startswith("REFUSED: ")]
    # 11 named cases, with 4 unsafe ids and the forged entry: 15 entries, each once.
    assert len(refused) == len(EXCHANGE_CASES) - 1 + 4, kit.stderr
    assert "Traceback" not in kit.stderr


def test_no_hostile_entry_reaches_submitted_and_the_victims_real_resubmission_wins(hostile_class):
    class_dir = hostile_class["class_dir"]
    victim = submitted(class_dir) / "victim" / ASSIGNMENT
    assert nbformat.read(victim / f"{ASSIGNMENT}.ipynb", as_version=4) != nbformat.read(hostile_class["source"], as_version=4)
    stamp = dt.datetime.strptime((victim / "timestamp.txt").read_text().strip(), STAMP_FORMAT)
    assert NOW.replace(tzinfo=None) < stamp < dt.datetime(2099, 1, 1)
    for folder, dirs, names in os.walk(submitted(class_dir)):
        for name in dirs + names:
            info = os.lstat(os.path.join(folder, name))
            assert os.path.isdir(os.path.join(folder, name)) or (info.st_nlink == 1 and os.path.isfile(os.path.join(folder, name)))
            assert not os.path.islink(os.path.join(folder, name))
    assert all(is_safe_id(p.name) for p in submitted(class_dir).iterdir())


def test_a_late_entry_with_an_on_time_timestamp_is_recorded_at_the_time_it_was_written(hostile_class):
    stamp_file = submitted(hostile_class["class_dir"]) / "late-claims-on-time" / ASSIGNMENT / "timestamp.txt"
    recorded = dt.datetime.strptime(stamp_file.read_text().strip(), STAMP_FORMAT)
    assert recorded > (NOW - dt.timedelta(minutes=5)).replace(tzinfo=None)  # not the claimed 3 hours ago
    assert "the later time is recorded" in hostile_class["plain"].stdout + hostile_class["plain"].stderr


@pytest.fixture(scope="module")
def graded(hostile_class):
    """Folders planted in submitted/ by hand, then autograde and feedback with the kit's verbs."""
    if not AVAILABLE:
        pytest.skip(f"bubblewrap unavailable: {WHY}")
    class_dir, api = hostile_class["class_dir"], hostile_class["api"]
    good = submitted(class_dir) / "clean-a" / ASSIGNMENT
    planted = {}
    for name in ("sneaky-link", "sneaky-fifo", "sneaky-html", "*"):
        folder = submitted(class_dir) / name / ASSIGNMENT
        folder.mkdir(parents=True)
        for item in good.iterdir():
            (folder / item.name).write_bytes(item.read_bytes())
        planted[name] = folder
    (planted["sneaky-link"] / "notes.txt").symlink_to(class_dir / "gradebook.db")
    (planted["sneaky-fifo"] / "timestamp.txt").unlink()
    os.mkfifo(planted["sneaky-fifo"] / "timestamp.txt")
    (planted["sneaky-html"] / "extra.html").write_text("<script>window.__handed_in = 1</script>HANDED-IN-HTML")
    started = time.monotonic()
    report = verbs.autograde(ASSIGNMENT, api=api, jobs=2, sandbox="required", progress=False)
    seconds = time.monotonic() - started
    try:
        verbs.feedback(ASSIGNMENT, api=api, progress=False)
        problems = ""
    except verbs.GradingError as error:
        problems = str(error)
    return {"report": report, "seconds": seconds, "feedback_problems": problems,
            "planted": planted, **hostile_class}


def test_every_clean_submission_is_graded_in_full_and_the_planted_folders_fail_alone(graded):
    results = graded["report"].by_student(ASSIGNMENT)
    full = {}
    with graded["api"].gradebook as book:
        for student in (*CLEAN, "late-claims-on-time", "sneaky-html"):
            assert results[student].status == "graded", results[student]
            submission = book.find_submission(ASSIGNMENT, student)
            full[student] = (submission.code_score, submission.max_code_score)
    assert all(score == most > 0 for score, most in full.values()), full  # every automatic point, perfect answers
    assert results["sneaky-link"].status == "failed" and "symbolic link" in results["sneaky-link"].reason
    assert results["sneaky-fifo"].status == "failed" and "FIFO" in results["sneaky-fifo"].reason
    assert "*" not in results
    assert any("'*'" in line for line in graded["report"].refused)
    assert graded["seconds"] < 400  # the FIFO hung nothing


def test_nothing_outside_a_submission_was_copied_into_autograded_or_feedback(graded):
    class_dir = graded["class_dir"]
    assert not (class_dir / "autograded" / "sneaky-link").exists() or \
        not (class_dir / "autograded" / "sneaky-link" / ASSIGNMENT / "notes.txt").exists()
    gradebook_head = (class_dir / "gradebook.db").read_bytes()[:16]  # "SQLite format 3\0"
    for top in ("autograded", "feedback"):
        for path in (class_dir / top).rglob("*"):
            if path.is_file():
                assert not path.read_bytes().startswith(gradebook_head), path
                assert "a file outside every submission" not in path.read_text(errors="replace"), path


def test_feedback_releases_only_the_graders_html_and_no_one_elses_feedback_changed(graded):
    class_dir = graded["class_dir"]
    released = sorted((class_dir / "exchange" / COURSE_ID / "feedback").glob("*.html"))
    assert released
    for path in released:
        assert "HANDED-IN-HTML" not in path.read_text(errors="replace")
    assert not list((class_dir / "feedback" / "sneaky-html").rglob("extra.html"))
    # The refused FIFO submission still gets its note (why it was not graded), released like any feedback.
    assert "sneaky-fifo" not in graded["feedback_problems"], graded["feedback_problems"]
    assert "sneaky-link" not in graded["feedback_problems"], graded["feedback_problems"]
    # One released feedback file per graded student: no student's feedback landed on another's (a linked
    # submission_secret.txt made one student's feedback replace the victim's).
    from nbgrader.utils import notebook_hash

    def secret(student):
        return (submitted(class_dir) / student / ASSIGNMENT / "submission_secret.txt").read_text()

    expected = {f"{notebook_hash(secret=secret(s), notebook_id=ASSIGNMENT)}.html"
                for s in (*CLEAN, "late-claims-on-time", "sneaky-html", "sneaky-link", "sneaky-fifo")}
    assert {p.name for p in released} == expected
    victim_feedback = class_dir / "exchange" / COURSE_ID / "feedback" / \
        f"{notebook_hash(secret=secret('victim'), notebook_id=ASSIGNMENT)}.html"
    assert (class_dir / "feedback" / "victim" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_bytes() == victim_feedback.read_bytes()
    with sqlite3.connect(class_dir / "gradebook.db") as db:
        students = {row[0] for row in db.execute("SELECT id FROM student")}
    assert students == {*CLEAN, "late-claims-on-time", "sneaky-html", "sneaky-link", "sneaky-fifo"}


def test_the_grade_export_neutralises_formulas_in_ids_and_names(tmp_path):
    from course.grading.reports import grades as gradereport

    report = gradereport.GradeReport(assignments=["=ps"], max_scores={"=ps": 3.0}, rows=[
        gradereport.GradeRow(assignment="=ps", student="=cmd|' /C calc'!A0", first_name="+Ann", last_name="@Lee",
                             score=2.0, max_score=3.0, submitted=True)])
    text = gradereport.write_lms_csv(report, tmp_path / "grades.csv").read_text()
    cells = [cell for line in text.splitlines() for cell in line.split(",")]
    assert not any(cell.lstrip('"').startswith(("=", "+", "@")) for cell in cells), text


def test_a_stranger_file_is_never_followed_blocked_on_or_read_past_its_cap(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link").symlink_to("/dev/zero")
    (tmp_path / "big").write_bytes(b"x" * 5000)
    for name, expected in (("fifo", "FIFO"), ("link", "symbolic link"), ("big", "over the")):
        with pytest.raises(intake_files.SubmittedFileError, match=expected):
            intake_files.read_small_file(tmp_path / name, 4096)
    found = intake_files.inspect_submission(tmp_path)
    assert len(found.refused) == 2 and found.files == [("big", 5000)]


def test_plain_nbgrader_autograde_refuses_a_planted_link_before_copying_it(graded):
    """The same guard holds for plain `nbgrader autograde` (the repository's configuration wraps nbgrader's converter)."""
    class_dir = graded["class_dir"]
    folder = submitted(class_dir) / "plain-link" / ASSIGNMENT
    folder.mkdir(parents=True)
    for item in (submitted(class_dir) / "clean-a" / ASSIGNMENT).iterdir():
        (folder / item.name).write_bytes(item.read_bytes())
    (folder / "notes.txt").symlink_to(class_dir / "gradebook.db")
    done = run([str(Path(sys.executable).parent / "nbgrader"), "autograde", ASSIGNMENT, "--student", "plain-link"],
               class_dir, timeout=300)
    assert done.returncode != 0
    assert "notes.txt is a symbolic link" in done.stdout + done.stderr, (done.stdout + done.stderr)[-3000:]
    assert not (class_dir / "autograded" / "plain-link").exists()
