"""Feedback that tells students what passed, with a hint, and never shows hidden tests.

nbgrader's autograde restores every locked test cell from the gradebook, hidden
tests included, so stock ``nbgrader generate_feedback`` renders the hidden test
code in the student's HTML, and a failing hidden test's traceback quotes the
failing line. The kit adds one preprocessor to nbgrader's own feedback
pipeline, :class:`~course.grading.preprocessors.hide_hidden_tests.HideHiddenTests`,
that works on the autograded copy before it is rendered, with the words of this module:

* the ``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS`` region is removed
  from each test cell (nbgrader's :class:`~nbgrader.preprocessors.ClearHiddenTests`
  logic) and replaced by one comment line saying hidden tests ran;
* every output of such a cell is reduced to what a student may see: nothing
  when it passed; when it failed, the exception type and a hint. The hint is
  the assertion message when that message is written in the test cell itself
  (so the author controls every word); any other error gets a general hint, so
  a hidden input echoed in an exception message never reaches the student.

A second preprocessor, :class:`~course.grading.preprocessors.skill_summary.SkillSummary`,
puts a short table (:func:`summary_markdown`) at the top of
the feedback: for each graded item and each rubric point of a written answer
(each point has its own answer cell and grade),
its skill and whether it was met (points earned), then the student's share of
points per skill in this assignment. It names rubric points by their public
text (the mark scheme every student sees) and never shows a model answer or an
accepted value.

The same reduction serves :mod:`course.grading.selfcheck`. The pipeline order matters
(grades are read while the cell ids are intact, hidden regions are removed
before the HTML is written); :mod:`course.grading.pipeline` is the one place
that states it.

Every submitted file is a stranger's: a written answer, an output of the
student's code, even the kit's own cell metadata may carry HTML and script.
The configuration (:mod:`course.grading.pipeline`) makes nbconvert's
HTMLExporter render all of it inert wherever nbgrader uses it, Formgrader's
grading page and ``generate_feedback`` alike: markdown is rendered, then
cleaned by an allowlist (:func:`sanitize_html`); HTML and Markdown outputs go
through the same cleaner; Javascript and widget outputs are dropped
(nbconvert's ``sanitize_html``); image metadata that nbconvert writes into an
unquoted attribute is checked
(:class:`~course.grading.preprocessors.safe_output_metadata.SafeOutputMetadata`); and every
feedback file carries a Content-Security-Policy that forbids all script
(:class:`FeedbackExporter`).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter

from course.grading import wording

#: Names other modules and tests read, each a string (or table) of notebooks/grading.toml's ``[feedback]``,
#: looked up on access (:func:`__getattr__`) so that importing this module reads no file:
#: the comment that stands where hidden tests were, the hint shown when a test cell failed with something
#: other than an authored assertion, hints for errors whose cause is usually clear from their type alone
#: (their messages are never shown).
_WORDS = {"HIDDEN_PLACEHOLDER": "hidden_placeholder", "GENERAL_HINT": "general_hint", "ERROR_HINTS": "error_hints"}


def __getattr__(name: str):
    if name in _WORDS:
        return wording.words("feedback", _WORDS[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _text(key: str, /, **fields) -> str:
    return wording.text("feedback", key, **fields)


def hint_for(ename: str, evalue: str, cell_source: str) -> str:
    """The hint a student may see for a failed test.

    ``cell_source`` is the full test cell (hidden region included): an
    AssertionError's message is kept only when it is written in that source,
    so the words come from the author and cannot carry a hidden test's input.
    """
    if ename == "AssertionError" and evalue and evalue in cell_source:
        return evalue
    if ename == "AssertionError" and evalue:  # written with escapes, or one of the answer checker's sentences
        from course.grading.keys.check import authored_message

        if authored_message(evalue, cell_source):
            return evalue
    return wording.words("feedback", "error_hints").get(ename, _text("general_hint"))



def skill_rows(nb) -> list[tuple[str, str, str, float, float]]:
    """(item, kind, skill, score, points) for every graded cell with a skill, after GetGrades set the scores."""
    rows = []
    for cell in nb.cells:
        grade = cell.metadata.get("nbgrader", {})
        course = cell.metadata.get("course") or {}
        if not (grade.get("grade") and course.get("skill") and grade.get("points")):
            continue
        if course.get("rubric_point"):
            kind = _text("written_point", point=course["rubric_point"],
                         question=course.get("question") or str(grade["grade_id"]).split("-")[0])
        else:
            kind = _text("checked_automatically")
        rows.append((grade["grade_id"], kind, course["skill"], float(grade.get("score") or 0), float(grade["points"])))
    return rows


def summary_markdown(rows) -> str:
    """The feedback's skills table: which items and rubric points were met, and the share per skill."""
    from course.evidence.skills import is_known, label

    def named(skill) -> str:  # a student may have edited the skill id in their copy
        return label(skill) if is_known(skill) else str(skill)

    lines = [_text("summary_title"), "", _text("summary_header"), "|---|---|---|---|"]
    for item, kind, skill, score, points in rows:
        met = _text("met") if score >= points else (_text("partly_met") if score > 0 else _text("not_yet"))
        lines.append(f"| {md_text(item)} | {md_text(kind)} | {md_text(named(skill))} | {met} ({score:g}/{points:g}) |")
    shares: dict[str, list[float]] = {}
    for _, _, skill, score, points in rows:
        shares.setdefault(skill, [0.0, 0.0])
        shares[skill][0] += score
        shares[skill][1] += points
    lines += ["", _text("skill_shares", shares="; ".join(_text("skill_share", skill=md_text(named(k)), score=f"{v[0]:g}", points=f"{v[1]:g}")
                                                       for k, v in shares.items()))]
    return "\n".join(lines)


