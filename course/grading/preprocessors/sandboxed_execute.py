"""course.grading.preprocessors.sandboxed_execute: nbgrader's Execute step, with the student's kernel in the sandbox.

Stock ``nbgrader autograde`` starts a kernel in ``<class>/autograded/<student>/<assignment>``:
the kernel can read the class folder (the gradebook, every other student's
work, the source notebooks with solutions). :class:`SandboxedExecute`
replaces nbgrader's :class:`~nbgrader.preprocessors.Execute` in the autograde
pipeline (same traits, same scoring: nbgrader's SaveAutoGrades runs after it
as usual) and changes only *where* and *how* the code runs:

* **A scratch folder outside the class** (:mod:`course.grading.sandbox.scratch`),
  holding the files the submission needs and the student's notebooks *as
  submitted*, never the sanitized notebook with its restored hidden tests.
  The sandbox shows it read-only; before the first cell the kernel copies it
  into its working folder, a size-capped tmpfs (``Limits.scratch_bytes``), so
  what the code writes in it stays in RAM and nothing but the executed
  notebook comes back (the runtime folder with the kernel's sockets is the one
  writable host folder; see :mod:`course.grading.sandbox.bwrap`).
* **The sandbox** (:mod:`course.grading.sandbox.bwrap`,
  :mod:`course.grading.sandbox.kernel_manager`), on a kernel taken from the
  :class:`~course.grading.sandbox.pool.KernelPool` found in ``resources``
  under :data:`POOL_KEY` (or a pool of one).
* **Deadlines.** The per-cell ``timeout`` is nbgrader's own (the cell is
  interrupted and later cells run); ``notebook_timeout`` counts from the
  first cell and kills the sandbox when it expires.
* **A cell that kills its kernel** (``os._exit``, a segfault, a limit) gets a
  ``KernelDied`` error; a fresh kernel runs the cells before it again, skips
  it and goes on, so later answers and tests are graded as usual (up to
  ``max_restarts`` such cells). When the notebook deadline kills the kernel,
  or the restarts run out, every later code cell gets a ``NotExecuted``
  error, so nbgrader scores those grade cells 0 and the earlier ones as usual.
* **Output size** (:mod:`course.grading.sandbox.outputs`) and the **builtins
  guard** (:mod:`course.grading.sandbox.guard`).

What happened is an :class:`~course.grading.sandbox.record.ExecutionRecord`
put into ``resources`` under :data:`~course.grading.sandbox.record.RECORD_KEY`.
:func:`execute_notebook` runs one notebook through the same preprocessor
outside nbgrader's converter (the sandbox's own tests).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Instance, Integer, List, Unicode

from course.grading.sandbox import guard, outputs, scratch
from course.grading.sandbox.mounts import SUBMISSION_FILES_DIR
from course.grading.sandbox.bwrap import Limits, SandboxError
from course.grading.sandbox.pool import KernelLease, KernelPool
from course.grading.settings import CELL_TIMEOUT, NOTEBOOK_TIMEOUT
from course.grading.sandbox.record import (
    DIED_ENAME, GUARD_ENAME, NOT_RUN_ENAME, RECORD_KEY, TIMEOUT_ENAME, ExecutionRecord, exit_words, is_test_cell)

log = logging.getLogger(__name__)

#: Where a grading process's kernel pool travels in nbgrader's resources.
POOL_KEY = "course_kernel_pool"
#: Run silently before the first cell of a sandboxed kernel: the submission's files, shown read-only,
#: are copied into the kernel's working folder (a size-capped tmpfs), where the code may change them.
FILL_WORKING_FOLDER = f"""
def _course_fill_working_folder(source={SUBMISSION_FILES_DIR!r}):
    import os, shutil
    for folder, _, files in os.walk(source):
        target = os.path.normpath(os.path.relpath(folder, source))
        os.makedirs(target, exist_ok=True)
        for name in files:  # plain copies: the working folder's own mode and owner stay
            shutil.copyfile(os.path.join(folder, name), os.path.join(target, name))
