"""Item analysis (course.grading.reports.itemanalysis): facility, discrimination, flags, skills and the diagnostic's gains."""

from __future__ import annotations

import pytest

from course.grading.reports import itemanalysis
from course.grading.reports.itemanalysis import Item, ItemReport

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
    """Are an item nobody passes and one everybody passes flagged too hard / too easy, and a middling one that discriminates not?"""
    rest = [item(f"r{n}", "lateral-reading", [1, 1, 1, 0, 0]) for n in range(3)]
    hard, easy, fine = item("hard", "x", [0] * 5), item("easy", "x", [1] * 5), item("fine", "x", [1, 1, 0, 0, 0])
    r = report(rest + [hard, easy, fine])
    assert r.reasons(hard) == [itemanalysis.TOO_HARD] and r.reasons(easy) == [itemanalysis.TOO_EASY] and r.flag(fine) == ""


def constructed():
    """A gradebook with one item of each kind of trouble: negative, weak, too hard, too easy, and four sound ones."""
    rest = [item(f"r{n}", "lateral-reading", [1, 1, 1, 0, 0]) for n in range(3)]
    return report(rest + [item("fine", "trace-origin", [1, 1, 0, 0, 0], points=1),
                          item("easy", "trace-origin", [1, 1, 1, 1, 1]),
                          item("inverse", "quotation-fidelity", [0, 0, 0, 1, 1]),
                          item("flat", "names-dates-numbers", [1, 0, 1, 1, 0]),
                          item("hard", "argument-structure", [0, 0, 0, 0, 0])])


def test_the_reasons_say_why_for_each_region_of_the_plot():
    """Is each item flagged for exactly its region: r < 0 negative, 0 <= r < 0.2 weak, facility < 0.2 / > 0.9?"""
    r = constructed()
    by_id = {i.grade_id: i for i in r.items}
    assert r.r(by_id["inverse"]) < 0 and 0 <= r.r(by_id["flat"]) < itemanalysis.WEAK
    assert r.reasons(by_id["inverse"]) == [itemanalysis.NEGATIVE_DISCRIMINATION]
    assert r.reasons(by_id["flat"]) == [itemanalysis.WEAK_DISCRIMINATION]
    assert r.reasons(by_id["hard"]) == [itemanalysis.TOO_HARD] and r.reasons(by_id["easy"]) == [itemanalysis.TOO_EASY]
    assert r.reasons(by_id["fine"]) == [] and all(r.reasons(by_id[f"r{n}"]) == [] for n in range(3))
    # Most urgent first: a negative r (often a fault in the key), then too hard, weak, too easy.
    assert [i.grade_id for i in r.to_review()] == ["inverse", "hard", "flat", "easy"]


def test_the_table_leads_with_the_items_to_review_and_says_why():
    """Does the printed table list the flagged items first, each with its reason, and only then the rest?"""
    text = constructed().table()
    lines = text.splitlines()
    assert lines[0] == itemanalysis.TABLE_REVIEW.format(n=4)
    review_end = lines.index(itemanalysis.TABLE_REST.format(n=4))
    key = itemanalysis.TABLE_KEY.splitlines()
    assert lines[1:1 + len(key)] == key and lines[1 + len(key)].split()[-1] == itemanalysis.WHY
    rows = lines[3 + len(key):review_end - 1]  # title, key, header, rule; a blank line before the other items
    expected = [("inverse", "negative discrimination"), ("hard", "too hard"), ("flat", "weak discrimination"), ("easy", "too easy")]
    assert len(rows) == 4
    for row, (grade_id, why) in zip(rows, expected):
        assert f" {grade_id} " in row and row.endswith(why), row
    assert not any(" fine " in row for row in rows) and any(" fine " in line for line in lines[review_end:])


def test_an_assessment_with_nothing_to_review_says_so():
    r = report([item("q1", "trace-origin", [1, 1, 0, 0, 0]), item("q2", "trace-origin", [1, 1, 1, 0, 0])])
    assert r.table().splitlines()[0] == itemanalysis.TABLE_REVIEW_NONE


