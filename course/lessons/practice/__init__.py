"""Formative "check yourself" questions for the lessons, with immediate feedback.

Questions are data: ``notebooks/practice.toml`` holds one ``[[question]]``
table per question (:data:`QUESTION_SPECS` is that list, as dicts). A spec names a question *kind* and the rows it is about (a claim
id, a citation id, an event id, ...); :func:`build_question` then reads the
prompt's facts, the choices, the right answer and the explanation from the
kit's tables, so no date, name or number is typed here and every factual
answer is traceable: ``Question.refs`` lists the claim ids and evidence ids
(pages with URLs) it rests on. Only the ``concept`` kind (how to check, not
what happened) carries its own text, and it states no fact about the case.

Kinds and what they read:

=======================  ==================================================
``claim_verdict``        claims.csv: the verdict and its explanation
``claim_type``           claims.csv: the claim type
``event_date``           claims.csv + events.csv: the document's date vs the record's
``citation_comparison``  citations.csv: how the rendering compares with the original
``citation_kind``        course.document.citations: what kind of attribution a citation is
``source_field``         sources.csv: country, type or ownership of an outlet
``quote_relation``       quote_pairs.csv: how a quotation relates to its original
``argument_weakness``    arguments.csv: a reasoning weakness the kit finds
``event_mentioned``      events.csv: whether the document mentions an event
``event_after``          events.csv: which event came after the dateline
``event_not_mentioned``  events.csv: which event the document leaves out
``evidence_copy``        evidence.csv: whether a page is an original or a copy
``force_number``         forces.csv: a troop figure (short answer)
``evidence_language``    evidence.csv: the language of a page
``dateline``             the document's own dateline
``concept``              the spec's own choices (method, not facts)
=======================  ==================================================

>>> [q.question_id for q in questions_for("04")][:2]
['04-names', '04-numbers']

Modules: ``questions`` (the specs, :class:`Question`, building and finding
questions), ``builders`` (one function per kind, reading the data) and
``feedback`` (checking answers, the widget and :func:`ask`).

:func:`ask` shows a question as a widget (RadioButtons or a text box, a Check
button, feedback) with a static fallback whose answer sits in a collapsed
``<details>``. Feedback says whether the answer matches and always explains
why, in neutral words, with the evidence links.
"""

from __future__ import annotations


from course.lessons.practice.builders import BUILDERS
from course.lessons.practice.feedback import (
    PracticeQuestion, ask, feedback_html, is_correct, question_static_html, sources_html,
)
from course.lessons.practice.labels import (
    CITATION_KIND_LABELS, COMPARISON_LABELS, SOURCE_FIELD_PROMPTS, WEAKNESS_LABELS,
)
from course.lessons.practice.questions import (
    LESSONS, QUESTION_SPECS, QUESTIONS, Question, all_questions, build_question, lesson_id, question, questions_for,
)
