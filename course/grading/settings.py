"""course.grading.settings: what grading needs to know, worked out once, with every default declared here once.

A :class:`GradingSettings` is plain data: the class folder, the gradebook URL,
the sources, the sandbox mode, the limits and timeouts, the paths student code
must not see. :func:`course.grading.pipeline.configure` turns it into nbgrader
configuration, for plain ``nbgrader`` (``nbgrader_config.py`` calls
:func:`plain_nbgrader_settings`) and for the kit's verbs alike. The settings are
frozen and picklable: they are what a worker process or a Dask task receives,
so a worker builds its configuration from them without reading any file or
environment variable.

:func:`class_settings` works them out for a class folder (``COURSE_CLASS_DIR``
and ``COURSE_DB_URL`` are read here and nowhere else); :func:`grading_settings`
for the configuration an API already holds (e.g. one an instructor's own
``COURSE_NBGRADER_CONFIG`` file made), with the run's sandbox mode and limits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from course.errors import CourseError
from course.grading.sandbox.bwrap import Limits

SANDBOX_MODES = ("auto", "required", "off")

#: The course's id in nbgrader (gradebook rows, exchange paths).
COURSE_ID = "mali-coup-source-evaluation"
#: Seconds one cell may run (nbgrader's ``Execute.timeout``): grading executes each notebook once, and a
#: cell stuck for a minute is a bug.
CELL_TIMEOUT = 60
#: Seconds from a notebook's first cell after which its sandbox is killed.
NOTEBOOK_TIMEOUT = 600
#: Options of every grading kernel: it runs on this machine, so its start-up notice about unencrypted
#: local TCP stays out of the grading log.
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR",)
#: The environment variables plain ``nbgrader`` (and the kit without ``--class-dir``/``--db-url``) reads.
CLASS_DIR_ENV = "COURSE_CLASS_DIR"
DB_URL_ENV = "COURSE_DB_URL"
#: The file plain nbgrader reads, and the variable that names a deployment's own file for the kit to read instead.
CONFIG_FILE = "nbgrader_config.py"
CONFIG_ENV = "COURSE_NBGRADER_CONFIG"
#: The environment variable, and the one value, that turn the sandbox off for plain nbgrader.
UNSANDBOXED_ENV = "COURSE_UNSANDBOXED_GRADING"
UNSANDBOXED_CONSENT = "I-understand"
#: Seconds a SQLite gradebook connection waits for another process's write lock.
SQLITE_BUSY_TIMEOUT = 30


class GradingError(CourseError):
    """Bad input to a grading step: an unknown id, a missing folder or an unreadable submission.

    The message is one line that names the bad value and what would be valid;
    the command line prints it without a traceback and exits with status 2.
    """


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
    course_id: str = COURSE_ID
    sandbox: str = "bubblewrap"
    limits: Limits = field(default_factory=Limits)
    cell_timeout: int = CELL_TIMEOUT
    notebook_timeout: float = NOTEBOOK_TIMEOUT
    hidden_paths: tuple[str, ...] = ()
    readonly_paths: tuple[str, ...] = ()
    prestart: int = 1
    lock_retries: int = 4
    #: When the run began (UTC, ISO 8601): a submission graded after it by another grader is left alone.
    run_started: str = ""

    @property
    def sqlite(self) -> bool:
        """Whether the gradebook is a SQLite database (never to be shared across machines)."""
        return is_sqlite(self.db_url)

    def __post_init__(self) -> None:
        if self.sandbox not in ("bubblewrap", "rlimits", "off"):
            raise ValueError(f"unknown sandbox mode {self.sandbox!r}; known: bubblewrap, rlimits, off")
        if not isinstance(self.cell_timeout, int) or self.cell_timeout <= 0:
            raise ValueError(f"cell_timeout must be a positive whole number of seconds, got {self.cell_timeout!r}")
        if not self.notebook_timeout or self.notebook_timeout <= 0:
            raise ValueError(f"notebook_timeout must be a positive number of seconds, got {self.notebook_timeout!r}")


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


def _postgres_driver() -> str:
    """The PostgreSQL driver to name in URLs: psycopg (3) if installed, else psycopg2."""
    import importlib.util

    return "psycopg" if importlib.util.find_spec("psycopg") is not None else "psycopg2"


def is_sqlite(db_url: str) -> bool:
    return str(db_url).lower().startswith("sqlite")


def sqlite_path(db_url: str) -> Path | None:
    """The file of a SQLite URL (None for an in-memory or non-SQLite database)."""
    from sqlalchemy.engine import make_url

    if not is_sqlite(db_url):
        return None
    database = make_url(db_url).database
    if database and database.startswith("file:"):  # a URI filename (server_gradebook_url's mode=rw)
        database = database[len("file:"):]
    return Path(database) if database and database != ":memory:" else None


def resolve_sandbox(sandbox: str) -> tuple[str, str]:
    """("bubblewrap" | "rlimits" | "off", warning) for a requested mode ("auto", "required" or "off").

    ``"required"`` without a working bubblewrap raises GradingError;
    ``"auto"`` falls back to resource limits only, with a loud warning.
    """
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


def hidden_paths(class_dir, source_dir, db_url: str, elsewhere=()) -> tuple[str, ...]:
    """What student code must never see: the repository, the class folder, the sources, the gradebook, home,
    and ``elsewhere`` (an exchange outside the class folder, say)."""
    from course.grading.sandbox.mounts import course_hidden_paths

    paths = [*course_hidden_paths(), Path(class_dir), Path(source_dir), *map(Path, elsewhere)]
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


def class_settings(class_dir=None, db_url: str | None = None, *, private_gradebook: bool = False,
                   sandbox: str = "bubblewrap") -> GradingSettings:
    """The settings of the class in ``class_dir`` (default ``$COURSE_CLASS_DIR``, else ``class/``).

    The gradebook is ``db_url``, else ``$COURSE_DB_URL`` (unless ``private_gradebook``: the self-check's and
    the demo's scratch classes never write to the course's database), else ``<class>/gradebook.db``.
    ``sandbox`` is a resolved mode; it is not probed here (plain nbgrader's executor refuses to run
    student code when bubblewrap is missing).
    """
    from course.grading.sandbox.mounts import course_readonly_paths
    from course.paths import assignments_dir, default_class_dir

    root = Path(class_dir or os.environ.get(CLASS_DIR_ENV) or default_class_dir()).resolve()
    db_url = check_db_url(db_url or (None if private_gradebook else os.environ.get(DB_URL_ENV))
                          or f"sqlite:///{root / 'gradebook.db'}")
    source = assignments_dir().resolve()
    return GradingSettings(class_dir=str(root), db_url=db_url, source_dir=str(source), sandbox=sandbox,
                           hidden_paths=hidden_paths(root, source, db_url),
                           readonly_paths=tuple(os.fspath(p) for p in course_readonly_paths()))


def plain_nbgrader_settings(config_class_dir=None) -> GradingSettings:
    """The settings plain ``nbgrader`` grades with (``nbgrader_config.py``): always sandboxed unless
    ``COURSE_UNSANDBOXED_GRADING=I-understand`` says otherwise, loudly. The class is ``$COURSE_CLASS_DIR``, else
    ``config_class_dir`` (the ``class/`` beside the config file that calls this), else the kit's ``class/``."""
    import sys

    class_dir = os.environ.get(CLASS_DIR_ENV) or config_class_dir

    consent = os.environ.get(UNSANDBOXED_ENV)
    if consent == UNSANDBOXED_CONSENT:
        print(f"WARNING: {UNSANDBOXED_ENV}={UNSANDBOXED_CONSENT}: plain `nbgrader autograde` runs student code "
              "UNSANDBOXED, as this user: it can read the gradebook, the solutions, every other submission and "
              "this environment's secrets, and write anywhere this user can.", file=sys.stderr, flush=True)
        return class_settings(class_dir, db_url=_plain_db_url(class_dir), sandbox="off")
    if consent:
        print(f"WARNING: {UNSANDBOXED_ENV} is set but not to {UNSANDBOXED_CONSENT!r}; grading stays sandboxed.",
              file=sys.stderr, flush=True)
    return class_settings(class_dir, db_url=_plain_db_url(class_dir))