def test_short_titles_come_from_the_question_headings():
    """Are items titled by assignment label, question number (and rubric part) and topic, not by the repeated grade id?"""
    assert itemanalysis._cell_info("ps1-provenance-and-citations")["q3-tests"][2] == "ps1 Q3 the junta spokesman's statements"
    assert itemanalysis._cell_info("ps1-provenance-and-citations")["q6-answer-b"][2] == "ps1 Q6b provenance"
    # The diagnostic's headings have no topic: the skill stands in for it.
    assert itemanalysis._cell_info("diagnostic-pre")["q1-tests"][2] == "diag A Q1 Investigate the source"
    assert itemanalysis._cell_info("diagnostic-post")["q1-tests"][2] == "diag B Q1 Investigate the source"
    assert itemanalysis._cell_info("final-source-memo")["m1-answer"][2] == "final P2a The subject and why it matters"
    long = Item("a", "q1-tests", "x", "auto", 1, title="ps3 Q2 which body is the “National Committee for the Rescue of the People”?")
    assert len(long.name) <= itemanalysis.TITLE_CHARS and long.name.endswith("…") and "“National Committee" in long.title
    assert Item("ps1-provenance-and-citations", "q1-tests", "x", "auto", 1).name == "ps1 q1-tests"  # no title known


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
    from course.grading.reports import itemfigure

    r = report([item("q1", "trace-origin", [1, 0, 1, 0, 1]), item("q2", "lateral-reading", [1, 1, 1, 1, 0])])
    png, alt = itemfigure.plot(r, tmp_path / "item-analysis.png")
    csv_path = itemanalysis.write_csv(r, tmp_path / "item-analysis.csv")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "ps1 q1 (ps1-provenance-and-citations q1): facility 0.60" in alt.read_text()
    assert len(csv_path.read_text().splitlines()) == 3


def test_the_alt_text_names_every_flagged_item_and_why(tmp_path):
    """Does the alt text list every item to review with its reasons, then every other item, then the skills panel?"""
    from course.grading.reports import itemfigure

    r = constructed()
    for n, flagged in enumerate(r.to_review()):
        flagged.title = f"ps1 Q{n + 1} flagged item {flagged.grade_id}"
    _, alt = itemfigure.plot(r, tmp_path / "item-analysis.png")
    text = alt.read_text()
    review, rest = text.split(itemfigure.ALT_REST.format(n=4))
    assert itemfigure.ALT_REVIEW.format(n=4) in review
    for flagged in r.to_review():
        line = next(line for line in review.splitlines() if flagged.title in line)
        assert all(reason in line for reason in r.reasons(flagged)), line
    assert "fine" in rest and "Trace the claim to its origin" in rest  # the right panel: shares per skill


def test_the_feedback_skills_table_names_points_met_without_answers():
    """Does the feedback summary list each item and rubric point with its skill and whether it was met, and no answer values?"""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from course.grading.preprocessors.skill_summary import SkillSummary

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


@pytest.mark.slow
def test_the_demo_class_report_flags_the_item_the_review_pair_makes_weak(tmp_path):
    """In the demo command's class, is ps2 Q1 flagged for weak discrimination, named in the alt text and first in the
    table, and is it the review pair (demo.REVIEW_PAIR) that makes it so?"""
    from course.grading.run import demo

    result = demo.run_demo(tmp_path / "demo", "ps2-claims-and-evidence", progress=False, students=demo.CLASS)
    r = result.item_report
    flagged = r.to_review()
    target = next(i for i in r.items if i.grade_id == "q1-tests")
    assert target in flagged and r.reasons(target) == [itemanalysis.WEAK_DISCRIMINATION]
    assert target.title == "ps2 Q1 the date of resolution 2071"
    assert target.scores["demo-slip"] == 0 and target.scores["demo-guess"] == 1
    alt = r.alt_text_path.read_text()
    assert all(i.title in alt.split("Other items")[0] for i in flagged)
    lines = r.table().splitlines()
    header = next(n for n, line in enumerate(lines) if line.startswith("item "))
    assert lines[header + 2].startswith(flagged[0].name) and "weak discrimination" in lines[header + 2]  # first row
    assert r.figure_path.read_bytes()[:4] == b"\x89PNG"
    # Without the pair the item discriminates: the flag comes from the pattern, not from the item.
    pair = {f"demo-{b}" for b in demo.REVIEW_PAIR}
    without = [Item(i.assignment, i.grade_id, i.skill, i.kind, i.max_score, {s: v for s, v in i.scores.items() if s not in pair})
               for i in r.items]
    assert itemanalysis._discrimination(without)[(target.assignment, "q1-tests")] > itemanalysis.WEAK
