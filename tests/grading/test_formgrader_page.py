"""Formgrader's grading page puts the written answers and their mark schemes first; feedback keeps the notebook's order
(issue 22: in ps1 the first written answer began 5,588 px down, under six hidden-test cells)."""

from __future__ import annotations

import copy

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.grading import classdir, wording
from course.grading.keys.answers import is_written_answer
from course.grading.preprocessors.written_first import WrittenFirst, question_runs
from course.grading.run import demo
from test_hostile_html import feedback_html, formgrader_html

ASSIGNMENT = "ps1-provenance-and-citations"


@pytest.fixture(scope="module")
def submission():
    source, release = demo.source_and_release(ASSIGNMENT)
    return demo.build_submission(source, release, "perfect")[0]


def grade_ids(cells) -> list[str]:
    return [(c.metadata.get("nbgrader") or {}).get("grade_id", "") if isinstance(c.metadata.get("nbgrader") or {}, dict) else ""
            for c in cells]


def test_written_questions_move_whole_to_the_top_and_nothing_is_lost(submission):
    """Each written question's heading, mark scheme and boxes follow the first cell and the note; the rest keep
    their order; every cell is still there once."""
    nb = copy.deepcopy(submission)
    before = grade_ids(nb.cells)
    WrittenFirst().preprocess(nb, {})
    after = grade_ids(nb.cells)
    note = nb.cells[1]
    assert note.source == wording.text("formgrader", "written_first") and after[1] == ""
    assert sorted(after[:1] + after[2:]) == sorted(before) and len(after) == len(before) + 1
    written = [gid for gid in before if gid.split("-")[0] in {"q6", "q7"}]
    assert written[:2] == ["q6-task", "q6-rubric"] and after[2:2 + len(written)] == written
    rest = [gid for gid in before if gid not in written]
    assert after[:1] + after[2 + len(written):] == rest
    first_written = next(i for i, c in enumerate(nb.cells) if is_written_answer(c))
    first_test = after.index("q1-tests")
    assert first_written < first_test


def test_a_cell_the_student_added_inside_a_written_question_moves_with_it(submission):
    nb = copy.deepcopy(submission)
    at = grade_ids(nb.cells).index("q6-answer") + 1
    nb.cells.insert(at, new_markdown_cell("my extra paragraph"))
    WrittenFirst().preprocess(nb, {})
    ids = grade_ids(nb.cells)
    assert nb.cells[ids.index("q6-answer") + 1].source == "my extra paragraph"


def test_a_notebook_without_written_questions_is_left_as_it_is():
    cells = [new_markdown_cell("title"), new_code_cell("x = 1", metadata={"nbgrader": {"grade_id": "q1-tests"}})]
    nb = new_notebook(cells=copy.deepcopy(cells))
    WrittenFirst().preprocess(nb, {})
    assert [c.source for c in nb.cells] == ["title", "x = 1"]
    assert [q for q, _ in question_runs(nb.cells)] == [None, "q1"]


def test_the_formgrader_page_shows_written_answers_first_and_feedback_keeps_the_notebook_order(submission):
    """Rendered by the exporters nbgrader builds from the repository's nbgrader_config.py."""
    config = classdir.nbgrader_config()
    page = formgrader_html(submission, config)
    note = "On this page the written answers come first"
    assert note in page
    assert page.index('id="q6-answer"') < page.index('id="q1-tests"')
    assert page.index("Mark scheme (2 points)") < page.index('id="q6-answer"')
    last_written = page.index('id="q7-answer-b"')
    assert all(page.index(f'id="q{n}-tests"') > last_written for n in range(1, 6))
    feedback = feedback_html(submission, config)
    assert note not in feedback
    assert feedback.index("Question 1:") < feedback.index("Question 6:")


def test_cells_with_odd_grading_metadata_do_not_stop_the_page(submission):
    """A student's own cells may carry anything as nbgrader metadata; the page is still made, in the same order."""
    nb = copy.deepcopy(submission)
    at = grade_ids(nb.cells).index("q6-answer") + 1
    odd = [new_markdown_cell("a", metadata={"nbgrader": "x"}), new_markdown_cell("b", metadata={"nbgrader": None}),
           new_markdown_cell("c", metadata={"nbgrader": {"grade_id": 7}})]
    nb.cells[at:at] = odd
    WrittenFirst().preprocess(nb, {})
    sources = [c.source for c in nb.cells]
    note = wording.text("formgrader", "written_first")
    assert sorted(sources) == sorted([note] + [c.source for c in submission.cells + odd])  # nothing lost
    assert sources.index("a") < sources.index("b") < grade_ids(nb.cells).index("q1-tests")  # they stayed with Question 6
