"""nbgrader's Execute step, with the student's kernel in the sandbox, in a scratch folder, started ahead of need.

Stock ``nbgrader autograde`` starts a kernel in ``<class>/autograded/<student>/<assignment>``:
the kernel can read the class folder (the gradebook, every other student's
work, the source notebooks with solutions) and its start-up (about 0.8 s)
sits on every submission's critical path. :class:`SandboxedExecute` replaces
nbgrader's :class:`~nbgrader.preprocessors.Execute` in the autograde pipeline
(same traits, same scoring: nbgrader's SaveAutoGrades runs after it as usual)
and changes only *where* and *how* the code runs:

* **A scratch folder outside the class.** Each notebook runs in a fresh,
  private folder holding only what the submission needs: the files nbgrader
  put in the autograded folder (the student's own files, overwritten by the
  files the assignment ships), except notebooks and nbgrader's bookkeeping
  (``timestamp.txt``, ``submission_secret.txt``), plus the student's notebooks
  *as submitted*. The sanitized notebook nbgrader is grading is not copied:
  it contains the restored hidden tests. Files the code creates are copied
  back into the autograded folder afterwards (regular files only, never a
  notebook or ``timestamp.txt``, at most :data:`COPY_BACK_BYTES`), so
  feedback sees them as it would under stock nbgrader.
* **The sandbox** (:mod:`course.grading.sandbox.bwrap`): the class folder, the repository
  (solutions, ``.git``), the exchange and every other scratch folder are
  invisible; only the scratch folder is writable; resource limits
  (:class:`course.grading.sandbox.bwrap.Limits`), no network, a uid of its own.
* **Kernels started ahead.** A :class:`KernelPool` per grading process keeps
  ``size`` kernels booting in fresh scratch folders, so the next submission
  finds one ready. Each kernel still serves exactly one notebook and is
  killed right after it (no graceful-shutdown wait).
* **Deadlines.** The per-cell ``timeout`` is nbgrader's own (the cell is
  interrupted and later cells run); a cell that ignores the interrupt stops
  the kernel. ``notebook_timeout`` counts from the first cell (not from the
  kernel's early start) and kills the sandbox when it expires.
* **A kernel that dies** (``os._exit``, a segfault, a limit, a deadline) no
  longer makes nbgrader save nothing: the cells that ran keep their outputs,
  the cell that was running gets a ``KernelDied`` error, and every later code
  cell gets a ``NotExecuted`` error, so nbgrader scores those grade cells 0
  ("not answered") and scores the earlier ones as usual.
* **Output size.** Outputs are capped while they arrive (the grader's memory)
  and trimmed with :func:`course.grading.sandbox.bwrap.truncate_outputs` before nbgrader
  stores anything.

What happened to each notebook is appended to :data:`EXECUTIONS` (read by
:mod:`course.grading.parallel` to explain scores in the report). The class is built
on first access (nbgrader and jupyter_client are imported only then), so it
can be named in a config: ``"course.grading.sandbox.execute.SandboxedExecute"``.
"""

from __future__ import annotations

import collections
import fnmatch
import functools
import logging
import os
import shutil
import stat
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from course.grading.sandbox import bwrap as sb

log = logging.getLogger(__name__)

#: One dict per notebook executed in this process, in order (drained by course.grading.parallel).
EXECUTIONS: list[dict] = []

#: Error names given to cells a dead kernel could not run.
DIED_ENAME = "KernelDied"
#: The error a test cell gets when the builtins guard is gone: the test scores zero.
GUARD_ENAME = "GraderGuardError"
NOT_RUN_ENAME = "NotExecuted"

#: Never copied into a scratch folder: what nbgrader keeps about the submission, and notebooks
#: (the raw submitted notebooks are copied separately; the sanitized one holds hidden tests).
NEVER_COPY_IN = ("*.ipynb", "timestamp.txt", "submission_secret.txt")
#: Never copied back into the class: a student's code must not replace what is graded or its timestamp.
NEVER_COPY_BACK = ("*.ipynb", "timestamp.txt", "submission_secret.txt")
#: At most this much of what the code wrote is copied back (the rest is left out, and reported).
COPY_BACK_BYTES = 50 * sb.MiB
COPY_BACK_FILES = 500


