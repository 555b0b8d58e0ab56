"""course.grading.sandbox.bwrap: run an untrusted student notebook inside a bubblewrap sandbox.

Grading executes code written by students. This module is the isolation layer
the nbgrader pipeline plugs into; it knows nothing about gradebooks.

What one sandboxed kernel gets (measured as root on the grading machine):

* **File system: an allowlist.** The sandbox's root is an empty tmpfs; only the
  operating system's folders (``SYSTEM_PATHS``: ``/usr``, ``/etc`` and the
  ``/bin``, ``/lib`` links) are bound from the host, read-only. ``/tmp`` and
  ``/dev/shm`` are private, size-capped tmpfs mounts. ``readonly_paths`` (the
  ``course`` package, ``data/``, the Python environment) are bound read-only;
  exactly one directory, ``scratch_dir`` (the submission's working folder), is
  bound read-write. Nothing else of the host exists in the sandbox: not other
  users' homes, not ``/var`` or ``/run`` (and their sockets), not another
  checkout of the course sources elsewhere on the machine. Each
  ``hidden_paths`` entry (the class folder, the repository with its solutions
  and ``.git`` history) is covered by an empty tmpfs too, in case it lies
  inside a bound folder. The kernel's ZeroMQ sockets and connection file
  live in a private runtime folder outside the submission (deleted afterwards).
  Any folder on the way to a bound path that the sandbox user could not enter
  anyway (``/root`` when Python lives under it) is replaced by an empty tmpfs.
* **User.** The kernel runs as a fresh unprivileged uid (one per kernel, from
  ``SANDBOX_UID_BASE`` up), with no capabilities and ``no_new_privs``. The
  scratch folder is handed to that uid for the run and handed back afterwards.
  A second, unprivileged bubblewrap layer stops the kernel from creating user
  namespaces of its own (``--disable-userns``).
* **Namespaces.** Own PID, IPC, UTS, cgroup and network namespaces: the kernel
  sees only its own processes, and has no network at all (a connection to the
  host's 127.0.0.1 is refused), which is why the kernel talks over the IPC
  transport instead of TCP.
* **Resource limits** (``Limits``, applied with ``prlimit`` to the whole
  sandbox and inherited by every process in it):

  - ``cpu_seconds`` -> RLIMIT_CPU. Per *process*, not per tree: each process
    may use that much CPU; the kernel gets SIGXCPU and dies when it runs out.
    Together with ``max_processes`` it bounds the CPU a notebook can burn.
  - ``memory_bytes`` -> RLIMIT_AS (address space, per process). numpy and
    pandas import and work under the 2 GiB default; a 10 GB allocation raises
    ``MemoryError`` inside the kernel. Not a total: up to ``max_processes``
    processes may each use this much.
  - ``max_processes`` -> RLIMIT_NPROC. The kernel counts *per real uid* and
    ignores it for root (uid 0 in the host namespace, even inside a user
    namespace that maps to it), which is why the kernel gets a uid of its own.
    Threads count: an idle ipykernel already has about 13.
  - ``file_size_bytes`` -> RLIMIT_FSIZE: writing past it fails with
    ``OSError: [Errno 27] File too large`` (Python ignores SIGXFSZ).
  - ``open_files`` -> RLIMIT_NOFILE; core dumps are disabled (RLIMIT_CORE 0).
  - ``tmpfs_bytes`` caps the private ``/tmp`` and ``/dev/shm`` (they use RAM).
  - ``output_bytes`` / ``total_output_bytes``: see :func:`truncate_outputs`;
    nbgrader itself only limits output lines, not bytes.

* **Wall time** is the executor's job: nbclient's per-cell ``timeout`` with
  ``interrupt_on_timeout`` interrupts a runaway cell (through an
  ``interrupt_request`` message: a SIGINT to the process group would kill
  bubblewrap itself) and later cells still run; a cell that ignores the
  interrupt is killed at its second timeout. A notebook-level deadline
  (``notebook_timeout``) is a watchdog thread in the kernel manager that kills
  the sandbox when it expires, whatever the kernel is doing.
* **Shutdown** is immediate: each kernel serves one submission, so there is no
  graceful wait; killing the outer bubblewrap process tears down the PID
  namespace and every process a student started in it.

Plugging into nbgrader (the kernel manager is a jupyter_client
``AsyncKernelManager``, so nbclient/nbconvert/nbgrader take it as is)::

    c.Execute.kernel_manager_class = "course.grading.sandbox.bwrap.SandboxedKernelManager"
    c.SandboxedKernelManager.hidden_paths = [str(p) for p in course_hidden_paths()]
    c.SandboxedKernelManager.readonly_paths = [str(p) for p in course_readonly_paths()]
    c.SandboxedKernelManager.notebook_timeout = 600
    # scratch_dir defaults to the cwd nbgrader starts the kernel in
    # (<root>/autograded/<student>/<assignment>)

Without bubblewrap the kernel manager refuses to start unless
``allow_unsandboxed=True``, in which case it warns loudly and runs the kernel
with the resource limits only (and, as root, without RLIMIT_NPROC effect).

Under nbgrader, ``Execute.interrupt_on_timeout`` (on by default) interrupts a
slow cell and nbgrader's ``error_on_timeout`` moves on without waiting; a cell
that ignores the interrupt is stopped by ``notebook_timeout``. A kernel that
dies makes ``Execute.preprocess`` raise nbclient's ``DeadKernelError``;
:func:`run_notebook_sandboxed` instead keeps the partial notebook and reports.

Residual risks (no sandbox is perfect): world-readable files under ``/usr``
and ``/etc`` are readable (system software and configuration: keep no course
material there); the submission folder itself is writable (other
notebooks of the same submission, ``timestamp.txt``), so the pipeline should
read what it needs before executing (symlinks, FIFOs and sockets that student
code leaves there are deleted when the folder is handed back); disk use in the
scratch folder is not capped (no quotas without cgroups); memory is capped per
process, not per sandbox (``max_processes`` x ``memory_bytes`` in the worst
case); there is no seccomp filter, so the whole kernel system-call surface is
reachable; a single huge output message passes through the grader's memory
before it is trimmed.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import json
import logging
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # pragma: no cover - for readers and type checkers only
    from nbformat import NotebookNode

log = logging.getLogger(__name__)

__all__ = [
    "Limits",
    "SandboxError",
    "SandboxUnavailableError",
    "SandboxedKernelManager",
    "compile_bytecode",
    "course_hidden_paths",
    "course_readonly_paths",
    "describe_exit",
    "grading_kernel_cmd",
    "interpreter_paths",
    "mount_args",
    "output_size",
    "processes_of",
    "run_notebook_sandboxed",
    "sandbox_available",
    "truncate_outputs",
]

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

# Fresh uids for kernels. systemd hands out uids up to 0x6FFF0000 (1879048192)
# for containers; above that nothing on a normal host owns files or processes.
SANDBOX_UID_BASE = 1_900_000_000
SANDBOX_UID_SPAN = 1 << 20

# Every trimmed or removed output says so with text that starts like this.
TRUNCATION_MARKER = "[output truncated by the grader"

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
    (``cell_timeout`` and ``notebook_timeout`` of :func:`run_notebook_sandboxed`).
    """

    cpu_seconds: int = 60
    memory_bytes: int = 2 * GiB
    max_processes: int = 64
    file_size_bytes: int = 50 * MiB
    open_files: int = 256
    tmpfs_bytes: int = 256 * MiB
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


