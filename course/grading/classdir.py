"""Where the class lives, and one nbgrader API object that works on it.

The layout is defined once, in ``nbgrader_config.py`` at the repository root:
the source notebooks in ``assignments/`` and every working folder nbgrader
writes (release, submitted, autograded, feedback, exchange, gradebook) under
one git-ignored class folder, ``class/`` by default. This module loads that
file, so ``python -m course`` and plain ``nbgrader`` commands always agree,
and points it at another class folder when asked (the demo class, a test's
temporary folder): the file reads ``COURSE_CLASS_DIR``, and
:func:`nbgrader_config` sets it while the file is read. ``COURSE_NBGRADER_CONFIG``
names another configuration file to read instead, one that loads the kit's
and changes what differs: the JupyterHub grader account's
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
from course.errors import CourseError

CONFIG_FILE = "nbgrader_config.py"
CONFIG_ENV = "COURSE_NBGRADER_CONFIG"
CLASS_DIR_ENV = "COURSE_CLASS_DIR"
ASSIGNMENTS_DIR = paths.assignments_dir()
#: The assignments in course order (ids and titles); nothing depends on globbing folder names.
MANIFEST = ASSIGNMENTS_DIR / "manifest.json"
#: Seconds a SQLite gradebook connection waits for another process's write lock.
SQLITE_BUSY_TIMEOUT = 30


class GradingError(CourseError):
    """Bad input to a grading step: an unknown id, a missing folder or an unreadable submission.

    The message is one line that names the bad value and what would be valid;
    the command line prints it without a traceback and exits with status 2.
    """


def default_class_dir() -> Path:
    """The class folder ``nbgrader_config.py`` names: ``$COURSE_CLASS_DIR`` if set, else ``class/``."""
    return Path(nbgrader_config().CourseDirectory.root)


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
    """The traitlets Config from ``nbgrader_config.py``, pointed at ``class_dir`` when given.

    ``private_gradebook=True`` ignores ``COURSE_DB_URL`` and keeps the gradebook
    in the class folder (the self-check's scratch class must never write to
    the course's database). ``db_url`` names the gradebook explicitly (e.g.
    ``postgresql://grader@db/course``) and wins over both.
    """
    from traitlets.config.loader import PyFileConfigLoader

    config_file = config_file_path()
    previous = os.environ.get(CLASS_DIR_ENV)
    if class_dir is not None:
        os.environ[CLASS_DIR_ENV] = str(Path(class_dir).resolve())
    try:
        config = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()
    except GradingError:
        raise
    except Exception as error:  # the file is Python: any error in it is the instructor's to fix, in one line
        where = f" (line {error.lineno})" if isinstance(error, SyntaxError) and error.lineno else ""
        raise GradingError(f"cannot read the nbgrader configuration {config_file}{where}: "
                           f"{type(error).__name__}: {error.msg if isinstance(error, SyntaxError) else error}") from None
    finally:
        if previous is None:
            os.environ.pop(CLASS_DIR_ENV, None)
        else:
            os.environ[CLASS_DIR_ENV] = previous
    if private_gradebook:
        config.CourseDirectory.db_url = check_db_url(f"sqlite:///{Path(config.CourseDirectory.root) / 'gradebook.db'}")
    if db_url:
        config.CourseDirectory.db_url = check_db_url(db_url)
    # Re-releasing replaces the exchange copy, so `release` can run twice.
    config.ExchangeReleaseAssignment.force = True
    return config


def config_file_path() -> Path:
    """The nbgrader configuration the kit reads: ``COURSE_NBGRADER_CONFIG`` if set, else the repository's."""
    named = os.environ.get(CONFIG_ENV)
    if not named:
        return paths.REPO_ROOT / CONFIG_FILE
    path = Path(named).expanduser().resolve()
    if not path.is_file():
        raise GradingError(f"{CONFIG_ENV}={named} is not a file; name an nbgrader_config.py that loads the kit's "
                           f"({paths.REPO_ROOT / CONFIG_FILE}), or unset it")
    return path


def scripts_on_path() -> None:
    # nbgrader runs the `alembic` command when it creates a gradebook; when the
    # kit runs as `.venv/bin/python -m course` without an activated
    # environment, that command is only found beside this interpreter.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def check_db_url(db_url: str) -> str:
    """Return ``db_url`` ready for nbgrader, if it names a gradebook it can use (SQLite or PostgreSQL).

    A plain ``postgresql://`` URL gets the driver that is installed: SQLAlchemy
    2.1 defaults to ``psycopg`` (version 3), the kit's environment has
    ``psycopg2``, so such a URL becomes ``postgresql+psycopg2://``. A SQLite
    URL gets a busy timeout of :data:`SQLITE_BUSY_TIMEOUT` seconds
    (``?timeout=30``): Python's default of 5 s makes nbgrader fail with
    "database is locked" whenever another process (a parallel grading
    worker, the formgrader) holds the write lock a little longer.
    """
    db_url = str(db_url)
    scheme = db_url.split(":", 1)[0].lower()
    if scheme.split("+", 1)[0] not in ("sqlite", "postgresql") or "://" not in db_url:
        raise GradingError(f"gradebook URL {db_url!r} is not supported; use sqlite:///PATH or postgresql://USER@HOST[:PORT]/DATABASE")
    if scheme == "postgresql" and _postgres_driver() != "psycopg":
        db_url = "postgresql+psycopg2" + db_url[len(scheme):]
    if scheme.startswith("sqlite") and "timeout=" not in db_url.partition("?")[2]:
        db_url += ("&" if "?" in db_url else "?") + f"timeout={SQLITE_BUSY_TIMEOUT}"
    return db_url


#: Said once by a Jupyter server opened the wrong way on the repository (plain ``jupyter lab``), see below.
WRONG_LAB = ("nbgrader: this JupyterLab was not opened with `make lab`, so it has no class: Formgrader and the "
             "Assignment List cannot work here, and no gradebook is made in {class_dir}. Open the class with "
             "`make lab` (after `make demo` for the demo class).")


def server_gradebook_url(class_dir: Path, environ: dict | None = None) -> str:
    """The SQLite gradebook URL of ``class_dir`` for ``nbgrader_config.py``; never a new file for a stray server.

    A Jupyter server started in the repository the wrong way (plain ``jupyter lab`` instead of ``make lab``,
    which sets ``COURSE_CLASS_DIR``) loads ``nbgrader_config.py`` too, and Formgrader then made an empty
    ``class/gradebook.db`` that later looked like a real class to ``make lab``. In such a server, a gradebook
    that does not exist yet is opened with SQLite's ``mode=rw``, which never creates one, and the log says
    once what to do instead (:data:`WRONG_LAB`). An existing gradebook, the kit's verbs, plain ``nbgrader``
    commands, ``make lab`` and a hub's grader (both set ``COURSE_CLASS_DIR``) are unchanged.
    """
    environ = os.environ if environ is None else environ
    gradebook = Path(class_dir) / "gradebook.db"
    plain = f"sqlite:///{gradebook}"
    serverapp = sys.modules.get("jupyter_server.serverapp")
    in_server = serverapp is not None and serverapp.ServerApp.initialized()
    if not in_server or environ.get("COURSE_CLASS_DIR") or gradebook.exists():
        return plain
    if not environ.get("COURSE_WRONG_LAB_SAID"):
        environ["COURSE_WRONG_LAB_SAID"] = "1"  # the config is read by every nbgrader extension: say it once
        print(WRONG_LAB.format(class_dir=f"{paths.display(Path(class_dir))}/"), file=sys.stderr, flush=True)
    return f"sqlite:///file:{gradebook}?mode=rw&uri=true"


def _postgres_driver() -> str:
    """The PostgreSQL driver to name in URLs: psycopg (3) if installed, else psycopg2."""
    import importlib.util

    return "psycopg" if importlib.util.find_spec("psycopg") is not None else "psycopg2"


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