# --------------------------------------------------------------------------
# Scratch folders: what goes in, what comes back
# --------------------------------------------------------------------------


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def regular_files(root: Path) -> list[tuple[Path, str]]:
    """(path, relative path) of every regular file under ``root``; links and special files are never followed."""
    found = []
    for folder, dirs, files in os.walk(root):  # os.walk does not follow symlinked folders
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        for name in files:
            path = Path(folder, name)
            try:
                if stat.S_ISREG(os.lstat(path).st_mode):
                    found.append((path, os.path.relpath(path, root)))
            except FileNotFoundError:
                continue
    return sorted(found, key=lambda item: item[1])


def fill_scratch(scratch: Path, notebook_dir: Path, submitted_dir: Path | None) -> dict[str, tuple[int, int]]:
    """Copy what a submission needs into an (empty) scratch folder; return {relative path: (size, mtime_ns)}.

    From ``notebook_dir`` (nbgrader's autograded folder): every regular file
    except :data:`NEVER_COPY_IN`. From ``submitted_dir``: the notebooks as
    the student submitted them.
    """
    copied = {}

    def put(source: Path, relative: str) -> None:
        target = scratch / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target, follow_symlinks=False)
        os.chmod(target, 0o644)
        info = target.stat()
        copied[relative] = (info.st_size, info.st_mtime_ns)

    for source, relative in regular_files(notebook_dir):
        if not _matches(os.path.basename(relative), NEVER_COPY_IN):
            put(source, relative)
    if submitted_dir is not None and submitted_dir.is_dir():
        for source in sorted(submitted_dir.glob("*.ipynb")):
            if stat.S_ISREG(os.lstat(source).st_mode):
                put(source, source.name)
    return copied


def _inside(path: Path, root: Path) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip("/") + "/")


def copy_back(scratch: Path, notebook_dir: Path, copied_in: dict[str, tuple[int, int]]) -> tuple[list[str], list[str]]:
    """Copy the files the code created or changed from the scratch folder into the autograded folder.

    Returns (copied, left out). Left out: notebooks, nbgrader's bookkeeping,
    anything past :data:`COPY_BACK_BYTES` / :data:`COPY_BACK_FILES`, and any
    destination that is not a plain path inside ``notebook_dir``.
    """
    copied, left_out, budget = [], [], COPY_BACK_BYTES
    for source, relative in regular_files(scratch):
        info = os.lstat(source)
        if copied_in.get(relative) == (info.st_size, info.st_mtime_ns):
            continue  # what we put there, unchanged
        target = notebook_dir / relative
        if (_matches(os.path.basename(relative), NEVER_COPY_BACK) or info.st_size > budget
                or len(copied) >= COPY_BACK_FILES or not _inside(target.parent, notebook_dir)
                or os.path.islink(target) or target.is_dir()):
            left_out.append(relative)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if not _inside(target.parent, notebook_dir):  # a link planted on the way (never followed)
            left_out.append(relative)
            continue
        if target.exists():
            os.chmod(target, 0o644)  # nbgrader leaves copied files read-only
        shutil.copyfile(source, target, follow_symlinks=False)
        os.chmod(target, 0o644)
        budget -= info.st_size
        copied.append(relative)
    return copied, left_out


def _chown_tree(root: Path, uid: int) -> None:
    """Give a scratch folder's contents to the kernel's uid (it may change or delete them, as in its own cwd)."""
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


# --------------------------------------------------------------------------
# Kernels started ahead of need
# --------------------------------------------------------------------------


