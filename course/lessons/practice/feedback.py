"""Checking answers, the feedback shown, the question widget and :func:`ask`."""

from __future__ import annotations

import re

from course.lessons.practice.questions import Question, question
from course.lessons import content
from course.lessons.widgets.common import STYLE, StaticFallbackView, escape_text, evidence_list_html, static_page


def _text(key: str, /, **fields) -> str:
    """A check-yourself string of notebooks/words.toml (``[practice]``)."""
    return content.text("practice", key, **fields)


def _normalise(text: str) -> str:
    text = re.sub(r"(?<=\d)[,\u00a0 ](?=\d{3}\b)", "", str(text))  # 5,100 / 5 100 -> 5100
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def is_correct(q: Question, answer: str) -> bool:
    """Whether ``answer`` matches: the right choice, or an accepted short answer.

    A short numeric answer may come with words around it ("about 5,100"); it
    matches when the only number in it is the right one.
    """
    if q.kind == "choice":
        return answer == q.answer
    accepted = {_normalise(a) for a in (q.answer, *q.accepted)}
    given = _normalise(answer)
    if given in accepted:
        return True
    numbers = re.findall(r"\d+", given)
    return len(numbers) == 1 and numbers[0] in accepted


def sources_html(q: Question) -> str:
    """The claim ids and evidence links an answer rests on (nothing for method questions)."""
    if not q.refs:
        return ""
    parts = [f'<p>{_text("sources")}']
    if q.claim_ids:
        parts.append(_text("sources_claims", claims=escape_text(", ".join(q.claim_ids))))
    parts.append("</p>")
    if q.evidence_ids:
        parts.append(evidence_list_html(q.evidence_ids))
    return "".join(parts)


def feedback_html(q: Question, answer: str | None) -> str:
    """Immediate feedback: whether the answer matches, the kit's answer and why (neutral wording)."""
    if answer is None or not str(answer).strip():
        return f'<p>{_text("answer_first")}</p>'
    if is_correct(q, answer):
        head = f'<p class="feedback-correct">{_text("correct", answer=escape_text(q.answer))}</p>'
    else:
        head = f'<p class="feedback-incorrect">{_text("not_quite", given=escape_text(answer), answer=escape_text(q.answer))}</p>'
    return f'{head}<p>{_text("why", explanation=escape_text(q.explanation))}</p>{sources_html(q)}'


#: Wrong answers allowed before the kit's answer is shown: the first wrong one gets a second try.
TRIES_BEFORE_ANSWER = 2


def retry_html(q: Question, answer: str) -> str:
    """A wrong first answer: say so and ask for a second try, without giving the right answer away."""
    from course.lessons import content

    words = content.load("practice.toml")["labels"]["feedback"]
    return f'<p class="feedback-incorrect"><strong>{escape_text(words["try_again"].format(answer=answer))}</strong></p>'


def question_static_html(q: Question) -> str:
    """The question, its choices and the answer in a collapsed <details> (for static exports)."""
    choices = ""
    if q.choices:
        choices = '<ol type="A">' + "".join(f"<li>{escape_text(c)}</li>" for c in q.choices) + "</ol>"
    elif q.kind == "short":
        choices = f'<p>{_text("short_answer")}</p>'
    heading = _text("check_yourself", prompt=escape_text(q.prompt))
    return (f'<div class="practice-question" data-question-id="{escape_text(q.question_id)}">'
            f"<p>{heading}</p>{choices}"
            f'<details><summary>{_text("show_answer")}</summary><p><strong>{escape_text(q.answer)}</strong></p>'
            f"<p>{escape_text(q.explanation)}</p>{sources_html(q)}</details></div>")


# ---------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------


class PracticeQuestion(StaticFallbackView):
    """One question as a widget: prompt, answer input, Check button, feedback.

    Sub-widgets: ``prompt_view`` (HTML), ``answer_input`` (RadioButtons for a
    choice, Text for a short answer), ``check_button``, ``feedback_view``;
    the container is ``widget`` (CSS class ``course-practice-question``).
    """

    def __init__(self, q: Question):
        import ipywidgets as widgets

        self.question = q
        self.prompt_view = widgets.HTML(f'{STYLE}<div class="course-doc"><p>{_text("check_yourself", prompt=escape_text(q.prompt))}</p></div>')
        if q.kind == "choice":
            self.answer_input = widgets.RadioButtons(options=list(q.choices), value=None, layout=widgets.Layout(width="auto"))
        else:
            self.answer_input = widgets.Text(placeholder=_text("type_answer"))
        self.answer_input.add_class("course-practice-answer")
        self.check_button = widgets.Button(description=_text("check_button"), button_style="primary")
        self.check_button.add_class("course-practice-check")
        self.feedback_view = widgets.HTML()
        self.feedback_view.add_class("course-practice-feedback")
        self.widget = widgets.VBox([self.prompt_view, self.answer_input, self.check_button, self.feedback_view])
        self.widget.add_class("course-practice-question")
        self.check_button.on_click(lambda _: self.check())
        self.wrong_answers = 0

    def check(self, answer: str | None = None) -> bool | None:
        """Check ``answer`` (default: what is chosen or typed); show the feedback; None if nothing is given.

        A first wrong answer gets a second try: the kit's answer is shown once the answer is right or after
        :data:`TRIES_BEFORE_ANSWER` wrong ones.
        """
        if answer is not None:
            self.answer_input.value = answer
        given = self.answer_input.value
        if given is None or not str(given).strip():
            self.feedback_view.value = f'<div class="course-doc">{feedback_html(self.question, given)}</div>'
            return None
        correct = is_correct(self.question, given)
        self.wrong_answers += not correct
        if not correct and self.wrong_answers < TRIES_BEFORE_ANSWER:
            self.feedback_view.value = f'<div class="course-doc">{retry_html(self.question, given)}</div>'
        else:
            self.feedback_view.value = f'<div class="course-doc">{feedback_html(self.question, given)}</div>'
        return correct

    def static_html(self) -> str:
        return static_page("course-practice-question", question_static_html(self.question),
                           _text("static_note"))

    def __repr__(self) -> str:
        return f"PracticeQuestion({self.question.question_id!r})"


def ask(question_id: str) -> PracticeQuestion:
    """Show one question with immediate feedback (display the result in a notebook cell)."""
    return PracticeQuestion(question(question_id))
