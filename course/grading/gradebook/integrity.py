"""course.grading.gradebook.integrity: what is wrong with a gradebook, as a list of one-line problems.

Checks: SQLite's own ``PRAGMA integrity_check`` and foreign-key check, rows
that point at nothing, scores above the cell's maximum, submitted notebooks
without exactly one grade row per grade cell, grade cells that no longer match
the source notebook, and autograded folders the gradebook does not know.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from course.grading.classdir import SQLITE_BUSY_TIMEOUT
from course.grading.gradebook.store import is_sqlite, sqlite_path


#: (table, column, referenced table): every row's column must name an existing row (or be NULL).
REFERENCES = (
    ("assignment", "course_id", "course"),
    ("notebook", "assignment_id", "assignment"),
    ("base_cell", "notebook_id", "notebook"),
    ("grade_cells", "id", "base_cell"),
    ("solution_cells", "id", "base_cell"),
    ("task_cells", "id", "base_cell"),
    ("source_cell", "notebook_id", "notebook"),
    ("submitted_assignment", "assignment_id", "assignment"),
    ("submitted_assignment", "student_id", "student"),
    ("submitted_notebook", "assignment_id", "submitted_assignment"),
    ("submitted_notebook", "notebook_id", "notebook"),
    ("grade", "notebook_id", "submitted_notebook"),
    ("grade", "cell_id", "base_cell"),
    ("comment", "notebook_id", "submitted_notebook"),
    ("comment", "cell_id", "base_cell"),
)

_ORPHANS = "SELECT COUNT(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {target} r WHERE r.id = t.{column})"

_ABOVE_MAX = """
SELECT sa.student_id, a.name, n.name, bc.name, g.auto_score, g.manual_score, gc.max_score
FROM grade g JOIN grade_cells gc ON gc.id = g.cell_id JOIN base_cell bc ON bc.id = gc.id
JOIN submitted_notebook sn ON sn.id = g.notebook_id JOIN notebook n ON n.id = sn.notebook_id
JOIN submitted_assignment sa ON sa.id = sn.assignment_id JOIN assignment a ON a.id = sa.assignment_id
WHERE g.auto_score > gc.max_score + 1e-9 OR g.manual_score > gc.max_score + 1e-9 OR g.auto_score < 0 OR g.manual_score < 0
"""

_GRADE_ROWS = """
SELECT sa.student_id, a.name, n.name, bc.name, COUNT(g.id)
FROM submitted_notebook sn JOIN notebook n ON n.id = sn.notebook_id
JOIN submitted_assignment sa ON sa.id = sn.assignment_id JOIN assignment a ON a.id = sa.assignment_id
JOIN base_cell bc ON bc.notebook_id = n.id JOIN grade_cells gc ON gc.id = bc.id
LEFT JOIN grade g ON g.notebook_id = sn.id AND g.cell_id = gc.id
GROUP BY sa.student_id, a.name, n.name, bc.name HAVING COUNT(g.id) <> 1
"""

_FOREIGN_GRADES = """
SELECT sa.student_id, a.name, n.name, bc.name
FROM grade g JOIN submitted_notebook sn ON sn.id = g.notebook_id JOIN notebook n ON n.id = sn.notebook_id
JOIN submitted_assignment sa ON sa.id = sn.assignment_id JOIN assignment a ON a.id = sa.assignment_id
JOIN base_cell bc ON bc.id = g.cell_id WHERE bc.notebook_id <> sn.notebook_id
"""

_GRADE_CELLS = """
SELECT a.name, n.name, bc.name FROM grade_cells gc JOIN base_cell bc ON bc.id = gc.id
JOIN notebook n ON n.id = bc.notebook_id JOIN assignment a ON a.id = n.assignment_id
"""


def _source_grade_cells(source_dir: Path, assignment: str, notebook: str) -> set[str] | None:
    import nbformat

    path = Path(source_dir) / assignment / f"{notebook}.ipynb"
    if not path.is_file():
        return None
    from nbgrader.utils import is_grade

    nb = nbformat.read(path, as_version=4)
    return {c.metadata.nbgrader["grade_id"] for c in nb.cells if is_grade(c) and c.metadata.nbgrader.get("grade_id")}


def check_integrity(db_url: str, *, source_dir: Path | None = None, autograded_root: Path | None = None) -> list[str]:
    """The checks of :func:`course.grading.run.verbs.gradebook_integrity`, on an explicit database and folders."""
    from sqlalchemy import create_engine, inspect, text

    problems: list[str] = []
    if is_sqlite(db_url):
        path = sqlite_path(db_url)
        if path is None or not path.is_file():
            return [f"gradebook {path} does not exist"]
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=SQLITE_BUSY_TIMEOUT) as connection:
            verdict = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                problems += [f"SQLite integrity_check: {line}" for line in verdict[:20]]
            for table, rowid, parent, _ in connection.execute("PRAGMA foreign_key_check"):
                problems.append(f"orphan row: {table} rowid {rowid} points at a missing {parent} row")
        connection.close()
    engine = create_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        missing = sorted({t for t, _, r in REFERENCES for t in (t, r)} - tables)
        if missing:
            return problems + [f"not an nbgrader gradebook: table(s) {', '.join(missing)} missing"]
        with engine.connect() as db:
            for table, column, target in REFERENCES:
                count = db.execute(text(_ORPHANS.format(table=table, column=column, target=target))).scalar()
                if count:
                    problems.append(f"{count} orphan row(s) in {table}: {column} names no {target} row")
            for student, assignment, notebook, cell, auto, manual, top in db.execute(text(_ABOVE_MAX)):
                problems.append(f"{student}/{assignment}/{notebook}: grade of '{cell}' is out of range "
                                f"(auto {auto}, manual {manual}, max {top})")
            for student, assignment, notebook, cell, count in db.execute(text(_GRADE_ROWS)):
                problems.append(f"{student}/{assignment}/{notebook}: {count} grade rows for grade cell '{cell}' (expected 1)")
            for student, assignment, notebook, cell in db.execute(text(_FOREIGN_GRADES)):
                problems.append(f"{student}/{assignment}/{notebook}: grade row for '{cell}', a cell of another notebook")
            if source_dir is not None:
                recorded: dict[tuple[str, str], set[str]] = {}
                for assignment, notebook, cell in db.execute(text(_GRADE_CELLS)):
                    recorded.setdefault((assignment, notebook), set()).add(cell)
                for (assignment, notebook), cells in sorted(recorded.items()):
                    source = _source_grade_cells(Path(source_dir), assignment, notebook)
                    if source is not None and source != cells:
                        problems.append(
                            f"{assignment}/{notebook}: the gradebook's grade cells differ from the source notebook "
                            f"(only in the gradebook: {sorted(cells - source)}; only in the source: {sorted(source - cells)}); "
                            "regenerate the assignment before grading")
            if autograded_root is not None and Path(autograded_root).is_dir():
                known = {(s, a) for s, a in db.execute(text(
                    "SELECT sa.student_id, a.name FROM submitted_assignment sa JOIN assignment a ON a.id = sa.assignment_id"))}
                for student_dir in sorted(p for p in Path(autograded_root).iterdir() if p.is_dir()):
                    for assignment_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
                        if (student_dir.name, assignment_dir.name) not in known:
                            problems.append(f"{student_dir.name}/{assignment_dir.name}: autograded but not in the gradebook")
    finally:
        engine.dispose()
    return problems
