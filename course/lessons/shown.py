"""What a lesson call returns for display: HTML for the notebook, plain text for a terminal.

Kept in a module of its own that imports nothing, so the source-packet cell of a problem set
(:mod:`course.lessons.packets`), which a grading kernel runs, shares it without loading the views.
"""

from __future__ import annotations


class Shown:
    """HTML for the notebook, plain text for a terminal."""

    def __init__(self, html: str, text: str):
        self.html, self.text = html, text

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text
