"""Editions of the data package: the full one for instructors and the grader, a student one for kernels.

Graded work asks students to reach the kit's findings themselves (a claim's
verdict, the page that settles it, how a citation compares with its original,
what the record says about a figure). The **student edition** is the one data
package with those findings held back for every row that graded work assesses:
the cells listed in :data:`WITHHELD` are emptied, nothing else changes, so every
lesson and assignment still loads the same tables with the same columns.

Which rows are assessed is authored in the assignments themselves: every grade
cell names, in ``metadata["course"]["assesses"]``, the rows whose findings it
asks for (``{"claims": ["K015"], "forces": ["F05"]}``).
:func:`write_assessed_table` collects them into ``data/assessed.csv`` (table,
row id, assignment), a generated resource of the data package, so a kernel
that sees only the data folder (a sandboxed grading kernel, a student image)
knows what to hold back; ``tests/grading/test_editions.py`` checks the file
agrees with the assignments. :func:`assessed_ids` reads it. Rows
linked to an assessed claim are held back with it (its quote pairs, its
citation's comparison, the force rows and events that list it), see
:func:`expand`. Once an assignment's feedback is released, name it in
``COURSE_FEEDBACK_RELEASED`` (comma-separated ids) and its rows come back,
unless a later assignment still assesses them.

How a kernel gets the student edition (see ``docs/assessment.md``):

* ``course.evidence.data`` asks :func:`course.evidence.data.edition`:
  ``COURSE_DATA_EDITION=student|full`` decides; unset, an IPython kernel gets
  ``student`` and everything else (the command line, the checks, the tests,
  the grading pipeline's own process) gets ``full``.
* With the full package on disk, the student edition is applied in memory when
  a table loads (same function as below), so a checkout behaves like a
  deployment.
* For JupyterHub, build a folder with ``python -m course.evidence.editions
  DIR`` (or :func:`student_edition`), ship only that folder in the student
  image and point ``COURSE_DATA_DIR`` at it: the full tables are then not on the
  students' disk at all. Its ``datapackage.json`` says ``"course:edition":
  "student"`` and lists what it holds back.

This module reads CSV text with the standard library only and never imports
``course.evidence.data`` (which imports it).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

from course import paths

#: table -> (id column, the columns that hold the kit's findings about a row).
WITHHELD: dict[str, tuple[str, tuple[str, ...]]] = {
    "claims": ("claim_id", ("verdict", "rating_explanation", "evidence_ids", "status")),
    "sources": ("source_id", ("source_type", "ownership", "notes", "evidence_ids")),
    "citations": ("citation_id", ("source_id", "original_outlet", "original_date", "original_wording", "comparison", "notes",
                                  "evidence_ids", "status")),
    "quote_pairs": ("pair_id", ("fact_id", "relation", "note")),
    "forces": ("force_id", ("record_personnel", "record_basis", "record_as_of", "record_says", "evidence_ids")),
    "events": ("event_id", ("mentioned_in_document", "claim_ids", "evidence_ids")),
    "arguments": ("argument_id", ("conclusion_claim_id", "premise_claim_ids", "reasoning_weaknesses", "weakness_explanation", "alternative_explanations",
                                  "alternative_event_ids", "alternative_evidence_ids", "what_would_change_it")),
    "actors": ("actor_id", ("document_spellings", "evidence_ids")),
    # diagnostic_items holds no answer to hold back: the diagnostic's key is in the instructor-only bank/keys/.
    # The verdicts of the last release: a held-back claim's is held back too.
    "released_verdicts": ("claim_id", ("verdict",)),
    # The corrections log names a row by (table, row_id): see ROW_KEYED.
    "corrections": ("row_id", ("old_value", "new_value", "reason", "evidence_ids")),
}
#: Tables whose rows are about a row of another table, named by these columns (table column, id column):
#: a corrections row is held back when the row it corrects is.
ROW_KEYED = {"corrections": ("table", "row_id")}
EDITION_KEY = "course:edition"
WITHHELD_KEY = "course:withheld"
RELEASED_ENV = "COURSE_FEEDBACK_RELEASED"
#: Folders of data/ never shipped in the student edition (the desk's working notes discuss verdicts).
PRIVATE_FOLDERS = ("research",)


class EditionError(Exception):
    """The student edition cannot be built (no assignments to read what they assess)."""


def _split(cell: str) -> list[str]:
    return [part.strip() for part in (cell or "").split(";") if part.strip()]


def assignments_dir() -> Path:
    return paths.REPO_ROOT / "assignments"


def released_feedback() -> set[str]:
    """Assignment ids whose feedback is released (``COURSE_FEEDBACK_RELEASED``)."""
    return {part.strip() for part in os.environ.get(RELEASED_ENV, "").split(",") if part.strip()}


def assessed_by_assignment() -> dict[str, dict[str, set[str]]]:
    """assignment id -> table -> ids of rows its grade cells assess (from cell metadata)."""
    folder = assignments_dir()
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise EditionError(f"no {manifest}: the student edition needs the assignments to know what they assess "
                           "(or a student-edition data folder in COURSE_DATA_DIR)")
    result = {}
    for item in json.loads(manifest.read_text(encoding="utf-8"))["assignments"]:
        notebook = json.loads((folder / item["id"] / f"{item['id']}.ipynb").read_text(encoding="utf-8"))
        tables: dict[str, set[str]] = {}
        for cell in notebook["cells"]:
            for table, ids in ((cell.get("metadata", {}).get("course") or {}).get("assesses") or {}).items():
                tables.setdefault(table, set()).update(ids)
        result[item["id"]] = tables
    return result


ASSESSED_FILE = "assessed.csv"
ASSESSED_FIELDS = ("table_name", "row_id", "assignment_id")


def assessed_rows() -> list[tuple[str, str, str]]:
    """(table, row id, assignment id) for every row a grade cell assesses, generated from the assignments."""
    return sorted((table, row_id, assignment_id) for assignment_id, tables in assessed_by_assignment().items()
                  for table, ids in tables.items() for row_id in ids)


def render_assessed_table() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ASSESSED_FIELDS)
    writer.writerows(assessed_rows())
    return buffer.getvalue()


def write_assessed_table(data_dir=None) -> Path:
    """Regenerate ``data/assessed.csv`` from the assignments' cell metadata."""
    path = Path(data_dir or paths.data_dir()) / ASSESSED_FILE
    path.write_text(render_assessed_table(), encoding="utf-8")
    return path


