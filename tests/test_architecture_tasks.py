"""docs/architecture.md's "Where a change goes" table, tested by use.

Three common newcomer tasks (issue 24, item 8) are done in a scratch copy of the
repository the way the table says: every file the task edits must be one the
table's row names (the list is parsed from the doc, so a moved module is
followed there), every other file that changes must be one ``python -m course
build`` wrote, and then the row's commands and the fast tests of the wings
the task touches pass in the copy. A file the task needs that the row leaves
out fails here, naming the row and the file: fix the doc, not the test.
"""

from __future__ import annotations

import hashlib
import json
import re
from fnmatch import fnmatch
from pathlib import Path

import nbformat
import pytest
from scratch_repo import copy_repo, run_in

from course import paths

pytestmark = pytest.mark.slow  # each task runs a build and a few fast test files in its copy (about a minute)

DOC = paths.REPO_ROOT / "docs" / "architecture.md"
SKIPPED = ("__pycache__", ".pytest_cache")


def table_rows(doc: str = DOC.read_text(encoding="utf-8")) -> dict[str, str]:
    """The rows of "Where a change goes", by their bold task (``add a lesson``) -> the whole row."""
    section = doc.split("## Where a change goes", 1)[1]
    return {m.group(1): line for line in section.splitlines() if (m := re.match(r"\| \*\*(.+?)\*\*", line))}


def named_patterns(row: str) -> list[str]:
    """The files a row names, as patterns: each backticked path (``<placeholder>`` -> ``*``, a folder -> all in it)."""
    patterns = []
    for token in re.findall(r"`([^`\s]+)`", row):
        if "/" not in token:  # a name (`Limits`), not a path
            continue
        pattern = re.sub(r"<[^>]+>", "*", token)
        patterns.append(pattern + "*" if pattern.endswith("/") else pattern)
    return patterns


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*")
            if p.is_file() and not any(part in SKIPPED for part in p.parts)}


class Newcomer:
    """Someone doing one task in a scratch copy, allowed to edit only what the task's row names."""

    def __init__(self, copy: Path, task: str):
        rows = table_rows()
        assert task in rows, f"docs/architecture.md has no row '{task}' (rows: {', '.join(rows)})"
        self.copy, self.task, self.row = copy, task, rows[task]
        self.patterns = named_patterns(self.row)
        self.before = snapshot(copy)
        self.edited: set[str] = set()
        self.built: set[str] = set()

    def may_edit(self, relative: str) -> bool:
        return any(fnmatch(relative, pattern) for pattern in self.patterns)

    def edit(self, relative: str, change) -> None:
        """Replace the text of ``relative`` (created when missing) with ``change(old text)``."""
        assert self.may_edit(relative), f"the row '{self.task}' of docs/architecture.md does not name {relative}"
        path = self.copy / relative
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        new = change(old)
        assert new != old, f"{relative}: the edit changed nothing"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new, encoding="utf-8")
        self.edited.add(relative)

    def file_defining(self, name: str) -> str:
        """The one file the row names that defines ``name`` (``class Limits``), wherever the wing keeps it."""
        found = [str(p.relative_to(self.copy)) for pattern in self.patterns for p in self.copy.glob(pattern)
                 if p.suffix == ".py" and re.search(rf"^\s*(class|def) {name}\b", p.read_text(encoding="utf-8"), re.M)]
        assert len(set(found)) == 1, f"the row '{self.task}' should name the one file defining {name}; found {found}"
        return found[0]

    def course(self, *args: str) -> str:
        """``python -m course ARGS`` in the copy; it must succeed. Files ``build`` writes count as generated."""
        result = run_in(self.copy, "-m", "course", *args)
        assert result.returncode == 0, f"course {' '.join(args)} failed in the copy:\n{result.stdout}\n{result.stderr}"
        if args[:1] == ("build",) and not {"--list", "--check"} & set(args):
            assert "python -m course build" in self.row, f"the row '{self.task}' never says to run the build"
            self.built |= {line.split(" wrote ", 1)[1] for line in result.stdout.splitlines() if " wrote " in line}
        return result.stdout

    def fast_tests(self, *targets: str, deselect: str = "") -> None:
        command = ["-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not slow", *targets]
        result = run_in(self.copy, *command, *(["-k", deselect] if deselect else []), timeout=900)
        assert result.returncode == 0, f"the fast tests fail after '{self.task}':\n{result.stdout[-4000:]}{result.stderr[-2000:]}"

    def changed_outside_the_row(self) -> list[str]:
        after = snapshot(self.copy)
        changed = {p for p in set(after) | set(self.before) if after.get(p) != self.before.get(p)}
        return sorted(changed - self.edited - self.built)


