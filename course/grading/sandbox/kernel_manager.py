"""course.grading.sandbox.kernel_manager: a jupyter_client kernel manager whose kernel runs in bubblewrap.

:class:`SandboxedKernelManager` is an ``AsyncKernelManager``, so nbclient,
nbconvert and nbgrader take it as is (``Execute.kernel_manager_class``).
It changes only public hooks of jupyter_client:

* ``start_kernel``: picks the scratch folder (``scratch_dir``, else the cwd
  the kernel is started in), a private runtime folder for the ZeroMQ sockets
  and connection file (the IPC transport: TCP cannot cross the network
  namespace), the kernel's filtered environment and a log file for its stderr;
* ``format_kernel_cmd``: wraps the kernel command in prlimit + bubblewrap
  (:func:`course.grading.sandbox.bwrap.sandbox_command`);
* ``interrupt_kernel``: an ``interrupt_request`` message (a SIGINT to the
  process group would kill bubblewrap itself);
* ``shutdown_kernel``: always immediate (one kernel serves one submission),
  then waits until every process of the sandbox uid is gone, hands the
  scratch folder back and deletes the runtime folder.

Without bubblewrap the manager refuses to start unless ``allow_unsandboxed``,
in which case it warns loudly and runs the kernel under the resource limits only.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Float, Instance, Integer, List, Unicode

from course.grading.sandbox import bwrap, scratch
from course.grading.sandbox.bwrap import Limits, SandboxUnavailableError
from course.grading.sandbox.mounts import course_import_env

log = logging.getLogger(__name__)

#: How much of the end of a kernel's stderr is kept to explain its death.
KERNEL_LOG_TAIL_BYTES = 4000


#: Whether this process has said that kernels run without the sandbox: said once, not once per kernel (a class of
#: 85 submissions printed it about 170 times around the progress bar). A grading worker starts with it set, since
#: the verb that started it has already said so above everything else.
_UNSANDBOXED_SAID = False


def unsandboxed_already_said() -> None:
    """Tell this process's kernel managers that the missing sandbox has been announced (a grading worker)."""
    global _UNSANDBOXED_SAID
    _UNSANDBOXED_SAID = True


