"""Keeping the gradebook safe when a whole class is graded: backups, resumable runs, an integrity check.

* **Backups.** :func:`backup_gradebook` copies the gradebook before every
  grading run: SQLite with the ``sqlite3`` online-backup API (a consistent
  copy even while another process writes) to ``<class>/backups/<timestamp>.db``;
  PostgreSQL with ``pg_dump`` when it is on PATH (``<timestamp>.sql``, plain
  SQL that ``psql`` replays), otherwise a table-by-table JSON dump through
  SQLAlchemy (``<timestamp>.json``). :func:`restore_gradebook` puts any of
  them back.
* **Resume.** After a submission is graded, a small record is written to
  ``<class>/autograde-state/<assignment>/<student>.json``: when it was
  graded, the submission's ``timestamp.txt`` and a fingerprint of the
  submitted files. A resumed run skips a submission only when its record says
  it was graded after it was submitted, the submission is byte-for-byte the
  one graded, its autograded notebook exists and the gradebook still has it;
  anything else (a newer submission, a run killed midway through it, a
  restored older gradebook) is graded again. Records live outside
  ``autograded/`` so nbgrader's feedback never copies them to students.
* **Integrity** is :mod:`course.grading.gradebook.integrity`.
* **SQLite under several writers.** :func:`course.grading.settings.check_db_url`
  gives every SQLite connection of the kit a 30 s busy timeout (Python's
  default is 5 s), and :func:`is_lock_error` lets grading workers retry a
  submission whose write still lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from course.grading.settings import SQLITE_BUSY_TIMEOUT, GradingError, is_sqlite, sqlite_path  # noqa: F401

BACKUP_DIR = "backups"
STATE_DIR = "autograde-state"
JSON_DUMP_FORMAT = "course-gradebook-dump/1"


def check_gradebook(db_url: str, *, must_exist: bool = True) -> None:
    """Refuse, with one line naming the file and what to do, a SQLite gradebook nbgrader could not use.

    Reads only (the file is opened read-only): a missing gradebook when one
    must exist, and a file that is not a whole SQLite database (corrupt,
    truncated, not a database at all), raise GradingError. Checking first
    keeps nbgrader from creating an empty gradebook or failing midway with
    a raw ``sqlite3`` traceback.
    """
    path = sqlite_path(db_url)  # None: a server database or an in-memory one, nothing to check
    if path is None:
        return
    if not path.exists():
        if must_exist:
            raise GradingError(f"there is no gradebook at {path}: nothing has been released to this class yet; "
                               "run `python -m course release ASSIGNMENT` first (no gradebook was created)")
        return
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=SQLITE_BUSY_TIMEOUT) as connection:
            verdict = connection.execute("PRAGMA quick_check(1)").fetchone()
        connection.close()
    except sqlite3.Error as error:
        verdict = (str(error),)
    if verdict != ("ok",):
        raise GradingError(f"the gradebook {path} is damaged or not a SQLite database ({verdict[0]}); nothing was "
                           f"changed. Restore the newest copy in {path.parent / BACKUP_DIR} "
                           "(course.grading.gradebook.store.restore_gradebook) or move the file aside")


def check_writable(folder: Path) -> None:
    """Refuse, with one line, a class folder grading cannot write (autograded/, feedback/, backups go there)."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".course-write-check-"):
            pass
    except OSError as error:
        raise GradingError(f"the class folder {folder} cannot be written ({error.strerror or error}); grading writes "
                           "autograded/, feedback/ and the gradebook there: make it writable and run again") from None


def is_lock_error(outcome: dict) -> bool:
    """Did an nbgrader call fail because SQLite's write lock stayed taken?"""
    return "database is locked" in (outcome.get("error", "") + outcome.get("log", ""))


