"""course.grading.sandbox.pool: sandboxed kernels started ahead of need, one grading process's worth.

Kernel start-up (about 0.8 s) would otherwise sit on every submission's
critical path. A :class:`KernelPool` keeps ``size`` kernels booting in fresh
scratch folders so the next submission finds one ready; each kernel still
serves exactly one notebook and is killed right after it. The pool reaches
the executor through nbgrader's per-notebook ``resources``
(:data:`course.grading.preprocessors.sandboxed_execute.POOL_KEY`), never through a global.
"""

from __future__ import annotations

import collections
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from jupyter_core.utils import run_sync

from course.grading.sandbox import scratch as scratchdirs
from course.grading.sandbox.bwrap import Limits
from course.grading.sandbox.kernel_manager import SandboxedKernelManager
from course.grading.sandbox.mounts import compile_bytecode

log = logging.getLogger(__name__)


class KernelLease:
    """One sandboxed kernel, started in its own empty scratch folder, for exactly one notebook."""

    def __init__(self, km: Any, scratch: Path, owned_root: Path | None = None) -> None:
        self.km = km
        self.scratch = scratch
        self.owned_root = owned_root  # a folder to delete with the lease (a pool of one's root)
        self.started = time.monotonic()

    def alive(self) -> bool:
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # a half-started kernel: treat as dead
            return False

    def stop(self) -> None:
        """Kill the kernel now and hand the scratch folder back (the folder stays until :meth:`close`)."""
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
                 hidden_paths=(), readonly_paths=(), limits: Limits = Limits(),
                 allow_unsandboxed: bool = False, extra_arguments=()) -> None:
        if not isinstance(size, int) or size < 0:
            raise ValueError(f"KernelPool size must be a whole number >= 0, got {size!r}")
        self.size = size
        scratchdirs.remove_stale_scratch(scratch_root)
        self.scratch_root = Path(tempfile.mkdtemp(prefix=f"{scratchdirs.SCRATCH_PREFIX}{os.getpid()}-", dir=scratch_root))
        # Other kernels' scratch folders live here: hide the lot (each kernel's own is bound back).
        self.hidden_paths = [os.fspath(p) for p in hidden_paths] + [os.fspath(self.scratch_root)]
        self.readonly_paths = [os.fspath(p) for p in readonly_paths]
        for path in self.readonly_paths:  # the course package: kernels import it but cannot write its bytecode
            compile_bytecode(os.path.realpath(path))
        self.limits = limits
        self.allow_unsandboxed = allow_unsandboxed
        self.extra_arguments = list(extra_arguments) + ["--HistoryManager.hist_file=:memory:"]
        self._ready: collections.deque[KernelLease] = collections.deque()
        self.started = 0

    def __deepcopy__(self, memo) -> "KernelPool":
        # nbconvert deep-copies a notebook's resources before its preprocessors run; the pool
        # travels in them, and is a set of running kernels: shared, never copied.
        return self

    def _start(self) -> KernelLease:
        scratch = Path(tempfile.mkdtemp(prefix="kernel-", dir=self.scratch_root))
        km = SandboxedKernelManager(
            scratch_dir=scratch, hidden_paths=self.hidden_paths, readonly_paths=self.readonly_paths,
            limits=self.limits, notebook_timeout=None, allow_unsandboxed=self.allow_unsandboxed,
            runtime_parent=os.fspath(self.scratch_root))
        lease = KernelLease(km, scratch)
        try:
            run_sync(km.start_kernel)(extra_arguments=self.extra_arguments)
        except BaseException:
            lease.close()
            raise
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

