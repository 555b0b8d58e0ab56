"""course.grading.gradebook.claims: one grader per submission at a time, across processes, graders and machines.

Two autograde runs on one class (two instructors, a cron job beside a manual
run, Dask workers of two runs) must not grade a submission twice. Before a
worker grades a submission it claims it: a PostgreSQL advisory lock (held on
a connection of its own, released when it ends or dies) when the gradebook is
PostgreSQL, else an exclusive ``flock`` on
``<class>/autograde-state/<assignment>/<student>.lock`` (released by the
kernel when the process ends, however it ends). A submission claimed by
someone else is left to them; one graded by someone else since this run
began is not graded again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path

from course.grading.gradebook.store import STATE_DIR, is_sqlite


def _advisory_key(assignment: str, student: str) -> int:
    """A signed 64-bit key for pg_try_advisory_lock, the same in every grading process."""
    digest = hashlib.sha256(f"course-autograde\0{assignment}\0{student}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def claim(class_dir: str | os.PathLike, db_url: str, assignment: str, student: str):
    """Yield True while this process holds the submission's claim, False if another grader holds it."""
    if not is_sqlite(db_url) and db_url.lower().startswith("postgresql"):
        from sqlalchemy import create_engine, text

        engine = create_engine(db_url, pool_size=1)
        try:
            with engine.connect() as connection:
                key = _advisory_key(assignment, student)
                held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar())
                try:
                    yield held
                finally:
                    if held:
                        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        finally:
            engine.dispose()
        return
    path = Path(class_dir) / STATE_DIR / assignment / f"{student}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