def _plain_db_url(class_dir=None) -> str | None:
    """``$COURSE_DB_URL``'s gradebook (None: class_settings reads it), else the class's SQLite file as a Jupyter
    server opened the wrong way may use it: never created there (:func:`server_gradebook_url`)."""
    from course.paths import default_class_dir

    if os.environ.get(DB_URL_ENV):
        return None
    return server_gradebook_url(Path(class_dir or default_class_dir()).resolve())


def run_settings(class_dir=None, *, db_url: str | None = None, config=None, sandbox: str = "auto",
                 cluster: bool = False, limits: Limits | None = None, cell_timeout: int | None = None,
                 notebook_timeout: float | None = None) -> tuple[GradingSettings, str]:
    """The settings of one grading run, and the warning to print first ("" when none).

    ``sandbox`` is the requested mode (:func:`resolve_sandbox`). The class is ``config``'s (an API's
    configuration), else a ``COURSE_NBGRADER_CONFIG`` file's, else ``class_dir``'s (:func:`class_settings`).
    ``cluster``: the run goes to a Dask cluster, which needs a shared (PostgreSQL) gradebook.
    """
    import dataclasses

    mode, warning = resolve_sandbox(sandbox)
    if config is None and os.environ.get(CONFIG_ENV):
        config = named_config(class_dir)
        if db_url:
            config.CourseDirectory.db_url = check_db_url(db_url)
    if config is not None:
        settings = grading_settings(config, mode, limits=limits, cell_timeout=cell_timeout, notebook_timeout=notebook_timeout)
    else:
        settings = dataclasses.replace(
            begin_run(class_settings(class_dir, db_url, sandbox=mode)), limits=limits or Limits(),
            cell_timeout=cell_timeout or CELL_TIMEOUT,
            notebook_timeout=NOTEBOOK_TIMEOUT if notebook_timeout is None else float(notebook_timeout))
    if cluster and settings.sqlite:
        raise GradingError(
            "a Dask scheduler needs a shared PostgreSQL gradebook: SQLite must not be shared across machines "
            f"(the gradebook is {settings.db_url}); pass --db-url postgresql://USER@HOST/DB or set COURSE_DB_URL")
    return settings, warning


