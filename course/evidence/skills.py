"""The skills graded work assesses: one vocabulary for assignments, rubric points and the item analysis.

Every graded cell of an assignment (autograded test or written-answer rubric
point) carries exactly one skill in its cell metadata, under
``metadata["course"]["skill"]``. The vocabulary follows the four moves of
**SIFT** (Mike Caulfield: *Stop; Investigate the source; Find better
coverage; Trace claims, quotes and media to the original context*) and the
three questions of the Stanford History Education Group's **Civic Online
Reasoning** (*Who is behind the information? What is the evidence? What do
other sources say?*), split where the course needs finer grain: the
translated document's names, dates and numbers and its quotations are checked
separately, and reading an argument (its structure, what it leaves out) gets
two skills of its own.

``data-skills`` is not a source-evaluation skill: it tags the optional track
of table-querying functions, worth bonus points or none.
"""

from __future__ import annotations

from course.evidence import vocabulary

#: skill id -> (short label, what a student who has it can do), i.e. a vocabulary :class:`~course.evidence.vocabulary.Term`.
#: The words are in notebooks/vocabulary.toml (``[skill]``), read on first use. Order is the order of reports.
SKILLS = vocabulary.SKILLS

#: The optional track: table queries in Python. Marked in the notebooks, worth bonus points or none.
DATA_SKILLS = "data-skills"
OPTIONAL_SKILLS = vocabulary.OPTIONAL_SKILLS


def label(skill: str) -> str:
    """The short label of a skill id (``KeyError`` for an unknown one)."""
    return (OPTIONAL_SKILLS if skill in OPTIONAL_SKILLS else SKILLS)[skill].label


def is_known(skill: str) -> bool:
    """Is ``skill`` in the vocabulary (core or optional)?"""
    return skill in SKILLS or skill in OPTIONAL_SKILLS


def cell_skill(cell) -> str | None:
    """The skill a notebook cell (dict or NotebookNode) carries, or None."""
    return ((cell.get("metadata") or {}).get("course") or {}).get("skill")
