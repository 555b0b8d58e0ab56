"""Grading many submissions at once: one grading function, run in worker processes or on a Dask cluster.

:func:`grade_submission` grades one (assignment, student) submission through
nbgrader's own autograde pipeline (``NbGraderAPI.autograde``), with the
sandboxed executor of :mod:`course.grading.sandbox.execute` in place of nbgrader's
``Execute`` unless the sandbox is off, and returns a
:class:`~course.grading.autogradereport.SubmissionResult`. It never raises: a
submission that cannot be graded is a ``failed`` result with its reason, and
gets a gradebook entry of 0 flagged for a human.

Where it runs:

* :func:`run_local` with ``jobs=1``: in this process, one submission after
  the other.
* :func:`run_local` with ``jobs=N``: a :class:`~concurrent.futures.ProcessPoolExecutor`
  of N workers. Each worker builds one :class:`nbgrader.apps.NbGraderAPI`
  (not thread-safe: it changes the working directory) and one
  :class:`~course.grading.sandbox.execute.KernelPool` when it starts, and keeps them for
  every submission it grades: nbgrader is imported once (workers are forked
  from this process, which already imported it), and the next kernel boots
  while the current submission is being graded. A worker that dies takes
  only its own submission with it: the others are resubmitted to a fresh pool.
* :func:`run_dask`: the same function as Dask tasks. Tasks carry only the
  settings and the two ids; every worker must see the class folder at the
  same path (shared storage) and the gradebook must be PostgreSQL. Each Dask
  worker process keeps its own API and kernel pool between tasks; give
  workers one thread each (``--nthreads 1``), since nbgrader changes the
  working directory (tasks of one worker process are serialised anyway).

SQLite with several workers: nbgrader keeps each gradebook transaction short
(a few ms), so concurrent workers only wait for each other briefly; workers
get a 30 s busy timeout instead of SQLite's 5 s and retry a submission whose
write still failed with "database is locked" (see :mod:`course.grading.gradebook`).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from course.grading.autogradereport import SubmissionResult
from course.grading.sandbox.bwrap import Limits

log = logging.getLogger(__name__)

SANDBOX_MODES = ("auto", "required", "off")


@dataclass(frozen=True)
class GradingSettings:
    """Everything a worker needs to grade submissions of one class (picklable, shipped to workers).

    ``sandbox`` is the resolved mode: ``"bubblewrap"`` (the sandbox),
    ``"rlimits"`` (no bubblewrap here: resource limits and a scratch folder
    only) or ``"off"`` (stock nbgrader execution).
    """

    class_dir: str
    db_url: str
    sandbox: str = "bubblewrap"
    limits: Limits = field(default_factory=Limits)
    cell_timeout: int | None = None
    notebook_timeout: float = 600.0
    hidden_paths: tuple[str, ...] = ()
    readonly_paths: tuple[str, ...] = ()
    prestart: int = 1
    lock_retries: int = 4

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
                       "and reach the network. See docs/grading-at-scale.md")


def hidden_paths_for(api, db_url: str) -> tuple[str, ...]:
    """What student code must never see: the repository, the class folder, the exchange, the sources, the gradebook, home."""
    from course.grading.gradebook import sqlite_path
    from course.grading.sandbox.bwrap import course_hidden_paths

    coursedir = api.coursedir
    paths = [*course_hidden_paths(), Path(coursedir.root), Path(coursedir.source_directory).resolve()]
    exchange = api.config.get("Exchange", {})
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


def settings_for(api, sandbox_mode: str, *, limits: Limits | None = None, cell_timeout: int | None = None,
                 notebook_timeout: float = 600.0) -> GradingSettings:
    """The settings workers grade with, from an API object on the class (its folder and gradebook)."""
    from course.grading.sandbox.bwrap import course_readonly_paths

    db_url = api.coursedir.db_url
    return GradingSettings(
        class_dir=str(Path(api.coursedir.root).resolve()), db_url=db_url, sandbox=sandbox_mode,
        limits=limits or Limits(), cell_timeout=cell_timeout, notebook_timeout=float(notebook_timeout),
        hidden_paths=hidden_paths_for(api, db_url),
        readonly_paths=tuple(os.fspath(p) for p in course_readonly_paths()))


# --------------------------------------------------------------------------
# One worker's state: an API and a kernel pool, built once
# --------------------------------------------------------------------------

_state: dict = {}
_lock = threading.Lock()  # Dask may run tasks in several threads of one process: nbgrader is not thread-safe


def _worker_config(settings: GradingSettings):
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from course.grading.classdir import nbgrader_config

    # check_db_url (through nbgrader_config) gives SQLite a 30 s busy timeout.
    config = nbgrader_config(Path(settings.class_dir), db_url=settings.db_url)
    if settings.cell_timeout:
        config.Execute.timeout = settings.cell_timeout
    if settings.sandbox != "off":
        stock = config.Autograde.get("autograde_preprocessors") or Autograde.class_traits()["autograde_preprocessors"].default()
        config.Autograde.autograde_preprocessors = [
            "course.grading.sandbox.execute.SandboxedExecute" if pp is Execute or pp == "nbgrader.preprocessors.Execute" else pp
            for pp in stock]
        config.SandboxedExecute.notebook_timeout = settings.notebook_timeout
        config.SandboxedExecute.limits = settings.limits
        config.SandboxedExecute.hidden_paths = list(settings.hidden_paths)
        config.SandboxedExecute.readonly_paths = list(settings.readonly_paths)
        config.SandboxedExecute.allow_unsandboxed = settings.sandbox == "rlimits"
    return config


_engines: dict = {}
_inherited: list = []


def _share_engines() -> None:
    """Let nbgrader's Gradebook reuse one SQLAlchemy engine per database URL in this process.

    nbgrader opens the gradebook about ten times per submission, each time
    with a new engine (new connections): 40 ms per open on PostgreSQL, 11 ms
    on SQLite, measured. With one engine per URL the connections are pooled
    (20 ms and 5 ms). Undone by :func:`close_worker`, so no pooled connection
    is ever inherited by a forked worker.
    """
    import nbgrader.api as nbgrader_api

    if getattr(nbgrader_api.create_engine, "course_original", None) is not None:
        return
    original = nbgrader_api.create_engine

    def create_engine(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in _engines:
            _engines[key] = original(url, **kwargs)
        return _engines[key]

    create_engine.course_original = original
    nbgrader_api.create_engine = create_engine

    # Each of those opens also runs Base.metadata.create_all, which asks the
    # database about every table (a dozen queries): 1-1.6 ms CPU per open,
    # 10-16 ms per submission, measured. With the engine shared, checking once
    # per engine is enough: a table that existed stays (nbgrader never drops one).
    metadata = nbgrader_api.Base.metadata
    create_all = metadata.create_all
    checked: set[int] = set()

    def create_all_once(bind=None, tables=None, checkfirst=True):
        shared = any(engine is bind for engine in _engines.values())
        if shared and tables is None and checkfirst and id(bind) in checked:
            return
        create_all(bind=bind, tables=tables, checkfirst=checkfirst)
        if shared and tables is None and checkfirst:
            checked.add(id(bind))

    create_all_once.course_original = create_all
    metadata.create_all = create_all_once


def _unshare_engines() -> None:
    import sys

    nbgrader_api = sys.modules.get("nbgrader.api")
    original = getattr(getattr(nbgrader_api, "create_engine", None), "course_original", None)
    if original is not None:
        nbgrader_api.create_engine = original
    metadata = getattr(getattr(nbgrader_api, "Base", None), "metadata", None)
    if getattr(metadata, "create_all", None) is not None and hasattr(metadata.create_all, "course_original"):
        del metadata.create_all  # the class's own method again
    while _engines:
        _engines.popitem()[1].dispose()


def _cached_schema_validate(instance, schema, cls=None, *args, **kwargs):
    """``jsonschema.validate`` that checks each schema against its metaschema once, not on every call.

    nbgrader validates every cell's nbgrader metadata with
    ``jsonschema.validate(metadata, schema)``, which first re-validates the
    schema itself, for each of the 17 cells, twice per submission: measured,
    0.28 -> 0.22 CPU-s of the worker's share per submission (0.12 s under
    cProfile). Same result and same exception as
    ``jsonschema.validate``: the validator is built (and its schema checked)
    once per schema content, and the best-matching error is raised.
    """
    import json

    import jsonschema

    if cls is not None or args or kwargs:  # anything unusual: jsonschema's own code path
        return _validate_original[0](instance, schema, cls, *args, **kwargs)
    try:
        key = json.dumps(schema, sort_keys=True)  # by content: a changed schema is a new entry
    except (TypeError, ValueError):  # not plain JSON: no safe key, do it jsonschema's way
        return _validate_original[0](instance, schema)
    validator = _validators.get(key)
    if validator is None:
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)  # raises SchemaError exactly as validate would
        validator = _validators[key] = validator_class(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


_validators: dict = {}
_validate_original: list = []


def _cache_schema_checks() -> None:
    """Install :func:`_cached_schema_validate` as ``jsonschema.validate`` in this process (undone by :func:`close_worker`)."""
    import jsonschema

    if _validate_original:
        return
    _validate_original.append(jsonschema.validate)
    jsonschema.validate = _cached_schema_validate


def _uncache_schema_checks() -> None:
    import sys

    jsonschema = sys.modules.get("jsonschema")
    if _validate_original and jsonschema is not None:
        jsonschema.validate = _validate_original.pop()
    _validators.clear()


def worker_api(settings: GradingSettings):
    """This process's NbGraderAPI for ``settings`` (built on first use, with its kernel pool)."""
    if _state.get("settings") == settings:
        return _state["api"]
    close_worker()
    _share_engines()
    _cache_schema_checks()
    from nbgrader.apps import NbGraderAPI

    from course.grading.sandbox import execute as sandboxexec
    from course.grading.classdir import _scripts_on_path, quiet_nbgrader

    _scripts_on_path()
    quiet_nbgrader()
    config = _worker_config(settings)
    api = NbGraderAPI(config=config)
    api.log.setLevel(logging.WARNING)
    pool = None
    if settings.sandbox != "off":
        pool = sandboxexec.KernelPool(
            size=settings.prestart, hidden_paths=settings.hidden_paths, readonly_paths=settings.readonly_paths,
            limits=settings.limits, allow_unsandboxed=settings.sandbox == "rlimits",
            extra_arguments=list(config.Execute.get("extra_arguments", [])))
        sandboxexec.install_pool(pool)
        pool.fill()  # the first kernel boots while the first task is on its way
    _state.update(settings=settings, api=api, pool=pool)
    return api


