"""What grading shows a student or an instructor, in words kept as data (``notebooks/grading.toml``).

Feedback hints, the failed-feedback page, the autograde summary, the grade
report and the item report's figure read their words here, on first use (never
at import), so a translation of the kit changes data files only. The file
ships with the lessons' words (``notebooks/`` becomes ``course/_notebooks`` in
the wheel), so it is there wherever grading runs.

>>> from course.grading import wording
>>> wording.text("grade_report", "no_submissions", assignment="ps1")
'ps1: no submissions'
"""

from __future__ import annotations

from course import paths

#: The data file, in the folder of the kit's words.
FILE_NAME = "grading.toml"


def words(*keys: str):
    """A table or string of ``grading.toml``: ``words("feedback", "error_hints")``."""
    path = paths.notebooks_dir() / FILE_NAME
    if not path.exists():
        raise FileNotFoundError(f"grading's words {paths.display(path)} are missing")
    table = paths.read_toml(path)
    for key in keys:
        table = table[key]
    return table


def text(section: str, key: str, /, **fields) -> str:
    """One string of ``grading.toml``'s ``[section]``, its ``{fields}`` filled."""
    template = words(section, key)
    return template.format(**fields) if fields else template
