"""Text that must never reach a student, and a scan for it in what they receive.

Secret text is every line of a *solution region* (code between ``### BEGIN
SOLUTION`` and ``### END SOLUTION``, or the whole model answer of a written
question) and of a *hidden-test region* (``### BEGIN HIDDEN TESTS`` …
``### END HIDDEN TESTS``) in an nbgrader source notebook. Lines are compared
after normalising whitespace; lines shorter than :data:`MIN_LENGTH` (``else:``,
``return counts``) and lines that also occur in the public part of the source
(instructions, visible tests) are ignored, because they reveal nothing.

The scan is used twice: the tests check every released notebook and every
feedback file with it, and :func:`course.grading.reports.feedback` checks each feedback
file before releasing it, withholding any file that would leak.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Normalised lines shorter than this are too generic to count as a leak.
MIN_LENGTH = 16

SOLUTION_BEGIN, SOLUTION_END = "BEGIN SOLUTION", "END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


def normalise(line: str) -> str:
    """One line with runs of whitespace collapsed to one space and the ends stripped."""
    return re.sub(r"\s+", " ", line).strip()


def _region_lines(source: str, begin: str, end: str) -> tuple[list[str], list[str]]:
    """Split a cell's lines into (inside the region, outside it); marker lines belong to neither."""
    inside, outside, within = [], [], False
    for line in source.splitlines():
        if begin in line:
            within = True
        elif end in line:
            within = False
        else:
            (inside if within else outside).append(line)
    return inside, outside


def split_source(notebook) -> tuple[set[str], set[str]]:
    """(secret lines, public lines) of an nbgrader source notebook, normalised."""
    from nbgrader.utils import is_grade, is_solution

    secret, public = set(), set()
    for cell in notebook.cells:
        source = cell.get("source", "")
        if is_solution(cell) and cell.cell_type == "markdown":
            inside, outside = source.splitlines(), []
        elif is_solution(cell):
            inside, outside = _region_lines(source, SOLUTION_BEGIN, SOLUTION_END)
        elif is_grade(cell):
            inside, outside = _region_lines(source, HIDDEN_BEGIN, HIDDEN_END)
        else:
            inside, outside = [], source.splitlines()
        secret.update(normalise(line) for line in inside)
        public.update(normalise(line) for line in outside)
    return secret, public


def secret_lines(notebook, *, allowed: str = "") -> set[str]:
    """The secret lines worth scanning for: long enough, not public, not in ``allowed``.

    ``allowed`` is text the recipient may legitimately see again, such as a
    student's own submission (a student whose answer equals the model
    solution gets their own words back in the feedback).
    """
    secret, public = split_source(notebook)
    public_text = "\n".join(public)
    allowed_text = "\n".join(normalise(line) for line in allowed.splitlines())
    return {
        line
        for line in secret
        if len(line) >= MIN_LENGTH and line not in public_text and line not in allowed_text
    }


class _TextExtractor(HTMLParser):
    """Collect the visible text of an HTML page (no tags, no style or script)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The visible text of an HTML document, one normalised line per line."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return "\n".join(normalise(line) for line in "".join(parser.parts).splitlines())


def output_lines(output) -> list[str]:
    """The text lines of one cell output: stream text or plain-text data, traceback and error value (not normalised)."""
    text = output.get("text") or output.get("data", {}).get("text/plain", "")
    lines = "".join(text).splitlines() if isinstance(text, list) else str(text).splitlines()
    return lines + list(output.get("traceback", [])) + [output.get("evalue", "")]


def notebook_text(notebook) -> str:
    """Every cell source and every text output of a notebook, one normalised line per line."""
    lines = []
    for cell in notebook.cells:
        lines.extend(cell.get("source", "").splitlines())
        for output in cell.get("outputs", []):
            lines.extend(output_lines(output))
    return "\n".join(normalise(line) for line in lines)


def find_leaks(text: str, secrets: set[str]) -> list[str]:
    """The secret lines that occur in ``text`` (already normalised line by line), sorted."""
    return sorted(line for line in secrets if line in text)