class KernelLease:
    """One sandboxed kernel, started in its own empty scratch folder, for exactly one notebook."""

    def __init__(self, km: Any, scratch: Path, owned_root: Path | None = None) -> None:
        self.km = km
        self.scratch = scratch
        self.owned_root = owned_root  # a folder to delete with the lease (a pool of one's root)
        self.started = time.monotonic()

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # a half-started kernel: treat as dead
            return False

    def stop(self) -> None:
        """Kill the kernel now and hand the scratch folder back (the folder stays until :meth:`close`)."""
        from jupyter_core.utils import run_sync

        if self.km is None:
            return
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception as error:  # already gone, or never started
            log.debug("sandbox kernel shutdown: %s", error)
            try:
                run_sync(self.km.cleanup_resources)()
            except Exception:
                pass

    def close(self) -> None:
        """Stop the kernel and delete its scratch folder."""
        self.stop()
        self.km = None
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self.owned_root is not None:
            shutil.rmtree(self.owned_root, ignore_errors=True)


class KernelPool:
    """Sandboxed kernels started ahead of need, one grading process's worth.

    :meth:`take` hands out a kernel that has been booting in the background
    (or starts one if none is waiting) and immediately starts its
    replacement, so kernel start-up overlaps with nbgrader's own work on the
    previous submission. ``size`` kernels wait at most (1 is enough: one
    kernel boots in less time than a submission takes).
    """

    def __init__(self, *, size: int = 1, scratch_root: str | os.PathLike | None = None,
                 hidden_paths=(), readonly_paths=(), limits: sb.Limits = sb.Limits(),
                 allow_unsandboxed: bool = False, extra_arguments=()) -> None:
        if not isinstance(size, int) or size < 0:
            raise ValueError(f"KernelPool size must be a whole number >= 0, got {size!r}")
        self.size = size
        remove_stale_scratch(scratch_root)
        self.scratch_root = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=scratch_root))
        # Other kernels' scratch folders live here: hide the lot (each kernel's own is bound back).
        self.hidden_paths = [os.fspath(p) for p in hidden_paths] + [os.fspath(self.scratch_root)]
        self.readonly_paths = [os.fspath(p) for p in readonly_paths]
        for path in self.readonly_paths:  # the course package: kernels import it but cannot write its bytecode
            sb.compile_bytecode(os.path.realpath(path))
        self.limits = limits
        self.allow_unsandboxed = allow_unsandboxed
        self.extra_arguments = list(extra_arguments) + ["--HistoryManager.hist_file=:memory:"]
        self._ready: collections.deque[KernelLease] = collections.deque()
        self.started = 0

    def _start(self) -> KernelLease:
        from jupyter_core.utils import run_sync

        scratch = Path(tempfile.mkdtemp(prefix="kernel-", dir=self.scratch_root))
        km = sb.SandboxedKernelManager(
            scratch_dir=scratch, hidden_paths=self.hidden_paths, readonly_paths=self.readonly_paths,
            limits=self.limits, notebook_timeout=None, allow_unsandboxed=self.allow_unsandboxed)
        lease = KernelLease(km, scratch)
        try:
            run_sync(km.start_kernel)(extra_arguments=self.extra_arguments)
        except BaseException:
            lease.close()
            raise
        # Where the sandbox keeps this kernel's sockets: removed by remove_stale_scratch if we are killed.
        with open(self.scratch_root / RUNTIME_LIST, "a", encoding="utf-8") as listing:
            listing.write(os.path.dirname(km.connection_file) + "\n")
        self.started += 1
        return lease

    def take(self) -> KernelLease:
        """A started kernel for one notebook (the caller closes it); a replacement starts booting at once."""
        lease = None
        while self._ready and lease is None:
            candidate = self._ready.popleft()
            if candidate.alive():
                lease = candidate
            else:
                candidate.close()
        if lease is None:
            lease = self._start()
        self.fill()
        return lease

    def fill(self) -> None:
        """Start kernels until ``size`` are waiting."""
        while len(self._ready) < self.size:
            self._ready.append(self._start())

    def close(self) -> None:
        """Kill every waiting kernel and delete the scratch root."""
        while self._ready:
            self._ready.popleft().close()
        shutil.rmtree(self.scratch_root, ignore_errors=True)


