"""Find student-visible words written as Python literals instead of in the kit's data files.

A string literal is *prose* when, once HTML tags and ``{format}`` fields are
taken out (a stylesheet, a literal opening with ``<style``, never is), two words of two or more letters stand separated by white
space ("Model answer", "<p>Not quite.</p>"). Prose in the scanned modules
belongs in a data file (``notebooks/*.toml``), except where :data:`EXEMPT`
or the rules below say who reads it:

* docstrings (for developers);
* exception messages (``raise X("...")``) and the arguments of logging and
  ``warnings`` calls: messages to developers and instructors at a terminal;
* ``__repr__`` bodies (for developers).

A single word counts too where it is shown for sure: between HTML tags
(``<strong>Why:</strong>``), as a widget's or chart's label keyword
(``description="Check"``) or as matplotlib's text (``ax.set_xlabel("Claims")``).

Used by ``tests/test_student_strings.py``; a module of its own so that the
test can also run it on a planted sample.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from course import paths

_TAG = re.compile(r"<[^>]*>")
_FIELD = re.compile(r"\{[^{}]*\}")
_PROSE = re.compile(r"[A-Za-z’'\-]{2,}[,:;.!?)\"”]?\s+[(“\"]?[A-Za-z’'\-]{2,}")
_WORD = re.compile(r"[A-Za-z]{2,}")
#: Keyword arguments that put their value on screen (widget labels, chart text): one word is enough.
SHOWN_KEYWORDS = {"description", "placeholder", "tooltip", "title", "label", "xlabel", "ylabel", "caption", "alt_text"}
#: Calls that put their first argument on screen (matplotlib text): one word is enough.
SHOWN_CALLS = {"set_title", "set_xlabel", "set_ylabel", "suptitle", "text", "annotate", "set_text"}
#: Keyword arguments whose values are CSS or layout, never read: ``flex_flow="row wrap"``, ``badge_classes="claim-tag selected"``.
LAYOUT_KEYWORDS = {"flex_flow", "badge_classes", "classes", "boxstyle", "connectionstyle", "linestyle", "family", "loc",
                   "textcoords", "xycoords"}
#: Calls whose string arguments are for developers or operators, not students.
DEVELOPER_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "warn", "log"}

#: Student-facing modules of the grading wing, by file name (found anywhere under course/grading, so a
#: move into a role folder keeps them scanned).
GRADING_STUDENT_FACING = ("feedback.py", "itemanalysis.py", "itemreport.py", "itemfigure.py", "autograde.py",
                          "grades.py", "selfcheck.py", "hide_hidden_tests.py", "skill_summary.py")

#: Modules, or functions (or module-level names) in them, whose words are not for students, and why. A key
#: matches the end of a module's path, so a grading module keeps its entry when it moves into a role folder.
EXEMPT = {
    "course/evidence/rules.py": "the data checks' problems, read by the kit's authors",
    "course/evidence/check.py": "the data check's terminal report, read by the kit's authors",
    "course/evidence/datadoc.py": "writes data/README.md's column dictionary, documentation for authors",
    "course/evidence/desknotes.py": "imports the fact-check desk's notes; its refusals and summary are for the kit's authors",
    "course/evidence/editions.py": "builds the student edition; its messages are to the instructor",
    "course/evidence/corrections.py": "the corrections rule's problems, read by the kit's authors",
    "course/evidence/claimreview.py": "the export's publisher metadata (names of the kit and the document's publisher)",
    "course/lessons/manifest.py:anatomy_problems": "problems with a lesson notebook, read by lesson authors",
    "course/lessons/manifest.py:export_html": "a progress bar's label at the instructor's terminal",
    "grading/reports/feedback.py:FEEDBACK_CSP": "a Content-Security-Policy header, read by browsers",
    "grading/preprocessors/hide_hidden_tests.py:has_hidden_tests": "nbgrader's hidden-test delimiter, matched in cells, never shown",
    "grading/reports/grades.py:write_lms_csv": "the LMS import file's column names, which the LMS requires as they are",
    "course/lessons/packets.py:MISSING": "said when packets.json, which carries the cards' words, is absent; the module "
                                         "reads nothing of the kit but that file, by design (it runs in grading kernels)",
    "course/lessons/workspace.py:create": "a comment in the workspace's .gitignore",
    "course/lessons/widgets/common.py:ARABIC_FONTS": "a CSS font-family list (font names, not words)",
    **{f"grading/selfcheck.py:{code}": "a status code the self-check sorts by; its words are in notebooks/selfcheck.toml"
       for code in ("FORM_OK", "MISSING", "FORM_PROBLEM", "CELL_MISSING")},
    "grading/selfcheck.py:MISSING_WORDS": "matched against the visible check's own message, never shown by itself",
}


@dataclass(frozen=True)
class Literal:
    """One prose literal: where it is and its text (``{}`` stands for an f-string's expressions)."""

    module: str
    line: int
    function: str
    text: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} ({self.function or 'module'}): {self.text[:80]!r}"