def close_worker() -> None:
    """Kill this process's waiting kernels and forget its API (safe to call at any time)."""
    from course.grading.sandbox import execute as sandboxexec

    pool = _state.get("pool")
    if pool is not None:
        if sandboxexec.current_pool() is pool:
            sandboxexec.install_pool(None)
        pool.close()
    _state.clear()
    _unshare_engines()
    _uncache_schema_checks()


def _die_with_parent() -> None:
    """Ask Linux to stop this worker if the grading process dies (a killed run leaves no orphans)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _init_worker(settings: GradingSettings, parent: int) -> None:
    """ProcessPoolExecutor initializer: forget what was inherited, build this worker's API and pool."""
    import multiprocessing.util

    _die_with_parent()
    if os.getppid() != parent:  # the parent died before we could ask
        os._exit(1)
    _state.clear()
    # Anything inherited through fork belongs to the parent: never use it, and never let it be
    # garbage-collected here (closing an inherited database connection would close the parent's).
    _inherited.extend(_engines.values())
    _engines.clear()
    from course.grading.sandbox import execute as sandboxexec

    sandboxexec.install_pool(None)
    worker_api(settings)
    # Workers end through multiprocessing's exit path (no atexit): kill waiting kernels there.
    multiprocessing.util.Finalize(None, close_worker, exitpriority=10)