#: Characters that Markdown or HTML would read as markup in a table cell.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def md_text(value) -> str:
    """``value`` as literal text in a Markdown table cell: HTML escaped, Markdown punctuation backslashed.

    The table is built from cell metadata (``course.question``, ``course.rubric_point``,
    the skill), which a student can edit in their copy; nothing in it may become markup.
    """
    text = " ".join(str(value).split())  # a newline would end the table row
    # Markdown first: html.escape's entities (&lt;) must not have their '#' or ';' backslashed.
    return html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", text), quote=False)


# --- student HTML made inert, in Formgrader and in feedback ---------------------------------------------

#: The policy of every feedback file: no script, plugin, form, frame or outside request at all (the
#: feedback reads as plain HTML and CSS; its images are embedded as data: URIs). nbgrader's template
#: still links MathJax; this policy blocks it, and no assignment of the course uses mathematics.
FEEDBACK_CSP = ("default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
                "frame-src 'none'; style-src 'unsafe-inline'; img-src data:")

#: Markup a written answer or an output may keep. Anything else is escaped, so the grader reads
#: an attempted <script> as text. No style (a positioned overlay could cover Formgrader's grade
#: boxes), no form, no frame, no svg/math (their own script and link syntax).
SAFE_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
    "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
})
#: No id or name: an element of the student's with a grade cell's id would be the one Formgrader's
#: script finds first (`#q1-written`) and binds the grade box to.
_COMMON_ATTRIBUTES = ("class", "title", "lang", "dir", "align")
_CELL_ATTRIBUTES = ("colspan", "rowspan", "scope")
_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml)[;,]")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in _COMMON_ATTRIBUTES or (tag in ("td", "th") and name in _CELL_ATTRIBUTES):
        return True
    plain = "".join(value.split()).lower()  # browsers ignore whitespace and case in a URL's scheme
    if tag == "a" and name == "href":
        return not plain.startswith("data:")  # bleach's protocol list then refuses javascript: and the rest
    if tag == "img" and name == "src":
        # Any image: an <img> never runs script (not even SVG's); bleach refuses javascript: and the rest.
        return not plain.startswith("data:") or bool(_IMAGE_DATA.match(plain))
    if tag == "img" and name in ("alt", "width", "height"):
        return True
    return tag == "ol" and name == "start"


_cleaner = None


def sanitize_html(markup: str) -> str:
    """``markup`` with everything that could run, load a plugin or restyle the page escaped or dropped.

    An allowlist (bleach): the tags of :data:`SAFE_TAGS` with plain attributes; links to http(s),
    mailto or relative addresses; images from data:image URIs or the web. Other tags are escaped,
    so they show as text; event handlers, style and javascript: URLs are removed; comments too.
    """
    global _cleaner
    if _cleaner is None:
        from bleach.sanitizer import Cleaner

        _cleaner = Cleaner(tags=SAFE_TAGS, attributes=_allowed_attribute, protocols={"http", "https", "mailto", "data"},
                           strip=False, strip_comments=True)
    return _cleaner.clean(markup.decode() if isinstance(markup, bytes) else str(markup))


