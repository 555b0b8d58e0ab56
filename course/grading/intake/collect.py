"""The exchange's collect step, with every inbound entry taken as a stranger's (``ExchangeFactory.collect``).

nbgrader 0.9.6's collect trusts an entry's name for who submitted it (and only
warns when the folder's owner differs), trusts the student's ``timestamp.txt``
for when, follows links as it copies, and stops the whole class at the first
entry it cannot parse. :class:`CourseCollect` keeps nbgrader's exchange layout
and options and changes what it takes:

* **who**: the student id in the entry's name must be a safe id
  (:mod:`course.grading.intake.ids`); on a shared exchange, where entries are
  made by the students' own Unix accounts, the entry must be owned by the
  account of that name. An entry owned by the collecting account itself is
  accepted (one account for the whole class: the demo, a laptop; there the
  accounts cannot tell students apart).
* **when**: the later of the student's ``timestamp.txt`` and the time the
  file system saw the entry written (the newest ``ctime`` in it, which no
  student can set back), counting files written while collect copies them. A
  ``timestamp.txt`` later than the files by more than
  :attr:`CourseCollect.clock_tolerance` seconds is a forgery and the entry is
  refused; a smaller lead stands (the clocks of a hub's machines differ).
  :attr:`CourseCollect.trust_student_timestamps`, or the demo class's marker
  file, takes ``timestamp.txt`` as it is (synthetic students, made-up times;
  an exchange restored from a backup, whose ctimes are the restore's).
  An entry already collected is never collected again: its ctimes may move
  (``chmod -R``, a copy of the exchange) without it becoming a newer submission.
* **what**: regular files and plain folders only, within the caps
  (:attr:`~CourseCollect.max_file_mb`, :attr:`~CourseCollect.max_total_mb`,
  :attr:`~CourseCollect.max_files`), copied without following a link
  (:mod:`course.grading.intake.files`). An entry that cannot be read (its
  owner removed it or made a folder unreadable) is refused like any other.

An entry that fails is refused in one line (:attr:`CourseCollect.refused`),
never replaces a submission, and the rest of the class is collected; at the
end plain ``nbgrader collect`` fails (non-zero exit) when anything was refused.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile

from nbgrader.exchange.abc.exchange import ExchangeError
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import parse_utc
from traitlets import Bool, Float, Integer, List, Unicode

from course.grading.intake.files import (MiB, Caps, SubmittedFileError, copy_submission, inspect_submission,
                                         read_small_file)
from course.grading.intake.ids import unsafe_id_reason

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"
#: Under the class folder: per assignment, which inbound entry each student's submission was copied from.
COLLECTED_DIR = "collect-state"


def parse_timestamp(raw: bytes) -> dt.datetime:
    """A ``timestamp.txt`` as naive UTC; ValueError when it is not one."""
    text = raw.decode("utf-8", "strict").strip()
    if not text or len(text) > 64:
        raise ValueError("not a timestamp")
    return parse_utc(text)


def as_utc(ns: int) -> dt.datetime:
    """A file system time in nanoseconds as naive UTC (how nbgrader stores times)."""
    return dt.datetime.fromtimestamp(ns / 1e9, dt.timezone.utc).replace(tzinfo=None)


def owner_name(uid: int) -> str:
    """The account name of ``uid`` (``uid 1234`` when it has none)."""
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class CourseCollect(ExchangeCollect):
    """nbgrader's collect, taking only what the entry's owner handed in, when it was handed in (module docstring)."""

    trust_student_timestamps = Bool(False, help=(
        "Take each entry's timestamp.txt as its submission time (the demo class's made-up calendar); "
        "otherwise the time the file system saw the entry written.")).tag(config=True)
    clock_tolerance = Float(120.0, help=(
        "Seconds a timestamp.txt may differ from the file system's time (clocks of a hub's machines differ)."
    )).tag(config=True)
    max_file_mb = Float(100.0, help="Largest file an entry may hold, in MiB (a larger one refuses the entry).").tag(config=True)
    max_total_mb = Float(200.0, help="Most an entry may hold in all, in MiB.").tag(config=True)
    max_files = Integer(500, help="Most files an entry may hold.").tag(config=True)
    refused = List(Unicode(), help="One line per entry that was not taken (filled by start()).")

    # -- finding the entries -------------------------------------------------------------------------------

    def _entry_pattern(self) -> re.Pattern:
        # student+assignment+timestamp[+random]: the student part may hold '+', so anchor on the assignment.
        return re.compile(rf"(?P<student>.+?)\+{re.escape(self.coursedir.assignment_id)}\+(?P<stamp>[^+]+)(?:\+[^+]*)?",
                          re.S)

    def _refuse(self, entry: str, why: str) -> None:
        line = f"inbound entry {entry!r}: {why}; not collected"
        self.refused.append(line)
        self.log.error(line)

    def _entries(self) -> list[dict]:
        pattern = self._entry_pattern()
        wanted = self.coursedir.student_id if self.coursedir.student_id not in ("", "*") else None
        records = []
        with os.scandir(self.inbound_path) as listing:
            names = sorted(entry.name for entry in listing)
        for name in names:
            if f"+{self.coursedir.assignment_id}+" not in name:
                continue  # another assignment's entry
            match = pattern.fullmatch(name)
            if match is None:
                self._refuse(name, "its name is not student+assignment+time")
                continue
            student = match["student"]
            if wanted is not None and student != wanted:
                continue
            try:
                record = self._check_entry(name, student, match["stamp"])
            except OSError as error:  # gone, or unreadable (its owner's chmod): that entry alone, never the class
                self._refuse(name, f"it cannot be read ({error.strerror or type(error).__name__})")
                continue
            if record is not None:
                records.append(record)
        return records

    def _check_entry(self, name: str, student: str, stamp: str) -> dict | None:
        """The entry as a record to collect, or None (refused, with the reason logged)."""
        why = unsafe_id_reason(student)
        if why:
            self._refuse(name, why)
            return None
        try:
            parse_utc(stamp)
        except ValueError:
            self._refuse(name, f"the time in its name ({stamp!r}) is not a timestamp")
            return None
        path = os.path.join(self.inbound_path, name)
        info = os.lstat(path)
        if info.st_uid != os.geteuid():
            owner = owner_name(info.st_uid)
            if owner != student:
                self._refuse(name, f"it is named for {student} but was made by the account {owner}")
                return None
        found = inspect_submission(path, self._caps())
        if not found.ok:
            self._refuse(name, found.reason())
            return None
        try:
            claimed = parse_timestamp(read_small_file(os.path.join(path, "timestamp.txt"), 256))
        except FileNotFoundError:
            self._refuse(name, "it has no timestamp.txt")
            return None
        except (SubmittedFileError, ValueError, UnicodeDecodeError) as error:
            self._refuse(name, f"timestamp.txt is not a timestamp ({error})" if not isinstance(error, SubmittedFileError)
                         else str(error))
            return None
        written = as_utc(found.newest_change_ns)
        timestamp, note = claimed, None
        if not self._trusting():
            if (claimed - written).total_seconds() > self.clock_tolerance:
                self._refuse(name, f"timestamp.txt says {claimed:%Y-%m-%d %H:%M:%S} UTC, after the files were written "
                                   f"({written:%Y-%m-%d %H:%M:%S} UTC)")
                return None
            # A claim a little after the files (another machine's clock) stands; one before them never does.
            timestamp = max(claimed, written)
            if (written - claimed).total_seconds() > self.clock_tolerance:
                note = (f"{student}: timestamp.txt says {claimed:%Y-%m-%d %H:%M:%S} UTC but the files were written "
                        f"{written:%Y-%m-%d %H:%M:%S} UTC; the later time is recorded")
        return {"username": student, "filename": name, "timestamp": timestamp, "note": note,
                "inspected_ns": found.newest_change_ns}

    def _trusting(self) -> bool:
        """Take timestamp.txt as the time: asked for, or the demo class (synthetic students, a made-up calendar)."""
        from course.grading.run.demo import MARKER

        return self.trust_student_timestamps or os.path.isfile(os.path.join(self.coursedir.root, MARKER))

    def _caps(self) -> Caps:
        return Caps(file_bytes=int(self.max_file_mb * MiB), total_bytes=int(self.max_total_mb * MiB),
                    files=self.max_files)

    # -- nbgrader's two steps ------------------------------------------------------------------------------

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not os.access(self.inbound_path, os.R_OK | os.X_OK):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        self.refused = []
        by_student: dict[str, list[dict]] = {}
        for record in self._entries():
            by_student.setdefault(record["username"], []).append(record)
        self.duedate = self._due_date()
        self.src_records = []
        for records in by_student.values():
            records.sort(key=lambda record: record["timestamp"], reverse=True)
            on_time = [r for r in records if self.duedate is not None and r["timestamp"] <= self.duedate]
            self.src_records.append(on_time[0] if self.before_duedate and on_time else records[0])

    def _due_date(self):
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as book:
            try:
                return book.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                return None

    def _existing_timestamp(self, dest_path: str):
        try:
            return parse_timestamp(read_small_file(os.path.join(dest_path, "timestamp.txt"), 256))
        except (OSError, SubmittedFileError, ValueError, UnicodeDecodeError):
            return None  # none, or not readable as one: the entry in the exchange is newer

    def _collected_entry_file(self, student: str) -> str:
        """Where collect notes which inbound entry a student's submitted folder was copied from."""
        return os.path.join(self.coursedir.root, COLLECTED_DIR, self.coursedir.assignment_id, f"{student}.entry")

    def copy_files(self):
        for record in self.src_records:
            student = record["username"]
            source = os.path.join(self.inbound_path, record["filename"])
            dest = self.coursedir.format_path(self.coursedir.submitted_directory, student, self.coursedir.assignment_id)
            if os.path.lexists(dest) and self._already_collected(student) == record["filename"]:
                # The same entry again: its files' ctimes may have moved (a chmod -R, a copy of the exchange),
                # which must never turn it into a "newer", later submission.
                self.log.info("No newer submission to collect: %s %s", student, self.coursedir.assignment_id)
                continue
            existing = self._existing_timestamp(dest) if os.path.lexists(dest) else None
            if os.path.lexists(dest) and existing is not None and not (
                    (self.update and record["timestamp"] > existing)
                    or (self.before_duedate and record["timestamp"] != existing)):
                self.log.info("No newer submission to collect: %s %s", student, self.coursedir.assignment_id)
                continue
            if record["note"]:
                self.log.warning(record["note"])
            self._replace(source, dest, record)

    def _already_collected(self, student: str) -> str | None:
        try:
            return read_small_file(self._collected_entry_file(student), 1024).decode("utf-8").strip()
        except (OSError, SubmittedFileError, UnicodeDecodeError):
            return None

    def _replace(self, source: str, dest: str, record: dict) -> None:
        """Copy the entry beside ``dest``, then swap it in: a refused copy leaves the old submission as it was."""
        parent = os.path.dirname(dest)
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".collecting-", dir=parent)
        os.rmdir(staging)
        try:
            copied = copy_submission(source, staging, self._caps(), skip=("timestamp.txt",))
        except (SubmittedFileError, OSError) as error:
            self._refuse(record["filename"], str(error) if isinstance(error, SubmittedFileError)
                         else f"it cannot be read ({error.strerror or type(error).__name__})")
            return
        timestamp = record["timestamp"]
        if not self._trusting() and copied.newest_change_ns > record["inspected_ns"]:
            # Written to after it was inspected: what was copied carries the time it was written.
            timestamp = max(timestamp, as_utc(copied.newest_change_ns))
            self.log.warning("%s: the entry changed while it was collected; %s UTC is recorded",
                             record["username"], f"{timestamp:%Y-%m-%d %H:%M:%S}")
        with open(os.path.join(staging, "timestamp.txt"), "w", encoding="utf-8") as handle:
            handle.write(timestamp.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
        if os.path.lexists(dest):
            if os.path.isdir(dest) and not os.path.islink(dest):
                shutil.rmtree(dest)
            else:
                os.unlink(dest)
            self.log.info("Updating submission: %s %s", record["username"], self.coursedir.assignment_id)
        else:
            self.log.info("Collecting submission: %s %s", record["username"], self.coursedir.assignment_id)
        os.rename(staging, dest)
        noted = self._collected_entry_file(record["username"])
        os.makedirs(os.path.dirname(noted), exist_ok=True)
        with open(noted, "w", encoding="utf-8") as handle:
            handle.write(record["filename"] + "\n")

    def start(self):
        """Collect every acceptable entry, then fail (``ExchangeError``) if any entry was refused."""
        super().start()
        if self.refused:
            raise ExchangeError(f"{len(self.refused)} inbound entr{'y' if len(self.refused) == 1 else 'ies'} "
                                f"not collected: " + " | ".join(self.refused))
