"""Item analysis (course.grading.itemanalysis): facility, discrimination, flags, skills and the diagnostic's gains."""

from __future__ import annotations

import pytest

from course.grading import itemanalysis
from course.grading.itemanalysis import Item, ItemReport

STUDENTS = ["s1", "s2", "s3", "s4", "s5"]


def item(grade_id, skill, scores, assignment="ps1-provenance-and-citations", points=1.0):
    return Item(assignment, grade_id, skill, "auto", points, dict(zip(STUDENTS, scores)))


def report(items):
    return ItemReport(items=items, discrimination=itemanalysis._discrimination(items), students=STUDENTS)


def test_facility_is_the_mean_share_of_points():
    """Is facility the class's mean share of an item's points (half points count half)?"""
    assert item("q1", "trace-origin", [1, 1, 0, 0, 0]).facility == pytest.approx(0.4)
    assert item("q2", "trace-origin", [2, 1, 0, 0, 0], points=2).facility == pytest.approx(0.3)


def test_discrimination_is_the_item_rest_correlation():
    """Does an item passed exactly by the students strongest on the rest correlate positively, and an inverse one negatively?"""
    rest = [item(f"r{n}", "lateral-reading", [1, 1, 1, 0, 0]) for n in range(3)]
    good = item("good", "trace-origin", [1, 1, 0, 0, 0])
    bad = item("bad", "trace-origin", [0, 0, 0, 1, 1])
    got = report(rest + [good, bad]).discrimination
    assert got[(good.assignment, "good")] > 0.5 and got[(bad.assignment, "bad")] < -0.5


def test_pearson_matches_a_hand_computed_value_and_is_empty_without_variance():
    """r for (1,2,3) against (1,3,2) is 0.5; a constant item has no correlation."""
    assert itemanalysis._pearson([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    assert itemanalysis._pearson([1, 1, 1], [1, 2, 3]) is None


def test_flags_name_items_almost_everyone_fails_or_passes():
    """Are an item nobody passes and one everybody passes flagged, and a middling one that discriminates not?"""
    rest = [item(f"r{n}", "lateral-reading", [1, 1, 1, 0, 0]) for n in range(3)]
    hard, easy, fine = item("hard", "x", [0] * 5), item("easy", "x", [1] * 5), item("fine", "x", [1, 1, 0, 0, 0])
    r = report(rest + [hard, easy, fine])
    assert "almost all fail" in r.flag(hard) and "almost all pass" in r.flag(easy) and r.flag(fine) == ""


def test_skill_shares_per_student_and_class():
    """Are skill shares computed over every item of the skill, for one student and for the class?"""
    r = report([item("a", "trace-origin", [1, 0, 0, 0, 0]), item("b", "trace-origin", [1, 1, 0, 0, 0]),
                item("c", "lateral-reading", [0, 0, 0, 0, 1])])
    assert r.skill_shares("s1") == {"lateral-reading": 0.0, "trace-origin": 1.0}
    assert r.skill_shares()["trace-origin"] == pytest.approx(0.3)


def test_gains_compare_form_a_with_form_b_per_student_and_skill():
    """With both diagnostic forms in the report, are each student's and each skill's gains after minus before?"""
    before = [item("q1", "trace-origin", [0, 0, 1, 0, 0], "diagnostic-pre"), item("q2", "lateral-reading", [0, 0, 0, 0, 0], "diagnostic-pre")]
    after = [item("q1", "trace-origin", [1, 0, 1, 1, 0], "diagnostic-post"), item("q2", "lateral-reading", [1, 1, 0, 0, 0], "diagnostic-post")]
    r = report(before + after)
    students, skills = r.gains()
    assert students[0] == ("s1", 0.0, 1.0, 1.0) and students[2] == ("s3", 0.5, 0.5, 0.0)
    assert skills["trace-origin"] == pytest.approx((0.2, 0.6, 0.4))
    text = r.table()
    assert "Diagnostic: diagnostic-pre (form A, before) and diagnostic-post (form B, after)" in text and "+1.00" in text


def test_the_figure_csv_and_alt_text_are_written(tmp_path):
    """Does the report write a PNG, its alt text naming every item, and a CSV with one row per item?"""
    r = report([item("q1", "trace-origin", [1, 0, 1, 0, 1]), item("q2", "lateral-reading", [1, 1, 1, 1, 0])])
    png, alt = itemanalysis.plot(r, tmp_path / "item-analysis.png")
    csv_path = itemanalysis.write_csv(r, tmp_path / "item-analysis.csv")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "q1 (Trace the claim to its origin): facility 0.60" in alt.read_text()
    assert len(csv_path.read_text().splitlines()) == 3


def test_the_feedback_skills_table_names_points_met_without_answers():
    """Does the feedback summary list each item and rubric point with its skill and whether it was met, and no answer values?"""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from course.grading.feedback import SkillSummary

    test = new_code_cell('assert x == "inaccurate"', metadata={"nbgrader": {"grade": True, "grade_id": "q1-tests", "points": 1, "score": 0},
                                                                 "course": {"skill": "names-dates-numbers", "answer": "x"}})
    point = new_markdown_cell("My part (b)", metadata={"nbgrader": {"grade": True, "solution": True, "grade_id": "q2-answer-b", "points": 1,
                                                                    "score": 1},
                                                       "course": {"skill": "lateral-reading", "rubric_point": 2, "question": "q2"}})
    nb, _ = SkillSummary().preprocess(new_notebook(cells=[new_markdown_cell("intro"), test, point]), {})
    summary = nb.cells[1].source
    # Every cell is the student's text escaped for markdown (q1\-tests renders as q1-tests; see feedback.md_text).
    assert "| q1\\-tests | checked automatically | Names, dates and numbers | not yet (0/1) |" in summary, summary
    assert "| q2\\-answer\\-b | written, point 2 of q2 | Find better coverage | met (1/1) |" in summary, summary
    assert "inaccurate" not in summary
