"""The claim sorter: practice at telling facts, quotations, inferences, value judgements and predictions apart."""

from __future__ import annotations

from dataclasses import dataclass

from course.document import Document, load_document
from course.document.anchors import resolve
from course.evidence import vocabulary
from course.lessons import content
from course.lessons.widgets.common import STYLE, StaticFallbackView, _shorten, escape_text, static_page
from course.lessons.widgets.marking import claims_by_id

#: The sorter's default labels (notebooks/sorter.toml, ``labels``; like the names below, read on first use).
SORTER_LABELS = content.Listing("sorter.toml", "labels")

#: How a claim type maps to a practice label (notebooks/sorter.toml). One
#: exception, applied first: an ``inference`` the kit rates ``not_checkable``
#: counts as ``value judgement``.
PRACTICE_LABEL_BY_CLAIM_TYPE = content.Section("sorter.toml", "label_by_claim_type")

#: The default practice set: claim ids, so every sentence and answer comes from claims.csv.
DEFAULT_SORTER_CLAIMS = content.Listing("sorter.toml", "claims")

#: Why each label fits, in the kit's words (data/README.md vocabulary).
LABEL_REASONS = content.Section("sorter.toml", "reasons")


def _text(key: str, /, **fields) -> str:
    """A claim sorter string of notebooks/words.toml (``[sorter]``)."""
    return content.text("sorter", key, **fields)


def practice_label(claim: dict) -> str:
    """The sorter label for a claims row (see :data:`PRACTICE_LABEL_BY_CLAIM_TYPE` for the rule)."""
    if claim["claim_type"] == "inference" and claim["verdict"] == "not_checkable":
        return _text("value_judgement")
    try:
        return PRACTICE_LABEL_BY_CLAIM_TYPE[claim["claim_type"]]
    except KeyError:
        valid = ", ".join(PRACTICE_LABEL_BY_CLAIM_TYPE)
        raise ValueError(f"claim {claim['claim_id']} has unknown claim type {claim['claim_type']!r}; known: {valid}") from None


@dataclass(frozen=True)
class SorterItem:
    """One sentence to sort: its text, the marked words (offsets into ``text``), the label and the reason."""

    text: str
    label: str
    reason: str
    target: tuple[int, int] | None = None
    claim_id: str | None = None

    def html(self) -> str:
        """The sentence with the words to classify underlined and bold."""
        if self.target is None:
            return f"<p>{escape_text(self.text)}</p>"
        start, end = self.target
        return (f"<p>{escape_text(self.text[:start])}<u><strong>{escape_text(self.text[start:end])}</strong></u>"
                f"{escape_text(self.text[end:])}</p>")


def sorter_item(claim_id: str, claims: dict[str, dict] | None = None, document: Document | None = None) -> SorterItem:
    """Build the practice item for a claim: the sentence(s) around it, its label and the reason."""
    claims = claims if claims is not None else claims_by_id()
    if claim_id not in claims:
        raise KeyError(f"unknown claim id {claim_id!r}; claim ids run {min(claims)}-{max(claims)}")
    row = claims[claim_id]
    document = document or load_document()
    span = resolve(document.text, row)
    first = document.sentence_at(span.start)
    last = document.sentence_at(max(span.start, span.end - 1))
    text = document.text[first.span.start : last.span.end]
    label = practice_label(row)
    if label == _text("value_judgement"):
        # Never call it an inference here: the student who chose "inference" must not read that word as the answer.
        reason = _text("reason_value_judgement", claim=claim_id, verdict=vocabulary.VERDICTS[row["verdict"]].in_sentence,
                       label=label, reason=LABEL_REASONS[label], text=row["claim_text"])
    else:
        kind = _text("kind_vowel" if row["claim_type"][0] in "aeiou" else "kind", claim_type=row["claim_type"])
        reason = _text("reason", claim=claim_id, kind=kind, label=label, reason=LABEL_REASONS[label], text=row["claim_text"])
    return SorterItem(text, label, reason, (span.start - first.span.start, span.end - first.span.start), claim_id)