# --------------------------------------------------------------------------
# Grading one submission
# --------------------------------------------------------------------------


def _first_error_line(outcome: dict) -> str:
    for text in (outcome.get("error", ""), outcome.get("log", "")):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return lines[-1]
    return "nbgrader reported a failure without a message"


def nbgrader_failure(outcome: dict) -> str:
    """Why nbgrader refused a submission, in one line (its last error line is often a generic one)."""
    import re

    log_text = outcome.get("log", "") or ""
    duplicated = re.search(r"Cell with id '([^']+)' exists multiple times", log_text)
    if duplicated:
        return f"grade cell '{duplicated.group(1)}' appears more than once (duplicated); nbgrader refuses the notebook"
    errors = [line[len("[ERROR]"):].strip() for line in log_text.splitlines() if line.startswith("[ERROR]")]
    errors = [line for line in errors if line and not line.startswith(("There was an error processing", "Please see"))]
    return f"nbgrader could not grade it: {errors[0] if errors else _first_error_line(outcome)}"


def unreadable_reason(submitted_dir: Path, notebooks: list[str]) -> str | None:
    """Why a submission cannot be graded at all, or None.

    Cannot: a notebook that is there but cannot be read (invalid JSON, wrong
    format, no permission), or none of the assignment's notebooks there. One
    missing notebook of several is nbgrader's to score (0 for that notebook).
    """
    import nbformat

    if not submitted_dir.is_dir():
        return "no submission folder"
    present = [name for name in notebooks if (submitted_dir / f"{name}.ipynb").is_file()]
    if not present:
        return f"no {' or '.join(f'{name}.ipynb' for name in notebooks)} in the submission"
    for name in present:
        path = submitted_dir / f"{name}.ipynb"
        try:
            nbformat.read(path, as_version=4)
        except Exception as error:  # JSON errors, permissions, wrong nbformat: all mean "cannot be read"
            kind = "invalid notebook JSON" if "JSON" in type(error).__name__ else "unreadable notebook"
            return f"{kind}: {path.name} cannot be read ({type(error).__name__})"
    return None


