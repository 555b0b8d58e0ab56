"""Where the class lives, and one nbgrader API object that works on it.

The layout: the source notebooks in ``assignments/`` and every working folder
nbgrader writes (release, submitted, autograded, feedback, exchange, gradebook)
under one git-ignored class folder, ``class/`` by default. The configuration is
built by :func:`course.grading.pipeline.configure` from
:class:`~course.grading.settings.GradingSettings`, here as in
``nbgrader_config.py`` (what plain ``nbgrader`` reads), so ``python -m course``
and plain ``nbgrader`` commands always agree; :func:`nbgrader_config` points it
at another class folder when asked (the demo class, a test's temporary folder).
``COURSE_NBGRADER_CONFIG`` names a configuration file to read instead, one that
loads the kit's and changes what differs: the JupyterHub grader account's
(``deploy/nbgrader/grader_nbgrader_config.py``) points the exchange at the
hub's shared folder with the course id in its paths, so ``python -m course
collect`` and ``feedback`` work on the exchange the students use.

nbgrader is imported inside the functions: importing it costs seconds.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path

from course import paths
# GradingError and the gradebook URL check live with the settings (the wing's bottom floor); named here too.
from course.grading.settings import (  # noqa: F401 -- named here too
    CONFIG_ENV, CONFIG_FILE, SQLITE_BUSY_TIMEOUT, GradingError, check_db_url, named_config)

ASSIGNMENTS_DIR = paths.assignments_dir()
#: The assignments in course order (ids and titles); nothing depends on globbing folder names.
MANIFEST = ASSIGNMENTS_DIR / "manifest.json"


def manifest() -> list[dict]:
    """The entries of ``assignments/manifest.json`` (``id`` and ``title``), in course order."""
    import json

    try:
        return json.loads(MANIFEST.read_text(encoding="utf-8"))["assignments"]
    except FileNotFoundError:
        raise GradingError(f"{paths.display(MANIFEST)} is missing; it lists the assignments in course order") from None


#: The manifest kind of a practice set: never graded (no release, autograde, gradebook or item analysis).
PRACTICE_KIND = "practice"


def assignment_ids() -> list[str]:
    """Ids of the graded assignments, in course order (from the manifest; practice sets are left out)."""
    return [entry["id"] for entry in manifest() if entry.get("kind") != PRACTICE_KIND]


def source_notebook(assignment_id: str) -> Path:
    """The nbgrader source notebook of one assignment (solutions and hidden tests included)."""
    check_assignment(assignment_id)
    return ASSIGNMENTS_DIR / assignment_id / f"{assignment_id}.ipynb"


def check_assignment(assignment_id: str) -> str:
    """Return ``assignment_id`` if it names an assignment, else raise :class:`GradingError` listing the valid ones."""
    known = assignment_ids()
    if assignment_id not in known:
        raise GradingError(f"unknown assignment {assignment_id!r}; known assignments: {', '.join(known)} (or 'all')")
    return assignment_id


def resolve_assignments(which: str | list[str] | tuple[str, ...] = "all") -> list[str]:
    """``"all"`` -> every assignment in course order; an id or a list of ids -> those, checked."""
    if isinstance(which, str):
        return assignment_ids() if which == "all" else [check_assignment(which)]
    return [check_assignment(a) for a in which]


def require_class_dir(class_dir: Path) -> Path:
    """Raise :class:`GradingError` unless the class folder exists (it is created by ``release``)."""
    if not Path(class_dir).is_dir():
        raise GradingError(f"class folder {paths.display(class_dir)} does not exist; run `python -m course release all` first")
    return Path(class_dir)


def nbgrader_config(class_dir: Path | None = None, *, private_gradebook: bool = False, db_url: str | None = None):
    """The nbgrader configuration of the class in ``class_dir`` (default: ``$COURSE_CLASS_DIR``, else ``class/``).

    Built by :func:`course.grading.pipeline.configure` from
    :func:`course.grading.settings.class_settings`, as ``nbgrader_config.py``
    builds it for plain nbgrader. ``private_gradebook=True`` ignores
    ``COURSE_DB_URL`` and keeps the gradebook in the class folder (the
    self-check's scratch class must never write to the course's database).
    ``db_url`` names the gradebook explicitly (e.g. ``postgresql://grader@db/course``)
    and wins over both. With ``COURSE_NBGRADER_CONFIG`` set, that file is read
    instead (see :func:`course.grading.settings.named_config`).
    """
    from traitlets.config import Config

    from course.grading.pipeline import configure
    from course.grading.settings import class_settings

    if os.environ.get(CONFIG_ENV):
        config = named_config(class_dir)
        if private_gradebook:
            config.CourseDirectory.db_url = check_db_url(f"sqlite:///{Path(config.CourseDirectory.root) / 'gradebook.db'}")
        if db_url:
            config.CourseDirectory.db_url = check_db_url(db_url)
    else:
        config = Config()
        configure(config, class_settings(class_dir, db_url, private_gradebook=private_gradebook))
    # Re-releasing replaces the exchange copy, so `release` can run twice.
    config.ExchangeReleaseAssignment.force = True
    return config


def scripts_on_path() -> None:
    # nbgrader runs the `alembic` command when it creates a gradebook; when the
    # kit runs as `.venv/bin/python -m course` without an activated
    # environment, that command is only found beside this interpreter.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def open_api(class_dir: Path | None = None, *, create: bool = False, private_gradebook: bool = False,
             db_url: str | None = None):
    """An :class:`nbgrader.apps.NbGraderAPI` on the class folder.

    ``create=True`` makes the class folder (and the exchange) if needed;
    otherwise a missing class folder is a :class:`GradingError`. One API
    object serves a whole run: nbgrader's start-up cost is paid once.
    ``db_url`` overrides the gradebook (see :func:`nbgrader_config`).
    """
    config = nbgrader_config(class_dir, private_gradebook=private_gradebook, db_url=db_url)
    class_dir = Path(config.CourseDirectory.root)
    if create:
        exchange = Path(config.Exchange.root if "root" in config.Exchange else class_dir / "exchange")
        for folder in (class_dir, exchange):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise GradingError(f"cannot create {folder}: {error.strerror}; check the path and its permissions") from None
    require_class_dir(class_dir)
    scripts_on_path()
    quiet_nbgrader()
    from nbgrader.apps import NbGraderAPI

    from course.grading.patches import remember_alembic_head

    remember_alembic_head()  # a new gradebook is stamped without a new `alembic heads` process each time

    api = NbGraderAPI(config=config)
    api.log.setLevel(logging.WARNING)
    return api


def quiet_nbgrader() -> None:
    """Keep nbgrader's and SQLAlchemy's chatter out of the terminal (the kit prints its own summary)."""
    try:
        from sqlalchemy.exc import SAWarning
    except ImportError:  # pragma: no cover - nbgrader always brings SQLAlchemy
        return
    warnings.filterwarnings("ignore", category=SAWarning)
    for name in ("traitlets", "NbGraderAPI", "nbgrader"):
        logging.getLogger(name).setLevel(logging.WARNING)
