"""course.grading.sandbox.bwrap: the bubblewrap command line a student's kernel runs under, and its limits.

Grading executes code written by students. What one sandboxed kernel gets
(measured as root on the grading machine):

* **File system: an allowlist** (:mod:`course.grading.sandbox.mounts`): the
  system folders read-only, the ``course`` package, ``data/`` and the Python
  environment read-only, the submission's files read-only, private
  size-capped ``/tmp``, ``/dev/shm`` and working folder (a tmpfs the
  grader fills from those files before the first cell); nothing else of the
  host exists inside. The one host folder the code can write to is the kernel's
  runtime folder (its connection file and IPC sockets, which the kernel must
  create): files there are capped per file (``file_size_bytes``), not in total,
  and deleted with the sandbox.
* **User.** As root, the kernel runs as a fresh unprivileged uid (one per
  kernel, from :data:`SANDBOX_UID_BASE` up), with no capabilities and
  ``no_new_privs``. A second, unprivileged bubblewrap layer stops it from
  creating user namespaces of its own (``--disable-userns``).
* **Namespaces.** Own PID, IPC, UTS, cgroup and network namespaces: the
  kernel sees only its own processes and has no network at all (a connection
  to the host's 127.0.0.1 is refused), which is why it talks over the IPC
  transport instead of TCP. ``--die-with-parent`` ends the sandbox with the
  process that started it.
* **Resource limits** (:class:`Limits`, applied with ``prlimit`` to the whole
  sandbox and inherited by every process in it):

  - ``cpu_seconds`` -> RLIMIT_CPU, per *process*: the kernel gets SIGXCPU.
  - ``memory_bytes`` -> RLIMIT_AS (per process): numpy and pandas work under
    the 2 GiB default; a 10 GB allocation raises ``MemoryError``.
  - ``max_processes`` -> RLIMIT_NPROC, counted *per real uid* and ignored for
    root, which is why the kernel gets a uid of its own. Threads count: an
    idle ipykernel already has about 13.
  - ``file_size_bytes`` -> RLIMIT_FSIZE (``OSError: [Errno 27] File too large``).
  - ``open_files`` -> RLIMIT_NOFILE; core dumps are disabled.
  - ``tmpfs_bytes`` caps the private ``/tmp`` and ``/dev/shm``.
  - ``scratch_bytes`` caps the working folder (``OSError: [Errno 28] No space
    left on device`` past it).
  - ``output_bytes`` / ``total_output_bytes``: see
    :mod:`course.grading.sandbox.outputs`.

Wall time, kernel death and scoring belong to the executor
(:mod:`course.grading.preprocessors.sandboxed_execute`); starting and killing the sandbox to
the kernel manager (:mod:`course.grading.sandbox.kernel_manager`).

Residual risks (no sandbox is perfect): world-readable files under ``/usr``
and ``/etc`` are readable (keep no course material there); the tmpfs mounts
use RAM, not disk (at most ``2 x tmpfs_bytes + scratch_bytes`` a kernel); memory is capped per
process, not per sandbox (``max_processes`` x ``memory_bytes`` in the worst
case); there is no seccomp filter.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterable

from course.grading.sandbox.mounts import interpreter_paths, mount_args

log = logging.getLogger(__name__)

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

# Fresh uids for kernels. systemd hands out uids up to 0x6FFF0000 (1879048192)
# for containers; above that nothing on a normal host owns files or processes.
SANDBOX_UID_BASE = 1_900_000_000
SANDBOX_UID_SPAN = 1 << 20

# Environment variables a kernel may inherit; everything else (tokens, database
# URLs, ...) stays outside. Names ending in "_" are prefixes.
DEFAULT_ENV_PASSTHROUGH = (
    "LANG",
    "LANGUAGE",
    "LC_",
    "TZ",
    "PYTHONHASHSEED",
    "PYTHONPATH",
    "COURSE_DATA_DIR",
    "NBGRADER_EXECUTION",
    "JPY_SESSION_NAME",
    "PYDEVD_DISABLE_FILE_VALIDATION",
)

# Set in every kernel: a writable home in the private /tmp, and one thread per
# numeric library (threads count against max_processes and address space).
SANDBOX_ENV = {
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "USER": "student",
    "LOGNAME": "student",
    "IPYTHONDIR": "/tmp/.ipython",
    "MPLCONFIGDIR": "/tmp/.config/matplotlib",
    "XDG_CACHE_HOME": "/tmp/.cache",
    "XDG_CONFIG_HOME": "/tmp/.config",
    "JUPYTER_CONFIG_DIR": "/tmp/.jupyter",
    "JUPYTER_RUNTIME_DIR": "/tmp/.jupyter/runtime",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1",
    # Every sandboxed kernel grades, and stock nbgrader sets this before it starts the kernel; the kit's kernels are
    # started ahead of need, before nbgrader sets it in the grader, so they never had it (the packet cell reads it).
    "NBGRADER_EXECUTION": "autograde",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_MAX_THREADS": "1",
}


class SandboxError(RuntimeError):
    """The sandbox could not be set up or the kernel inside it did not start."""


class SandboxUnavailableError(SandboxError):
    """bubblewrap does not work here and running unsandboxed was not allowed."""


# --------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed kernel (see the module docstring for what each does).

    Wall-clock limits are not here: they belong to the executor
    (``Execute.timeout`` and ``SandboxedExecute.notebook_timeout``).
    """

    cpu_seconds: int = 60
    memory_bytes: int = 2 * GiB
    max_processes: int = 64
    file_size_bytes: int = 50 * MiB
    open_files: int = 256
    tmpfs_bytes: int = 256 * MiB
    scratch_bytes: int = 128 * MiB
    output_bytes: int = 512 * KiB
    total_output_bytes: int = 5 * MiB

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"Limits.{field.name} must be a positive integer, got {value!r}")

    def prlimit_args(self, *, with_nproc: bool = True) -> list[str]:
        """``prlimit`` options for these limits (soft CPU limit first, so the kernel gets SIGXCPU)."""
        args = [
            f"--cpu={self.cpu_seconds}:{self.cpu_seconds + 5}",
            f"--as={self.memory_bytes}",
            f"--fsize={self.file_size_bytes}",
            f"--nofile={self.open_files}",
            "--core=0",
        ]
        if with_nproc:
            args.append(f"--nproc={self.max_processes}")
        return args