@pass_context
def safe_markdown2html(context, source):
    """nbconvert's markdown rendering, then :func:`sanitize_html` (a Jinja filter, see :func:`course.grading.pipeline.configure`)."""
    global _exporter
    # nbconvert's own renderer (attachments, math, code highlighting) of a default exporter: the
    # filter is registered by import path and is not told which exporter it serves.
    _exporter = _exporter or HTMLExporter()
    return sanitize_html(HTMLExporter.markdown2html(_exporter, context, source))


_exporter = None

#: The skills table read "checked automaticallyTrace the claim…": nbgrader's template draws Markdown tables with
#: no cell padding or rules. The kit's own style (the policy allows inline styles; students' markup keeps none).
TABLE_STYLE = ("<style>.rendered_html table{border-collapse:collapse;margin:.5em 0}"
               ".rendered_html th,.rendered_html td{border:1px solid #767676;padding:.3em .7em;"
               "text-align:left;vertical-align:top}</style>")


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback HTML with :data:`FEEDBACK_CSP` as its first header (GenerateFeedback's exporter)."""

    def from_notebook_node(self, nb, resources=None, **kw):
        """Render as HTMLExporter does, then put the policy right after the template's own ``<head>``."""
        output, resources = super().from_notebook_node(nb, resources, **kw)
        meta = f'<meta http-equiv="Content-Security-Policy" content="{FEEDBACK_CSP}">\n{TABLE_STYLE}'
        # The first <head> is the template's: student content comes later, in the body.
        head = re.search(r"<head[^>]*>", output, re.IGNORECASE)
        output = output[:head.end()] + "\n" + meta + output[head.end():] if head else meta + output
        return output, resources


FAILED_FEEDBACK = """<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<title>{title}</title></head>
<body>
<h1>{heading}</h1>
<p>{reason}</p>
<p>{next_steps}</p>
</body></html>
"""


def write_failed_feedback(api, assignment_id: str, student_id: str, reason: str) -> Path:
    """An HTML note for a submission that could not be graded, written where nbgrader's feedback goes."""
    from course.grading.intake.files import SubmittedFileError, read_small_file

    coursedir = api.coursedir
    folder = Path(coursedir.format_path(coursedir.feedback_directory, student_id, assignment_id))
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, student_id, assignment_id))
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("timestamp.txt", "submission_secret.txt"):  # what release_feedback needs
        try:  # a stranger's files: never through a link (another student's secret), never a FIFO
            content = read_small_file(submitted / name, 4096)
        except (OSError, SubmittedFileError):
            if name != "timestamp.txt":
                continue  # without a secret this feedback cannot be released; the release says so
            # nbgrader's release only logs the time; the note must reach the student whose timestamp was refused.
            import datetime as dt

            content = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC").encode()
        (folder / name).unlink(missing_ok=True)
        (folder / name).write_bytes(content)
    target = folder / f"{assignment_id}.html"
    assignment = html.escape(assignment_id)
    words = {key: wording.text("failed_feedback", key, assignment=assignment, reason=html.escape(reason, quote=False))
             for key in ("title", "heading", "reason", "next_steps")}
    target.write_text(FAILED_FEEDBACK.format(language=wording.words("meta", "language"), csp=FEEDBACK_CSP, **words), encoding="utf-8")
    return target


def withhold_leaking_feedback(api, assignment_id: str, student_id: str, html_files: list[Path]) -> list[str]:
    """Delete feedback files that would show solution or hidden-test text; return what was wrong."""
    import nbformat

    from course.grading.classdir import source_notebook
    from course.grading.release.leaks import find_leaks, html_text, notebook_text, secret_lines

    submitted = Path(api.coursedir.format_path(api.coursedir.submitted_directory, student_id, assignment_id))
    own_words = notebook_text(nbformat.read(submitted / f"{assignment_id}.ipynb", as_version=4))
    secrets = secret_lines(nbformat.read(source_notebook(assignment_id), as_version=4), allowed=own_words)
    problems = []
    for page in html_files:
        leaks = find_leaks(html_text(page.read_text(encoding="utf-8")), secrets)
        if leaks:
            page.unlink()
            problems.append(_text("withheld", student=student_id, assignment=assignment_id, count=len(leaks)))
    return problems
