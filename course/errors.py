"""The kit's one error base class, on the bottom floor, and which exceptions the command line prints as one line.

Every wing's errors about the user's input or files (a missing or altered
document, an unreadable table, a bad class folder, a stale packet) subclass
:class:`CourseError`, so the command line catches that one class and prints
one line; anything else is a bug and keeps its traceback. This module imports
nothing of the kit, so every wing may import it.
"""

from __future__ import annotations


class CourseError(Exception):
    """Bad input or a missing or altered file: said to the user in one line, not a bug in the kit."""


def is_user_error(exc: BaseException) -> bool:
    """True for errors caused by bad input or a missing/altered file, not by a bug in the kit."""
    return isinstance(exc, (CourseError, FileNotFoundError, PermissionError, NotADirectoryError))