def _running_as_root() -> bool:
    return os.geteuid() == 0


@functools.lru_cache(maxsize=None)
def _probe_bubblewrap() -> tuple[bool, str]:
    """Try the tools once per process; the answer does not change while we run."""
    needed = ["bwrap", "prlimit"] + (["setpriv"] if _running_as_root() else [])
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
    if not _running_as_root():
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
# Which paths to hide and which to show, for this repository
# --------------------------------------------------------------------------


def course_hidden_paths() -> list[Path]:
    """Paths a student's code must not see: the whole repository (solutions in
    ``assignments/``, ``.git`` history, the default ``class/`` folder) and the
    class folder named by ``COURSE_CLASS_DIR`` if it lives elsewhere."""
    from course.paths import REPO_ROOT

    hidden = [REPO_ROOT]
    class_dir = os.environ.get("COURSE_CLASS_DIR")
    if class_dir:
        hidden.append(Path(class_dir).resolve())
    return hidden


def course_readonly_paths() -> list[Path]:
    """Paths shown read-only inside hidden ones: the ``course`` package, the data
    folder and the Python environment, so student code can ``import course``."""
    from course.paths import PACKAGE_DIR, data_dir

    return [PACKAGE_DIR, data_dir(), Path(sys.prefix)]


@functools.lru_cache(maxsize=None)
def compile_bytecode(path: str) -> bool:
    """Write the ``__pycache__`` of a Python package that kernels will see read-only; True if all compiled.

    A sandboxed kernel cannot write bytecode next to a read-only package (and
    ``PYTHONDONTWRITEBYTECODE`` is set in it anyway), so without this every
    kernel compiles the package's modules again from source (the kit's own
    ``course`` package: measured 15-30 ms per notebook). Done here, by the
    grader, once per process; a folder that is not a package, or that the
    grader cannot write either, is left as it is (kernels then compile in
    memory as before).
    """
    import compileall

    if not os.path.isfile(os.path.join(path, "__init__.py")):
        return False
    try:
        return bool(compileall.compile_dir(path, quiet=2, workers=1))
    except OSError as error:
        log.debug("sandbox: no bytecode for %s: %s", path, error)
        return False


# --------------------------------------------------------------------------
# The bubblewrap command line
# --------------------------------------------------------------------------

# Mount kinds, in the order they win when two land on the same path.
_HIDE, _MASK, _READONLY, _WRITABLE = "hide", "mask", "ro", "rw"
_PRIORITY = {_HIDE: 0, _MASK: 0, _READONLY: 1, _WRITABLE: 2}


def _real(path: str | os.PathLike) -> str:
    return os.path.realpath(os.fspath(path))