def _text(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def is_prose(text: str) -> bool:
    """Does ``text`` hold words a reader reads (not only markup, ids, paths or format fields)?

    A stylesheet (a literal that opens with ``<style``) is not prose.
    """
    if text.lstrip().startswith("<style"):
        return False
    bare = _FIELD.sub(" ", _TAG.sub(" ", text))
    if _TAG.search(text) and _WORD.search(bare):
        return True  # even one word between tags is read: "<strong>Why:</strong>"
    return bool(_PROSE.search(bare))


def _developer_nodes(tree) -> set[int]:
    """Ids of nodes whose strings are for developers: docstrings, raised errors, logging, __repr__."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and _text(first.value) is not None:
                skip.add(id(first.value))
        if isinstance(node, ast.Raise) and node.exc is not None:
            skip.update(id(inner) for inner in ast.walk(node.exc))
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in DEVELOPER_CALLS:
                skip.update(id(inner) for inner in ast.walk(node))
        if isinstance(node, ast.FunctionDef) and node.name == "__repr__":
            skip.update(id(inner) for inner in ast.walk(node))
    return skip


def scan_source(source: str, module: str, exempt: dict | None = None) -> list[Literal]:
    """The prose literals of one module's source (``module`` is its path relative to the repository)."""
    exempt = EXEMPT if exempt is None else exempt
    if any(module.endswith(key) for key in exempt if ":" not in key):
        return []
    tree = ast.parse(source)
    skip = _developer_nodes(tree)
    functions = {}
    # A module-level name's value is named by that name; the innermost function names the rest
    # (functions are walked outermost first, inner ones overwrite).
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            for inner in ast.walk(node):
                functions[id(inner)] = names[0] if names else ""
    for node in sorted((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))),
                       key=lambda n: (n.lineno, -n.end_lineno)):
        for inner in ast.walk(node):
            functions[id(inner)] = node.name
    shown = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            shown.update(id(kw.value) for kw in node.keywords if kw.arg in SHOWN_KEYWORDS)
            if name == "text" and len(node.args) >= 3:  # matplotlib's text(x, y, s), not a words lookup
                shown.add(id(node.args[2]))
            elif name in SHOWN_CALLS and name != "text" and node.args:
                shown.add(id(node.args[0]))
            for kw in node.keywords:
                if kw.arg in LAYOUT_KEYWORDS:
                    skip.update(id(inner) for inner in ast.walk(kw.value))
            if isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", "") == "re":
                skip.update(id(inner) for inner in ast.walk(node))  # a regular expression matches text, never shows it
        if isinstance(node, ast.Dict):  # {"xycoords": ("axes fraction", "data")}: layout, as a keyword would be
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value in LAYOUT_KEYWORDS:
                    skip.update(id(inner) for inner in ast.walk(value))
    parts_of_fstrings = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in parts_of_fstrings:
            continue
        text = _text(node)
        if text is None or not (is_prose(text) or (id(node) in shown and _WORD.search(_FIELD.sub(" ", text)))):
            continue
        function = functions.get(id(node), "")
        if any(f"{module}:{function}".endswith(key) for key in exempt if ":" in key):
            continue
        found.append(Literal(module, node.lineno, function, text))
    return sorted(found, key=lambda item: item.line)


def scanned_modules(root: Path | None = None) -> list[Path]:
    """The lessons and evidence wings, and the grading wing's student-facing modules."""
    package = Path(root or paths.REPO_ROOT) / "course"
    modules = sorted((package / "lessons").rglob("*.py")) + sorted((package / "evidence").rglob("*.py"))
    modules += sorted(p for p in (package / "grading").rglob("*.py") if p.name in GRADING_STUDENT_FACING)
    return modules


def scan(root: Path | None = None) -> list[Literal]:
    """Every prose literal in the scanned modules of the checkout at ``root`` (default: this one)."""
    root = Path(root or paths.REPO_ROOT)
    found = []
    for path in scanned_modules(root):
        found += scan_source(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix())
    return found