# --------------------------------------------------------------------------
# Is bubblewrap usable here?
# --------------------------------------------------------------------------


def running_as_root() -> bool:
    return os.geteuid() == 0


@functools.lru_cache(maxsize=None)
def _probe_bubblewrap() -> tuple[bool, str]:
    """Try the tools once per process; the answer does not change while we run."""
    needed = ["bwrap", "prlimit"] + (["setpriv"] if running_as_root() else [])
    missing = [tool for tool in needed if shutil.which(tool) is None]
    if missing:
        return False, f"missing tool(s): {', '.join(missing)} (install bubblewrap and util-linux)"
    probe = [shutil.which("bwrap"), "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"]
    try:
        result = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, f"bwrap could not run: {error}"
    if result.returncode != 0:
        detail = result.stderr.strip() or f"exit status {result.returncode}"
        return False, f"bwrap does not work here: {detail}"
    return True, "bubblewrap works (read-only root, all namespaces unshared)"


def sandbox_available() -> tuple[bool, str]:
    """Whether bubblewrap works on this machine, and why not if it does not.

    Runs ``bwrap --ro-bind / / --unshare-all --die-with-parent true`` once and
    caches the answer.
    """
    return _probe_bubblewrap()


@functools.lru_cache(maxsize=None)
def _userns_guard_prefix() -> tuple[str, ...]:
    """The inner bubblewrap layer that forbids new user namespaces, if it is needed and works.

    As root the kernel runs as an unprivileged uid, which on most kernels may
    still create user namespaces (and get a private "root" with mount rights
    in them). A nested, unprivileged ``bwrap --disable-userns`` closes that.
    If unprivileged user namespaces are off on this host, nothing is needed.
    """
    if not running_as_root():
        return ()
    bwrap, setpriv = shutil.which("bwrap"), shutil.which("setpriv")
    probe_uid = str(SANDBOX_UID_BASE + SANDBOX_UID_SPAN)  # never handed to a kernel
    drop = [setpriv, "--reuid", probe_uid, "--regid", probe_uid, "--clear-groups", "--"]
    guard = (bwrap, "--bind", "/", "/", "--dev-bind", "/dev", "/dev",
             "--unshare-user", "--disable-userns", "--die-with-parent", "--")
    outer = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
             "--unshare-pid", "--die-with-parent"]
    try:
        guarded = subprocess.run(outer + drop + list(guard) + ["true"], capture_output=True, timeout=30)
        if guarded.returncode == 0:
            return guard
        plain = subprocess.run(drop + ["unshare", "--user", "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    if plain.returncode != 0:
        return ()  # unprivileged user namespaces are off: nothing to forbid
    log.warning("sandbox: cannot stop kernels from creating user namespaces here (bwrap --disable-userns failed)")
    return ()


# --------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------

#: The module the kit starts kernels with instead of ipykernel_launcher (same arguments, no debugger start-up).
GRADING_KERNEL_MODULE = "course.grading.sandbox.kernel"


def grading_kernel_cmd(kernel_cmd: list[str]) -> list[str]:
    """``kernel_cmd`` with ``-m ipykernel_launcher`` replaced by ``-m course.grading.sandbox.kernel``.

    :mod:`course.grading.sandbox.kernel` is ipykernel's launcher without the debugpy
    import (0.16 CPU-s of every kernel start, 0.09 CPU-s net per notebook,
    for a debugger nbclient never uses). Any other command (a kernelspec that does not launch
    ipykernel this way, or launches it with another environment's Python,
    which may not have the kit installed) is returned unchanged.
    """
    same_python = os.path.dirname(os.path.abspath(kernel_cmd[0])) == os.path.dirname(os.path.abspath(sys.executable))
    program = kernel_cmd[0]
    if os.sep in program:
        # `../.venv/bin/python -m course selfcheck` from a student's my-work/ gave /home/s/my-work/../.venv/bin/python,
        # and a symlinked environment (/tmp/venv -> ~/kit/.venv) /tmp/venv/bin/python: the sandbox mounts neither
        # my-work/ nor the link, only the environment's real folder. So the folder is resolved; the file name is kept,
        # since the venv's python is itself a link to the base interpreter and finds its venv from the path it runs as.
        folder, name = os.path.split(os.path.abspath(program))
        program = os.path.join(os.path.realpath(folder), name)
    if same_python and len(kernel_cmd) >= 3 and kernel_cmd[1:3] == ["-m", "ipykernel_launcher"]:
        return [program, "-m", GRADING_KERNEL_MODULE, *kernel_cmd[3:]]
    return [program, *kernel_cmd[1:]]


def sandbox_env(kernel_env: dict[str, str], passthrough: Iterable[str], python: str,
                 overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The kernel's whole environment: allowed variables from the launcher plus the sandbox's own."""
    passthrough = tuple(passthrough)
    env = {name: value for name, value in kernel_env.items()
           if name in passthrough or any(p.endswith("_") and name.startswith(p) for p in passthrough)}
    env["PATH"] = os.pathsep.join([str(Path(python).parent), "/usr/local/bin", "/usr/bin", "/bin"])
    env.update(SANDBOX_ENV)
    env.update(overrides or {})
    return env


_uid_counter = itertools.count()


def next_sandbox_uid() -> int:
    """A uid for one kernel: distinct across kernels of this process and (very
    probably) across grading processes, so their RLIMIT_NPROC budgets stay apart."""
    slot = (os.getpid() * 64 + next(_uid_counter)) % SANDBOX_UID_SPAN
    return SANDBOX_UID_BASE + slot


def student_data_substitute(readonly_paths: Iterable[str]) -> dict[str, str]:
    """The kit's data folder -> the student edition shown there, whenever the data folder (or the package
    holding it, as in an installed wheel) is shown to the kernel (see :mod:`course.grading.sandbox.studentdata`)."""
    from course.grading.sandbox.studentdata import student_data_dir
    from course.paths import data_dir

    data = os.path.realpath(data_dir())
    shown = [os.path.realpath(p) for p in readonly_paths]
    if not any(data == p or data.startswith(p.rstrip("/") + "/") for p in shown):
        return {}
    return {data: os.fspath(student_data_dir())}


def sandbox_command(kernel_cmd: list[str], env: dict[str, str], *, scratch_dir: str, runtime_dir: str,
                    hidden_paths: Iterable[str], readonly_paths: Iterable[str], limits: Limits,
                    uid: int | None) -> list[str]:
    """``kernel_cmd`` wrapped in prlimit + bubblewrap (+ the uid drop and user-namespace guard when ``uid``).

    ``env`` is the kernel's whole environment (``--clearenv`` first, so the
    wrappers pass on nothing else). ``uid`` is the kernel's own uid when the
    grader runs as root; without root the kernel keeps the grader's uid in a
    user namespace, and RLIMIT_NPROC is left alone (it would count the
    grader's own processes).
    """
    readonly = list(readonly_paths) + interpreter_paths(kernel_cmd[0])
    substitutes = student_data_substitute(readonly)
    if GRADING_KERNEL_MODULE in kernel_cmd:
        # The launcher lives in the kit's package: the sandbox must show it (read-only).
        from course.paths import PACKAGE_DIR

        readonly.append(os.fspath(PACKAGE_DIR))
    command = [shutil.which("prlimit"), *limits.prlimit_args(with_nproc=uid is not None), "--",
               shutil.which("bwrap"),
               *mount_args(scratch_dir=scratch_dir, runtime_dir=runtime_dir, hidden_paths=hidden_paths,
                           readonly_paths=readonly, tmpfs_bytes=limits.tmpfs_bytes,
                           scratch_bytes=limits.scratch_bytes, substitutes=substitutes),
               "--chdir", scratch_dir,
               "--unshare-pid", "--unshare-ipc", "--unshare-net", "--unshare-uts",
               "--unshare-cgroup-try", "--hostname", "sandbox",
               "--die-with-parent", "--new-session", "--clearenv"]
    for name, value in sorted(env.items()):
        command += ["--setenv", name, value]
    # --unshare-pid hides the grader: ipykernel would think its parent died.
    command += ["--unsetenv", "JPY_PARENT_PID"]
    if uid is not None:
        command += [shutil.which("setpriv"), "--reuid", str(uid), "--regid", str(uid), "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--"]
        command += list(_userns_guard_prefix())
    else:
        command += ["--unshare-user", "--disable-userns"]
    return command + list(kernel_cmd)


def unsandboxed_command(kernel_cmd: list[str], limits: Limits) -> list[str]:
    """``kernel_cmd`` under the resource limits only (no bubblewrap here and running without it was allowed).

    RLIMIT_NPROC is left out: ignored for root, and for another user it
    would count the grader's own processes too.
    """
    return [shutil.which("prlimit"), *limits.prlimit_args(with_nproc=False), "--", *kernel_cmd]


# --------------------------------------------------------------------------
# How a kernel ended
# --------------------------------------------------------------------------


def describe_exit(status: int | None) -> str | None:
    """A short reason for a sandbox's exit status.

    bubblewrap passes on its child's status: ``n`` for ``exit(n)``, 128+N for
    death by signal N. A negative status means the sandbox itself was killed
    (by the grader). Examples: ``"exit:1"``, ``"signal:SIGSEGV"``,
    ``"cpu_time_limit"`` (SIGXCPU), ``"killed:SIGKILL"``.
    """
    if status is None:
        return None
    if status < 0:
        return f"killed:{signal.Signals(-status).name}"
    if status > 128:
        try:
            sig = signal.Signals(status - 128)
        except ValueError:
            return f"exit:{status}"
        return "cpu_time_limit" if sig == signal.SIGXCPU else f"signal:{sig.name}"
    return f"exit:{status}"
