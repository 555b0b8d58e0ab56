"""Grading many submissions at once: one grading function, run in worker processes or on a Dask cluster.

:func:`grade_submission` grades one (assignment, student) submission with
this process's :class:`~course.grading.run.worker.GradingWorker` (nbgrader's own
autograde pipeline with the sandboxed executor, see :mod:`course.grading.run.engine`)
and returns a :class:`~course.grading.reports.autograde.SubmissionResult`. It
never raises: a submission that cannot be graded is a ``failed`` result with
its reason, and gets a gradebook entry of 0 flagged for a human.

Where it runs:

* :func:`run_local` with ``jobs=1``: in this process, one submission after
  the other.
* :func:`run_local` with ``jobs=N``: a :class:`~concurrent.futures.ProcessPoolExecutor`
  of N workers, each with its own worker (built by the pool's initializer;
  workers are forked from this process, which already imported nbgrader). A
  worker that dies takes only its own submission with it: the others are
  resubmitted to a fresh pool.
* :func:`run_dask`: the same function as Dask tasks. Tasks carry only the
  settings and the two ids; every worker must see the class folder at the
  same path (shared storage) and the gradebook must be PostgreSQL. Each Dask
  worker process keeps its own worker between tasks; give workers one thread
  each (``--nthreads 1``), since nbgrader changes the working directory.

Each process holds at most one worker (:func:`worker_for`): it is the
process's own nbgrader API and kernel pool, built once. Results never pass
through it: each notebook's execution record travels in nbgrader's resources.
"""

from __future__ import annotations

import logging
import os
import signal

from course.grading.reports.autograde import SubmissionResult
from course.grading.settings import GradingSettings

log = logging.getLogger(__name__)

#: This process's worker (one per grading process; see the module docstring).
_worker = None
#: Set in a pool worker when the grader stops it: no new submission is started.
_stopping = False
#: How long a stopped run waits for its workers (and their kernels) before killing them.
STOP_SECONDS = 8


def worker_for(settings: GradingSettings):
    """This process's :class:`~course.grading.run.worker.GradingWorker` for ``settings`` (built on first use)."""
    global _worker
    if _worker is not None and _worker.settings == settings:
        return _worker
    close_worker()
    from course.grading.run.worker import GradingWorker

    _worker = GradingWorker(settings)
    return _worker


def close_worker() -> None:
    """Kill this process's waiting kernels and forget its worker (safe to call at any time)."""
    global _worker
    worker, _worker = _worker, None
    if worker is not None:
        worker.close()


def _die_with_parent() -> None:
    """Ask Linux to kill this worker if the grading process dies; its sandboxes die with it (bubblewrap
    --die-with-parent), so a grader killed with SIGKILL leaves no orphans. SIGKILL, not SIGTERM: SIGTERM
    is the grader's "stop after unwinding" request (Ctrl-C), which needs a grader to report to."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _stop_worker(signum, frame) -> None:
    """SIGTERM from the grader (Ctrl-C there): unwind the submission being graded (its previous grades are
    restored and its kernel killed on the way) and start no other."""
    global _stopping
    _stopping = True
    raise KeyboardInterrupt("stopped by the grader")


def _init_worker(settings: GradingSettings, parent: int) -> None:
    """ProcessPoolExecutor initializer: forget what was inherited, build this worker's API and pool."""
    import multiprocessing.util

    global _worker
    # Ctrl-C in the terminal reaches the whole process group: only the grader decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before we could ask
        os._exit(1)
    # Anything inherited through fork belongs to the parent: never use it (it is not closed
    # here either: closing an inherited database connection would close the parent's).
    _worker = None
    worker_for(settings)
    # Workers end through multiprocessing's exit path (no atexit): kill waiting kernels there.
    multiprocessing.util.Finalize(None, close_worker, exitpriority=10)


def grade_submission(settings: GradingSettings, assignment: str, student: str) -> SubmissionResult:
    """Grade one submission with this process's worker; never raises (a failure is a ``failed`` result)."""
    if _stopping:
        raise KeyboardInterrupt("the grader is stopping: not started")
    return worker_for(settings).grade(assignment, student)


# --------------------------------------------------------------------------
# Running many
# --------------------------------------------------------------------------


    return finish("graded", reasons, died, timed_out)


# --------------------------------------------------------------------------
# Running many
# --------------------------------------------------------------------------


def _failed(pair: tuple[str, str], reason: str) -> SubmissionResult:
    return SubmissionResult(pair[0], pair[1], "failed", reason=reason)


def run_local(settings: GradingSettings, pairs: list[tuple[str, str]], jobs: int, on_result=None) -> list[SubmissionResult]:
    """Grade ``pairs`` here (``jobs=1``) or in ``jobs`` worker processes; results in completion order."""
    on_result = on_result or (lambda result: None)
    if jobs > 1 and len(pairs) > 1:
        return _run_pool(settings, pairs, jobs, on_result)
    results: list[SubmissionResult] = []
    try:
        for assignment, student in pairs:
            result = grade_submission(settings, assignment, student)
            results.append(result)
            on_result(result)
    finally:
        close_worker()
    return results


def _run_pool(settings, pairs, jobs, on_result, rounds: int = 3) -> list[SubmissionResult]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    # Fork: workers inherit the imported nbgrader (seconds saved per worker), so import it here
    # first (the grader process itself needs no API). The pool is created before this process
    # starts any kernel or thread of its own.
    import nbgrader.apps  # noqa: F401

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    results: list[SubmissionResult] = []
    todo = list(pairs)
    for round_number in range(rounds):
        if not todo:
            break
        broken: list[tuple[str, str]] = []
        others = set(multiprocessing.active_children())  # children that are not this pool's (a Dask cluster, say)
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
                _stop_pool(pool, others)
                raise
        todo = sorted(broken)
        if todo:
            log.warning("a grading worker died; regrading %d submission(s) in a fresh pool", len(todo))
    for pair in todo:
        result = _failed(pair, "the grading worker died while grading it (three times); see the grader's log")
        results.append(result)
        on_result(result)
    return results


def _stop_pool(pool, others=frozenset()) -> None:
    """Start no new submission, unwind the running ones (SIGTERM), and kill workers still there after STOP_SECONDS.

    ``others``: this process's multiprocessing children from before the pool, which are left alone.
    """
    import multiprocessing
    import time

    # The executor keeps no public list of its workers; they are the multiprocessing children (fork or spawn
    # start them from here) that the public active_children() lists and that were not there before the pool.
    processes = [p for p in multiprocessing.active_children() if p not in others]
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        process.join(max(deadline - time.monotonic(), 0))
        if process.is_alive():
            process.kill()  # its sandboxes die with it (bubblewrap --die-with-parent)


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


__all__ = ["grade_submission", "run_local", "run_dask", "worker_for", "close_worker"]
