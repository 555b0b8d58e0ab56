"""course.grading.settings: what one grading run needs to know, worked out once and passed down.

:func:`grading_settings` reads the nbgrader configuration of the class (the
folder, the gradebook URL, the sources, the exchange) once and resolves the
sandbox mode; everything downstream (backup, resume, the workers, the
sandbox's hidden paths) takes the resulting :class:`GradingSettings` instead
of reading the same values back out of nbgrader objects. The settings are
frozen and picklable: they are what a worker process or a Dask task receives.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from course.grading.sandbox.bwrap import Limits

SANDBOX_MODES = ("auto", "required", "off")


@dataclass(frozen=True)
class GradingSettings:
    """Everything a worker needs to grade submissions of one class.

    ``sandbox`` is the resolved mode: ``"bubblewrap"`` (the sandbox),
    ``"rlimits"`` (no bubblewrap here: resource limits and a scratch folder
    only) or ``"off"`` (stock nbgrader execution).
    """

    class_dir: str
    db_url: str
    source_dir: str = ""
    sandbox: str = "bubblewrap"
    limits: Limits = field(default_factory=Limits)
    cell_timeout: int | None = None
    notebook_timeout: float = 600.0
    hidden_paths: tuple[str, ...] = ()
    readonly_paths: tuple[str, ...] = ()
    prestart: int = 1
    lock_retries: int = 4
    #: When the run began (UTC, ISO 8601): a submission graded after it by another grader is left alone.
    run_started: str = ""

    def __post_init__(self) -> None:
        if self.sandbox not in ("bubblewrap", "rlimits", "off"):
            raise ValueError(f"unknown sandbox mode {self.sandbox!r}; known: bubblewrap, rlimits, off")
        if self.cell_timeout is not None and (not isinstance(self.cell_timeout, int) or self.cell_timeout <= 0):
            raise ValueError(f"cell_timeout must be a positive whole number of seconds, got {self.cell_timeout!r}")
        if not self.notebook_timeout or self.notebook_timeout <= 0:
            raise ValueError(f"notebook_timeout must be a positive number of seconds, got {self.notebook_timeout!r}")


def resolve_sandbox(sandbox: str) -> tuple[str, str]:
    """("bubblewrap" | "rlimits" | "off", warning) for a requested mode ("auto", "required" or "off").

    ``"required"`` without a working bubblewrap raises GradingError;
    ``"auto"`` falls back to resource limits only, with a loud warning.
    """
    from course.grading.classdir import GradingError
    from course.grading.sandbox.bwrap import sandbox_available

    if sandbox not in SANDBOX_MODES:
        raise GradingError(f"unknown sandbox mode {sandbox!r}; use one of: {', '.join(SANDBOX_MODES)}")
    if sandbox == "off":
        return "off", ("SANDBOX OFF: student code runs as the grader, with stock nbgrader execution; "
                       "it can read the gradebook, the solutions and every other submission")
    available, why = sandbox_available()
    if available:
        return "bubblewrap", ""
    if sandbox == "required":
        raise GradingError(f"the sandbox is required but unavailable: {why}; install bubblewrap (apt-get install bubblewrap)")
    return "rlimits", (f"SANDBOX DISABLED: {why}. Student code runs with resource limits and a scratch folder only: "
                       "it can read everything this user can (the gradebook, the solutions, other submissions) "
                       "and reach the network. Fix: sudo apt-get install bubblewrap (docs/grading-at-scale.md)")


def hidden_paths(config, db_url: str) -> tuple[str, ...]:
    """What student code must never see: the repository, the class folder, the exchange, the sources, the gradebook, home."""
    from course.grading.gradebook.store import sqlite_path
    from course.grading.sandbox.mounts import course_hidden_paths

    coursedir = config.CourseDirectory
    paths = [*course_hidden_paths(), Path(coursedir.root)]
    if coursedir.get("source_directory"):
        paths.append(Path(coursedir.root, coursedir.source_directory).resolve())
    exchange = config.get("Exchange", {})
    for key in ("root", "cache"):
        if exchange.get(key):
            paths.append(Path(exchange[key]))
    database = sqlite_path(db_url)
    if database is not None:
        paths.append(database)
    home = Path.home()
    if home != Path("/"):
        paths.append(home)
    # Keep the outermost: a path inside a hidden folder is hidden already (hiding it again
    # would plant an empty placeholder there that shows the path exists).
    real = sorted({os.path.realpath(path) for path in paths} - {"/"}, key=len)
    kept: list[str] = []
    for path in real:
        if not any(path.startswith(outer.rstrip("/") + "/") for outer in kept):
            kept.append(path)
    return tuple(kept)


def grading_settings(config, sandbox_mode: str, *, limits: Limits | None = None, cell_timeout: int | None = None,
                     notebook_timeout: float = 600.0) -> GradingSettings:
    """The settings of a run on the class ``config`` describes (a traitlets Config from nbgrader_config.py)."""
    from course.grading.classdir import GradingError
    from course.grading.sandbox.mounts import course_readonly_paths
    from course.paths import PACKAGE_DIR, primary_document_path

    if not primary_document_path().is_file():
        # Every assignment's setup cell reads the document: without it every test would score 0.
        raise GradingError(f"the course data is missing: no {primary_document_path()} for the package at {PACKAGE_DIR}; "
                           "install the kit from a checkout (its wheel ships the data) or set COURSE_DATA_DIR")
    coursedir = config.CourseDirectory
    db_url = coursedir.db_url
    root = Path(coursedir.root).resolve()
    source = Path(root, coursedir.get("source_directory") or "source").resolve()
    import datetime as dt

    return GradingSettings(
        run_started=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat(),
        class_dir=str(root), db_url=db_url, source_dir=str(source), sandbox=sandbox_mode,
        limits=limits or Limits(), cell_timeout=cell_timeout, notebook_timeout=float(notebook_timeout),
        hidden_paths=hidden_paths(config, db_url),
        readonly_paths=tuple(os.fspath(p) for p in course_readonly_paths()))