SCRATCH_PREFIX = "course-grading-"
RUNTIME_LIST = "runtime-dirs.txt"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_scratch(base: str | os.PathLike | None = None) -> list[Path]:
    """Delete the scratch roots (and the kernels' runtime folders) of grading processes that no longer run.

    A run killed with SIGKILL cannot clean up after itself; the next one
    does. Roots are named ``course-grading-<pid>-...``: only those whose
    process is gone are removed. Returns the roots removed.
    """
    import re

    base = Path(base or tempfile.gettempdir())
    removed = []
    for root in base.glob(f"{SCRATCH_PREFIX}*"):
        match = re.fullmatch(rf"{SCRATCH_PREFIX}(\d+)-.+", root.name)
        if not match or not root.is_dir() or root.is_symlink() or _alive(int(match.group(1))):
            continue
        listing = root / RUNTIME_LIST
        for line in listing.read_text(encoding="utf-8").splitlines() if listing.is_file() else []:
            runtime = Path(line.strip())
            if runtime.name.startswith("sandbox-kernel-") and runtime.is_dir() and not runtime.is_symlink():
                shutil.rmtree(runtime, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
        removed.append(root)
    return removed


_pool: KernelPool | None = None


def install_pool(pool: KernelPool | None) -> KernelPool | None:
    """Make ``pool`` the one :class:`SandboxedExecute` takes kernels from in this process; return the old one."""
    global _pool
    previous, _pool = _pool, pool
    return previous


def current_pool() -> KernelPool | None:
    return _pool


# --------------------------------------------------------------------------
# Reasons, in words
# --------------------------------------------------------------------------


def exit_words(km: Any) -> str:
    """How a sandboxed kernel ended, in words: "exit status 3", "SIGSEGV", "CPU time limit", "killed"."""
    if km.killed_reason == "notebook_timeout":
        return "notebook deadline"
    if km.killed_reason == "cell_timeout":
        return "ignored the cell time limit"
    described = sb.describe_exit(km.exit_status) or "no exit status"
    kind, _, detail = described.partition(":")
    if kind == "exit":
        return f"exit status {detail}"
    if kind == "signal":
        return "killed" if detail == "SIGKILL" else detail
    if kind == "killed":
        return "killed by the grader"
    return "CPU time limit" if described == "cpu_time_limit" else described


def _error(ename: str, evalue: str) -> Any:
    from nbformat.v4 import new_output

    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


# --------------------------------------------------------------------------
# The preprocessor
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _define_executor() -> type:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbclient.util import run_sync
    from nbgrader.preprocessors import Execute
    from traitlets import Bool, Float, Instance, Integer, List, Unicode

    class SandboxedExecute(Execute):
        """nbgrader's Execute, run in the sandbox in a scratch folder (see :mod:`course.grading.sandbox.execute`)."""

        notebook_timeout = Float(
            600, help="Seconds from the first cell after which the sandbox is killed.").tag(config=True)
        hidden_paths = List(Unicode(), help="Folders the kernel must not see (the class folder, ...).").tag(config=True)
        readonly_paths = List(Unicode(), help="Paths shown read-only inside hidden ones.").tag(config=True)
        limits = Instance(sb.Limits, args=(), help="Resource limits (course.grading.sandbox.bwrap.Limits).").tag(config=True)
        allow_unsandboxed = Bool(
            False, help="Without bubblewrap, run with resource limits only (loud warning).").tag(config=True)
        startup_attempts = Integer(
            2, help="Kernels to try before giving up when one dies before running any cell.").tag(config=True)

        # ---- the builtins guard ---------------------------------------------------------------------------

        async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
            if cell.cell_type != "code" or not cell.source.strip() or self.kc is None:
                return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            if not self._guard_installed:  # before the notebook's first line of code
                import secrets

                self._guard_token = secrets.token_hex(16)
                install = builtins_guard_install(self._guard_token)
                self._guard_installed = (await self._kernel_eval(install, None))[0] == "ok"
            verdict = await self._restore_builtins() if is_test_cell(cell) else None
            cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            if verdict is not None:
                cell.outputs.extend(verdict)
            return cell

        # nbclient binds the synchronous wrapper to its own coroutine: rebind it to ours.
        execute_cell = run_sync(async_execute_cell)

        async def _kernel_eval(self, code: str, expression: str | None) -> tuple[str, str]:
            """Run ``code`` silently (no history, no outputs, no execution count) and evaluate ``expression``;
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
            import ast

            status, text = ("error", "")
            if self._guard_installed:
                status, text = await self._kernel_eval("", f"{BUILTINS_GUARD_NAME}()")
            try:
                restored = ast.literal_eval(text) if status == "ok" else None
            except (ValueError, SyntaxError):
                restored = None
            if (not isinstance(restored, list) or not restored or restored[0] != self._guard_token
                    or not all(isinstance(name, str) for name in restored)):
                self._guard_failures += 1
                return [_error(GUARD_ENAME, "the grader could not check the built-in names before this test "
                                            "(its guard was removed or replaced), so the test cannot be trusted")]
            restored = restored[1:]
            if not restored:
                return []
            self._restored_builtins.update(restored)
            from nbformat.v4 import new_output

            return [new_output("stream", name="stderr",
                               text=f"[grader: built-in names the notebook had replaced were restored before "
                                    f"this test: {', '.join(sorted(restored))}]\n")]

        # ---- bookkeeping of the cell being run --------------------------------------------------------------

        def preprocess_cell(self, cell, resources, index):
            self._current_cell = index
            return super().preprocess_cell(cell, resources, index)

        async def _async_handle_timeout(self, timeout, cell=None):
            if self._current_cell is not None and self._current_cell not in self._timed_out:
                self._timed_out.append(self._current_cell)
            return await super()._async_handle_timeout(timeout, cell)

        def output(self, outs, msg, display_id, cell_index):
            # Bound the grader's memory while collecting; truncate_outputs trims precisely afterwards.
            if self.clear_before_next_output:
                self._collected[cell_index] = 0
            out = super().output(outs, msg, display_id, cell_index)
            if out is None:
                return None
            used = self._collected.get(cell_index, 0)
            room = self.limits.total_output_bytes - used
            if sb.output_size(out) > min(self.limits.output_bytes, room):
                self._capped += 1
                if room < 256 and display_id is None and outs and outs[-1] is out:
                    outs.pop()
                    self._dropped[cell_index] = self._dropped.get(cell_index, 0) + 1
                    return None
                sb.truncate_outputs({"cells": [{"outputs": [out]}]}, self.limits.output_bytes, max(room, 256))
            self._collected[cell_index] = used + sb.output_size(out)
            return out

        def clear_output(self, outs, msg, cell_index):
            super().clear_output(outs, msg, cell_index)
            if not outs:
                self._collected[cell_index] = 0

        # ---- one notebook ---------------------------------------------------------------------------------

        def preprocess(self, nb, resources, km=None):
            started = time.monotonic()
            self._current_cell = None
            self._timed_out: list[int] = []
            self._collected: dict[int, int] = {}
            self._dropped: dict[int, int] = {}
            self._capped = 0  # outputs cut or dropped while they arrived
            self._guard_installed, self._guard_token, self._guard_failures = False, "", 0
            self._restored_builtins: set[str] = set()
            info = dict(resources.get("nbgrader", {}))
            notebook_dir = Path(resources["metadata"]["path"])
            record = {"notebook": info.get("notebook"), "student": info.get("student"),
                      "assignment": info.get("assignment"), "kernel_died": False, "died_in_cell": None,
                      "why": "", "timed_out_cells": [], "deadline": False, "truncated": 0,
                      "sandboxed": None, "copied_back": [], "left_out": [], "seconds": 0.0}
            for attempt in range(self.startup_attempts):
                lease = self._lease()
                try:
                    outcome = self._run(nb, resources, lease, notebook_dir, info, record)
                finally:
                    lease.close()
                if outcome != "kernel did not start":
                    break
                log.warning("sandbox: a kernel died before it ran any cell (attempt %d); trying another", attempt + 1)
            else:
                raise sb.SandboxError(f"no sandboxed kernel started for {info.get('student')}/{info.get('assignment')}")
            record["builtins_restored"] = sorted(self._restored_builtins)
            record["guard_failures"] = self._guard_failures
            record["truncated"] = self._capped + sb.truncate_outputs(
                nb, self.limits.output_bytes, self.limits.total_output_bytes)
            record["seconds"] = round(time.monotonic() - started, 3)
            EXECUTIONS.append(record)
            return nb, resources

        def _lease(self) -> KernelLease:
            pool = current_pool()
            if pool is None:  # used outside course.grading.parallel (e.g. named in a config): a pool of one
                pool = KernelPool(size=0, hidden_paths=self.hidden_paths, readonly_paths=self.readonly_paths,
                                  limits=self.limits, allow_unsandboxed=self.allow_unsandboxed,
                                  extra_arguments=self.extra_arguments)
                lease = pool.take()
                lease.owned_root = pool.scratch_root
                return lease
            return pool.take()

        def _submitted_dir(self, info: dict) -> Path | None:
            from nbgrader.coursedir import CourseDirectory

            if not info.get("student") or not info.get("assignment"):
                return None
            coursedir = CourseDirectory(config=self.config)
            return Path(coursedir.format_path(coursedir.submitted_directory, info["student"], info["assignment"]))

        def _run(self, nb, resources, lease: KernelLease, notebook_dir: Path, info: dict, record: dict) -> str:
            """Execute ``nb`` on ``lease``; return "completed", "kernel died" or "kernel did not start"."""
            km = lease.km
            copied_in = fill_scratch(lease.scratch, notebook_dir, self._submitted_dir(info))
            if km.sandbox_uid_used is not None:
                _chown_tree(lease.scratch, km.sandbox_uid_used)
            record["sandboxed"] = bool(km.sandboxed)
            run_resources = dict(resources)
            run_resources["metadata"] = {**resources.get("metadata", {}), "path": os.fspath(lease.scratch)}
            deadline = threading.Timer(self.notebook_timeout, self._deadline_reached, args=(km,))
            deadline.daemon = True
            outcome, failure = "completed", None
            try:
                deadline.start()
                super().preprocess(nb, run_resources, km=km)
            except (DeadKernelError, CellTimeoutError, RuntimeError) as error:
                # Before the first cell no student code has run: the kernel did not start
                # (e.g. RuntimeError "Kernel died before replying to kernel_info"), try another.
                if self._current_cell is None:
                    outcome, failure = "kernel did not start", error
                elif isinstance(error, (DeadKernelError, CellTimeoutError)):
                    outcome, failure = "kernel died", error
                else:
                    raise
            finally:
                deadline.cancel()
                if getattr(self, "kc", None) is not None:
                    self.kc.stop_channels()
                    self.kc = None
                lease.stop()  # kill now; the scratch folder is handed back and cleaned of links
            if outcome == "kernel did not start":
                return outcome
            if outcome == "kernel died":
                self._mark_after_death(nb, km, failure, record)
            record["timed_out_cells"] = [i + 1 for i in self._timed_out]
            record["deadline"] = bool(km.deadline_expired)
            for index, count in self._dropped.items():
                nb.cells[index].outputs.append(_dropped_note(count, self.limits.total_output_bytes))
            record["copied_back"], record["left_out"] = copy_back(lease.scratch, notebook_dir, copied_in)
            return outcome

        @staticmethod
        def _deadline_reached(km) -> None:
            km.deadline_expired = True
            km.kill_sandbox("notebook_timeout")

        def _mark_after_death(self, nb, km, failure, record: dict) -> None:
            """The cell that was running gets the reason; every later code cell counts as not run."""
            index = self._current_cell
            if isinstance(failure, CellTimeoutError) and not km.killed_reason:
                km.killed_reason = "cell_timeout"  # it ignored the interrupt: we stopped it
            why = exit_words(km)
            record.update(kernel_died=True, died_in_cell=None if index is None else index + 1, why=why,
                          kernel_log=km.kernel_log_tail[-2000:])
            for position, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                if index is not None and position == index:
                    if isinstance(failure, CellTimeoutError):
                        cell.outputs.append(_error("CellTimeoutError", f"the cell did not stop after its {self.timeout} s time limit"))
                    cell.outputs.append(_error(DIED_ENAME, f"the kernel stopped while this cell ran ({why})"))
                elif index is None or position > index:
                    cell.outputs = [_error(NOT_RUN_ENAME, f"not run: the kernel had stopped in an earlier cell ({why})")]
                    cell.execution_count = None

    SandboxedExecute.__module__ = __name__
    SandboxedExecute.__qualname__ = "SandboxedExecute"
    return SandboxedExecute


# --------------------------------------------------------------------------
# The builtins guard
# --------------------------------------------------------------------------
# Hidden tests run in the student's kernel, after the student's code. They call
# ``builtins.type`` and friends (through ``import builtins``) so that a name the
# notebook redefines cannot fool them, but a notebook can replace the builtins
# themselves. Before the first cell, a snapshot of the builtins is taken; before
# every test cell, anything replaced or deleted since is put back (and named in
# the test's output). Code in the same interpreter can still find and replace
# the guard itself; the grader then cannot vouch for the tests, and the test
# cell gets an error (zero points) instead of a trusted pass.

BUILTINS_GUARD_NAME = "__course_builtins_guard__"
#: Built-in names the kernel itself swaps while it works (IPython's builtin trap, ipykernel's stdin
#: forwarding, the displayhook's last results): never snapshotted, never restored.
KERNEL_MANAGED_BUILTINS = ("_", "__", "___", "get_ipython", "exit", "quit", "input", "raw_input", "getpass")


def builtins_guard_install(token: str) -> str:
    """The code that installs the guard in a fresh kernel. ``token`` (new for every notebook, never shown
    to the student) is the first item of every answer, so a stand-in that just returns "nothing restored"
    is told apart from the guard."""
    return f"""
def _course_make_guard():
    import builtins
    namespace = builtins.__dict__
    pristine = dict(namespace)
    for name in {KERNEL_MANAGED_BUILTINS!r}:
        pristine.pop(name, None)

    # Everything the guard calls is bound now, while the builtins are still the real ones.
    def guard(_items=pristine.items, _get=namespace.get, _put=namespace.__setitem__, _missing=object()):
        restored = [{token!r}]
        for name, value in _items():
            if _get(name, _missing) is not value:
                _put(name, value)
                restored.append(name)
        return restored
    return guard


{BUILTINS_GUARD_NAME} = _course_make_guard()
del _course_make_guard
"""


def is_test_cell(cell: Any) -> bool:
    """An nbgrader test cell: a graded code cell that is not also the student's answer."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _dropped_note(count: int, limit: int) -> Any:
    # A NotebookNode, not a dict: nbgrader's preprocessors read outputs by attribute (output.output_type).
    from nbformat.v4 import new_output

    return new_output("stream", name="stderr",
                      text=f"\n{sb.TRUNCATION_MARKER}: {count} output(s) dropped while collecting, "
                           f"the cell's outputs reached the limit of {limit:,} bytes]\n")


def __getattr__(name: str) -> Any:
    # Built on first access so that importing this module stays cheap.
    if name == "SandboxedExecute":
        return _define_executor()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
