"""course.lessons.practice: check-yourself questions built from the data, with feedback and a static fallback."""

from __future__ import annotations

import csv

import pytest

from course.evidence import data
from course.lessons import practice
from course.lessons.practice import LESSONS, ask, feedback_html, is_correct, question, questions_for

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def questions():
    return practice.all_questions()


def test_every_lesson_has_at_least_two_questions():
    """Does every lesson of the manifest (00-08, and any added since) have two or more questions?"""
    assert list(LESSONS)[:9] == [f"{n:02d}" for n in range(9)]
    for lesson in LESSONS:
        assert len(questions_for(lesson)) >= 2, lesson


def test_question_ids_are_unique_and_prefixed_by_their_lesson(questions):
    """Is every question id unique and does it start with its lesson id?"""
    ids = [q.question_id for q in questions]
    assert len(ids) == len(set(ids))
    assert all(q.question_id.startswith(q.lesson + "-") for q in questions)


def test_every_factual_answer_is_traceable(questions):
    """Does each factual question reference at least one claim or evidence id, and does each id exist?"""
    known = set(data.claims()["claim_id"]) | set(data.evidence()["evidence_id"])
    factual = [q for q in questions if q.factual]
    assert len(factual) >= 2 * len(LESSONS) - 4  # most questions are about the case, not the method
    for q in factual:
        assert q.refs, q.question_id
        assert set(q.refs) <= known, (q.question_id, set(q.refs) - known)


def test_choice_questions_have_their_answer_among_distinct_choices(questions):
    """Is the right answer one of the choices, with no duplicate choices and at least two to pick from?"""
    for q in questions:
        if q.kind == "choice":
            assert q.answer in q.choices, q.question_id
            assert len(set(q.choices)) == len(q.choices) >= 2, q.question_id
        else:
            assert q.kind == "short" and q.accepted


def test_answers_come_from_the_data():
    """Does the 2012-coup question's answer equal the record's date, and its distractors include the document's date?"""
    from course.lessons.practice.questions import build_question

    q = build_question({"id": "04-coup-2012-date", "lesson": "04", "kind": "event_date", "claim_id": "K004",
                        "event_id": "EV002", "other_event_id": "EV003"})
    event = data.events().set_index("event_id").loc["EV002"]
    assert q.answer == f"{event['date'].day} {event['date']:%B %Y}"
    assert any(choice.endswith(str(event["date"].year)) and choice != q.answer for choice in q.choices)
    assert {"K004"} <= set(q.refs)


def test_changing_the_data_changes_the_answer(data_copy):
    """If claims.csv gave K065 another verdict, would the question follow the data (nothing hard-coded)?"""
    path = data_copy / "claims.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["claim_id"] == "K065":
            row["verdict"] = "unverifiable"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    data.clear_cache()
    try:
        assert question("03-verdicts").answer == "Unverifiable"
    finally:
        data.clear_cache()


def test_wrong_answer_gets_explanatory_feedback():
    """Does a wrong choice get 'Not quite', the right answer and the explanation with evidence links?"""
    q = question("03-verdicts")
    wrong = next(choice for choice in q.choices if choice != q.answer)
    feedback = feedback_html(q, wrong)
    assert "Not quite" in feedback and q.answer in feedback and "Why:" in feedback
    assert 'target="_blank" rel="noopener"' in feedback
    assert "Correct" in feedback_html(q, q.answer)


def test_widget_check_paths():
    """Does the widget score a wrong and a right answer and prompt when nothing is chosen?"""
    view = ask("07-operation-serval")
    assert view.check() is None and "Choose or type an answer" in view.feedback_view.value
    wrong = next(c for c in view.question.choices if c != view.question.answer)
    assert view.check(wrong) is False and "Not yet" in view.feedback_view.value
    assert view.check(view.question.answer) is True and "Correct" in view.feedback_view.value


def test_a_wrong_first_answer_gets_a_second_try_before_the_answer_is_shown():
    """A wrong check-yourself answer once showed the right one at once. The first wrong answer now says so and
    asks again, without the answer or its explanation; the second wrong one shows both."""
    view = ask("01-dateline")
    right = view.question.answer
    wrong = [c for c in view.question.choices if c != right]
    assert view.check(wrong[0]) is False
    first = view.feedback_view.value
    assert "Not yet" in first and right not in first and "Why:" not in first
    assert view.check(wrong[1]) is False
    second = view.feedback_view.value
    assert "Not quite" in second and right in second and "Why:" in second


def test_short_numeric_answers_accept_ordinary_forms():
    """Is '5,100', '5100' or 'about 5 100' accepted for a figure of 5,100, and another number refused?"""
    q = question("04-barkhane-document-figure")
    figure = int(data.forces().set_index("force_id").at["F01", "document_personnel"])
    for form in (f"{figure:,}", str(figure), f"about {figure:,}".replace(",", " ")):
        assert is_correct(q, form), form
    assert not is_correct(q, str(figure + 100))
    assert not is_correct(q, f"{figure} or {figure + 100}")


