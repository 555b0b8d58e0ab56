"""The intake checks in front of nbgrader's own converters, for plain ``nbgrader`` and the kit's verbs alike.

nbgrader 0.9.6's converters copy a submission's extra files with
``shutil.copy`` (following links, reading FIFOs and devices) and read
``timestamp.txt`` with a plain ``open``, and nothing in its configuration can
put a check before that. ``nbgrader_config.py`` therefore calls
:func:`guard_nbgrader`, which wraps two of nbgrader's methods in every process
that loads the configuration:

* ``BaseConverter.init_assignment`` (autograde, feedback): the folder it copies
  from is first inspected (:func:`course.grading.intake.files.inspect_submission`)
  and the student id checked (:mod:`course.grading.intake.ids`); a refusal raises
  :class:`SubmissionRefused`, which nbgrader turns into a failure of that one
  submission (its half-made output removed) while the others go on. For
  feedback, HTML files that came with the submission are removed from the
  feedback folder, so only nbgrader's own feedback is released.
* ``CourseDirectory.get_existing_timestamp``: the file is read without
  following a link or blocking, at most 256 bytes; anything else is "no
  timestamp".

Unlike :mod:`course.grading.patches` (speed-ups, applied only on the measured
version), these hold on every nbgrader version that has the two methods: they
only refuse, and they say so in one line.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from course.grading.intake.files import GRADER_FOLDER_CAPS, SubmittedFileError, inspect_submission, read_small_file
from course.grading.intake.ids import unsafe_id_reason

TIMESTAMP_LIMIT = 256


class SubmissionRefused(Exception):
    """A submission nbgrader must not convert: the message says which file and why, in one line."""


def refusal(folder: str | os.PathLike, student_id: str, root: str | os.PathLike | None = None) -> str | None:
    """Why the submission in ``folder`` of ``student_id`` is refused, or None.

    ``folder`` is one of the grader's own copies (``submitted/``, ``autograded/``): hard links there are a
    backup tool's and are read like any file. With ``root`` (the class folder), every folder between it and
    ``folder`` must be a plain folder too (``submitted/<student>`` a link would lead anywhere).
    """
    why = unsafe_id_reason(student_id)
    if why:
        return why
    if root is not None:
        linked = _linked_component(Path(root), Path(folder))
        if linked:
            return f"{linked} is a link or a file, not a plain folder"
    found = inspect_submission(folder, GRADER_FOLDER_CAPS)
    return None if found.ok else found.reason()


def _linked_component(root: Path, folder: Path) -> str | None:
    """The first path component from ``root`` down to ``folder`` that is not a plain folder, or None."""
    import stat

    try:
        parts = folder.relative_to(root).parts
    except ValueError:
        return None  # not inside the class folder (an absolute submitted_directory): nothing to walk
    current = root
    for part in parts:
        current = current / part
        try:
            if not stat.S_ISDIR(os.lstat(current).st_mode):
                return os.fspath(current.relative_to(root))
        except FileNotFoundError:
            return None
    return None


def _guarded_init_assignment(original):
    @functools.wraps(original)
    def init_assignment(self, assignment_id, student_id):
        from nbgrader.converters import Autograde, GenerateFeedback

        # Only these read what a student handed in (generate_assignment reads the instructor's sources).
        handed_in = isinstance(self, (Autograde, GenerateFeedback))
        source = self._format_source(assignment_id, student_id)
        if handed_in and os.path.lexists(source):
            why = refusal(source, student_id, self.coursedir.root)
            if why:
                raise SubmissionRefused(f"submission of {student_id!r} refused: {why}")
        original(self, assignment_id, student_id)
        if isinstance(self, GenerateFeedback):
            _remove_handed_in_html(Path(self._format_dest(assignment_id, student_id)), self.log)

    init_assignment.course_guard = original
    return init_assignment


def _remove_handed_in_html(folder: Path, log) -> None:
    """Before nbgrader writes the feedback, every HTML file in its folder came with the submission: remove it."""
    for path in folder.rglob("*"):
        if path.suffix.lower() in (".html", ".htm") and not path.is_symlink() and path.is_file():
            log.warning("Removed %s from the feedback folder: it came with the submission, not from the grader", path)
            path.unlink()


def _guarded_timestamp(original):
    @functools.wraps(original)
    def get_existing_timestamp(self, dest_path):
        from nbgrader.utils import parse_utc

        path = os.path.join(dest_path, "timestamp.txt")
        try:
            text = read_small_file(path, TIMESTAMP_LIMIT).decode("utf-8").strip()
        except FileNotFoundError:
            return None
        except (SubmittedFileError, OSError, UnicodeDecodeError) as error:
            self.log.warning("Not a timestamp file (%s): %s", error, path)
            return None
        if not text:
            return None
        try:
            return parse_utc(text)
        except ValueError:
            self.log.warning("Invalid timestamp string: %s", path)
            return None

    get_existing_timestamp.course_guard = original
    return get_existing_timestamp


def guard_nbgrader() -> None:
    """Wrap nbgrader's converter set-up and timestamp reading (see the module docstring); idempotent."""
    from nbgrader.converters.base import BaseConverter
    from nbgrader.coursedir import CourseDirectory

    if not hasattr(BaseConverter.init_assignment, "course_guard"):
        BaseConverter.init_assignment = _guarded_init_assignment(BaseConverter.init_assignment)
    if not hasattr(CourseDirectory.get_existing_timestamp, "course_guard"):
        CourseDirectory.get_existing_timestamp = _guarded_timestamp(CourseDirectory.get_existing_timestamp)