class ClaimSorter(StaticFallbackView):
    """Practice: say what kind of statement the marked words are; immediate feedback, a running score.

    ``sentences`` is a list of claim ids (default :data:`DEFAULT_SORTER_CLAIMS`)
    or of dicts ``{"text", "label", "reason"}`` for a teacher's own
    sentences. ``labels`` are the choices; every item's label must be one of
    them. Not graded: only the first answer to each sentence is scored.
    The labels' meanings are on screen before the first answer, so the
    feedback never uses a label's name for another label. Back, Next and
    Restart move through the set; after the last sentence a summary lists
    every answer beside the kit's.

    Sub-widgets: ``sentence_view``, ``label_picker`` (RadioButtons),
    ``check_button``, ``back_button``, ``next_button``, ``restart_button``,
    ``feedback_view``, ``score_view``, ``summary_view``; the container is ``widget``.
    """

    def __init__(self, sentences=None, labels=SORTER_LABELS):
        import ipywidgets as widgets

        self.labels = tuple(labels)
        if not self.labels:
            raise ValueError("a ClaimSorter needs at least one label")
        self.items = self._build_items(DEFAULT_SORTER_CLAIMS if sentences is None else sentences)
        if not self.items:
            raise ValueError("a ClaimSorter needs at least one sentence")
        self.index = 0
        self.answers: dict[int, tuple[str, bool]] = {}

        self.progress_view = widgets.HTML()
        self.labels_view = widgets.HTML(f'<div class="course-doc">{self.labels_html()}</div>')
        self.sentence_view = widgets.HTML()
        self.sentence_view.add_class("course-sorter-sentence")
        self.label_picker = widgets.RadioButtons(options=list(self.labels), value=None, description=_text("picker"),
                                                 style={"description_width": "initial"})
        self.label_picker.add_class("course-sorter-labels")
        self.check_button = widgets.Button(description=_text("check"), button_style="primary")
        self.check_button.add_class("course-sorter-check")
        self.back_button = widgets.Button(description=_text("back"))
        self.back_button.add_class("course-sorter-back")
        self.next_button = widgets.Button(description=_text("next"))
        self.next_button.add_class("course-sorter-next")
        self.restart_button = widgets.Button(description=_text("restart"))
        self.restart_button.add_class("course-sorter-restart")
        self.feedback_view = widgets.HTML()
        self.feedback_view.add_class("course-sorter-feedback")
        self.score_view = widgets.HTML()
        self.score_view.add_class("course-sorter-score")
        self.summary_view = widgets.HTML()
        self.summary_view.add_class("course-sorter-summary")
        self.widget = widgets.VBox([
            widgets.HTML(STYLE), self.labels_view, self.progress_view, self.sentence_view, self.label_picker,
            widgets.HBox([self.check_button, self.back_button, self.next_button, self.restart_button],
                         layout=widgets.Layout(flex_flow="row wrap")),
            self.feedback_view, self.score_view, self.summary_view,
        ])
        self.widget.add_class("course-claim-sorter")
        self.check_button.on_click(lambda _: self.check())
        self.back_button.on_click(lambda _: self.back())
        self.next_button.on_click(lambda _: self.next())
        self.restart_button.on_click(lambda _: self.restart())
        self._show()

    def labels_html(self) -> str:
        """What each label means (shown before the first answer)."""
        rows = "".join(f"<li><strong>{escape_text(label)}</strong>: {escape_text(LABEL_REASONS.get(label, ''))}</li>"
                       for label in self.labels)
        return f'<p>{_text("labels_heading")}</p><ul>{rows}</ul>'

    def _build_items(self, sentences) -> list[SorterItem]:
        claims = claims_by_id()
        document = load_document()
        items = []
        for entry in sentences:
            if isinstance(entry, str):
                item = sorter_item(entry, claims, document)
            elif isinstance(entry, dict):
                missing = {"text", "label"} - set(entry)
                if missing:
                    raise ValueError(f"a sentence dict needs 'text' and 'label'; missing {sorted(missing)} in {entry!r}")
                item = SorterItem(str(entry["text"]), str(entry["label"]), str(entry.get("reason", "")))
            else:
                raise ValueError(f"a sentence must be a claim id or a dict with 'text' and 'label', not {entry!r}")
            if item.label not in self.labels:
                raise ValueError(f"sentence {_shorten(item.text, 40)!r} needs the label {item.label!r}, "
                                 f"which is not among the labels: {', '.join(self.labels)}")
            items.append(item)
        return items

    @property
    def current(self) -> SorterItem:
        return self.items[self.index]

    @property
    def score(self) -> tuple[int, int]:
        """(correct, answered): first answers only."""
        return sum(1 for _, ok in self.answers.values() if ok), len(self.answers)

    def check(self, label: str | None = None) -> bool | None:
        """Check ``label`` (default: the picked radio button) for the current sentence.

        Returns True/False, or None when no label is picked. Shows the feedback;
        only the first answer to a sentence counts towards the score.
        """
        if label is not None:
            if label not in self.labels:
                raise ValueError(f"unknown label {label!r}; valid labels: {', '.join(self.labels)}")
            self.label_picker.value = label
        label = self.label_picker.value
        if label is None:
            self.feedback_view.value = f'<div class="course-doc"><p>{_text("pick_first")}</p></div>'
            return None
        item = self.current
        correct = label == item.label
        self.answers.setdefault(self.index, (label, correct))
        self.feedback_view.value = f'<div class="course-doc">{self._feedback_html(label, correct)}</div>'
        self._show_score()
        return correct

    def _feedback_html(self, label: str, correct: bool) -> str:
        item = self.current
        verdict = (f'<p class="feedback-correct">{_text("correct", label=escape_text(label))}</p>' if correct else
                   f'<p class="feedback-incorrect">{_text("not_quite", label=escape_text(label), answer=escape_text(item.label))}</p>')
        reason = f"<p>{escape_text(item.reason)}</p>" if item.reason else ""
        return verdict + reason

    def next(self) -> None:
        """Go to the next sentence; after the last one, show the summary."""
        if self.index < len(self.items) - 1:
            self.index += 1
            self._show()
        else:
            self.summary_view.value = f'<div class="course-doc">{self.summary_html()}</div>'

    def back(self) -> None:
        """Go back to the previous sentence (its first answer and the feedback are shown again)."""
        if self.index > 0:
            self.index -= 1
        self._show()

    def restart(self) -> None:
        """Start again from the first sentence with the score at zero."""
        self.index = 0
        self.answers.clear()
        self.summary_view.value = ""
        self._show()

    def summary_html(self) -> str:
        """Every sentence with the student's first answer and the kit's label."""
        correct, answered = self.score
        rows = []
        for number, item in enumerate(self.items):
            given, ok = self.answers.get(number, ("–", False))
            mark = _text("same") if ok else (_text("different") if number in self.answers else _text("not_answered"))
            words = item.text[item.target[0]:item.target[1]] if item.target else item.text
            rows.append(f"<tr><td>{number + 1}</td><td>{escape_text(words)}</td><td>{escape_text(given)}</td>"
                        f"<td>{escape_text(item.label)}</td><td>{mark}</td></tr>")
        return (f'<h4>{_text("summary_heading", correct=correct, total=len(self.items))}</h4>'
                f'<table class="course-table"><thead><tr><th>#</th><th>{_text("column_marked")}</th><th>{_text("column_yours")}</th>'
                f'<th>{_text("column_kits")}</th><th></th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
                f'<p>{_text("summary_end")}</p>')

    def _show(self) -> None:
        self.progress_view.value = f'<p>{_text("progress", number=self.index + 1, total=len(self.items))}</p>'
        self.sentence_view.value = f'<div class="course-doc">{self.current.html()}</div>'
        previous = self.answers.get(self.index)
        self.label_picker.value = previous[0] if previous else None
        self.feedback_view.value = (f'<div class="course-doc">{self._feedback_html(*previous)}</div>' if previous else "")
        self.back_button.disabled = self.index == 0
        last = self.index == len(self.items) - 1
        self.next_button.description = _text("finish") if last else _text("next")
        self._show_score()

    def _show_score(self) -> None:
        correct, answered = self.score
        done = _text("all_answered") if answered == len(self.items) else ""
        self.score_view.value = f'<p>{_text("score", correct=correct, answered=answered, total=len(self.items), done=done)}</p>'

    def static_html(self) -> str:
        """Every sentence with the labels and the answer in a collapsed <details>."""
        labels = ", ".join(self.labels)
        parts = [f'<p>{_text("static_intro", labels=escape_text(labels))}</p><ol>']
        for item in self.items:
            parts.append(f'<li>{item.html()}<details><summary>{_text("answer")}</summary><p><strong>{escape_text(item.label)}</strong></p>'
                         f"<p>{escape_text(item.reason)}</p></details></li>")
        parts.append("</ol>")
        return static_page("course-claim-sorter", "".join(parts),
                            _text("static_note"))

    def __repr__(self) -> str:
        correct, answered = self.score
        return f"ClaimSorter(sentence {self.index + 1} of {len(self.items)}, score {correct}/{answered})"


