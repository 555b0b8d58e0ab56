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