def _gradebook_notebooks(api, assignment: str) -> dict[str, set[str]]:
    """Notebook name -> grade cell names, as recorded when the assignment was generated (cached per worker)."""
    cache = _state.setdefault("notebooks", {})
    if assignment not in cache:
        with api.gradebook as book:
            cache[assignment] = {nb.name: {cell.name for cell in nb.grade_cells}
                                 for nb in book.find_assignment(assignment).notebooks}
    return cache[assignment]


def _deleted_grade_cells(autograded_dir: Path, expected: dict[str, set[str]]) -> list[str]:
    """Grade cells of the assignment missing from the autograded notebooks (deleted, or metadata stripped)."""
    import nbformat

    missing = []
    for name, cells in sorted(expected.items()):
        path = autograded_dir / f"{name}.ipynb"
        if not path.is_file():
            continue
        nb = nbformat.read(path, as_version=4)
        present = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.cells
                   if c.get("metadata", {}).get("nbgrader", {}).get("grade")}
        missing += [cell for cell in sorted(cells - present)]
    return missing


def _execution_reasons(executions: list[dict], settings: GradingSettings) -> tuple[list[str], bool, bool]:
    """Reasons (in words), kernel_died and timed_out, from what SandboxedExecute recorded."""
    reasons, died, timed_out = [], False, False
    several = len({e["notebook"] for e in executions}) > 1
    for record in executions:
        prefix = f"{record['notebook']}: " if several else ""
        cell = record.get("died_in_cell")
        if record.get("deadline"):
            reasons.append(f"{prefix}notebook deadline of {settings.notebook_timeout:g} s reached in cell {cell}; later cells not run")
            died = timed_out = True
        elif record.get("kernel_died") and record.get("why") == "ignored the cell time limit":
            reasons.append(f"{prefix}cell {cell} timed out and ignored the interrupt; kernel stopped, later cells not run")
            died = timed_out = True
        elif record.get("kernel_died"):
            where = f"in cell {cell}" if cell else "before any cell ran"
            reasons.append(f"{prefix}kernel died {where} ({record.get('why')}); later cells not run")
            died = True
        for index in record.get("timed_out_cells", []):
            if index != cell:
                reasons.append(f"{prefix}cell {index} timed out")
                timed_out = True
        if record.get("builtins_restored"):
            reasons.append(f"{prefix}built-in names replaced by the notebook were restored before the tests: "
                           f"{', '.join(record['builtins_restored'])}")
        if record.get("guard_failures"):
            reasons.append(f"{prefix}the grader's builtins guard was removed or replaced; "
                           f"{record['guard_failures']} test(s) scored 0")
        if record.get("truncated"):
            reasons.append(f"{prefix}{record['truncated']} output(s) truncated")
    return reasons, died, timed_out


