"""The data a grading kernel sees: the student edition, never the grader's own folders.

A submission's code runs in the sandbox with the ``course`` package and its
data folder mounted, so that a notebook can ``import course`` and load the
tables as it did on the student's machine. The findings graded work asks for
are in the assessment bank (``bank/``), which is never mounted; the data
folder on the grader's disk also holds the desk's private notes
(``data/research/``). :func:`student_data_dir` builds, once per grading
process, the student edition (``data/`` without them), and
:func:`course.grading.sandbox.bwrap.sandbox_command` binds it read-only at
the data folder's own path: inside the sandbox there is no other copy.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from course.grading.sandbox.scratch import SCRATCH_PREFIX


def student_data_dir() -> Path:
    """The student edition of the data package, built once per process (again if its folder was removed:
    a stale-scratch sweep or a worker's cleanup in the same process must not leave kernels a missing mount)."""
    built = _build()
    if not built.is_dir():
        _build.cache_clear()
        built = _build()
    return built


@lru_cache(maxsize=1)
def _build() -> Path:
    from course.evidence import editions

    # Named like the scratch roots, so remove_stale_scratch clears it after a grader killed with SIGKILL.
    root = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-student-data-"))
    atexit.register(shutil.rmtree, root, True)
    out = editions.student_edition(root / "data")
    # The kernel runs as its own uid when the grader is root: everything must be readable by others.
    for folder, dirs, files in os.walk(root):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    return out


def remove_student_data() -> None:
    """Delete this process's student edition, if it built one (a pool worker ends without running atexit)."""
    if _build.cache_info().currsize:
        shutil.rmtree(_build().parent, ignore_errors=True)
        _build.cache_clear()