def assessed_ids(released: set[str] | None = None, data_dir=None) -> dict[str, set[str]]:
    """table -> ids assessed by an assignment whose feedback is not released yet (from ``data/assessed.csv``)."""
    released = released_feedback() if released is None else set(released)
    path = Path(data_dir or paths.data_dir()) / ASSESSED_FILE
    if not path.is_file():
        raise EditionError(f"no {path}: the student edition cannot tell what graded work assesses; "
                           "run `python -m course.evidence.editions --write-assessed`")
    merged: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["assignment_id"] not in released:
                merged.setdefault(row["table_name"], set()).add(row["row_id"])
    return merged


def _rows(data_dir: Path, table: str) -> list[dict]:
    path = data_dir / f"{table}.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def expand(assessed: dict[str, set[str]], data_dir: Path | None = None) -> dict[str, set[str]]:
    """Add the rows that would give an assessed finding away: an assessed claim's quote pairs, its citation,
    and the force rows and events that list it; and the claims that cite an assessed citation or are
    quoted by an assessed quote pair (their rating explanations describe that finding)."""
    data_dir = Path(data_dir or paths.data_dir())
    out = {table: set(ids) for table, ids in assessed.items()}
    # A claim, its citation and its quote pairs describe one another (a claim's rating explanation says how the
    # document renders its citation and quote), so each held one holds the others, until nothing changes.
    claim_rows, pair_rows = _rows(data_dir, "claims"), _rows(data_dir, "quote_pairs")
    claims, citations, pairs = (out.setdefault(t, set()) for t in ("claims", "citations", "quote_pairs"))
    while True:
        size = len(claims) + len(citations) + len(pairs)
        for row in claim_rows:
            if row["claim_id"] in claims and row.get("citation_id"):
                citations.add(row["citation_id"])
            elif row.get("citation_id") in citations:
                claims.add(row["claim_id"])
        for row in pair_rows:
            if row["claim_id"] in claims:
                pairs.add(row["pair_id"])
            elif row["pair_id"] in pairs:
                claims.add(row["claim_id"])
        if len(claims) + len(citations) + len(pairs) == size:
            break
    if claims:
        for table, key in (("forces", "force_id"), ("events", "event_id")):
            for row in _rows(data_dir, table):
                if set(_split(row.get("claim_ids", ""))) & claims:
                    out.setdefault(table, set()).add(row[key])
        out.setdefault("released_verdicts", set()).update(claims)
    return out


