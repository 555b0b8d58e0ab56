"""course.grading.sandbox.mounts: what of the host a sandboxed kernel sees (bubblewrap mount options).

The sandbox's root is an empty tmpfs; only the operating system's folders
(:data:`SYSTEM_PATHS`) are bound from the host, read-only; ``/tmp`` and
``/dev/shm`` are private, size-capped tmpfs mounts. ``readonly_paths`` (the
``course`` package, ``data/``, the Python environment) are bound read-only. The
kernel's working folder sits at the scratch folder's path but is a size-capped
tmpfs (``scratch_bytes``); the host's scratch folder, holding the files the
submission needs, is shown read-only at :data:`SUBMISSION_FILES_DIR`, and the
grader copies them into the working folder before the first cell (see
:mod:`course.grading.preprocessors.sandboxed_execute`). Only the runtime folder (the kernel's
sockets) is bound read-write. Without ``scratch_bytes`` the scratch folder is
bound read-write instead (the kernel manager's tests of bare kernels). Each ``hidden_paths``
entry (the class folder, the repository with its solutions and ``.git``) is
covered by an empty tmpfs too, in case it lies inside a bound folder. Any
folder on the way to a bound path that the sandbox user could not enter anyway
(``/root`` when Python lives under it) is replaced by an empty tmpfs.
"""

from __future__ import annotations

import functools
import logging
import os
import stat
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping

log = logging.getLogger(__name__)

#: The size of the private /tmp and /dev/shm when the caller names none (they use RAM).
DEFAULT_TMPFS_BYTES = 256 * 1024 * 1024
#: Where the sandbox shows the host's scratch folder (read-only) when the working folder is a tmpfs.
SUBMISSION_FILES_DIR = "/submission-files"


# --------------------------------------------------------------------------
# Which paths to hide and which to show, for this repository
# --------------------------------------------------------------------------


def course_hidden_paths() -> list[Path]:
    """Paths a student's code must not see: the whole repository (solutions in
    ``assignments/``, ``.git`` history, the default ``class/`` folder) and the
    class folder named by ``COURSE_CLASS_DIR`` if it lives elsewhere. An
    installed package's parent is site-packages, not a repository: not hidden."""
    from course.paths import REPO_ROOT, is_checkout

    hidden = [REPO_ROOT] if is_checkout() else []
    class_dir = os.environ.get("COURSE_CLASS_DIR")
    if class_dir:
        hidden.append(Path(class_dir).resolve())
    return hidden


def course_readonly_paths() -> list[Path]:
    """Paths shown read-only inside hidden ones: the ``course`` package, the data
    folder, the kit's words (``notebooks/``, where the lessons' and grading's words
    are read from) and the Python environment, so student code can ``import course``
    and what it calls can speak. An installed wheel carries ``notebooks/`` inside the package."""
    from course.paths import PACKAGE_DIR, REPO_ROOT, data_dir, is_checkout, notebooks_dir

    # The grader's libraries, wherever its sys.path finds them (a venv's own site-packages sit under
    # sys.prefix; a .pth file or PYTHONPATH may add folders elsewhere); never the repository itself.
    libraries = [Path(p) for p in sys.path if p and os.path.isdir(p)
                 and not (is_checkout() and _is_within(os.path.realpath(p), os.path.realpath(REPO_ROOT)))]
    words = [notebooks_dir()] if notebooks_dir().is_dir() else []  # student material: it ships in the wheel
    return [PACKAGE_DIR, data_dir(), *words, Path(sys.prefix), *libraries]


def course_import_env() -> dict[str, str]:
    """Environment that makes a kernel import the grader's own ``course`` package and data folder.

    Whatever the kernel's interpreter would find by itself (site-packages' copy
    from a wheel, the editable finder of another checkout), the folder that
    holds the grader's package comes first on ``sys.path`` (it is bound into
    the sandbox read-only), and ``COURSE_DATA_DIR`` names the grader's data.
    """
    from course.paths import PACKAGE_DIR, data_dir

    return {"PYTHONPATH": os.fspath(PACKAGE_DIR.parent), "COURSE_DATA_DIR": os.fspath(data_dir())}


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
#: package and ``data/`` are bound by the caller, the scratch folder read-only (the working folder is a tmpfs)
#: and the runtime folder (the kernel's sockets) read-write.
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
    tmpfs_bytes: int = DEFAULT_TMPFS_BYTES,
    scratch_bytes: int | None = None,
    substitutes: Mapping[str, str] | None = None,
) -> list[str]:
    """bubblewrap mount options for one sandbox, in the order bubblewrap must apply them.

    Deeper paths are mounted after shallower ones, so a read-only path inside
    a hidden one shows through, and a hidden path inside a read-only one stays
    hidden. Folders bubblewrap has to create inside a tmpfs get mode 0755 (it
    would make them 0700, which the sandbox uid cannot enter). With
    ``scratch_bytes`` the working folder is a tmpfs of that size and the host's
    scratch folder is shown read-only at :data:`SUBMISSION_FILES_DIR`.
    ``substitutes`` (target -> source) shows the host folder ``source``
    read-only at ``target``, in place of what the host has there.
    """
    scratch_dir, runtime_dir = _real(scratch_dir), _real(runtime_dir)
    wanted: dict[str, str] = {}
    # target -> the host folder shown there read-only instead of the target's own contents.
    sources = {_real(target): _real(source) for target, source in (substitutes or {}).items()}

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
    for target in sources:
        want(target, _READONLY)
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
            args += ["--ro-bind", sources.get(path, path), path]
        elif path == scratch_dir and scratch_bytes is not None:
            # Writes land in RAM, capped; the host's disk and the files copied in stay as they were.
            args += ["--perms", "1777", "--size", str(scratch_bytes), "--tmpfs", path]
        else:
            args += ["--bind", path, path]
    if scratch_bytes is not None:
        args += ["--ro-bind", scratch_dir, SUBMISSION_FILES_DIR]
    return args