def _ancestors(path: str) -> list[str]:
    """Proper ancestors of an absolute path, shallowest first, without "/"."""
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def interpreter_paths(python: str) -> list[str]:
    """The folders a Python interpreter needs: its environment and the installation behind it."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    prefixes.add(str(Path(_real(python)).parent.parent))
    prefixes.add(str(Path(os.path.abspath(python)).parent.parent))
    return sorted(_real(p) for p in prefixes if os.path.isdir(p) and _real(p) != "/")


#: Host folders every sandbox sees, read-only: the operating system and its configuration.
#: Nothing else of the host is mounted (an allowlist): the Python environment, the ``course``
#: package and ``data/`` are bound by the caller, the scratch folder read-write.
SYSTEM_PATHS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def system_paths(candidates: Iterable[str] = SYSTEM_PATHS) -> dict[str, Any]:
    """The system folders of this host to show in the sandbox.

    Returns ``{"bind": [real folders], "symlink": {path: target}}``: on a
    merged-/usr system ``/bin`` is a symlink to ``usr/bin`` and is recreated as
    one, so it keeps pointing inside the bound ``/usr``.
    """
    bind, links = [], {}
    for path in candidates:
        if os.path.islink(path):
            target = os.readlink(path)
            resolved = os.path.realpath(path)
            if any(_is_within(resolved, root) for root in candidates if not os.path.islink(root)):
                links[path] = target
            elif os.path.isdir(resolved):
                bind.append(path)  # a symlink to a folder outside the list: bind what it points to
        elif os.path.isdir(path):
            bind.append(path)
    return {"bind": bind, "symlink": links}


def mount_args(
    *,
    scratch_dir: str,
    runtime_dir: str,
    hidden_paths: Iterable[str | os.PathLike] = (),
    readonly_paths: Iterable[str | os.PathLike] = (),
    tmpfs_bytes: int = Limits.tmpfs_bytes,
) -> list[str]:
    """bubblewrap mount options for one sandbox, in the order bubblewrap must apply them.

    Deeper paths are mounted after shallower ones, so a read-only path inside
    a hidden one shows through, and a hidden path inside a read-only one stays
    hidden. Folders bubblewrap has to create inside a tmpfs get mode 0755 (it
    would make them 0700, which the sandbox uid cannot enter).
    """
    scratch_dir, runtime_dir = _real(scratch_dir), _real(runtime_dir)
    wanted: dict[str, str] = {}

    def want(path: str, kind: str) -> None:
        if path == "/":
            raise ValueError("cannot hide or re-bind the root directory '/'")
        if path not in wanted or _PRIORITY[kind] > _PRIORITY[wanted[path]]:
            wanted[path] = kind

    for path in map(_real, hidden_paths):
        if path == scratch_dir:
            raise ValueError(f"scratch_dir {scratch_dir} is also listed in hidden_paths")
        if os.path.lexists(path):  # nothing to hide where nothing exists
            want(path, _HIDE)
    for path in map(_real, readonly_paths):
        if os.path.exists(path):
            want(path, _READONLY)
        else:
            log.debug("sandbox: read-only path %s does not exist; skipped", path)
    want(runtime_dir, _WRITABLE)
    want(scratch_dir, _WRITABLE)

    # The base layer is an allowlist: the root is an empty tmpfs, the system folders are bound
    # read-only, /tmp and /dev/shm are private tmpfs mounts. Everything else on the host (other
    # checkouts of the course, other users' homes, /var, /run and its sockets) simply is not there.
    system = system_paths()
    base_tmpfs = ["/", "/tmp", "/dev/shm", "/dev", "/proc"]

    def covering(path: str) -> tuple[str, str]:
        """What the sandbox shows at ``path``: (kind, mount point) of the deepest mount above it."""
        best, best_kind = "/", "tmpfs"
        for root in base_tmpfs:
            if _is_within(path, root) and len(root) > len(best):
                best, best_kind = root, "tmpfs"
        for root in system["bind"]:
            if _is_within(path, root) and len(root) > len(best):
                best, best_kind = root, "host"
        for root, kind in wanted.items():
            if _is_within(path, root) and len(root) > len(best):
                best, best_kind = root, ("tmpfs" if kind in (_HIDE, _MASK) else "host")
        return best_kind, best

    # Replace any host folder the sandbox uid could not enter by an empty tmpfs:
    # it could not see inside it anyway, and the bound paths below become reachable.
    for path in sorted([p for p, k in wanted.items() if k in (_READONLY, _WRITABLE)], key=len):
        for ancestor in _ancestors(path):
            kind, _ = covering(ancestor)
            if kind == "host" and not (os.stat(ancestor).st_mode & stat.S_IXOTH):
                want(ancestor, _MASK)

    args = ["--perms", "0755", "--tmpfs", "/"]
    for path in system["bind"]:
        args += ["--ro-bind", path, path]
    for path, target in system["symlink"].items():
        args += ["--symlink", target, path]
    args += ["--dev", "/dev", "--proc", "/proc",
             "--perms", "1777", "--size", str(tmpfs_bytes), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(tmpfs_bytes), "--tmpfs", "/dev/shm"]
    made: set[str] = set()
    for path in sorted(wanted, key=lambda p: (p.count("/"), _PRIORITY[wanted[p]], p)):
        for ancestor in _ancestors(path):
            kind, mount_point = covering(ancestor)
            if kind == "tmpfs" and ancestor != mount_point and ancestor not in made:
                args += ["--perms", "0755", "--dir", ancestor]
                made.add(ancestor)
        kind = wanted[path]
        if kind in (_HIDE, _MASK):
            if os.path.isdir(path):
                args += ["--perms", "0755", "--tmpfs", path]
            else:  # a hidden file reads as permission denied
                args += ["--ro-bind", "/dev/null", path]
        elif kind == _READONLY:
            args += ["--ro-bind", path, path]
        else:
            args += ["--bind", path, path]
    return args


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
    if same_python and len(kernel_cmd) >= 3 and kernel_cmd[1:3] == ["-m", "ipykernel_launcher"]:
        return [kernel_cmd[0], "-m", GRADING_KERNEL_MODULE, *kernel_cmd[3:]]
    return list(kernel_cmd)


def _sandbox_env(kernel_env: dict[str, str], passthrough: Iterable[str], python: str,
                 overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The kernel's whole environment: allowed variables from the launcher plus the sandbox's own."""
    passthrough = tuple(passthrough)
    env = {name: value for name, value in kernel_env.items()
           if name in passthrough or any(p.endswith("_") and name.startswith(p) for p in passthrough)}
    env["PATH"] = os.pathsep.join([str(Path(python).parent), "/usr/local/bin", "/usr/bin", "/bin"])
    env.update(SANDBOX_ENV)
    env.update(overrides or {})
    return env