def _libpq_env(db_url: str) -> dict[str, str]:
    """PG* variables for pg_dump/psql, so the password never appears on a command line."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    env = dict(os.environ)
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[name] = str(value)
    return env


# --------------------------------------------------------------------------
# Backups
# --------------------------------------------------------------------------


def _stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")


def backup_gradebook(db_url: str, class_dir: Path) -> Path | None:
    """Copy the gradebook to ``<class_dir>/backups/<timestamp>.<db|sql|json>``; None if there is none yet."""
    folder = Path(class_dir) / BACKUP_DIR
    if is_sqlite(db_url):
        source = sqlite_path(db_url)
        if source is None or not source.is_file():
            return None
        target = folder / f"{_stamp()}.db"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _sqlite_copy(source, target)
        except (OSError, sqlite3.Error) as error:
            target.unlink(missing_ok=True)  # no half-written backup left behind
            raise GradingError(f"could not back up the gradebook to {target} ({error}); nothing was graded. "
                               "Free some space there, or pass --no-backup to grade without a backup") from None
        return target
    folder.mkdir(parents=True, exist_ok=True)
    stamp = _stamp()
    pg_dump = shutil.which("pg_dump")
    if pg_dump and db_url.lower().startswith("postgresql"):
        target = folder / f"{stamp}.sql"
        done = subprocess.run([pg_dump, "--clean", "--if-exists", "--no-owner", "--no-privileges", "-f", str(target)],
                              env=_libpq_env(db_url), capture_output=True, text=True, timeout=600)
        if done.returncode == 0:
            return target
        target.unlink(missing_ok=True)  # e.g. pg_dump older than the server: fall back to JSON
    target = folder / f"{stamp}.json"
    dump_tables_json(db_url, target)
    return target


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online-backup API takes the locks it needs)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=SQLITE_BUSY_TIMEOUT)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def restore_gradebook(backup: Path, db_url: str) -> None:
    """Replace the gradebook's contents with a backup made by :func:`backup_gradebook`."""
    backup = Path(backup)
    if not backup.is_file():
        raise FileNotFoundError(f"no gradebook backup at {backup}")
    if backup.suffix == ".db":
        target = sqlite_path(db_url)
        if target is None:
            raise ValueError(f"a SQLite backup ({backup.name}) can only be restored into a SQLite gradebook, not {db_url!r}")
        src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        dst = sqlite3.connect(target, timeout=SQLITE_BUSY_TIMEOUT)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
    elif backup.suffix == ".sql":
        psql = shutil.which("psql")
        if psql is None:
            raise FileNotFoundError("restoring a pg_dump backup needs psql on PATH")
        done = subprocess.run([psql, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(backup)],
                              env=_libpq_env(db_url), capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"psql could not restore {backup.name}: {done.stderr.strip()[-500:]}")
    elif backup.suffix == ".json":
        load_tables_json(db_url, backup)
    else:
        raise ValueError(f"unknown backup type {backup.suffix!r}; expected .db, .sql or .json")


def _encode(value):
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    return value


def _decode(value):
    if isinstance(value, dict) and "$datetime" in value:
        return dt.datetime.fromisoformat(value["$datetime"])
    return value


def dump_tables_json(db_url: str, target: Path) -> Path:
    """Every table's rows as JSON (the backup when pg_dump is not available); returns ``target``."""
    from sqlalchemy import MetaData, create_engine, select

    engine = create_engine(db_url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        tables = {}
        with engine.connect() as connection:
            for table in meta.sorted_tables:
                tables[table.name] = [{k: _encode(v) for k, v in row._mapping.items()}
                                      for row in connection.execute(select(table))]
    finally:
        engine.dispose()
    Path(target).write_text(json.dumps({"format": JSON_DUMP_FORMAT, "tables": tables}, indent=1), encoding="utf-8")
    return Path(target)


def load_tables_json(db_url: str, source: Path) -> None:
    """Replace every table's rows with those of a :func:`dump_tables_json` file, in one transaction."""
    from sqlalchemy import MetaData, create_engine

    data = json.loads(Path(source).read_text(encoding="utf-8"))
    if data.get("format") != JSON_DUMP_FORMAT:
        raise ValueError(f"{source} is not a gradebook dump ({JSON_DUMP_FORMAT})")
    engine = create_engine(db_url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        unknown = sorted(set(data["tables"]) - set(meta.tables))
        if unknown:
            raise ValueError(f"the dump has tables this gradebook lacks: {', '.join(unknown)}")
        with engine.begin() as connection:
            for table in reversed(meta.sorted_tables):
                connection.execute(table.delete())
            for table in meta.sorted_tables:
                rows = [{k: _decode(v) for k, v in row.items()} for row in data["tables"].get(table.name, [])]
                if rows:
                    connection.execute(table.insert(), rows)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------
# Resume: what has been graded since it was submitted
# --------------------------------------------------------------------------


def record_path(class_dir: Path, assignment: str, student: str) -> Path:
    return Path(class_dir) / STATE_DIR / assignment / f"{student}.json"


def submission_fingerprint(submitted_dir: Path) -> str:
    """A SHA-256 over the submission's regular files (names and bytes); "" if the folder is missing."""
    from course.grading.sandbox.scratch import regular_files

    if not Path(submitted_dir).is_dir():
        return ""
    digest = hashlib.sha256()
    for path, relative in regular_files(Path(submitted_dir)):
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def submission_timestamp(submitted_dir: Path) -> dt.datetime | None:
    """The submission's ``timestamp.txt`` as naive UTC (how nbgrader stores it), or None.

    Read as a stranger's file: never through a link, never blocking on a FIFO, at most 256 bytes.
    """
    from nbgrader.utils import parse_utc

    from course.grading.intake.files import SubmittedFileError, read_small_file

    try:
        return parse_utc(read_small_file(Path(submitted_dir) / "timestamp.txt", 256).decode("utf-8").strip())
    except (OSError, ValueError, SubmittedFileError):
        return None


def write_record(class_dir: Path, result, *, fingerprint: str, submitted_at: dt.datetime | None) -> Path:
    """Record how a submission was graded (atomically: a killed run leaves the old record or the new one)."""
    path = record_path(class_dir, result.assignment, result.student)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "assignment": result.assignment, "student": result.student, "status": result.status,
        "graded_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat(),
        "submitted_at": submitted_at.isoformat() if submitted_at else None,
        "fingerprint": fingerprint, "score": result.score, "max_score": result.max_score,
        "reason": result.reason, "seconds": result.seconds,
        "kernel_died": result.kernel_died, "timed_out": result.timed_out,
    }
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(record, indent=1), encoding="utf-8")
    os.replace(temporary, path)
    return path