def begin_run(settings: GradingSettings) -> GradingSettings:
    """``settings`` with the time this run began, once the course data every assignment reads is there."""
    import dataclasses
    import datetime as dt

    from course.paths import PACKAGE_DIR, primary_document_path

    if not primary_document_path().is_file():
        # Every assignment's setup cell reads the document: without it every test would score 0.
        raise GradingError(f"the course data is missing: no {primary_document_path()} for the package at {PACKAGE_DIR}; "
                           "install the kit from a checkout (its wheel ships the data) or set COURSE_DATA_DIR")
    return dataclasses.replace(settings, run_started=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat())


def grading_settings(config, sandbox_mode: str, *, limits: Limits | None = None, cell_timeout: int | None = None,
                     notebook_timeout: float | None = None) -> GradingSettings:
    """The settings of a run on the class ``config`` describes (a traitlets Config, see
    :func:`course.grading.classdir.nbgrader_config`); ``cell_timeout`` defaults to its ``Execute.timeout``."""
    from course.grading.sandbox.mounts import course_readonly_paths

    coursedir = config.CourseDirectory
    db_url = coursedir.db_url
    root = Path(coursedir.root).resolve()
    source = Path(root, coursedir.get("source_directory") or "source").resolve()
    exchange = config.get("Exchange", {})
    return begin_run(GradingSettings(
        class_dir=str(root), db_url=db_url, source_dir=str(source), course_id=coursedir.get("course_id", COURSE_ID),
        sandbox=sandbox_mode, limits=limits or Limits(),
        cell_timeout=cell_timeout or config.get("Execute", {}).get("timeout") or CELL_TIMEOUT,
        notebook_timeout=NOTEBOOK_TIMEOUT if notebook_timeout is None else float(notebook_timeout),
        hidden_paths=hidden_paths(root, source, db_url, [exchange[key] for key in ("root", "cache") if exchange.get(key)]),
        readonly_paths=tuple(os.fspath(p) for p in course_readonly_paths())))