def _held(table: str, row, assessed: dict[str, set[str]]) -> bool:
    """Whether ``row`` (a dict, or a pandas row) of ``table`` is held back."""
    if table in ROW_KEYED:
        table_column, id_column = ROW_KEYED[table]
        return row[id_column] in assessed.get(row[table_column], ())
    return row[WITHHELD[table][0]] in assessed.get(table, ())


def withhold_rows(table: str, rows, assessed: dict[str, set[str]]):
    """Empty the finding columns of assessed rows, in place, for a list of dicts or a DataFrame of text."""
    if table not in WITHHELD or not (assessed.get(table) or table in ROW_KEYED):
        return rows
    key, columns = WITHHELD[table]
    if hasattr(rows, "loc"):  # a pandas DataFrame read as text
        if table in ROW_KEYED:
            table_column, id_column = ROW_KEYED[table]
            mask = [row_id in assessed.get(other, ()) for other, row_id in zip(rows[table_column], rows[id_column])]
        else:
            mask = rows[key].isin(assessed[table])
        for column in columns:
            if column in rows.columns:
                rows.loc[mask, column] = ""
        return rows
    for row in rows:
        if _held(table, row, assessed):
            for column in columns:
                if column in row:
                    row[column] = ""
    return rows


def in_memory_assessed(data_dir: Path) -> dict[str, set[str]]:
    """What a kernel reading the full package at ``data_dir`` must hold back (expanded)."""
    return expand(assessed_ids(data_dir=data_dir), data_dir)


def student_edition(out_dir, assessed: dict[str, set[str]] | None = None, *, data_dir=None) -> Path:
    """Write the student edition of the data package to ``out_dir`` (replaced if it exists); return it.

    ``assessed`` (table -> ids) defaults to :func:`assessed_ids`; it is expanded
    with :func:`expand`. Files other than the tables are copied as they are,
    except the private folders (:data:`PRIVATE_FOLDERS`).
    """
    source = Path(data_dir or paths.data_dir()).resolve()
    out = Path(out_dir).resolve()
    if out == source:
        raise EditionError("the student edition must go to another folder than the full data package")
    held = expand(assessed_ids(data_dir=source) if assessed is None else assessed, source)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(source, out, ignore=shutil.ignore_patterns(*PRIVATE_FOLDERS))
    descriptor = json.loads((source / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        table = resource["name"]
        if table not in WITHHELD:
            continue
        path = source / resource["path"]
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            fields, rows = reader.fieldnames, list(reader)
        withhold_rows(table, rows, held)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        (out / resource["path"]).write_text(buffer.getvalue(), encoding="utf-8")
    descriptor[EDITION_KEY] = "student"
    descriptor[WITHHELD_KEY] = {table: {"ids": sorted(ids), "columns": list(WITHHELD[table][1])}
                                for table, ids in sorted(held.items()) if table in WITHHELD and ids}
    (out / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m course.evidence.editions DIR``: write the student edition to DIR."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m course.evidence.editions",
                                     description="write the student edition of the data package (for a student image)")
    parser.add_argument("out_dir", nargs="?", help="folder to write (replaced if it exists)")
    parser.add_argument("--write-assessed", action="store_true", help="regenerate data/assessed.csv from the assignments")
    parser.add_argument("--released", default="", help="comma-separated assignment ids whose feedback is released")
    args = parser.parse_args(argv)
    if args.write_assessed:
        print(f"wrote {write_assessed_table()}")
        if not args.out_dir:
            return 0
    if not args.out_dir:
        parser.error("name the folder to write, or pass --write-assessed")
    released = {p.strip() for p in args.released.split(",") if p.strip()} | released_feedback()
    out = student_edition(args.out_dir, assessed_ids(released))
    print(f"student edition written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
