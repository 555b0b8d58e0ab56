"""The student edition of the data package: ``data/`` without the desk's private notes.

Graded work asks students to reach the kit's findings themselves. Those
findings live in the instructor-only assessment bank
(:mod:`course.evidence.bank`), so the teaching package in ``data/`` is
already what a student may see, except ``data/research/``, the fact-check
desk's working notes, which discuss assessed verdicts (:data:`PRIVATE_FOLDERS`).
The student edition is a copy of ``data/`` without them:

* for JupyterHub, ``deploy/install-kit.sh`` builds one with ``python -m
  course.evidence.editions DIR`` and points students' ``COURSE_DATA_DIR`` at it;
* a grading kernel is given one in place of ``data/``
  (:mod:`course.grading.sandbox.studentdata`).

Which rows are assessed is authored in the assignments themselves: every grade
cell names, in ``metadata["course"]["assesses"]``, the rows whose findings it
asks for; :func:`assessed_by_assignment` reads them, and the tests check each
is in the bank.

This module reads files with the standard library only.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from course import paths
from course.errors import CourseError

EDITION_KEY = "course:edition"
#: Folders of data/ never shipped in the student edition (the desk's working notes discuss verdicts).
PRIVATE_FOLDERS = ("research",)


class EditionError(CourseError):
    """The student edition cannot be built (no assignments to read what they assess)."""


def assignments_dir() -> Path:
    return paths.REPO_ROOT / "assignments"


def assessed_by_assignment() -> dict[str, dict[str, set[str]]]:
    """assignment id -> table -> ids of rows its grade cells assess (from cell metadata)."""
    folder = assignments_dir()
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise EditionError(f"no {manifest}: the assignments are not in this copy of the kit")
    result = {}
    for item in json.loads(manifest.read_text(encoding="utf-8"))["assignments"]:
        notebook = json.loads((folder / item["id"] / f"{item['id']}.ipynb").read_text(encoding="utf-8"))
        tables: dict[str, set[str]] = {}
        for cell in notebook["cells"]:
            for table, ids in ((cell.get("metadata", {}).get("course") or {}).get("assesses") or {}).items():
                tables.setdefault(table, set()).update(ids)
        result[item["id"]] = tables
    return result


def student_edition(out_dir, *, data_dir=None) -> Path:
    """Write the student edition (``data/`` without :data:`PRIVATE_FOLDERS`) to ``out_dir``, replaced if it
    exists; return it."""
    source = Path(data_dir or paths.data_dir()).resolve()
    out = Path(out_dir).resolve()
    if out == source:
        raise EditionError("the student edition must go to another folder than the data package")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(source, out, ignore=shutil.ignore_patterns(*PRIVATE_FOLDERS))
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    descriptor[EDITION_KEY] = "student"
    (out / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m course.evidence.editions DIR``: write the student edition to DIR."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m course.evidence.editions",
                                     description="write the student edition of the data package (for a student image)")
    parser.add_argument("out_dir", help="folder to write (replaced if it exists)")
    args = parser.parse_args(argv)
    print(f"student edition written to {student_edition(args.out_dir)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
