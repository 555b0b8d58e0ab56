"""The ``report`` verb: item analysis from the gradebook, written as a CSV and drawn as a figure.

:mod:`course.grading.reports.itemanalysis` computes (facility, discrimination, flags,
skills, diagnostic gains); :mod:`course.grading.reports.itemfigure` draws; this module
runs both on a class and writes the files in ``<class>/grades/``.
"""

from __future__ import annotations

from pathlib import Path

from course.grading.reports.itemanalysis import ItemReport, collect_items, write_csv
from course.grading.reports.itemfigure import plot


def item_report(api, assignment_ids: list[str], out_dir: Path) -> ItemReport:
    """Collect, write ``item-analysis.csv`` and ``item-analysis.png`` (+ alt text) in ``out_dir``; return the report."""
    report = collect_items(api, assignment_ids)
    report.csv_path = write_csv(report, Path(out_dir) / "item-analysis.csv")
    report.figure_path, report.alt_text_path = plot(report, Path(out_dir) / "item-analysis.png")
    return report


def report(assignment: str | list[str] = "all", *, class_dir: Path | None = None, api=None) -> ItemReport:
    """The ``report`` verb: item and skill tables for the class, CSV and figure in ``<class>/grades/``."""
    from course.grading.classdir import GradingError, open_api, resolve_assignments
    from course.grading.gradebook.store import check_gradebook

    ids = resolve_assignments(assignment)
    api = api or open_api(class_dir)
    # Before anything opens the gradebook: nbgrader would create one (and the report its files) in any folder.
    check_gradebook(api.coursedir.db_url, must_exist=True)
    if not any(api.get_autograded_students(assignment_id) for assignment_id in ids):
        raise GradingError(f"nothing in {api.coursedir.root} has been autograded yet ({', '.join(ids)}); "
                           "run `python -m course autograde ASSIGNMENT` first (no report was written)")
    return item_report(api, ids, Path(api.coursedir.root) / "grades")