def read_record(class_dir: Path, assignment: str, student: str) -> dict | None:
    try:
        return json.loads(record_path(class_dir, assignment, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def gradebook(settings):
    """nbgrader's Gradebook of the class ``settings`` describe (a context manager), as NbGraderAPI opens it."""
    from nbgrader.api import Gradebook

    return Gradebook(settings.db_url, settings.course_id)


def require_released(db_url: str, course_id: str, assignment_ids: list[str]) -> None:
    """Raise GradingError unless the gradebook exists, is whole, and each assignment has been released in it."""
    from nbgrader.api import Gradebook, MissingEntry

    check_gradebook(db_url, must_exist=True)
    with Gradebook(db_url, course_id) as book:
        for assignment_id in assignment_ids:
            try:
                book.find_assignment(assignment_id)
            except MissingEntry:
                raise GradingError(f"{assignment_id} has not been released in this class; "
                                   f"run `python -m course release {assignment_id}` first") from None


def up_to_date(settings, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[float, float]]:
    """The (assignment, student) pairs graded since they were last submitted (see the module docstring),
    each with its (score, max_score) in the gradebook."""
    from sqlalchemy import text

    root = Path(settings.class_dir)
    with gradebook(settings) as book:
        in_gradebook = {(a, s) for a, s in book.db.execute(text(
            "SELECT a.name, sa.student_id FROM submitted_assignment sa JOIN assignment a ON a.id = sa.assignment_id"))}
        current = {}
        for assignment, student in pairs:
            record = read_record(root, assignment, student)
            if not record or record.get("status") != "graded" or (assignment, student) not in in_gradebook:
                continue
            submitted = root / "submitted" / student / assignment
            autograded = root / "autograded" / student / assignment
            if not (autograded / f"{assignment}.ipynb").is_file() and not any(autograded.glob("*.ipynb")):
                continue
            submitted_at = submission_timestamp(submitted)
            graded_at = dt.datetime.fromisoformat(record["graded_at"])
            if submitted_at is not None and graded_at <= submitted_at:
                continue
            if record.get("submitted_at") != (submitted_at.isoformat() if submitted_at else None):
                continue
            if record.get("fingerprint") != submission_fingerprint(submitted):
                continue
            submission = book.find_submission(assignment, student)
            current[(assignment, student)] = (float(submission.score), float(submission.max_score))
    return current


def failed_records(class_dir: Path, assignment: str) -> dict[str, dict]:
    """Students whose latest grading of ``assignment`` failed, with their records."""
    folder = Path(class_dir) / STATE_DIR / assignment
    found = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        record = read_record(class_dir, assignment, path.stem)
        if record and record.get("status") == "failed":
            found[path.stem] = record
    return found


def record_failed_submission(api, assignment: str, student: str) -> None:
    """Give a submission nbgrader could not grade a gradebook entry: every grade 0, flagged for a human.

    A stale autograded folder (from an earlier submission) is removed, as
    nbgrader itself does when grading fails, so feedback never shows it.
    """
    coursedir = api.coursedir
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
    timestamp = coursedir.get_existing_timestamp(str(submitted))
    with api.gradebook as book:
        book.update_or_create_student(student)
        extra = {"timestamp": timestamp} if timestamp else {}
        submission = book.update_or_create_submission(assignment, student, **extra)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0.0
                grade.needs_manual_grade = True
        book.db.commit()
    autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
    if autograded.is_dir():
        shutil.rmtree(autograded, ignore_errors=True)