class SandboxedKernelManager(AsyncKernelManager):
    """A jupyter_client kernel manager whose kernel runs inside bubblewrap (see the module docstring)."""

    scratch_dir = Unicode(
        None, allow_none=True,
        help="The one folder the kernel may write. Defaults to the cwd the kernel is started in.",
    ).tag(config=True)
    hidden_paths = List(Unicode(), help="Folders covered by an empty tmpfs (invisible).").tag(config=True)
    readonly_paths = List(Unicode(), help="Paths bound back read-only (e.g. inside hidden ones).").tag(config=True)
    limits = Instance(Limits, args=(), help="Resource limits (course.grading.sandbox.bwrap.Limits).").tag(config=True)
    notebook_timeout = Float(
        None, allow_none=True, help="Seconds after start when a watchdog kills the sandbox.",
    ).tag(config=True)
    allow_unsandboxed = Bool(
        False, help="Without bubblewrap, run with resource limits only (loud warning) instead of refusing.",
    ).tag(config=True)
    sandbox_uid = Integer(
        None, allow_none=True, help="uid (and gid) for the kernel; default: a fresh one per kernel.",
    ).tag(config=True)
    env_passthrough = List(
        Unicode(), default_value=list(bwrap.DEFAULT_ENV_PASSTHROUGH),
        help="Environment variables the kernel may inherit (names ending in '_' are prefixes).",
    ).tag(config=True)
    sandbox_kernel_name = Unicode(
        "python3", help="Kernel spec always used, whatever a student's notebook metadata asks for.",
    ).tag(config=True)
    runtime_parent = Unicode(
        None, allow_none=True,
        help="Folder to make the kernel's runtime folder in (default: the temporary folder). A kernel pool "
             "passes its scratch root, so a grader killed with SIGKILL leaves one folder to remove.",
    ).tag(config=True)
    grading_launcher = Bool(
        True, help="Start ipykernel through course.grading.sandbox.kernel (no debugger start-up) "
                   "instead of ipykernel_launcher.",
    ).tag(config=True)

    def __init__(self, **kwargs: Any) -> None:
        for name in ("hidden_paths", "readonly_paths"):  # accept pathlib paths as well as strings
            if name in kwargs:
                kwargs[name] = [os.fspath(p) for p in kwargs[name]]
        if kwargs.get("scratch_dir") is not None:
            kwargs["scratch_dir"] = os.fspath(kwargs["scratch_dir"])
        super().__init__(**kwargs)
        self.sandboxed: bool | None = None
        self.killed_reason: str | None = None
        self.exit_status: int | None = None
        self.kernel_log_tail = ""
        self.deadline_expired = False
        self.removed_from_scratch: list[str] = []
        self.scratch: str | None = None
        self._kill_lock = threading.Lock()
        self._runtime_dir: str | None = None
        self._uid: int | None = None
        self._owners: dict[str, tuple[int, int]] = {}
        self._env: dict[str, str] = {}
        self._process: subprocess.Popen | None = None
        self._log_file: Any = None
        self._pidfd: int | None = None
        self._watchdog: threading.Timer | None = None
        self._torn_down = False

    @property
    def sandbox_uid_used(self) -> int | None:
        """The uid the kernel runs (or ran) as; None when it kept the grader's."""
        return self._uid

    @property
    def runtime_dir(self) -> str | None:
        """The private folder of the kernel's sockets and connection file (deleted at shutdown)."""
        return self._runtime_dir

    # ---- start -----------------------------------------------------------

    async def start_kernel(self, **kw: Any) -> None:
        try:
            self._prepare(kw)
            await super().start_kernel(**kw)
        except BaseException:
            self._tear_down()  # give the scratch folder back, remove the runtime folder
            raise
        # Keep our own handle: the provisioner forgets the process (and its exit status) once reaped.
        self._process = process = self.provisioner.process
        try:  # a pidfd can never point at a recycled pid
            self._pidfd = os.pidfd_open(process.pid)
        except (AttributeError, OSError):
            self._pidfd = None
        if self.notebook_timeout:
            self._watchdog = threading.Timer(self.notebook_timeout, self._deadline_reached)
            self._watchdog.daemon = True
            self._watchdog.start()

    def _prepare(self, kw: dict[str, Any]) -> None:
        """Decide how to run, point the connection at a private runtime folder, and set the launch options."""
        available, reason = bwrap.sandbox_available()
        if not available and not self.allow_unsandboxed:
            raise SandboxUnavailableError(
                f"refusing to run student code without a sandbox: {reason}. "
                "Pass allow_unsandboxed=True to run with resource limits only.")
        if not available and not _UNSANDBOXED_SAID:
            message = (f"SANDBOX DISABLED: {reason}. Student code runs with resource limits only: "
                       "it can read and write everything this user can, and reach the network.")
            log.warning(message)
            print(f"WARNING: {message}", file=sys.stderr, flush=True)
            unsandboxed_already_said()
        self.sandboxed = available
        if self.kernel_name != self.sandbox_kernel_name:
            log.warning("sandbox: ignoring kernel %r, using %r", self.kernel_name, self.sandbox_kernel_name)
            self.kernel_name = self.sandbox_kernel_name
        folder = self.scratch_dir or kw.get("cwd")
        if not folder:
            raise ValueError("a sandboxed kernel needs scratch_dir (or a cwd to start in)")
        folder = os.path.realpath(folder)
        if not os.path.isdir(folder):
            raise ValueError(f"scratch_dir {folder} is not an existing directory")
        self.scratch = folder
        self._torn_down = False
        self._runtime_dir = tempfile.mkdtemp(prefix=scratch.RUNTIME_PREFIX, dir=self.runtime_parent)
        # Names this grading process, so the next run can tell a stale runtime folder from a live one.
        with open(os.path.join(self._runtime_dir, scratch.OWNER_FILE), "w", encoding="utf-8") as owner:
            owner.write(f"{os.getpid()}\n")
        self.transport = "ipc"
        self.ip = os.path.join(self._runtime_dir, "kernel")
        self.connection_file = os.path.join(self._runtime_dir, "connection.json")
        self.cache_ports = False
        self._log_file = tempfile.TemporaryFile(prefix="sandbox-kernel-log-")
        python = self.kernel_spec.argv[0] if self.kernel_spec and self.kernel_spec.argv else sys.executable
        overrides = {**course_import_env(), **({} if available else self._private_home())}
        self._env = bwrap.sandbox_env(dict(kw.get("env") or os.environ), self.env_passthrough, python, overrides)
        kw.update(env=self._env, cwd=folder, stdout=self._log_file, stderr=self._log_file)
        if available and bwrap.running_as_root():
            self._uid = self.sandbox_uid if self.sandbox_uid is not None else bwrap.next_sandbox_uid()
            os.chown(self._runtime_dir, self._uid, self._uid)
            os.chmod(self._runtime_dir, 0o700)
            self._owners = scratch.hand_over(folder, self._uid, self._uid)

    def _private_home(self) -> dict[str, str]:
        """Without a private /tmp, the kernel's home and caches go to the runtime folder."""
        home = os.path.join(self._runtime_dir, "home")
        os.makedirs(home, exist_ok=True)
        return {name: home + value[len("/tmp"):] for name, value in bwrap.SANDBOX_ENV.items()
                if value == "/tmp" or value.startswith("/tmp/")}

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        kernel_cmd = super().format_kernel_cmd(extra_arguments)
        if self.grading_launcher:
            kernel_cmd = bwrap.grading_kernel_cmd(kernel_cmd)
        if not self.sandboxed:
            return bwrap.unsandboxed_command(kernel_cmd, self.limits)
        if self._uid is not None and os.path.exists(self.connection_file):
            os.chown(self.connection_file, self._uid, self._uid)
        return bwrap.sandbox_command(kernel_cmd, self._env, scratch_dir=self.scratch, runtime_dir=self._runtime_dir,
                                     hidden_paths=self.hidden_paths, readonly_paths=self.readonly_paths,
                                     limits=self.limits, uid=self._uid)

    def _deadline_reached(self) -> None:
        self.deadline_expired = True
        self.kill_sandbox("notebook_timeout")

    # ---- stop ------------------------------------------------------------

    def kill_sandbox(self, reason: str) -> None:
        """Kill the kernel and everything it started, now; remember why (first reason wins).

        Safe to call from any thread (the watchdog does).
        """
        with self._kill_lock:
            if self.killed_reason is None:
                self.killed_reason = reason
            process = self._process
            if self._pidfd is not None:
                try:
                    signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if process is not None and process.returncode is None:
                # Without a PID namespace the kernel's children live in its group.
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    async def interrupt_kernel(self) -> None:
        if not self.sandboxed or not self.has_kernel:
            return await super().interrupt_kernel()
        # A SIGINT to the process group would kill bubblewrap itself: use the protocol's
        # interrupt_request; ipykernel then signals its own process.
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        # One kernel per submission: nothing worth a graceful wait. Killed first, so the base
        # class's own interrupt-then-kill finds nothing left to signal.
        if not restart:
            self._make_sure_dead()
        try:
            await super().shutdown_kernel(now=True, restart=restart)
        finally:
            if not restart:
                self._tear_down()

    def _make_sure_dead(self) -> None:
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            self.kill_sandbox("shutdown")
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.error("sandbox: kernel process %s did not die", process.pid)
        self.exit_status = process.returncode
        if self._uid is not None and not scratch.wait_until_gone(self._uid):
            log.error("sandbox: processes of uid %s outlived their sandbox", self._uid)

    def _tear_down(self) -> None:
        """Stop the watchdog, give the scratch folder back, delete the runtime folder, keep the log's end."""
        if self._torn_down:
            return
        self._torn_down = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        if self._uid is not None and self.scratch:
            try:
                self.removed_from_scratch = scratch.take_back(self.scratch, self._uid, self._owners)
            except (OSError, RecursionError) as error:  # e.g. an absurdly deep tree
                log.error("sandbox: could not hand %s back: %s", self.scratch, error)
        if self._runtime_dir:
            shutil.rmtree(self._runtime_dir, ignore_errors=True)
        if self._log_file is not None:
            self._log_file.seek(0, os.SEEK_END)
            self._log_file.seek(max(self._log_file.tell() - KERNEL_LOG_TAIL_BYTES, 0))
            self.kernel_log_tail = self._log_file.read().decode("utf-8", "replace")
            self._log_file.close()
            self._log_file = None