@pytest.fixture
def newcomer(tmp_path):
    return lambda task: Newcomer(copy_repo(tmp_path / "repo"), task)


def test_the_table_s_paths_exist():
    """Does every file or folder the table names exist (a moved module makes its row wrong)?"""
    missing = [(task, pattern) for task, row in table_rows().items() for pattern in named_patterns(row)
               if "*" not in pattern and not (paths.REPO_ROOT / pattern).exists()]
    assert missing == []


def append(text: str, gap: str = "\n\n"):
    """An edit that adds ``text`` at the end (after a blank line; ``gap="\\n"`` for a CSV row)."""
    return lambda old: old.rstrip("\n") + gap + text.strip("\n") + "\n"


def test_a_new_lesson_with_its_check_yourself_questions(newcomer):
    me = newcomer("add a lesson")
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                 "language": "python"}})
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# 09 · Checking a second source\n\n## Objectives\n\n- Name the first move of "
                                      "a check.\n\n## Questions\n\n- Where does a check start?\n\n## Time\n\n"
                                      "- Teaching: 10 min\n- Exercises: 10 min"),
        nbformat.v4.new_code_cell('from course.lessons.practice import ask\n\nask("09-first-move")'),
        nbformat.v4.new_code_cell('ask("09-who-is-behind")'),
        nbformat.v4.new_markdown_cell("## Key points\n\n- A check starts before reading on."),
    ]
    me.edit("notebooks/09-checking-a-second-source.ipynb", lambda _: nbformat.writes(notebook) + "\n")
    me.edit("notebooks/lessons.toml", append('[[lesson]]\nid = "09"\nfile = "09-checking-a-second-source.ipynb"\n'
                                             'title = "Checking a second source"\nteaching_minutes = 10\n'
                                             'exercise_minutes = 10\nassignment = ""'))
    me.edit("notebooks/practice.toml", append('''
[[question]]
id = "09-first-move"
lesson = "09"
kind = "concept"
prompt = "Before you read a new source closely, what comes first?"
choices = ["Stop and ask what you know about who published it", "Share it", "Count its words"]
answer = 0
explanation = "A check starts by stopping and asking what you know about the source."

[[question]]
id = "09-who-is-behind"
lesson = "09"
kind = "concept"
prompt = "How do you find out who is behind an unfamiliar website?"
choices = ["Read what other, independent sources say about it", "Trust its About page", "Look at its design"]
answer = 0
explanation = "Reading laterally: a site's description of itself is a claim to check too."
'''))
    me.course("build")
    assert me.changed_outside_the_row() == []
    me.fast_tests("tests/lessons")


def test_a_new_claim_with_its_evidence(newcomer):
    me = newcomer("add or correct a claim")
    notes = "data/research/record_2025.jsonl"
    lines = (me.copy / notes).read_text(encoding="utf-8").splitlines()
    page = f"REC{max(int(json.loads(line)['id'][3:]) for line in lines) + 1:03d}"
    note = {"id": page, "url": "https://example.org/scratch-test-page", "outlet": "Example (a scratch test's page)",
            "original_agency": "", "copy_or_original": "original", "published": "2020-08-20", "language": "en",
            "title": "", "summary": "A page made up for a test in a scratch copy; it never reaches the kit's data.",
            "facts": [{"key": "scratch_fact", "statement": "A statement for the test.", "quote": ""}]}
    middle = len(lines) // 2  # ids live in the notes: a page may be recorded anywhere
    me.edit(notes, lambda _: "\n".join(lines[:middle] + [json.dumps(note)] + lines[middle:]) + "\n")
    me.edit("data/sources.csv", append("S999,Example,Example,news_website,,private (made up for a test),false,A publisher made up for a test,", "\n"))
    me.edit("data/research/source_map.csv", append(f"{page},S999", "\n"))
    me.edit("data/claims.csv", append(
        f'K900,5,It was mad,,,the document,France was angry about the coup.,inference,,unverifiable,'
        f'"A test claim, checked against one page.",{page},verified', "\n"))
    me.course("build")
    assert f"{page}," in (me.copy / "data" / "evidence.csv").read_text(encoding="utf-8")
    me.course("check")
    assert me.changed_outside_the_row() == []
    me.fast_tests("tests/evidence", "tests/document")


