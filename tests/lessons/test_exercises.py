"""course.lessons.exercises: answer boxes that keep the answer, and model answers only after the student writes."""

from __future__ import annotations

import json

import pytest

from course.lessons import exercises


def test_model_answer_waits_for_the_students_own_answer(tmp_path, monkeypatch):
    """Is the Model answer button disabled (and reveal refused) while the box is empty, and working once it is not?"""
    monkeypatch.chdir(tmp_path)
    box = exercises.exercise("01-describe")
    assert box.model_button.disabled and box.reveal() is False and "Model answer." not in box.model_view.value
    box.answer_box.value = "A Q&A piece; 'we' is the organisation."
    assert not box.model_button.disabled
    box.model_button.click()
    assert "Model answer." in box.model_view.value and "Did you" in box.model_view.value


def test_answers_are_kept_across_reruns(tmp_path, monkeypatch):
    """Does a typed answer land in my-answers.json and come back when the cell runs again?"""
    monkeypatch.chdir(tmp_path)
    exercises.exercise("02-trace-one").answer_box.value = "The original says X; the document says Y."
    saved = json.loads((tmp_path / exercises.ANSWERS_FILE).read_text(encoding="utf-8"))
    assert saved == {"02-trace-one": "The original says X; the document says Y."}
    again = exercises.exercise("02-trace-one")
    assert again.answer_box.value == "The original says X; the document says Y." and not again.model_button.disabled


def test_model_answers_take_their_facts_from_the_data():
    """Are the placeholders filled from the tables (and a bad one named)?"""
    from course.evidence import data

    citation = data.citations().set_index("citation_id").loc["C10"]
    assert citation["notes"] in exercises.fill("{citations:C10:notes}")
    with pytest.raises(KeyError, match="no row"):
        exercises.fill("{citations:C99:notes}")
    assert "{" not in exercises.model_answer_html(exercises.exercises()["06-map-argument"])


def test_static_fallback_keeps_the_model_answer_collapsed():
    static = exercises.exercise("07-omitted-event").static_html()
    assert "<details><summary>Model answer</summary>" in static
