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

#: skill id -> (short label, what a student who has it can do). Order is the order of reports.
SKILLS: dict[str, tuple[str, str]] = {
    "investigate-source": ("Investigate the source",
                           "Says who is behind a page or document, what they want and how they found out (SIFT: Investigate; COR: who is behind it?)."),
    "lateral-reading": ("Find better coverage",
                        "Leaves the page to see what other, independent sources say about it or its claim (SIFT: Find; COR: what do other sources say?)."),
    "trace-origin": ("Trace the claim to its origin",
                     "Follows a claim, citation or figure back to the report it first appeared in and compares the two (SIFT: Trace)."),
    "quotation-fidelity": ("Quotation fidelity",
                           "Tells a faithful quotation from a summary, a cut or a changed wording, and quotes exactly (SIFT: Trace; COR: what is the evidence?)."),
    "names-dates-numbers": ("Names, dates and numbers",
                            "Checks a printed name, date or figure against the record, allowing for translation and transliteration."),
    "argument-structure": ("Argument structure",
                           "Separates a conclusion from its premises and judges how well the evidence offered supports it (COR: what is the evidence?)."),
    "omission-alternatives": ("Omission and alternatives",
                              "Notices what a source leaves out and weighs other explanations the record supports."),
}

#: The optional track: table queries in Python. Marked in the notebooks, worth bonus points or none.
DATA_SKILLS = "data-skills"
OPTIONAL_SKILLS: dict[str, tuple[str, str]] = {
    DATA_SKILLS: ("Data skills (optional)", "Queries the kit's tables with Python functions."),
}


def label(skill: str) -> str:
    """The short label of a skill id (``KeyError`` for an unknown one)."""
    return {**SKILLS, **OPTIONAL_SKILLS}[skill][0]


def is_known(skill: str) -> bool:
    """Is ``skill`` in the vocabulary (core or optional)?"""
    return skill in SKILLS or skill in OPTIONAL_SKILLS


def cell_skill(cell) -> str | None:
    """The skill a notebook cell (dict or NotebookNode) carries, or None."""
    return ((cell.get("metadata") or {}).get("course") or {}).get("skill")