def test_a_new_grading_limit(newcomer):
    me = newcomer("add a grading limit")
    limits = me.file_defining("Limits")
    me.edit(limits, lambda old: re.sub(r"(\n    open_files: int = .*\n)", r"\1    locked_bytes: int = 8 * MiB\n", old, 1))
    me.edit(limits, lambda old: re.sub(r'(\n( +)f"--nofile=\{self.open_files\}",\n)',
                                       r'\1\2f"--memlock={self.locked_bytes}",\n', old, 1))
    me.edit(limits, lambda old: old.replace("  - ``open_files`` -> RLIMIT_NOFILE;",
                                            "  - ``locked_bytes`` -> RLIMIT_MEMLOCK (``mlock`` past it fails).\n"
                                            "  - ``open_files`` -> RLIMIT_NOFILE;", 1))
    cases = next(p for p in me.patterns if p.endswith("hostile_cases.py"))
    payload = ('\nLOCK_MEMORY = \'\'\'\nimport ctypes as _ctypes, mmap as _mmap\n_size = 64 * 2**20\n'
               '_buffer = _mmap.mmap(-1, _size)\n_libc = _ctypes.CDLL(None, use_errno=True)\n'
               '_address = _ctypes.addressof(_ctypes.c_char.from_buffer(_buffer))\n'
               'print("mlock refused" if _libc.mlock(_ctypes.c_void_p(_address), _ctypes.c_size_t(_size)) else "mlock allowed")\n'
               "'''\n")
    case = ('        HostileCase("lock-memory", "runaway", _append_to_last_answer(LOCK_MEMORY),\n'
            '                    Expectation("graded", output_pattern=r"mlock refused"), "locks 64 MiB of memory"),\n')
    me.edit(cases, lambda old: old.replace("\nOUTPUT_FLOOD = '''", payload + "\nOUTPUT_FLOOD = '''", 1))
    me.edit(cases, lambda old: old.replace('        HostileCase("output-flood"', case + '        HostileCase("output-flood"', 1))
    me.edit("docs/grading-at-scale.md", lambda old: old.replace("file size, open files,", "file size, open files, "
                                                                "8 MiB of locked memory,", 1))
    me.course("build", "--check")
    assert me.changed_outside_the_row() == []
    module = limits.removesuffix(".py").replace("/", ".")
    result = run_in(me.copy, "-c", f"from {module} import Limits; print(Limits().prlimit_args())")
    assert f"--memlock={8 * 2**20}" in result.stdout, result.stderr  # the new limit reaches the sandbox's command line
    catalogue = run_in(me.copy, "-c", f"import sys; sys.path.insert(0, {str(Path(cases).parent)!r}); import hostile_cases; "
                                      "print([c.name for c in hostile_cases.hostile_cases()])")
    assert "'lock-memory'" in catalogue.stdout, catalogue.stderr  # the new case is in the catalogue the hostile suite runs
    me.fast_tests("tests/test_layers.py", "tests/grading/test_hostile.py", "tests/grading/sandbox/test_sandbox.py",
                  # the hostile catalogue's own checks, and the sandbox tests a new prlimit option could break
                  deselect="not come_back_from_the_sandbox and (test_hostile or test_layers or normal_notebook_runs "
                           "or limits_reject or file_size_limit)")