_course_fill_working_folder()
del _course_fill_working_folder
"""
#: Returned by :meth:`SandboxedExecute._run` when no student code ran: another kernel is tried.
DID_NOT_START = "kernel did not start"
KERNEL_DIED = "kernel died"


class SandboxedExecute(Execute):
    """nbgrader's Execute, run in the sandbox in a scratch folder (see the module docstring)."""

    notebook_timeout = Float(
        NOTEBOOK_TIMEOUT, help="Seconds from the first cell after which the sandbox is killed.").tag(config=True)
    hidden_paths = List(Unicode(), help="Folders the kernel must not see (the class folder, ...).").tag(config=True)
    readonly_paths = List(Unicode(), help="Paths shown read-only inside hidden ones.").tag(config=True)
    limits = Instance(Limits, args=(), help="Resource limits (course.grading.sandbox.bwrap.Limits).").tag(config=True)
    allow_unsandboxed = Bool(
        False, help="Without bubblewrap, run with resource limits only (loud warning).").tag(config=True)
    startup_attempts = Integer(
        2, help="Kernels to try before giving up when one dies before running any cell.").tag(config=True)
    max_restarts = Integer(
        3, help="Cells that may kill their kernel (each is skipped on a fresh kernel) before the rest "
                "of the notebook counts as not run.").tag(config=True)

    # ---- per cell: the builtins guard, timeouts, output caps ----------------------------------------------

    def preprocess_cell(self, cell, resources, index):
        if index in self._skip:  # it killed an earlier kernel: its error stays, it is not run again
            return cell, resources
        self._current_cell = index
        if cell.cell_type != "code" or not cell.source.strip() or self.kc is None:
            return super().preprocess_cell(cell, resources, index)
        if not self._guard_installed:  # before the notebook's first line of code
            if self._fill_working_folder:
                self._fill_working_folder = False
                status, _ = run_sync(self._kernel_eval)(FILL_WORKING_FOLDER, None)
                if status != "ok":
                    self._fill_failed = True
            self._guard_token = secrets.token_hex(16)
            status, _ = run_sync(self._kernel_eval)(guard.builtins_guard_install(self._guard_token), None)
            self._guard_installed = status == "ok"
        verdict = run_sync(self._restore_builtins)() if is_test_cell(cell) else []
        if is_test_cell(cell) and guard.uses_checker(cell.source):
            verdict += run_sync(self._install_checker)()
        cell, resources = super().preprocess_cell(cell, resources, index)
        cell.outputs.extend(verdict)
        return cell, resources

    def on_cell_executed(self, **kwargs):
        super().on_cell_executed(**kwargs)
        content = kwargs["execute_reply"]["content"]
        index = kwargs.get("cell_index", self._current_cell)
        # nbgrader's error_on_timeout: the reply nbclient makes up when it interrupted the cell.
        if content.get("status") == "error" and content.get("ename") == TIMEOUT_ENAME and index not in self._timed_out:
            self._timed_out.append(index)

    def output(self, outs, msg, display_id, cell_index):
        if self.clear_before_next_output:
            self._budget.reset(cell_index)
        out = super().output(outs, msg, display_id, cell_index)
        return None if out is None else self._budget.admit(outs, out, display_id, cell_index)

    def clear_output(self, outs, msg, cell_index):
        super().clear_output(outs, msg, cell_index)
        if not outs:
            self._budget.reset(cell_index)

    async def _kernel_eval(self, code: str, expression: str | None) -> tuple[str, str]:
        """Run ``code`` silently (no history, outputs or execution count) and evaluate ``expression``;
        return (status, text/plain of the expression)."""
        expressions = {"value": expression} if expression else {}
        msg_id = self.kc.execute(code, silent=True, store_history=False, user_expressions=expressions,
                                 allow_stdin=False, stop_on_error=False)
        reply = await self.async_wait_for_reply(msg_id)
        content = (reply or {}).get("content", {})
        if content.get("status") != "ok":
            return "error", ""
        if not expression:
            return "ok", ""
        value = content.get("user_expressions", {}).get("value", {})
        return value.get("status", "error"), value.get("data", {}).get("text/plain", "")

    async def _restore_builtins(self) -> list:
        """Before a test cell: put back built-in names the notebook replaced (or deleted); return the
        outputs to add to the test cell (a note, or an error if the guard itself was tampered with)."""
        status, text = "error", ""
        if self._guard_installed:
            status, text = await self._kernel_eval("", f"{guard.BUILTINS_GUARD_NAME}()")
        restored = guard.parse_guard_answer(status, text, self._guard_token)
        if restored is None:
            self._guard_failures += 1
            return [outputs.error_output(GUARD_ENAME, "the grader could not check the built-in names before this "
                                         "test (its guard was removed or replaced), so the test cannot be trusted")]
        if not restored:
            return []
        self._restored_builtins.update(restored)
        return [new_output("stream", name="stderr",
                           text=f"[grader: built-in names the notebook had replaced were restored before "
                                f"this test: {', '.join(sorted(restored))}]\n")]

    async def _install_checker(self) -> list:
        """Before a test cell that calls the answer checker: put the grader's own copy back in the kernel, so a
        checker the notebook replaced is not the one that judges; an error output (zero points) if that fails."""
        if self._checker_code is None:
            self._checker_code = guard.checker_install()
        status, _ = await self._kernel_eval(self._checker_code, None)
        if status == "ok":
            return []
        self._guard_failures += 1
        return [outputs.error_output(GUARD_ENAME, "the grader could not put its own answer checker back before this "
                                     "test, so the test cannot be trusted")]

    # ---- one notebook -----------------------------------------------------------------------------------

    def preprocess(self, nb, resources, km=None):
        started = time.monotonic()
        self._deadline_at = started + self.notebook_timeout
        self._skip: set[int] = set()  # cells that killed their kernel: not run again
        self._timed_out: list[int] = []
        self._guard_token, self._guard_failures, self._capped = "", 0, 0
        self._checker_code = None
        self._restored_builtins: set[str] = set()
        info = dict(resources.get("nbgrader", {}))
        notebook_dir = Path(resources["metadata"]["path"])
        record = ExecutionRecord(notebook=info.get("notebook"), student=info.get("student"),
                                 assignment=info.get("assignment"))
        pool = resources.get(POOL_KEY)
        while True:
            outcome = self._run_on_a_new_kernel(nb, resources, notebook_dir, info, record, pool)
            crashed = self._current_cell
            if (outcome != KERNEL_DIED or record.deadline or crashed is None
                    or len(self._skip) >= self.max_restarts):
                break
            # The cell's own code killed the kernel: keep its error, start a fresh kernel, run the
            # cells before it again (to rebuild the state later cells need) and go on after it.
            self._skip.add(crashed)
            record.crashed_cells.append(crashed + 1)
            record.crash_reasons.append(record.why)
            record.kernel_died, record.died_in_cell, record.why = False, None, ""
        record.builtins_restored = sorted(self._restored_builtins)
        record.guard_failures = self._guard_failures
        record.truncated = self._capped + outputs.truncate_outputs(
            nb, self.limits.output_bytes, self.limits.total_output_bytes)
        record.seconds = round(time.monotonic() - started, 3)
        resources[RECORD_KEY] = record
        return nb, resources

    def _run_on_a_new_kernel(self, nb, resources, notebook_dir, info, record, pool) -> str:
        """Run the notebook on a fresh kernel (another if one dies before any cell); return the outcome."""
        self._startup_log = ""
        for attempt in range(self.startup_attempts):
            self._current_cell = None
            self._guard_installed = False
            self._budget = outputs.OutputBudget(self.limits.output_bytes, self.limits.total_output_bytes)
            lease = self._lease(pool)
            try:
                outcome = self._run(nb, resources, lease, notebook_dir, info, record)
            finally:
                lease.close()
                self._capped += self._budget.capped
            if outcome != DID_NOT_START:
                return outcome
            log.warning("sandbox: a kernel died before it ran any cell (attempt %d); trying another", attempt + 1)
        # The kernel's own stderr says why (a missing module, a bad mount): its first lines.
        first = [line.strip() for line in self._startup_log.splitlines() if line.strip()][:3]
        detail = f"; its stderr: {' | '.join(first)}" if first else ""
        raise SandboxError(f"no sandboxed kernel started for {info.get('student')}/{info.get('assignment')}{detail}")

    def _lease(self, pool: KernelPool | None) -> KernelLease:
        if pool is not None:
            return pool.take()
        # Named in a config and run by plain nbgrader: a pool of one, deleted with its lease.
        pool = KernelPool(size=0, hidden_paths=self.hidden_paths, readonly_paths=self.readonly_paths,
                          limits=self.limits, allow_unsandboxed=self.allow_unsandboxed,
                          extra_arguments=self.extra_arguments)
        lease = pool.take()
        lease.owned_root = pool.scratch_root
        return lease

    def _submitted_dir(self, info: dict) -> Path | None:
        if not info.get("student") or not info.get("assignment"):
            return None
        coursedir = CourseDirectory(config=self.config)
        return Path(coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"]))

    def _run(self, nb, resources, lease: KernelLease, notebook_dir: Path, info: dict, record: ExecutionRecord) -> str:
        """Execute ``nb`` on ``lease``; return "completed", :data:`KERNEL_DIED` or :data:`DID_NOT_START`."""
        km = lease.km
        scratch.fill_scratch(lease.scratch, notebook_dir, self._submitted_dir(info))
        self._fill_working_folder, self._fill_failed = bool(km.sandboxed), False
        if km.sandbox_uid_used is not None:
            scratch.chown_tree(lease.scratch, km.sandbox_uid_used)
        record.sandboxed, record.sandbox_uid = bool(km.sandboxed), km.sandbox_uid_used
        run_resources = dict(resources)
        run_resources["metadata"] = {**resources.get("metadata", {}), "path": os.fspath(lease.scratch)}
        # One deadline for the whole notebook, however many kernels it takes.
        deadline = threading.Timer(max(self._deadline_at - time.monotonic(), 0.1), self._deadline_reached, args=(km,))
        deadline.daemon = True
        outcome, failure = "completed", None
        try:
            deadline.start()
            super().preprocess(nb, run_resources, km=km)
        except (DeadKernelError, CellTimeoutError, RuntimeError) as error:
            # Before the first cell no student code has run: the kernel did not start
            # (e.g. RuntimeError "Kernel died before replying to kernel_info"), try another.
            if self._current_cell is None:
                outcome, failure = DID_NOT_START, error
            elif isinstance(error, (DeadKernelError, CellTimeoutError)):
                outcome, failure = KERNEL_DIED, error
            else:
                raise
        finally:
            deadline.cancel()
            if getattr(self, "kc", None) is not None:
                self.kc.stop_channels()
                self.kc = None
            lease.stop()  # kill now; the scratch folder is handed back and cleaned of links
        record.removed_from_scratch = [os.path.relpath(p, lease.scratch) for p in km.removed_from_scratch]
        if outcome == DID_NOT_START:
            self._startup_log = km.kernel_log_tail
            return outcome
        if outcome == KERNEL_DIED:
            self._mark_after_death(nb, km, failure, record)
        record.timed_out_cells = [i + 1 for i in self._timed_out]
        record.deadline = bool(km.deadline_expired)
        self._budget.add_notes(nb.cells)
        record.files_not_copied_in = record.files_not_copied_in or self._fill_failed
        return outcome

    @staticmethod
    def _deadline_reached(km) -> None:
        km.deadline_expired = True
        km.kill_sandbox("notebook_timeout")

    def _mark_after_death(self, nb, km, failure, record: ExecutionRecord) -> None:
        """The cell that was running gets the reason; every later code cell counts as not run."""
        index = self._current_cell
        if isinstance(failure, CellTimeoutError) and km.killed_reason in (None, "shutdown"):
            km.killed_reason = "cell_timeout"  # it ignored the interrupt: the kernel was stopped for it
        why = exit_words(km)
        record.kernel_died, record.why = True, why
        record.died_in_cell = None if index is None else index + 1
        record.kernel_log, record.exit_status = km.kernel_log_tail[-2000:], km.exit_status
        for position, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            if index is not None and position == index:
                if isinstance(failure, CellTimeoutError):
                    cell.outputs.append(outputs.error_output(
                        TIMEOUT_ENAME, f"the cell did not stop after its {self.timeout} s time limit"))
                cell.outputs.append(outputs.error_output(DIED_ENAME, f"the kernel stopped while this cell ran ({why})"))
            elif index is None or position > index:
                cell.outputs = [outputs.error_output(NOT_RUN_ENAME, f"not run: the kernel had stopped in an earlier cell ({why})")]
                cell.execution_count = None


def execute_notebook(nb, notebook_dir: str | os.PathLike, *, hidden_paths=(), readonly_paths=(),
                     limits: Limits = Limits(), cell_timeout: int = CELL_TIMEOUT, notebook_timeout: float = NOTEBOOK_TIMEOUT,
                     allow_unsandboxed: bool = False, max_restarts: int = 3) -> tuple[Any, ExecutionRecord]:
    """Execute one notebook with :class:`SandboxedExecute` as nbgrader would, outside its converter.

    ``notebook_dir`` plays nbgrader's autograded folder: its files are copied
    into the scratch folder; what the code writes stays in the sandbox. Returns
    the executed notebook (a copy) and its record.
    """
    import copy

    import nbformat

    if not isinstance(cell_timeout, int) or cell_timeout <= 0:
        raise ValueError(f"cell_timeout must be a positive number of seconds, got {cell_timeout!r}")
    if not notebook_timeout or notebook_timeout <= 0:
        raise ValueError(f"notebook_timeout must be a positive number of seconds, got {notebook_timeout!r}")
    executor = SandboxedExecute(
        hidden_paths=[os.fspath(p) for p in hidden_paths], readonly_paths=[os.fspath(p) for p in readonly_paths],
        limits=limits, timeout=cell_timeout, notebook_timeout=float(notebook_timeout),
        allow_unsandboxed=allow_unsandboxed, max_restarts=max_restarts)
    nb = nbformat.from_dict(copy.deepcopy(dict(nb)))
    done, resources = executor.preprocess(nb, {"metadata": {"path": os.fspath(notebook_dir)}})
    return done, resources[RECORD_KEY]
