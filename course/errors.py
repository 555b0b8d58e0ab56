"""Which exceptions are the user's input (printed as one line) and which are bugs (tracebacks)."""

from __future__ import annotations


def is_user_error(exc: BaseException) -> bool:
    """True for errors caused by bad input or a missing/altered file, not by a bug in the kit."""
    from course.document.anchors import AnchorError
    from course.grading.classdir import GradingError
    from course.evidence.data import DataPackageError
    from course.document.dates import MalformedDateError
    from course.document import DocumentError

    return isinstance(exc, (DocumentError, AnchorError, MalformedDateError, DataPackageError, GradingError, FileNotFoundError, PermissionError,
                            NotADirectoryError))