# --------------------------------------------------------------------------
# Handing the scratch folder to the sandbox uid and back
# --------------------------------------------------------------------------


def _walk(root: str) -> Iterable[str]:
    yield root
    for folder, dirs, files in os.walk(root):  # does not follow symlinked folders
        for name in itertools.chain(dirs, files):
            yield os.path.join(folder, name)


def _hand_over(root: str, uid: int, gid: int) -> dict[str, tuple[int, int]]:
    """Give the folders and files under ``root`` to the sandbox uid; return their previous owners.

    Anything else (an existing symlink, say) keeps its owner, so handing back
    can tell it apart from what the student's code created.
    """
    owners = {}
    for path in _walk(root):
        info = os.lstat(path)
        if stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode):
            owners[path] = (info.st_uid, info.st_gid)
            os.chown(path, uid, gid, follow_symlinks=False)
    return owners


def processes_of(uid: int) -> list[int]:
    """Host processes whose real uid is ``uid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status") as status:
                    line = next(line for line in status if line.startswith("Uid:"))
            except (OSError, StopIteration):
                continue  # it ended while we looked
            if int(line.split()[1]) == uid:
                found.append(int(entry))
    return found


def _wait_until_gone(uid: int, timeout: float = 30) -> bool:
    """Wait for every process of a sandbox uid to end (a killed PID namespace empties
    asynchronously: thousands of fork-bomb processes take a moment)."""
    deadline = time.monotonic() + timeout
    while processes_of(uid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _take_back(root: str, uid: int, owners: dict[str, tuple[int, int]]) -> list[str]:
    """Return what the sandbox uid owns to its previous owner (new files: the folder's owner).

    Symlinks, FIFOs, sockets and device nodes the student's code left behind
    are deleted instead: the grader runs as root and will write notebooks into
    this folder, and must neither write through a planted link (say, to
    ``/etc/passwd``) nor block on a FIFO. Links are never followed. Returns
    the deleted paths.
    """
    default = owners.get(root, (0, 0))
    removed = []
    for path in _walk(root):
        try:
            info = os.lstat(path)
            if info.st_uid != uid:
                continue
            if stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode):
                os.chown(path, *owners.get(path, default), follow_symlinks=False)
            else:
                os.unlink(path)
                removed.append(path)
        except FileNotFoundError:
            continue
    return removed


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


# --------------------------------------------------------------------------
# Output size
# --------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(map(str, value))
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _nbytes(value: Any) -> int:
    return len(_as_text(value).encode("utf-8", "replace"))


def _head(text: str, max_bytes: int) -> str:
    """The longest start of ``text`` that fits in ``max_bytes`` of UTF-8."""
    return text.encode("utf-8", "replace")[: max(max_bytes, 0)].decode("utf-8", "ignore")


def output_size(output: dict) -> int:
    """Bytes of text an output carries (stream text, mime payloads, or error text)."""
    kind = output.get("output_type")
    if kind == "stream":
        return _nbytes(output.get("text", ""))
    if kind in ("execute_result", "display_data"):
        return sum(_nbytes(v) for v in output.get("data", {}).values())
    if kind == "error":
        return (_nbytes(output.get("ename", "")) + _nbytes(output.get("evalue", ""))
                + sum(_nbytes(line) for line in output.get("traceback", [])))
    return _nbytes(dict(output))


def _marker(what: str, size: int, limit: int) -> str:
    return f"\n{TRUNCATION_MARKER}: {what} was {size:,} bytes, the limit is {limit:,} bytes]\n"


def _shrink(output: dict, limit: int) -> None:
    """Make one output fit in ``limit`` bytes (plus a marker of ~100 bytes at most), in place."""
    size = output_size(output)
    kind = output.get("output_type")
    if kind == "stream":
        marker = _marker("this output", size, limit)
        output["text"] = _head(_as_text(output.get("text", "")), limit - len(marker)) + marker
    elif kind in ("execute_result", "display_data"):
        data, metadata = output.setdefault("data", {}), output.get("metadata", {})
        sizes = {mime: _nbytes(value) for mime, value in data.items()}
        total, dropped = size, []
        # Structured payloads (images, HTML, JSON) cannot be cut: drop the largest first.
        for mime in sorted(sizes, key=sizes.get, reverse=True):
            if total <= limit:
                break
            if mime != "text/plain":
                del data[mime]
                metadata.pop(mime, None)
                dropped.append(f"{mime} ({sizes[mime]:,} bytes)")
                total -= sizes[mime]
        what = ("removed " + ", ".join(dropped)) if dropped else "this output"
        marker = _marker(what, size, limit)
        plain = _as_text(data.get("text/plain", ""))
        data["text/plain"] = _head(plain, limit - len(marker)) + marker
    elif kind == "error":
        marker = _marker("this error", size, limit)
        budget = max(limit - len(marker), 0)
        output["evalue"] = _head(_as_text(output.get("evalue", "")), budget // 4)
        budget -= _nbytes(output["evalue"]) + _nbytes(output.get("ename", ""))
        kept: list[str] = []
        for line in reversed([_as_text(line) for line in output.get("traceback", [])]):
            if _nbytes(line) > budget:  # keep the end: that is where the error is
                if not kept:
                    kept.append(_head(line, budget))
                break
            kept.append(line)
            budget -= _nbytes(line)
        output["traceback"] = [marker.strip()] + kept[::-1]
    else:
        output.clear()
        output.update({"output_type": "stream", "name": "stderr", "text": _marker("an output", size, limit)})


def _removed_outputs_note(count: int, limit: int) -> Any:
    # A NotebookNode, not a dict: nbgrader's preprocessors read outputs by attribute (output.output_type).
    from nbformat.v4 import new_output

    return new_output("stream", name="stderr",
                      text=f"\n{TRUNCATION_MARKER}: {count} output(s) removed, the notebook's outputs "
                           f"reached the limit of {limit:,} bytes]\n")


def truncate_outputs(nb: dict, max_bytes_per_output: int, max_total_bytes: int) -> int:
    """Trim a notebook's outputs in place; return how many outputs were changed or removed.

    Each output keeps at most ``max_bytes_per_output`` bytes: stream and plain
    text keep their start, errors keep the end of the traceback, and payloads
    that cannot be cut (images, HTML, JSON) are dropped. Once the notebook's
    outputs reach ``max_total_bytes`` the rest of each cell's outputs are
    replaced by one note. Every change carries a marker starting with
    ``TRUNCATION_MARKER`` so a reader (and a grader) sees what happened.
    nbgrader's own ``LimitOutput`` counts lines only, so one long line or one
    huge image would otherwise be stored whole.
    """
    for name, value in (("max_bytes_per_output", max_bytes_per_output), ("max_total_bytes", max_total_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    remaining, changed = max_total_bytes, 0
    for cell in nb.get("cells", []):
        outputs = cell.get("outputs")
        if not outputs:
            continue
        kept = []
        for position, output in enumerate(outputs):
            if remaining < 256:  # not enough room for anything useful: note it once per cell
                removed = len(outputs) - position
                kept.append(_removed_outputs_note(removed, max_total_bytes))
                changed += removed
                break
            limit = min(max_bytes_per_output, remaining)
            if output_size(output) > limit:
                _shrink(output, limit)
                changed += 1
            remaining -= output_size(output)
            kept.append(output)
        cell["outputs"] = kept
    return changed


# --------------------------------------------------------------------------
# The kernel manager
# --------------------------------------------------------------------------

_uid_counter = itertools.count()


def _next_sandbox_uid() -> int:
    """A uid for one kernel: distinct across kernels of this process and (very
    probably) across grading processes, so their RLIMIT_NPROC budgets stay apart."""
    slot = (os.getpid() * 64 + next(_uid_counter)) % SANDBOX_UID_SPAN
    return SANDBOX_UID_BASE + slot


def _define_kernel_manager() -> type:
    """Build the kernel manager class on first use (jupyter_client is imported only then)."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import Bool, Float, Instance, Integer, List, Unicode

    class SandboxedKernelManager(AsyncKernelManager):
        """A jupyter_client kernel manager whose kernel runs inside bubblewrap.

        Use it directly (``NotebookClient(nb, km=SandboxedKernelManager(...))``)
        or by name through a ``kernel_manager_class`` trait (nbclient,
        nbconvert's ExecutePreprocessor, nbgrader's Execute); every setting is
        a configurable trait. One kernel per submission: shutdown kills the
        whole sandbox at once.
        """

        scratch_dir = Unicode(
            None, allow_none=True,
            help="The one folder the kernel may write (the submission's working folder). "
                 "Defaults to the cwd the kernel is started in.",
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
            Unicode(), default_value=list(DEFAULT_ENV_PASSTHROUGH),
            help="Environment variables the kernel may inherit (names ending in '_' are prefixes).",
        ).tag(config=True)
        sandbox_kernel_name = Unicode(
            "python3", help="Kernel spec always used, whatever a student's notebook metadata asks for.",
        ).tag(config=True)
        grading_launcher = Bool(
            True, help="Start ipykernel through course.grading.sandbox.kernel (no debugger start-up) "
                       "instead of ipykernel_launcher.",
        ).tag(config=True)

        def __init__(self, **kwargs: Any) -> None:
            # Accept pathlib paths as well as strings.
            for name in ("hidden_paths", "readonly_paths"):
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
            self._kill_lock = threading.Lock()
            self._runtime_dir: str | None = None
            self._scratch: str | None = None
            self._uid: int | None = None
            self._owners: dict[str, tuple[int, int]] = {}
            self._process: subprocess.Popen | None = None
            self._log_file: Any = None
            self._pidfd: int | None = None
            self._watchdog: threading.Timer | None = None
            self._torn_down = False

        # ---- start -------------------------------------------------------

        async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
            try:
                self._prepare(kw)
                kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
                return self._wrap(kernel_cmd, kw)
            except BaseException:
                self._tear_down()  # give the scratch folder back, remove the runtime folder
                raise

        def _prepare(self, kw: dict[str, Any]) -> None:
            """Decide how to run, and point the connection at a private runtime folder."""
            available, reason = sandbox_available()  # looked up at call time (tests replace it)
            if not available and not self.allow_unsandboxed:
                raise SandboxUnavailableError(
                    f"refusing to run student code without a sandbox: {reason}. "
                    "Pass allow_unsandboxed=True to run with resource limits only."
                )
            if not available:
                message = (f"SANDBOX DISABLED: {reason}. Student code runs with resource limits only: "
                           "it can read and write everything this user can, and reach the network.")
                log.warning(message)
                print(f"WARNING: {message}", file=sys.stderr, flush=True)
            self.sandboxed = available
            if self.kernel_name != self.sandbox_kernel_name:
                log.warning("sandbox: ignoring kernel %r, using %r", self.kernel_name, self.sandbox_kernel_name)
                self.kernel_name = self.sandbox_kernel_name
            scratch = self.scratch_dir or kw.get("cwd")
            if not scratch:
                raise ValueError("a sandboxed kernel needs scratch_dir (or a cwd to start in)")
            scratch = _real(scratch)
            if not os.path.isdir(scratch):
                raise ValueError(f"scratch_dir {scratch} is not an existing directory")
            self._scratch = scratch
            self._torn_down = False
            self._runtime_dir = tempfile.mkdtemp(prefix="sandbox-kernel-")
            # TCP cannot cross the network namespace: sockets and connection file go here.
            self.transport = "ipc"
            self.ip = os.path.join(self._runtime_dir, "kernel")
            self.connection_file = os.path.join(self._runtime_dir, "connection.json")
            self.cache_ports = False
            self._log_file = tempfile.TemporaryFile(prefix="sandbox-kernel-log-")

        def _wrap(self, kernel_cmd: list[str], kw: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
            """Wrap the kernel command in prlimit + bubblewrap (+ uid drop and user-namespace guard)."""
            if self.grading_launcher:
                kernel_cmd = grading_kernel_cmd(kernel_cmd)
            python = kernel_cmd[0]
            kernel_env = dict(kw.get("env") or os.environ)
            limits = self.limits
            kw["cwd"] = self._scratch
            kw["stdout"] = kw["stderr"] = self._log_file  # bwrap errors, crashes; read on death
            if not self.sandboxed:
                # No private /tmp: the kernel's home and caches go to the runtime folder.
                home = os.path.join(self._runtime_dir, "home")
                os.makedirs(home, exist_ok=True)
                private = {name: home + value[len("/tmp"):] for name, value in SANDBOX_ENV.items()
                           if value == "/tmp" or value.startswith("/tmp/")}
                kw["env"] = _sandbox_env(kernel_env, self.env_passthrough, python, private)
                # RLIMIT_NPROC is left out: ignored for root, and for another user it
                # would count the grader's own processes too.
                prlimit = [shutil.which("prlimit"), *limits.prlimit_args(with_nproc=False), "--"]
                return prlimit + kernel_cmd, kw

            env = _sandbox_env(kernel_env, self.env_passthrough, python)
            kw["env"] = env  # the wrappers need no secrets either
            root = _running_as_root()
            readonly = list(self.readonly_paths) + interpreter_paths(python)
            if GRADING_KERNEL_MODULE in kernel_cmd:
                # The launcher lives in the kit's package: the sandbox must show it (read-only).
                from course.paths import PACKAGE_DIR

                readonly.append(os.fspath(PACKAGE_DIR))
            command = [shutil.which("prlimit"), *limits.prlimit_args(with_nproc=root), "--",
                       shutil.which("bwrap"),
                       *mount_args(scratch_dir=self._scratch, runtime_dir=self._runtime_dir,
                                   hidden_paths=self.hidden_paths, readonly_paths=readonly,
                                   tmpfs_bytes=limits.tmpfs_bytes),
                       "--chdir", self._scratch,
                       "--unshare-pid", "--unshare-ipc", "--unshare-net", "--unshare-uts",
                       "--unshare-cgroup-try", "--hostname", "sandbox",
                       "--die-with-parent", "--new-session", "--clearenv"]
            for name, value in sorted(env.items()):
                command += ["--setenv", name, value]
            # --unshare-pid hides the grader: ipykernel would think its parent died.
            command += ["--unsetenv", "JPY_PARENT_PID"]
            if root:
                self._uid = self.sandbox_uid if self.sandbox_uid is not None else _next_sandbox_uid()
                uid = str(self._uid)
                os.chown(self._runtime_dir, self._uid, self._uid)
                os.chmod(self._runtime_dir, 0o700)
                os.chown(self.connection_file, self._uid, self._uid)
                self._owners = _hand_over(self._scratch, self._uid, self._uid)
                command += [shutil.which("setpriv"), "--reuid", uid, "--regid", uid, "--clear-groups",
                            "--inh-caps=-all", "--bounding-set=-all", "--"]
                command += list(_userns_guard_prefix())
            else:
                # Without root the kernel keeps our uid (in a user namespace): no uid of its
                # own, so RLIMIT_NPROC is left alone (it would count the grader's processes).
                command += ["--unshare-user", "--disable-userns"]
            return command + kernel_cmd, kw

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            try:
                await super()._async_launch_kernel(kernel_cmd, **kw)
            except BaseException:
                self._tear_down()
                raise
            # Keep our own handle: the provisioner forgets the process (and its exit
            # status) once it has reaped it.
            self._process = process = self.provisioner.process
            try:  # a pidfd can never point at a recycled pid
                self._pidfd = os.pidfd_open(process.pid)
            except (AttributeError, OSError):
                self._pidfd = None
            if self.notebook_timeout:
                self._watchdog = threading.Timer(self.notebook_timeout, self._deadline_reached)
                self._watchdog.daemon = True
                self._watchdog.start()

        @property
        def sandbox_uid_used(self) -> int | None:
            """The uid the kernel runs (or ran) as; None when it kept the grader's."""
            return self._uid

        def _deadline_reached(self) -> None:
            self.deadline_expired = True
            self.kill_sandbox("notebook_timeout")

        # ---- stop --------------------------------------------------------

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

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return  # the base class interrupts before killing; we kill anyway
            if not self.sandboxed or not self.has_kernel:
                return await super()._async_interrupt_kernel()
            # A SIGINT to the process group would kill bubblewrap itself, so use the
            # protocol's interrupt_request; ipykernel then signals its own process.
            msg = self.session.msg("interrupt_request", content={})
            self._connect_control_socket()
            self.session.send(self._control_socket, msg)

        async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            # One kernel per submission: nothing worth a graceful wait.
            await super()._async_shutdown_kernel(now=True, restart=restart)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            if not restart:
                self._make_sure_dead()
            await super()._async_cleanup_resources(restart=restart)
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
            if self._uid is not None and not _wait_until_gone(self._uid):
                log.error("sandbox: processes of uid %s outlived their sandbox", self._uid)

        def _tear_down(self) -> None:
            """Stop the watchdog, give the scratch folder back, delete the runtime folder."""
            if self._torn_down:
                return
            self._torn_down = True
            if self._watchdog is not None:
                self._watchdog.cancel()
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
            if self._uid is not None and self._scratch:
                try:
                    self.removed_from_scratch = _take_back(self._scratch, self._uid, self._owners)
                except (OSError, RecursionError) as error:  # e.g. an absurdly deep tree
                    log.error("sandbox: could not hand %s back: %s", self._scratch, error)
            if self._runtime_dir:
                shutil.rmtree(self._runtime_dir, ignore_errors=True)
            if self._log_file is not None:
                self._log_file.seek(0, os.SEEK_END)
                self._log_file.seek(max(self._log_file.tell() - 4000, 0))
                self.kernel_log_tail = self._log_file.read().decode("utf-8", "replace")
                self._log_file.close()
                self._log_file = None

        # The base class binds its public methods to its own private coroutines;
        # point them at ours.
        pre_start_kernel = _async_pre_start_kernel
        interrupt_kernel = _async_interrupt_kernel
        shutdown_kernel = _async_shutdown_kernel
        cleanup_resources = _async_cleanup_resources

    SandboxedKernelManager.__module__ = __name__
    SandboxedKernelManager.__qualname__ = "SandboxedKernelManager"
    return SandboxedKernelManager


@functools.lru_cache(maxsize=None)
def _kernel_manager_class() -> type:
    return _define_kernel_manager()


def __getattr__(name: str) -> Any:
    # SandboxedKernelManager is built on first access so that importing this
    # module stays cheap (jupyter_client pulls in zmq and traitlets).
    if name == "SandboxedKernelManager":
        return _kernel_manager_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------
# Running one notebook
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _grading_client_class() -> type:
    """An nbclient NotebookClient that records timeouts and caps output while collecting it."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    class GradingClient(NotebookClient):
        def __init__(self, nb: Any, km: Any = None, *, collect_limit: int, **kw: Any) -> None:
            super().__init__(nb, km=km, **kw)
            self.collect_limit = collect_limit
            self.current_cell: int | None = None
            self.timed_out_cells: list[int] = []
            self._collected: dict[int, int] = {}
            self._capped: set[int] = set()

        async def async_execute_cell(self, cell: Any, cell_index: int, *args: Any, **kw: Any) -> Any:
            self.current_cell = cell_index
            return await super().async_execute_cell(cell, cell_index, *args, **kw)

        async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> Any:
            index = self.current_cell
            if cell is not None and index is not None:
                if index in self.timed_out_cells:
                    # Interrupted once and still running: it ignores interrupts.
                    self.km.kill_sandbox("cell_timeout")
                    raise DeadKernelError("killed: the cell ignored the interrupt after its timeout")
                self.timed_out_cells.append(index)
            return await super()._async_handle_timeout(timeout, cell)

        def output(self, outs: list, msg: dict, display_id: Any, cell_index: int) -> Any:
            # Bound the grader's memory while collecting; truncate_outputs trims precisely later.
            if self.clear_before_next_output:
                self._forget(cell_index)
            out = super().output(outs, msg, display_id, cell_index)
            if out is None:
                return None
            used = self._collected.get(cell_index, 0)
            room = self.collect_limit - used
            if output_size(out) > room:
                if cell_index in self._capped and display_id is None and outs and outs[-1] is out:
                    outs.pop()  # the cell already says its output was cut: drop the rest
                    return None
                _shrink(out, max(room, 0))
                self._capped.add(cell_index)
            self._collected[cell_index] = used + output_size(out)
            return out

        def clear_output(self, outs: list, msg: dict, cell_index: int) -> None:
            super().clear_output(outs, msg, cell_index)
            if not outs:
                self._forget(cell_index)

        def _forget(self, cell_index: int) -> None:
            self._collected[cell_index] = 0
            self._capped.discard(cell_index)

    return GradingClient


def _error_output(ename: str, evalue: str) -> dict:
    from nbformat.v4 import new_output

    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def run_notebook_sandboxed(
    nb: NotebookNode | dict,
    scratch_dir: str | os.PathLike,
    *,
    hidden_paths: Iterable[str | os.PathLike] = (),
    readonly_paths: Iterable[str | os.PathLike] = (),
    limits: Limits = Limits(),
    cell_timeout: int = 60,
    notebook_timeout: float = 600,
    allow_unsandboxed: bool = False,
    startup_timeout: int = 60,
) -> tuple[NotebookNode, dict]:
    """Execute a student notebook in a sandbox; return the executed copy and a report.

    Every code cell runs even after errors (``allow_errors``). A cell running
    longer than ``cell_timeout`` seconds is interrupted (and killed at a second
    timeout); the whole run is killed after ``notebook_timeout`` seconds. If
    the kernel dies (``os._exit``, a segfault, a limit, a timeout kill), the
    cells that ran keep their outputs, the cell that was running gets an error
    output saying so, and later cells are cleared and marked
    ``metadata.sandbox.executed = False``. Outputs are finally trimmed with
    :func:`truncate_outputs` using ``limits.output_bytes`` and
    ``limits.total_output_bytes``.

    The report: ``completed`` (every cell ran), ``timed_out`` (a cell or the
    notebook hit its time limit), ``timed_out_cells``, ``kernel_died``,
    ``killed_reason`` (``"notebook_timeout"``, ``"cell_timeout"``, or what
    :func:`describe_exit` says, e.g. ``"exit:1"``, ``"signal:SIGSEGV"``,
    ``"cpu_time_limit"``), ``exit_status``, ``cells_not_executed``,
    ``outputs_truncated``, ``sandboxed``, ``sandbox_uid`` (the uid the kernel
    ran as, None without one), ``removed_from_scratch`` (symlinks, FIFOs and
    the like the code left in the scratch folder, deleted so the grader never
    writes through them), ``seconds`` and ``kernel_log`` (the end of the
    sandbox's stderr, useful when the kernel died).
    """
    import atexit

    import nbformat
    from jupyter_core.utils import run_sync
    from nbclient.exceptions import DeadKernelError

    if not isinstance(cell_timeout, int) or cell_timeout <= 0:
        raise ValueError(f"cell_timeout must be a positive number of seconds, got {cell_timeout!r}")
    if not notebook_timeout or notebook_timeout <= 0:
        raise ValueError(f"notebook_timeout must be a positive number of seconds, got {notebook_timeout!r}")
    nb = nbformat.from_dict(copy.deepcopy(dict(nb)))
    km = _kernel_manager_class()(
        scratch_dir=scratch_dir,
        hidden_paths=list(hidden_paths),
        readonly_paths=list(readonly_paths),
        limits=limits,
        notebook_timeout=notebook_timeout,
        allow_unsandboxed=allow_unsandboxed,
    )
    client = _grading_client_class()(
        nb, km=km, collect_limit=limits.total_output_bytes, timeout=cell_timeout,
        startup_timeout=startup_timeout, allow_errors=True, interrupt_on_timeout=True,
        shutdown_kernel="immediate", kernel_name=km.sandbox_kernel_name,
        resources={"metadata": {"path": os.fspath(scratch_dir)}},
    )
    started = time.monotonic()
    kernel_died = False
    try:
        client.execute()
    except DeadKernelError:
        kernel_died = True
    except RuntimeError as error:  # e.g. "Kernel died before replying to kernel_info"
        if km.sandboxed is None or client.current_cell is not None:
            raise
        run_sync(km.shutdown_kernel)(now=True)
        raise SandboxError(f"the sandboxed kernel did not start: {error}\n{km.kernel_log_tail}") from error
    finally:
        # nbclient leaves its exit hook registered when the kernel fails to start.
        atexit.unregister(client._cleanup_kernel)
        if client.kc is not None:
            client.kc.stop_channels()
        if km.sandboxed is not None:  # it got as far as preparing a sandbox
            run_sync(km.shutdown_kernel)(now=True)
    seconds = time.monotonic() - started

    not_executed: list[int] = []
    if kernel_died:
        reason = km.killed_reason or describe_exit(km.exit_status) or "kernel_died"
        dead_at = client.current_cell
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if dead_at is not None and index == dead_at:
                cell.outputs.append(_error_output(
                    "KernelDied", f"the sandboxed kernel stopped while this cell ran ({reason})"))
            elif dead_at is None or index > dead_at:
                cell.outputs = []
                cell.execution_count = None
                cell.metadata["sandbox"] = {"executed": False, "reason": reason}
                not_executed.append(index)
    else:
        reason = km.killed_reason
    for index in client.timed_out_cells:
        cell = nb.cells[index]
        if index != client.current_cell or not kernel_died:
            cell.outputs.append(nbformat.v4.new_output(
                "stream", name="stderr",
                text=f"[grader] this cell was stopped after the {cell_timeout} s time limit\n"))

    truncated = truncate_outputs(nb, limits.output_bytes, limits.total_output_bytes)
    timed_out = bool(client.timed_out_cells) or km.deadline_expired or reason == "cell_timeout"
    report = {
        "completed": not kernel_died,
        "timed_out": timed_out,
        "timed_out_cells": list(client.timed_out_cells),
        "kernel_died": kernel_died,
        "killed_reason": reason if kernel_died else None,
        "exit_status": km.exit_status if kernel_died else None,
        "cells_not_executed": not_executed,
        "outputs_truncated": truncated,
        "sandboxed": bool(km.sandboxed),
        "sandbox_uid": km.sandbox_uid_used,
        "removed_from_scratch": [os.path.relpath(p, km._scratch) for p in km.removed_from_scratch],
        "seconds": round(seconds, 3),
        "kernel_log": km.kernel_log_tail if kernel_died else "",
    }
    return nb, report