def _scores(api, assignment: str, student: str) -> tuple[float | None, float | None]:
    from nbgrader.api import MissingEntry

    with api.gradebook as book:
        try:
            submission = book.find_submission(assignment, student)
        except MissingEntry:
            return None, None
        return float(submission.score), float(submission.max_score)


def grade_submission(settings: GradingSettings, assignment: str, student: str) -> SubmissionResult:
    """Grade one submission with nbgrader's pipeline; never raises (a failure is a ``failed`` result)."""
    started = time.monotonic()
    with _lock:
        try:
            return _grade(settings, assignment, student, started)
        except Exception as error:  # a grader bug must not take the other submissions down
            log.exception("grading %s/%s failed", student, assignment)
            message = str(error).strip().splitlines()[:1]
            return SubmissionResult(assignment, student, "failed", seconds=round(time.monotonic() - started, 3),
                                    reason=f"grader error: {type(error).__name__}: {message[0] if message else ''}".rstrip(": "))


def _grade(settings: GradingSettings, assignment: str, student: str, started: float) -> SubmissionResult:
    from course.grading import gradebook as gradebookops
    from course.grading.sandbox import execute as sandboxexec

    api = worker_api(settings)
    coursedir = api.coursedir
    class_dir = Path(settings.class_dir)
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
    autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
    fingerprint = gradebookops.submission_fingerprint(submitted)
    submitted_at = gradebookops.submission_timestamp(submitted)
    expected = _gradebook_notebooks(api, assignment)

    def finish(status: str, reasons: list[str], died: bool = False, timed_out: bool = False) -> SubmissionResult:
        if status == "failed":
            gradebookops.record_failed_submission(api, assignment, student)
        score, max_score = _scores(api, assignment, student)
        result = SubmissionResult(assignment, student, status, score=score, max_score=max_score,
                                  reason="; ".join(reasons), seconds=round(time.monotonic() - started, 3),
                                  kernel_died=died, timed_out=timed_out)
        gradebookops.write_record(class_dir, result, fingerprint=fingerprint, submitted_at=submitted_at)
        return result

    problem = unreadable_reason(submitted, sorted(expected))
    if problem:
        return finish("failed", [problem])

    for attempt in range(settings.lock_retries + 1):
        sandboxexec.EXECUTIONS.clear()
        outcome = api.autograde(assignment, student, force=True, create=True)
        if outcome["success"] or not gradebookops.is_lock_error(outcome):
            break
        log.warning("gradebook locked while grading %s/%s (attempt %d); retrying", student, assignment, attempt + 1)
        time.sleep(0.5 * (attempt + 1))
    executions = list(sandboxexec.EXECUTIONS)
    sandboxexec.EXECUTIONS.clear()
    if not outcome["success"]:
        return finish("failed", [nbgrader_failure(outcome)])
    reasons, died, timed_out = _execution_reasons(executions, settings)
    reasons += [f"no {name}.ipynb in the submission (scored 0)" for name in sorted(expected)
                if not (submitted / f"{name}.ipynb").is_file()]
    deleted = _deleted_grade_cells(autograded, expected)
    if deleted:
        cells = ", ".join(f"'{cell}'" for cell in deleted)
        reasons.append(f"grade cell{'s' if len(deleted) > 1 else ''} {cells} deleted (scored as missing)")
    return finish("graded", reasons, died, timed_out)


# --------------------------------------------------------------------------
# Running many
# --------------------------------------------------------------------------


