"""course.grading.sandbox.scratch: the folders a sandboxed kernel works in, and what crosses their edge.

Each notebook runs in a fresh, private scratch folder outside the class
(:func:`fill_scratch` puts in what the submission needs; the sanitized
notebook nbgrader grades is never copied: it holds the restored hidden
tests). As root the folder is handed to the kernel's own uid for the run
(:func:`hand_over`) and handed back afterwards (:func:`take_back`), which
deletes the links, FIFOs and sockets student code left there so the grader
never writes through them. :func:`copy_back` brings files the code made
back to the autograded folder, and :func:`remove_stale_scratch` deletes what
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

MiB = 1024 * 1024

#: Never copied into a scratch folder: what nbgrader keeps about the submission, and notebooks
#: (the raw submitted notebooks are copied separately; the sanitized one holds hidden tests).
NEVER_COPY_IN = ("*.ipynb", "timestamp.txt", "submission_secret.txt")
#: Never copied back into the class: a student's code must not replace what is graded or its timestamp.
NEVER_COPY_BACK = ("*.ipynb", "timestamp.txt", "submission_secret.txt")
#: At most this much of what the code wrote is copied back (the rest is left out, and reported).
COPY_BACK_BYTES = 50 * MiB
COPY_BACK_FILES = 500

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
# What goes in, what comes back
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
    """Copy the files the code changed from the scratch folder into the autograded folder.

    Only files that were copied in (the assignment's declared files and the
    student's own) come back. Returns (copied, left out). Left out: new files,
    notebooks, nbgrader's bookkeeping,
    anything past :data:`COPY_BACK_BYTES` / :data:`COPY_BACK_FILES`, and any
    destination that is not a plain path inside ``notebook_dir``.
    """
    copied, left_out, budget = [], [], COPY_BACK_BYTES
    for source, relative in regular_files(scratch):
        info = os.lstat(source)
        if copied_in.get(relative) == (info.st_size, info.st_mtime_ns):
            continue  # what we put there, unchanged
        if relative not in copied_in:
            # Only the assignment's own files (and the student's) come back: anything else the code
            # made stays in the sandbox, so it reaches neither autograded/ nor the feedback.
            left_out.append(relative)
            continue
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
