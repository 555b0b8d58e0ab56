"""Reading what a student hands in: regular files and plain folders only, never through a link, bounded.

nbgrader copies exchange entries with ``shutil.copytree`` and a submission's
extra files with ``shutil.copy``; both follow symbolic links with the grader's
rights, so a link to the source notebook, the gradebook or ``/dev/zero`` turns
into a copy of it, and a FIFO blocks whoever opens it. Here a submission is
walked with directory file descriptors (``openat`` with ``O_NOFOLLOW``), so a
folder swapped for a link between the check and the copy is refused too:

* :func:`inspect_submission` lists the regular files and says, one line each,
  what is refused: links, FIFOs, sockets, devices, hard links (a second name of
  a file that may live anywhere), files over :attr:`Caps.file_bytes`, more than
  :attr:`Caps.total_bytes` or :attr:`Caps.files` in all, folders nested deeper
  than :attr:`Caps.depth`. It also gives the newest ``ctime`` in the tree, which
  no student can set back: the time the file system saw the entry last written.
* :func:`copy_submission` copies a submission that passed, checking every entry
  again as it opens it; :func:`read_small_file` reads one small file (a
  ``timestamp.txt``) the same way.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MiB = 1024 * 1024
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class SubmittedFileError(Exception):
    """A submitted file that is not taken: the message is one line naming it and why."""


@dataclass(frozen=True)
class Caps:
    """Bounds on one submission (each file, all files, how many, how deep).

    Wider than the grader's 20 MB notebook cap (:mod:`course.grading.preprocessors.cap_attachments`) on purpose: a notebook
    over that cap is still collected, so that its feedback can tell the student why it was not graded.
    """

    file_bytes: int = 100 * MiB
    total_bytes: int = 200 * MiB
    files: int = 500
    depth: int = 8
    #: A hard link in a student's entry may be a second name of any file its owner can reach; in the grader's
    #: own folders (submitted/, autograded/) it is a backup tool's (cp -al, rsnapshot), and reading it is safe.
    refuse_hard_links: bool = True


DEFAULT_CAPS = Caps()
#: For the grader's own copies (submitted/, autograded/): the same, hard links allowed.
GRADER_FOLDER_CAPS = Caps(refuse_hard_links=False)


@dataclass
class Inspection:
    """What :func:`inspect_submission` found: the files it would take, and what it refuses."""

    files: list[tuple[str, int]] = field(default_factory=list)  # (relative path, bytes)
    refused: list[str] = field(default_factory=list)
    newest_change_ns: int = 0

    @property
    def ok(self) -> bool:
        return not self.refused

    def reason(self) -> str:
        """All refusals in one line ('' when there are none)."""
        if len(self.refused) <= 3:
            return "; ".join(self.refused)
        return "; ".join(self.refused[:3]) + f"; and {len(self.refused) - 3} more"


def kind_of(mode: int) -> str:
    """A file type in words, for one-line refusals."""
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"), (stat.S_ISREG, "a regular file")):
        if test(mode):
            return name
    return "not a regular file"


def _scan(dir_fd: int, relative: str, caps: Caps, found: Inspection, depth: int, visit_file=None) -> None:
    """Walk one opened folder (see :func:`inspect_submission`); ``visit_file(fd, relative, size)`` gets each file opened."""
    try:
        with os.scandir(dir_fd) as entries:
            listed = sorted(entries, key=lambda entry: entry.name)
    except OSError as error:  # a folder the grader may not list (its owner's chmod): refused, never a crash
        found.refused.append(f"{relative or '.'}/ cannot be listed ({error.strerror})")
        return
    for entry in listed:
        path = f"{relative}/{entry.name}" if relative else entry.name
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue  # removed while we looked: nothing to take
        except OSError as error:
            found.refused.append(f"{path} cannot be examined ({error.strerror})")
            continue
        found.newest_change_ns = max(found.newest_change_ns, info.st_ctime_ns)
        if stat.S_ISDIR(info.st_mode):
            if depth >= caps.depth:
                found.refused.append(f"{path}/ is nested more than {caps.depth} folders deep")
                continue
            try:
                child = os.open(entry.name, _DIRECTORY, dir_fd=dir_fd)
            except OSError as error:
                found.refused.append(f"{path}/ cannot be opened as a plain folder ({error.strerror})")
                continue
            try:
                _scan(child, path, caps, found, depth + 1, visit_file)
            finally:
                os.close(child)
            continue
        if not stat.S_ISREG(info.st_mode):
            found.refused.append(f"{path} is {kind_of(info.st_mode)}")
            continue
        if info.st_nlink > 1 and caps.refuse_hard_links:
            found.refused.append(f"{path} is a hard link (one of {info.st_nlink} names of the same file)")
            continue
        if info.st_size > caps.file_bytes:
            found.refused.append(f"{path} is {info.st_size / MiB:.1f} MB, over the {caps.file_bytes / MiB:g} MB limit per file")
            continue
        total = sum(size for _, size in found.files) + info.st_size
        if total > caps.total_bytes:
            found.refused.append(f"the submission is over the {caps.total_bytes / MiB:g} MB limit in all (at {path})")
            continue
        if len(found.files) >= caps.files:
            found.refused.append(f"the submission has more than {caps.files} files (at {path})")
            continue
        if visit_file is not None:
            try:
                fd = _open_regular(entry.name, dir_fd, path, info, caps.file_bytes, caps.refuse_hard_links)
            except SubmittedFileError as error:
                found.refused.append(str(error))
                continue
            try:
                visit_file(fd, path, info.st_size)
                # Written to while it was read? Its ctime says so: the newest change counts what was copied.
                found.newest_change_ns = max(found.newest_change_ns, os.fstat(fd).st_ctime_ns)
            finally:
                os.close(fd)
        found.files.append((path, info.st_size))


def _open_regular(name: str, dir_fd: int | None, shown: str, expected=None, limit: int = DEFAULT_CAPS.file_bytes,
                  refuse_hard_links: bool = True) -> int:
    """Open a regular file without following a link or blocking; the same file that was listed, if ``expected``."""
    try:
        fd = os.open(name, _READ, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == getattr(os, "ELOOP", 40):
            raise SubmittedFileError(f"{shown} is a symbolic link") from None
        raise SubmittedFileError(f"{shown} cannot be opened ({error.strerror})") from None
    info = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(info.st_mode):
        problem = f"{shown} is {kind_of(info.st_mode)}"
    elif expected is not None and (info.st_ino, info.st_dev) != (expected.st_ino, expected.st_dev):
        problem = f"{shown} changed while it was being read"
    elif info.st_nlink > 1 and refuse_hard_links:
        problem = f"{shown} is a hard link (one of {info.st_nlink} names of the same file)"
    elif info.st_size > limit:
        problem = f"{shown} is {info.st_size / MiB:.1f} MB, over the {limit / MiB:g} MB limit per file"
    if problem:
        os.close(fd)
        raise SubmittedFileError(problem)
    return fd


def _open_root(root: Path) -> int:
    try:
        info = os.lstat(root)
    except FileNotFoundError:
        raise SubmittedFileError(f"{root.name} does not exist") from None
    if not stat.S_ISDIR(info.st_mode):
        raise SubmittedFileError(f"{root.name} is {kind_of(info.st_mode)}, not a plain folder")
    try:
        return os.open(root, _DIRECTORY)
    except OSError as error:
        raise SubmittedFileError(f"{root.name} cannot be opened as a plain folder ({error.strerror})") from None


def inspect_submission(root: str | os.PathLike, caps: Caps = DEFAULT_CAPS) -> Inspection:
    """The regular files under ``root`` and, one line each, everything refused (see the module docstring).

    ``root`` itself must be a plain folder, not a link; when it is not, that is
    the one refusal.
    """
    root = Path(root)
    found = Inspection()
    try:
        fd = _open_root(root)
    except SubmittedFileError as error:
        found.refused.append(str(error))
        return found
    try:
        found.newest_change_ns = os.fstat(fd).st_ctime_ns
        _scan(fd, "", caps, found, 0)
    finally:
        os.close(fd)
    return found


def copy_submission(source: str | os.PathLike, target: str | os.PathLike, caps: Caps = DEFAULT_CAPS,
                    skip: tuple[str, ...] = ()) -> Inspection:
    """Copy the regular files of ``source`` into the new folder ``target``; raise if anything is refused.

    Every entry is checked again as it is opened (no link followed, the same
    file that was listed, within the caps), so nothing swapped in after an
    :func:`inspect_submission` gets through. ``skip`` names top-level files not
    to copy. On a refusal ``target`` is removed and :class:`SubmittedFileError`
    says why, in one line.
    """
    import shutil

    source, target = Path(source), Path(target)
    target.mkdir(parents=True, exist_ok=False)

    def put(fd: int, relative: str, size: int) -> None:
        if relative in skip:
            return
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        out = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        try:
            copied = 0
            while chunk := os.read(fd, 1 << 20):
                copied += len(chunk)
                if copied > size:  # grew after it was listed: never copy more than was checked
                    raise SubmittedFileError(f"{relative} grew while it was being copied")
                os.write(out, chunk)
        finally:
            os.close(out)

    found = Inspection()
    try:
        fd = _open_root(source)
        try:
            found.newest_change_ns = os.fstat(fd).st_ctime_ns
            _scan(fd, "", caps, found, 0, visit_file=put)
        finally:
            os.close(fd)
        if found.refused:
            raise SubmittedFileError(found.reason())
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return found


def read_small_file(path: str | os.PathLike, limit: int = 4096) -> bytes:
    """The bytes of a small regular file, read without following a link or blocking on a FIFO.

    Raises :class:`SubmittedFileError` (one line) for a link, a FIFO, a device,
    or a file over ``limit`` bytes; ``FileNotFoundError`` when
    there is none.
    """
    path = Path(path)
    if not os.path.lexists(path):
        raise FileNotFoundError(path)
    # A hard link is allowed here: what is read is bounded, and a backup tool's links are harmless.
    fd = _open_regular(str(path), None, path.name, limit=limit, refuse_hard_links=False)
    try:
        return os.read(fd, limit + 1)[:limit]
    finally:
        os.close(fd)
