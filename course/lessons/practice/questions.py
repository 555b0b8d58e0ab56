"""The check-yourself questions: their specs (``notebooks/practice.toml``), the :class:`Question` a spec becomes, and look-ups."""

from __future__ import annotations

import re
from dataclasses import dataclass

from course.lessons import content, manifest
from course.lessons.practice.builders import BUILDERS, unique


#: Lesson ids and titles, from notebooks/lessons.toml (the only source of lesson titles), read on use.
LESSONS = content.Computed(lambda: {item.id: item.title for item in manifest.lessons()})

#: The questions, as data (notebooks/practice.toml, [[question]]), read on use. ``prompt``
#: (optional) may use the fields of the row the question is about, e.g. ``{exact}``.
QUESTION_SPECS = content.Listing("practice.toml", "question")

#: The same questions by id (notebooks call ``ask(id)``; a test checks every id they use is here).
QUESTIONS = content.Computed(lambda: {spec["id"]: spec for spec in QUESTION_SPECS})


@dataclass(frozen=True)
class Question:
    """A built question.

    ``kind`` is ``choice`` (pick one of ``choices``) or ``short`` (type an
    answer; ``accepted`` lists the accepted forms). ``refs`` are the claim
    ids and evidence ids the answer rests on (empty for method questions,
    where ``factual`` is False).
    """

    question_id: str
    lesson: str
    kind: str
    prompt: str
    answer: str
    explanation: str
    choices: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    factual: bool = True
    source_kind: str = ""

    @property
    def evidence_ids(self) -> list[str]:
        """The refs that are evidence pages (the rest are claim ids)."""
        return [ref for ref in self.refs if not re.fullmatch(r"K\d+", ref)]

    @property
    def claim_ids(self) -> list[str]:
        return [ref for ref in self.refs if re.fullmatch(r"K\d+", ref)]


def build_question(spec: dict) -> Question:
    """Turn one spec of :data:`QUESTION_SPECS` into a :class:`Question`, reading the facts from the data."""
    kind = spec.get("kind")
    if kind not in BUILDERS:
        raise ValueError(f"question {spec.get('id')!r} has unknown kind {kind!r}; valid kinds: {', '.join(BUILDERS)}")
    built = BUILDERS[kind](spec)
    refs = tuple(unique(built.pop("refs", ())))
    factual = built.pop("factual", True)
    return Question(
        question_id=spec["id"],
        lesson=spec["lesson"],
        kind="short" if "accepted" in built else "choice",
        refs=refs,
        factual=factual,
        source_kind=kind,
        **built,
    )


def lesson_id(lesson) -> str:
    """Normalise a lesson id: 3, '3' or '03' -> '03'; ValueError naming the valid ids otherwise."""
    text = str(lesson).strip()
    if text.isdigit() and f"{int(text):02d}" in LESSONS:
        return f"{int(text):02d}"
    raise ValueError(f"unknown lesson {lesson!r}; valid lessons: {', '.join(LESSONS)}")


def all_questions() -> list[Question]:
    """Every question, built from the current data."""
    return [build_question(spec) for spec in QUESTION_SPECS]


def questions_for(lesson) -> list[Question]:
    """The questions of one lesson ('00'-'08'), in order."""
    wanted = lesson_id(lesson)
    return [build_question(spec) for spec in QUESTION_SPECS if spec["lesson"] == wanted]


def question(question_id: str) -> Question:
    """One question by id; KeyError naming the valid ids otherwise."""
    for spec in QUESTION_SPECS:
        if spec["id"] == question_id:
            return build_question(spec)
    raise KeyError(f"unknown question id {question_id!r}; valid ids: {', '.join(s['id'] for s in QUESTION_SPECS)}")


