"""course.grading.sandbox.scratch: the folders a sandboxed kernel works in, and what crosses their edge.

Each notebook runs in a fresh, private scratch folder outside the class
(:func:`fill_scratch` puts in what the submission needs; the sanitized
notebook nbgrader grades is never copied: it holds the restored hidden
tests). As root the folder is handed to the kernel's own uid for the run
(:func:`hand_over`) and handed back afterwards (:func:`take_back`), which
deletes the links, FIFOs and sockets student code left there so the grader
never writes through them (a sandboxed kernel sees the folder read-only and
works in a tmpfs copy; nothing it writes comes back), and
:func:`remove_stale_scratch` deletes what
a grader killed with SIGKILL left in the temporary folder.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import Iterable

#: Never copied into a scratch folder: what nbgrader keeps about the submission, and notebooks
#: (the raw submitted notebooks are copied separately; the sanitized one holds hidden tests).
NEVER_COPY_IN = ("*.ipynb", "timestamp.txt", "submission_secret.txt")

#: Scratch roots are named course-grading-<pid>-...: a root whose process is gone is stale.
SCRATCH_PREFIX = "course-grading-"
#: A kernel's runtime folder (sockets, connection file): inside its pool's scratch root, or in the
#: temporary folder for a kernel started alone; OWNER_FILE in it names the grading process.
RUNTIME_PREFIX = "sandbox-kernel-"
OWNER_FILE = "grader.pid"


# --------------------------------------------------------------------------
# Handing a folder to the sandbox uid and back
# --------------------------------------------------------------------------

def _walk(root: str) -> Iterable[str]:
    yield root
    for folder, dirs, files in os.walk(root):  # does not follow symlinked folders
        for name in itertools.chain(dirs, files):
            yield os.path.join(folder, name)


def hand_over(root: str, uid: int, gid: int) -> dict[str, tuple[int, int]]:
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


def wait_until_gone(uid: int, timeout: float = 30) -> bool:
    """Wait for every process of a sandbox uid to end (a killed PID namespace empties
    asynchronously: thousands of fork-bomb processes take a moment)."""
    deadline = time.monotonic() + timeout
    while processes_of(uid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def take_back(root: str, uid: int, owners: dict[str, tuple[int, int]]) -> list[str]:
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
# What goes in (nothing comes back: the sandbox works on a tmpfs copy)
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


def chown_tree(root: Path, uid: int) -> None:
    """Give a scratch folder's contents to the kernel's uid (it may change or delete them, as in its own cwd)."""
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)



# --------------------------------------------------------------------------
# What a killed grader left behind
# --------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _ours(folder: Path) -> bool:
    """A real folder (not a link) owned by this user: another account's runs in a shared /tmp are not ours to judge."""
    try:
        info = folder.lstat()
    except OSError:
        return False
    import stat

    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()


def remove_stale_scratch(base: str | os.PathLike | None = None) -> list[Path]:
    """Delete the scratch roots and kernel runtime folders of grading processes that no longer run.

    A run killed with SIGKILL cannot clean up after itself; the next one
    does. Roots are named ``course-grading-<pid>-...`` and runtime folders
    hold a ``grader.pid`` file: only those whose process is gone are removed.
    Returns what was removed.
    """
    base = Path(base or tempfile.gettempdir())
    removed = []
    for root in base.glob(f"{SCRATCH_PREFIX}*"):
        match = re.fullmatch(rf"{SCRATCH_PREFIX}(\d+)-.+", root.name)
        if match and _ours(root) and not _alive(int(match.group(1))):
            shutil.rmtree(root, ignore_errors=True)
            removed.append(root)
    for runtime in base.glob(f"{RUNTIME_PREFIX}*"):
        try:
            owner = int((runtime / OWNER_FILE).read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            continue  # not one of ours, or still being set up
        if _ours(runtime) and not _alive(owner):
            shutil.rmtree(runtime, ignore_errors=True)
            removed.append(runtime)
    return removed
