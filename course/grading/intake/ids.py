"""Student ids are data: one documented safe alphabet, checked wherever an id enters.

nbgrader builds paths and glob patterns from student ids (``submitted/{student_id}/...``),
the gradebook stores them, Formgrader shows them and the grade export writes them
into a spreadsheet. An id such as ``*`` matches every student's folder, one with
a newline hides from listings, one that starts with ``=`` is a formula in a
spreadsheet, and one with ``<`` is markup. So an id must match
:data:`SAFE_STUDENT_ID`: a letter, digit or underscore first, then up to 63 of
letters, digits and ``. _ @ + -``. That covers JupyterHub's usual user names and
e-mail-style logins; anything else is refused, in one line, where it enters.
"""

from __future__ import annotations

import re

#: The documented safe alphabet for student ids (see the module docstring).
SAFE_STUDENT_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._@+-]{0,63}")
ALPHABET = "a letter, digit or _ first, then up to 63 of letters, digits and . _ @ + -"


def unsafe_id_reason(student_id: str) -> str | None:
    """Why ``student_id`` cannot be used as a student id, or None when it is safe."""
    if not isinstance(student_id, str) or not SAFE_STUDENT_ID.fullmatch(student_id):
        return f"student id {student_id!r} is refused: ids must be {ALPHABET}"
    return None


def is_safe_id(student_id: str) -> bool:
    """Whether ``student_id`` matches the safe alphabet."""
    return unsafe_id_reason(student_id) is None


def submitted_students(class_dir, assignment_id: str, step: str = "submitted") -> tuple[list[str], list[str]]:
    """Students with a plain folder ``<class>/<step>/<student>/<assignment>`` (nbgrader's layout), and one line per
    folder refused: a name that is not a safe id, or a link where a folder should be."""
    import os
    import stat
    from pathlib import Path

    top = Path(class_dir) / step
    found, problems = [], []
    try:
        names = sorted(entry.name for entry in os.scandir(top))
    except FileNotFoundError:
        return found, problems
    for name in names:
        folder = top / name / assignment_id
        if not os.path.lexists(folder):
            continue
        why = unsafe_id_reason(name)
        if why is None and not all(stat.S_ISDIR(os.lstat(path).st_mode) for path in (folder.parent, folder)):
            why = f"{folder.parent.name}/{folder.name} is a link or a file, not a plain folder"
        if why:
            problems.append(f"{assignment_id}: {why}; not graded")
        else:
            found.append(name)
    return found, problems


def submission_pairs(class_dir, assignment_ids: list[str], student: str | None, *, step: str = "submitted",
                     refused: list[str] | None = None) -> tuple[list[tuple[str, str]], set[str]]:
    """(assignment, student) pairs with a folder under ``<class>/<step>/``, and every student found.

    A folder whose name is not a safe student id (``*``, one with a newline, ...)
    is never worked on: nbgrader would glob on it. Each such folder adds one
    line to ``refused``. An unsafe ``student`` is a GradingError.
    """
    if student is not None and unsafe_id_reason(student):
        from course.grading.settings import GradingError

        raise GradingError(unsafe_id_reason(student))
    pairs, everyone = [], set()
    for assignment_id in assignment_ids:
        found, problems = submitted_students(class_dir, assignment_id, step)
        if refused is not None:
            refused.extend(problems)
        everyone.update(found)
        pairs.extend((assignment_id, s) for s in sorted(found) if student is None or s == student)
    return pairs, everyone