def test_static_fallback_has_the_answer_in_details():
    """Does the static rendering show the question and choices, with the answer only inside <details>?"""
    view = ask("05-summary-as-quote")
    markup = view.static_html()
    before, _, inside = markup.partition("<details>")
    assert inside and "<summary>" in inside
    assert view.question.answer.replace("'", "&#x27;") in inside
    assert "Show the answer" in inside and "<li>" in before
    for widget_only in ("<button", "<input", "<select", WIDGET_MIME):
        assert widget_only not in markup
    bundle = view._repr_mimebundle_()
    assert WIDGET_MIME in bundle and bundle["text/html"] == markup


def test_lesson_and_question_lookups_validate_input():
    """Are '3' and 3 read as lesson '03', and do unknown lessons or ids name the valid ones?"""
    assert [q.question_id for q in questions_for(3)] == [q.question_id for q in questions_for("03")]
    with pytest.raises(ValueError, match="00, 01"):
        questions_for("99")  # past any lesson the manifest may gain
    with pytest.raises(KeyError, match="00-sift-moves"):
        question("nope")


def test_every_spec_kind_is_known():
    """Does every spec use a kind that has a builder (a typo would otherwise fail in class)?"""
    assert {spec["kind"] for spec in practice.QUESTION_SPECS} <= set(practice.BUILDERS)
    with pytest.raises(ValueError, match="unknown kind"):
        practice.build_question({"id": "x", "lesson": "00", "kind": "essay"})


def test_leak_scan_finds_a_finding_beside_its_item_and_ignores_collapsed_answers():
    """Does the predict-then-reveal scan catch a verdict shown next to its claim, and only then?"""
    from course.lessons.practice.findings import leaks

    spec = practice.QUESTIONS["03-verdicts"]
    verdict = data.claims().set_index("claim_id").at[spec["claim_id"], "verdict"].replace("_", " ")
    shown = f"<table><tr><td>{spec['claim_id']}</td><td>{verdict}</td></tr><tr><td>K001</td><td>other</td></tr></table>"
    assert leaks(spec, [shown])
    assert not leaks(spec, [f"<p>{spec['claim_id']}</p><p>{verdict}</p>"])  # different units
    assert not leaks(spec, [f"<details><summary>Answer</summary><p>{spec['claim_id']} {verdict}</p></details>"])


def test_no_check_yourself_question_is_about_an_item_graded_work_assesses():
    """Would any practice question answer a graded item (a row of the assessment bank)?"""
    from pathlib import Path

    from course import paths
    from course.evidence import bank
    from course.lessons.practice.questions import QUESTION_SPECS

    held_back = bank.banked_ids()
    assert held_back.get("claims"), "nothing assessed: the check below would pass vacuously"
    tables = {"claim_id": "claims", "force_id": "forces", "citation_id": "citations", "event_id": "events",
              "other_event_id": "events", "pair_id": "quote_pairs", "argument_id": "arguments", "source_id": "sources"}
    clashes = []
    for spec in QUESTION_SPECS:
        named = [(tables[key], spec[key]) for key in tables if key in spec]
        named += [("events", event) for event in spec.get("event_ids", [])]
        clashes += [(spec["id"], table, row) for table, row in named if row in held_back.get(table, set())]
    assert clashes == [], clashes


def test_no_lesson_or_model_answer_works_an_example_graded_work_assesses():
    """A lesson's worked example must not be a graded item: lesson 06 mapped R01 and lesson 07 listed R01's
    alternatives, which ps4 asks for (a student edition showed "held back" instead), and lesson 02's tracing
    exercise used C07, which ps3 assesses. Every row id a lesson's cells or an exercise's model answer names is
    checked against the rows graded work assesses (and those held back with them)."""
    import re
    from pathlib import Path

    import nbformat

    from course import paths
    from course.evidence import bank
    from course.lessons import content, manifest

    held_back = bank.banked_ids()
    every_held_id = set().union(*held_back.values())
    assert {"R01", "C07", "K015"} <= every_held_id, "the check below would pass vacuously"
    row_id = re.compile(r"\b(?:[A-Z]{1,3}\d{2,3}(?:-\d+)?)\b")
    clashes = []
    for lesson in manifest.lessons():
        for number, cell in enumerate(nbformat.read(lesson.path, as_version=4).cells):
            clashes += [(lesson.file, number, found) for found in row_id.findall(cell.source) if found in every_held_id]
    for spec in content.load("exercises.toml")["exercise"]:
        clashes += [(spec["id"], "model", found) for found in row_id.findall(spec["model"]) if found in every_held_id]
    assert clashes == [], clashes
