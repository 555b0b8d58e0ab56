"""Open exercises with an answer box and, once the student has written something, a model answer.

The exercises live in ``notebooks/exercises.toml``: for each, a ``model``
answer and mark-scheme ``points`` ("Did you name who runs the site?"). A
model answer states no fact of its own: its facts are placeholders filled
from the data package when the exercise is shown,

* ``{table:ID:column}``: a cell of a table in ``data/`` (the row whose first
  column is ID), written for a reader (dates, lists, vocabulary words);
* ``{document:title}``, ``{document:question}``, ``{document:closing}``: the
  document's own words;
* ``{premises:ARGUMENT_ID}``: the argument's premises with the kit's verdict on each;
* ``{quote:WORDS}``: the document's own words, checked to occur exactly once in it
  (an :class:`~course.document.anchors.AnchorError` names words it does not have).

Where the answer is kept: every change is written at once to
``my-answers.json`` in the folder the notebook runs in (the student's
workspace, see :mod:`course.lessons.workspace`), keyed by exercise id, and
read back when the cell runs again, so an answer survives re-running the
cell, restarting the kernel and closing the notebook. The box is also an
ordinary ipywidgets Textarea, so its value is saved in the notebook's widget
state when JupyterLab saves widget state (the workspace turns that on).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from course.evidence import vocabulary
from course.lessons import content
from course.lessons.widgets.common import STYLE, StaticFallbackView, escape_text, static_page

ANSWERS_FILE = "my-answers.json"
_PLACEHOLDER = re.compile(r"\{(\w+):([^{}:]+)(?::(\w+))?\}")


def exercises(specs: Path | str | None = None) -> dict[str, dict]:
    """Every exercise spec by id, from ``notebooks/exercises.toml``, or from ``specs``: a file of the same shape
    beside a notebook (the practice set's ``written.toml``, read from the folder the notebook runs in)."""
    if specs is None:
        return {spec["id"]: spec for spec in content.load("exercises.toml")["exercise"]}
    import tomllib

    return {spec["id"]: spec for spec in tomllib.loads(Path(specs).read_text(encoding="utf-8"))["exercise"]}


def _cell(table: str, ident: str, column: str) -> str:
    from course.evidence import data
    from course.lessons.views import format_value

    frame = data.table(table)
    key = frame.columns[0]
    rows = frame[frame[key] == ident]
    if rows.empty:
        raise KeyError(f"{table}.csv has no row {ident!r}")
    if column not in frame.columns:
        raise KeyError(f"{table}.csv has no column {column!r}")
    return format_value(rows.iloc[0][column])


def _premises(argument_id: str) -> str:
    from course.lessons.argumentmap import premises

    rows = premises(argument_id).to_dict("records")
    return "; ".join(f"{r['claim_id']} “{r['claim_text']}” ({vocabulary.VERDICTS[r['verdict']].in_sentence})" for r in rows)


def fill(text: str) -> str:
    """Replace the placeholders in ``text`` with values from the data (KeyError names a bad one)."""
    def value(match: re.Match) -> str:
        source, ident, column = match.groups()
        if source == "document":
            from course.document import load_document

            return str(getattr(load_document(), ident))
        if source == "premises":
            return _premises(ident)
        if source == "quote":
            from course.document import load_document
            from course.document.anchors import TextQuoteSelector, resolve

            document = load_document()
            return document.slice(resolve(document.text, TextQuoteSelector(exact=ident)))
        if column is None:
            raise KeyError(f"placeholder {match.group(0)!r} needs {{table:ID:column}}")
        return _cell(source, ident, column)

    return _PLACEHOLDER.sub(value, text)


def model_answer_html(spec: dict) -> str:
    """The model answer and the mark-scheme points as HTML."""
    points = "".join(f"<li>{escape_text(p)}</li>" for p in spec["points"])
    model = content.text("exercise", "model_heading", model=escape_text(fill(spec["model"])))
    return (f'<div class="course-model-answer"><p>{model}</p>'
            f'<p>{content.text("exercise", "check_heading")}</p><ul>{points}</ul></div>')


def answers_path() -> Path:
    """Where answers are kept: ``my-answers.json`` in the folder the notebook runs in."""
    return Path.cwd() / ANSWERS_FILE


def saved_answer(exercise_id: str) -> str:
    path = answers_path()
    if not path.exists():
        return ""
    try:
        return str(json.loads(path.read_text(encoding="utf-8")).get(exercise_id, ""))
    except (json.JSONDecodeError, OSError):
        return ""


def save_answer(exercise_id: str, text: str) -> None:
    path = answers_path()
    try:
        answers = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except json.JSONDecodeError:
        answers = {}
    answers[exercise_id] = text
    path.write_text(json.dumps(answers, ensure_ascii=False, indent=1), encoding="utf-8")


class Exercise(StaticFallbackView):
    """An answer box, and a "Model answer" button that works once something is written.

    Sub-widgets: ``answer_box`` (Textarea), ``model_button``, ``model_view``;
    the container is ``widget`` (CSS class ``course-exercise``).
    """

    def __init__(self, spec: dict):
        import ipywidgets as widgets

        self.spec = spec
        self.answer_box = widgets.Textarea(value=saved_answer(spec["id"]), placeholder=content.text("exercise", "placeholder"),
                                           layout=widgets.Layout(width="auto", height="8em"))
        self.answer_box.add_class("course-exercise-answer")
        self.model_button = widgets.Button(description=content.text("exercise", "model_button"),
                                           tooltip=content.text("exercise", "model_button_tooltip"))
        self.model_button.add_class("course-model-button")
        self.model_view = widgets.HTML()
        self.model_view.add_class("course-model-view")
        label = widgets.HTML(f'{STYLE}<div class="course-doc"><p>{content.text("exercise", "your_answer")}</p></div>')
        self.widget = widgets.VBox([label, self.answer_box, self.model_button, self.model_view])
        self.widget.add_class("course-exercise")
        self.widget.add_class(f"course-exercise-{spec['id']}")  # a hook for tests and styles; the student never reads the id
        self.answer_box.observe(self._on_text, names="value")
        self.model_button.on_click(lambda _: self.reveal())
        self._update_button()

    def _on_text(self, change) -> None:
        save_answer(self.spec["id"], change["new"])
        self._update_button()

    def _update_button(self) -> None:
        self.model_button.disabled = not self.answer_box.value.strip()

    def reveal(self) -> bool:
        """Show the model answer; refused (False) while the answer box is empty."""
        if not self.answer_box.value.strip():
            self.model_view.value = f'<div class="course-doc"><p>{content.text("exercise", "write_first")}</p></div>'
            return False
        self.model_view.value = f'{STYLE}<div class="course-doc">{model_answer_html(self.spec)}</div>'
        return True

    def static_html(self) -> str:
        body = f'<details><summary>{content.text("exercise", "model_summary")}</summary>{model_answer_html(self.spec)}</details>'
        return static_page("course-exercise", body, content.text("exercise", "static_note"))

    def __repr__(self) -> str:
        return f"Exercise({self.spec['id']!r})"


def exercise(exercise_id: str, specs: Path | str | None = None) -> Exercise:
    """Show one exercise's answer box (display the result in a notebook cell); ``specs`` as for :func:`exercises`."""
    known = exercises(specs)
    if exercise_id not in known:
        raise KeyError(f"unknown exercise {exercise_id!r}; exercises are {', '.join(known)}")
    return Exercise(known[exercise_id])