def named_config(class_dir: Path | None = None):
    """The Config of the file ``COURSE_NBGRADER_CONFIG`` names: a deployment's own, which loads the kit's.

    Such a file (the hub grader's, say) loads ``nbgrader_config.py`` and changes what differs, e.g. the
    exchange. The one environment round trip left: a class folder the kit names (``--class-dir``, a
    self-check's scratch class) is handed to the file as ``COURSE_CLASS_DIR`` while it is read.
    """
    from traitlets.config.loader import PyFileConfigLoader

    config_file = config_file_path()
    previous = os.environ.get(CLASS_DIR_ENV)
    if class_dir is not None:
        os.environ[CLASS_DIR_ENV] = str(Path(class_dir).resolve())
    try:
        return PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()
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


def config_file_path() -> Path:
    """The nbgrader configuration the kit reads: ``COURSE_NBGRADER_CONFIG`` if set, else the repository's."""
    from course import paths

    named = os.environ.get(CONFIG_ENV)
    if not named:
        return paths.REPO_ROOT / CONFIG_FILE
    path = Path(named).expanduser().resolve()
    if not path.is_file():
        raise GradingError(f"{CONFIG_ENV}={named} is not a file; name an nbgrader_config.py that loads the kit's "
                           f"({paths.REPO_ROOT / CONFIG_FILE}), or unset it")
    return path


#: Said once by a Jupyter server opened the wrong way on the repository (plain ``jupyter lab``), see below.
WRONG_LAB = ("nbgrader: this JupyterLab was not opened with `make lab`, so it has no class: Formgrader and the "
             "Assignment List cannot work here, and no gradebook is made in {class_dir}. Open the class with "
             "`make lab` (after `make demo` for the demo class).")


#: Whether this process has said :data:`WRONG_LAB` (a flag, not an environment variable: children need not know).
_WRONG_LAB_SAID: list[bool] = []


def server_gradebook_url(class_dir: Path, environ: dict | None = None) -> str:
    """The SQLite gradebook URL of ``class_dir`` for ``nbgrader_config.py``; never a new file for a stray server.

    A Jupyter server started in the repository the wrong way (plain ``jupyter lab`` instead of ``make lab``,
    which sets ``COURSE_CLASS_DIR``) loads ``nbgrader_config.py`` too, and Formgrader then made an empty
    ``class/gradebook.db`` that later looked like a real class to ``make lab``. In such a server, a gradebook
    that does not exist yet is opened with SQLite's ``mode=rw``, which never creates one, and the log says
    once what to do instead (:data:`WRONG_LAB`). An existing gradebook, the kit's verbs, plain ``nbgrader``
    commands, ``make lab`` and a hub's grader (both set ``COURSE_CLASS_DIR``) are unchanged.
    """
    import sys

    from course.paths import display

    environ = os.environ if environ is None else environ
    gradebook = Path(class_dir) / "gradebook.db"
    plain = f"sqlite:///{gradebook}"
    serverapp = sys.modules.get("jupyter_server.serverapp")
    in_server = serverapp is not None and serverapp.ServerApp.initialized()
    if not in_server or environ.get(CLASS_DIR_ENV) or gradebook.exists():
        return plain
    if not _WRONG_LAB_SAID:
        _WRONG_LAB_SAID.append(True)  # every nbgrader extension of the server reads the config: say it once
        print(WRONG_LAB.format(class_dir=f"{display(Path(class_dir))}/"), file=sys.stderr, flush=True)
    return f"sqlite:///file:{gradebook}?mode=rw&uri=true"
