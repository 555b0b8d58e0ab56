"""course.grading.run.worker: one grading process's nbgrader API and kernel pool, and grading one submission.

A :class:`GradingWorker` is built once per process (the grader itself with
``--jobs 1``, each process-pool worker, each Dask worker process) and kept
for every submission it grades: nbgrader is imported once, and the next
kernel boots while the current submission is being graded. Its
:meth:`~GradingWorker.grade` runs :func:`course.grading.run.engine.autograde_submission`
and never raises: a submission that cannot be graded is a ``failed``
:class:`~course.grading.reports.autograde.SubmissionResult` with its reason.

SQLite with several workers: nbgrader keeps each gradebook transaction short
(a few ms), so concurrent workers only wait for each other briefly; workers
get a 30 s busy timeout instead of SQLite's 5 s and retry a submission whose
write still failed with "database is locked" (see :mod:`course.grading.gradebook.store`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path

from course.grading.reports.autograde import SubmissionResult
from course.grading.preprocessors.cap_attachments import oversize_reason
from course.grading.gradebook.rollback import PreviousGrading
from course.grading.settings import GradingSettings

log = logging.getLogger(__name__)


def nbgrader_failure(outcome: dict) -> str:
    """Why nbgrader refused a submission, in one line (its last error line is often a generic one)."""
    log_text = outcome.get("log", "") or ""
    duplicated = re.search(r"Cell with id '([^']+)' exists multiple times", log_text)
    if duplicated:
        return f"grade cell '{duplicated.group(1)}' appears more than once (duplicated); nbgrader refuses the notebook"
    # The exception that stopped the conversion, as the traceback in nbgrader's log ends with it.
    raised = [match.group(1).strip() for match in re.finditer(r"^\s*((?:\w+\.)*\w+(?:Error|Exception): .+)$", log_text, re.M)
              if "NbGraderException" not in match.group(1)]
    if raised:
        return f"nbgrader could not grade it: {raised[-1]}"
    errors = [line[len("[ERROR]"):].strip() for line in log_text.splitlines() if line.startswith("[ERROR]")]
    errors = [line for line in errors if line and not line.startswith(
        ("There was an error processing", "Please see", "Traceback"))]
    if errors:
        return f"nbgrader could not grade it: {errors[0]}"
    for text in (outcome.get("error", ""), log_text):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines:
            return f"nbgrader could not grade it: {lines[-1]}"
    return "nbgrader could not grade it: nbgrader reported a failure without a message"


def unreadable_reason(submitted_dir: Path, notebooks: list[str]) -> str | None:
    """Why a submission cannot be graded at all, or None.

    Cannot: a file that is not a regular file (a link, a FIFO, a device), over
    the size caps, or a hard link (:mod:`course.grading.intake`); a notebook
    that is there but cannot be read (invalid JSON, wrong format, no
    permission), or none of the assignment's notebooks there. One
    missing notebook of several is nbgrader's to score (0 for that notebook).
    """
    import nbformat

    from course.grading.intake.converters import refusal

    if not submitted_dir.is_dir():
        return "no submission folder"
    refused = refusal(submitted_dir, submitted_dir.parent.name, submitted_dir.parent.parent.parent)
    if refused:
        return f"not graded: {refused}"
    present = [name for name in notebooks if (submitted_dir / f"{name}.ipynb").is_file()]
    if not present:
        return f"no {' or '.join(f'{name}.ipynb' for name in notebooks)} in the submission"
    for name in present:
        path = submitted_dir / f"{name}.ipynb"
        too_big = oversize_reason(path.stat().st_size, path.name)
        if too_big:
            return too_big
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception as error:  # JSON errors, permissions, wrong nbformat: all mean "cannot be read"
            kind = "invalid notebook JSON" if "JSON" in type(error).__name__ else "unreadable notebook"
            return f"{kind}: {path.name} cannot be read ({type(error).__name__})"
        kernel = str((notebook.metadata.get("kernelspec") or {}).get("name") or "")
        if kernel and kernel not in known_kernels():
            # nbgrader refuses a notebook whose kernel it does not have (NoSuchKernel); running it as Python
            # would grade another language's code, or a renamed notebook, as if it were the assignment.
            return f"{path.name} asks for the kernel {kernel!r}, which this grader does not have (nbgrader refuses it too)"
    return None


def known_kernels() -> set[str]:
    """Names of the kernels installed where the grader runs (what nbgrader's own execution could start)."""
    from jupyter_client.kernelspec import KernelSpecManager

    return set(KernelSpecManager().find_kernel_specs()) | {"python3"}


def deleted_grade_cells(autograded_dir: Path, expected: dict[str, set[str]]) -> list[str]:
    """Grade cells of the assignment missing from the autograded notebooks (deleted, or metadata stripped)."""
    import nbformat
    from nbgrader.utils import is_grade

    missing = []
    for name, cells in sorted(expected.items()):
        path = autograded_dir / f"{name}.ipynb"
        if not path.is_file():
            continue
        nb = nbformat.read(path, as_version=4)
        present = {c.metadata.nbgrader.get("grade_id") for c in nb.cells if is_grade(c)}
        missing += sorted(cells - present)
    return missing


class GradingWorker:
    """This process's nbgrader API and kernel pool for one set of settings (see the module docstring)."""

    def __init__(self, settings: GradingSettings) -> None:
        from nbgrader.apps import NbGraderAPI
        from traitlets.config import Config

        from course.grading import patches
        from course.grading.classdir import quiet_nbgrader, scripts_on_path
        from course.grading.pipeline import configure
        from course.grading.sandbox.pool import KernelPool
        from course.grading.settings import KERNEL_ARGUMENTS

        self.settings = settings
        self.lock = threading.Lock()  # Dask may run tasks in several threads: nbgrader is not thread-safe
        self.patches = patches.apply_worker_patches()
        scripts_on_path()
        quiet_nbgrader()
        # Built from the settings alone: no configuration file is read again, no environment variable consulted.
        config = Config()
        configure(config, settings)
        self.api = NbGraderAPI(config=config)
        self.api.log.setLevel(logging.WARNING)
        self.pool = None
        if settings.sandbox == "rlimits":
            from course.grading.sandbox.kernel_manager import unsandboxed_already_said

            unsandboxed_already_said()  # the verb said it above everything; its workers do not repeat it
        if settings.sandbox != "off":
            self.pool = KernelPool(
                size=settings.prestart, hidden_paths=settings.hidden_paths, readonly_paths=settings.readonly_paths,
                limits=settings.limits, allow_unsandboxed=settings.sandbox == "rlimits",
                extra_arguments=list(KERNEL_ARGUMENTS))
            self.pool.fill()  # the first kernel boots while the first task is on its way
        self._grade_cells: dict[str, dict[str, set[str]]] = {}

    def close(self) -> None:
        """Kill the waiting kernels and undo the library patches (safe to call twice)."""
        from course.grading import patches

        from course.grading.sandbox.studentdata import remove_student_data

        if self.pool is not None:
            self.pool.close()
            self.pool = None
        remove_student_data()
        patches.undo_worker_patches()

    def grade_cells(self, assignment: str) -> dict[str, set[str]]:
        """Notebook name -> grade cell names, as recorded when the assignment was generated (cached)."""
        if assignment not in self._grade_cells:
            with self.api.gradebook as book:
                self._grade_cells[assignment] = {nb.name: {cell.name for cell in nb.grade_cells}
                                                 for nb in book.find_assignment(assignment).notebooks}
        return self._grade_cells[assignment]

    def grade(self, assignment: str, student: str) -> SubmissionResult:
        """Grade one submission with nbgrader's pipeline; never raises (a failure is a ``failed`` result).

        Another grader's claim on the submission, or its grading since this run
        began, makes this a ``skipped`` result that says so.
        """
        from course.grading.gradebook.claims import claim
        from course.grading.gradebook.store import read_record

        started = time.monotonic()
        settings = self.settings
        with self.lock, claim(settings.class_dir, settings.db_url, assignment, student) as mine:
            if not mine:
                return SubmissionResult(assignment, student, "skipped", reason="another grader is grading it now")
            record = read_record(Path(settings.class_dir), assignment, student) or {}
            if settings.run_started and record.get("status") == "graded" and record.get("graded_at", "") > settings.run_started:
                return SubmissionResult(assignment, student, "skipped", score=record.get("score"),
                                        max_score=record.get("max_score"),
                                        reason="graded by another grader while this run was going")
            try:
                return self._grade(assignment, student, started)
            except Exception as error:  # a grader bug must not take the other submissions down
                log.exception("grading %s/%s failed", student, assignment)
                message = str(error).strip().splitlines()[:1]
                return SubmissionResult(assignment, student, "failed", seconds=round(time.monotonic() - started, 3),
                                        reason=f"grader error: {type(error).__name__}: {message[0] if message else ''}".rstrip(": "))

    def _scores(self, assignment: str, student: str) -> tuple[float | None, float | None]:
        from nbgrader.api import MissingEntry

        with self.api.gradebook as book:
            try:
                submission = book.find_submission(assignment, student)
            except MissingEntry:
                return None, None
            return float(submission.score), float(submission.max_score)

    def _grade(self, assignment: str, student: str, started: float) -> SubmissionResult:
        from course.grading.gradebook import store as gradebookops
        from course.grading.run.engine import autograde_submission
        from course.grading.preprocessors.restore_metadata import rematch_reasons
        from course.grading.sandbox.record import execution_reasons

        settings, api = self.settings, self.api
        coursedir = api.coursedir
        class_dir = Path(settings.class_dir)
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
        fingerprint = gradebookops.submission_fingerprint(submitted)
        submitted_at = gradebookops.submission_timestamp(submitted)
        expected = self.grade_cells(assignment)

        def finish(status: str, reasons: list[str], died: bool = False, timed_out: bool = False) -> SubmissionResult:
            if status == "failed":
                gradebookops.record_failed_submission(api, assignment, student)
            score, max_score = self._scores(assignment, student)
            result = SubmissionResult(assignment, student, status, score=score, max_score=max_score,
                                      reason="; ".join(reasons), seconds=round(time.monotonic() - started, 3),
                                      kernel_died=died, timed_out=timed_out)
            gradebookops.write_record(class_dir, result, fingerprint=fingerprint, submitted_at=submitted_at)
            return result

        problem = unreadable_reason(submitted, sorted(expected))
        if problem:
            return finish("failed", [problem])
        previous = None
        if (gradebookops.read_record(class_dir, assignment, student) or {}).get("status") == "graded":
            previous = PreviousGrading.take(api, assignment, student, autograded)
        try:
            for attempt in range(settings.lock_retries + 1):
                outcome, converter = autograde_submission(api, assignment, student, kernel_pool=self.pool)
                if outcome["success"] or not gradebookops.is_lock_error(outcome):
                    break
                log.warning("gradebook locked while grading %s/%s (attempt %d); retrying", student, assignment, attempt + 1)
                time.sleep(0.5 * (attempt + 1))
        except BaseException:  # interrupted, or a grader bug: what was graded before stays
            if previous is not None:
                previous.restore(api, autograded)
            raise
        if not outcome["success"]:
            reason = nbgrader_failure(outcome)
            if previous is None:
                return finish("failed", [reason])
            # Graded before: the earlier grades, review flags and files stay, and so does their record.
            previous.restore(api, autograded)
            score, max_score = self._scores(assignment, student)
            return SubmissionResult(assignment, student, "failed", score=score, max_score=max_score,
                                    reason=f"{reason}; the previous grades were kept",
                                    seconds=round(time.monotonic() - started, 3))
        if previous is not None:
            previous.discard()
        reasons, died, timed_out = execution_reasons(converter.records, settings.notebook_timeout)
        reasons += rematch_reasons(converter.rematched)
        reasons += [f"no {name}.ipynb in the submission (scored 0)" for name in sorted(expected)
                    if not (submitted / f"{name}.ipynb").is_file()]
        deleted = deleted_grade_cells(autograded, expected)
        if deleted:
            cells = ", ".join(f"'{cell}'" for cell in deleted)
            reasons.append(f"grade cell{'s' if len(deleted) > 1 else ''} {cells} deleted (scored as missing)")
        return finish("graded", reasons, died, timed_out)