def _failed(pair: tuple[str, str], reason: str) -> SubmissionResult:
    return SubmissionResult(pair[0], pair[1], "failed", reason=reason)


def run_local(settings: GradingSettings, pairs: list[tuple[str, str]], jobs: int, on_result=None) -> list[SubmissionResult]:
    """Grade ``pairs`` here (``jobs=1``) or in ``jobs`` worker processes; results in completion order."""
    on_result = on_result or (lambda result: None)
    results: list[SubmissionResult] = []
    if jobs <= 1 or len(pairs) <= 1:
        try:
            for assignment, student in pairs:
                result = grade_submission(settings, assignment, student)
                results.append(result)
                on_result(result)
        finally:
            close_worker()
        return results
    return _run_pool(settings, pairs, jobs, on_result)


def _run_pool(settings, pairs, jobs, on_result, rounds: int = 3) -> list[SubmissionResult]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    # Fork: workers inherit the imported nbgrader (seconds saved per worker). The pool is
    # created before this process starts any kernel or thread of its own.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    results: list[SubmissionResult] = []
    todo = list(pairs)
    for round_number in range(rounds):
        if not todo:
            break
        broken: list[tuple[str, str]] = []
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context,
                                 initializer=_init_worker, initargs=(settings, os.getpid())) as pool:
            futures = {pool.submit(grade_submission, settings, a, s): (a, s) for a, s in todo}
            try:
                for future in as_completed(futures):
                    pair = futures[future]
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken.append(pair)
                        continue
                    except Exception as error:  # pickling trouble and the like: this submission only
                        result = _failed(pair, f"grader error: {type(error).__name__}: {error}")
                    results.append(result)
                    on_result(result)
            except KeyboardInterrupt:  # stop now: what is graded stays graded, resume does the rest
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        todo = sorted(broken)
        if todo:
            log.warning("a grading worker died; regrading %d submission(s) in a fresh pool", len(todo))
    for pair in todo:
        result = _failed(pair, "the grading worker died while grading it (three times); see the grader's log")
        results.append(result)
        on_result(result)
    return results


def run_dask(settings: GradingSettings, pairs: list[tuple[str, str]], scheduler, on_result=None) -> tuple[list[SubmissionResult], int]:
    """Grade ``pairs`` as tasks on a Dask cluster; return (results, number of workers).

    ``scheduler`` is an address (``tcp://host:8786``) or a ``distributed.Client``.
    """
    import uuid

    from distributed import Client, as_completed

    on_result = on_result or (lambda result: None)
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    results: list[SubmissionResult] = []
    try:
        workers = len(client.scheduler_info().get("workers", {}))
        run = uuid.uuid4().hex[:8]
        futures = {client.submit(grade_submission, settings, a, s, pure=False, key=f"autograde-{run}-{a}-{s}"): (a, s)
                   for a, s in pairs}
        for future in as_completed(futures):
            pair = futures[future]
            try:
                result = future.result()
            except Exception as error:  # a worker lost mid-task, and the like
                result = _failed(pair, f"Dask task failed: {type(error).__name__}: {error}")
            results.append(result)
            on_result(result)
        try:
            client.run(close_worker)  # kill the kernels workers started ahead for a next task
        except Exception as error:
            log.warning("could not stop waiting kernels on the Dask workers: %s", error)
    finally:
        if own:
            client.close()
    return results, workers


def ensure_shared_gradebook(db_url: str) -> None:
    """Refuse a SQLite gradebook for a cluster run (SQLite must not be shared across machines)."""
    from course.grading.classdir import GradingError
    from course.grading.gradebook import is_sqlite

    if is_sqlite(db_url):
        raise GradingError(
            "a Dask scheduler needs a shared PostgreSQL gradebook: SQLite must not be shared across machines "
            f"(the gradebook is {db_url}); pass --db-url postgresql://USER@HOST/DB or set COURSE_DB_URL")


__all__ = ["GradingSettings", "grade_submission", "run_local", "run_dask", "resolve_sandbox", "settings_for",
           "worker_api", "close_worker", "ensure_shared_gradebook", "unreadable_reason"]
