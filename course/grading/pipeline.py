"""Plain ``nbgrader autograde`` with the repository's ``nbgrader_config.py`` runs student code in the sandbox.

nbgrader's :class:`~nbgrader.converters.Autograde` takes its preprocessors from
configuration; :func:`sandbox_plain_autograde` (called by ``nbgrader_config.py``)
puts :class:`course.grading.preprocessors.sandboxed_execute.SandboxedExecute` where nbgrader's
``Execute`` stands and tells it what to hide, so an instructor who types
``nbgrader autograde`` gets the same sandbox as ``python -m course autograde``.
Without bubblewrap the executor refuses to run student code (every submission
fails with the reason). Turning the sandbox off takes an explicit, loud opt-out:
``COURSE_UNSANDBOXED_GRADING=I-understand``.

Kept light (the file is read by every nbgrader command and by the Jupyter
server): the preprocessors are named, not imported.
"""

from __future__ import annotations

import os
import sys

#: The environment variable, and the one value, that turn the sandbox off for plain nbgrader.
UNSANDBOXED_ENV = "COURSE_UNSANDBOXED_GRADING"
UNSANDBOXED_CONSENT = "I-understand"

SANDBOXED_EXECUTE = "course.grading.preprocessors.sandboxed_execute.SandboxedExecute"
#: nbgrader 0.9.6's own Autograde.autograde_preprocessors, by name, with Execute replaced
#: (tests/grading/test_pipeline.py checks the list against the installed nbgrader).
SANDBOXED_AUTOGRADE_PREPROCESSORS = [
    SANDBOXED_EXECUTE,
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

#: nbgrader 0.9.6's own Autograde.sanitize_preprocessors, with stripped metadata matched again and
#: attachments capped first.
REMATCHING_SANITIZE_PREPROCESSORS = [
    "course.grading.preprocessors.restore_metadata.RestoreStrippedMetadata",
    "course.grading.preprocessors.cap_attachments.CapAttachments",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]


def sandbox_plain_autograde(c) -> bool:
    """Make plain ``nbgrader autograde`` on config ``c`` run student code sandboxed; True if it will.

    ``c`` must already name the class folder, the sources, the exchange and
    the gradebook (the sandbox hides them all).
    """
    consent = os.environ.get(UNSANDBOXED_ENV)
    if consent == UNSANDBOXED_CONSENT:
        print(f"WARNING: {UNSANDBOXED_ENV}={UNSANDBOXED_CONSENT}: plain `nbgrader autograde` runs student code "
              "UNSANDBOXED, as this user: it can read the gradebook, the solutions, every other submission and "
              "this environment's secrets, and write anywhere this user can.", file=sys.stderr, flush=True)
        return False
    if consent:
        print(f"WARNING: {UNSANDBOXED_ENV} is set but not to {UNSANDBOXED_CONSENT!r}; grading stays sandboxed.",
              file=sys.stderr, flush=True)
    from course.grading.sandbox.mounts import course_readonly_paths
    from course.grading.settings import hidden_paths

    c.Autograde.autograde_preprocessors = list(SANDBOXED_AUTOGRADE_PREPROCESSORS)
    c.Autograde.sanitize_preprocessors = list(REMATCHING_SANITIZE_PREPROCESSORS)
    c.SandboxedExecute.hidden_paths = list(hidden_paths(c, c.CourseDirectory.db_url))
    c.SandboxedExecute.readonly_paths = [os.fspath(p) for p in course_readonly_paths()]
    return True
