"""Feedback without hidden tests (course.grading.reports.feedback) and the leak scan (course.grading.release.leaks)."""

from __future__ import annotations

import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course.grading import classdir
from course.grading.pipeline import FEEDBACK_PREPROCESSORS
from course.grading.preprocessors.hide_hidden_tests import HideHiddenTests
from course.grading.reports.feedback import ERROR_HINTS, GENERAL_HINT, HIDDEN_PLACEHOLDER, hint_for
from course.grading.release.leaks import find_leaks, html_text, notebook_text, secret_lines

TEST_SOURCE = """assert type(answer()) is dict, "answer should return a dict"
### BEGIN HIDDEN TESTS
import builtins as _b
assert answer() == {"K015": "inaccurate"}, "Compare the printed date with the record."
### END HIDDEN TESTS"""


def grade_cell(source=TEST_SOURCE, outputs=()):
    cell = new_code_cell(source, metadata={"nbgrader": {"grade": True, "solution": False, "locked": True, "grade_id": "q1-tests",
                                                        "points": 2, "schema_version": 3}})
    cell.outputs = list(outputs)
    return cell


def error(ename, evalue, traceback_lines):
    return new_output("error", ename=ename, evalue=evalue, traceback=traceback_lines)


def hide(cell):
    processed, _ = HideHiddenTests().preprocess_cell(cell, {}, 0)
    return processed


def test_hidden_region_is_replaced_by_a_placeholder():
    """Is the hidden test code gone from a test cell, with a line saying hidden tests ran?"""
    cell = hide(grade_cell())
    assert "K015" not in cell.source and "BEGIN HIDDEN TESTS" not in cell.source and "_b" not in cell.source
    assert cell.source.startswith('assert type(answer()) is dict') and cell.source.endswith(HIDDEN_PLACEHOLDER)


def test_failed_hidden_assertion_shows_only_type_and_authored_hint():
    """Does a failing hidden assert show its message but not the line that quotes the expected value?"""
    traceback_lines = ["Cell In[5], line 4", '----> 4 assert answer() == {"K015": "inaccurate"}, "Compare the printed date with the record."',
                       "AssertionError: Compare the printed date with the record."]
    cell = hide(grade_cell(outputs=[new_output("stream", name="stdout", text="debug K015\n"),
                                    error("AssertionError", "Compare the printed date with the record.", traceback_lines)]))
    assert len(cell.outputs) == 1
    shown = cell.outputs[0]
    assert shown.traceback == ["AssertionError: Compare the printed date with the record."]
    assert "inaccurate" not in str(shown) and "K015" not in str(shown)


def test_other_errors_never_show_their_message():
    """Can a hidden input echoed in an exception message (KeyError: 'Qasimi Quetta') reach the student? It must not."""
    cell = hide(grade_cell(outputs=[error("KeyError", "'Qasimi Quetta'", ["KeyError: 'Qasimi Quetta'"])]))
    assert "Qasimi" not in str(cell.outputs)
    assert cell.outputs[0].evalue == GENERAL_HINT
    # an AssertionError raised with a message the author did not write is treated the same way
    assert hint_for("AssertionError", "expected ['EV040']", TEST_SOURCE) == GENERAL_HINT
    assert hint_for("NotImplementedError", "", TEST_SOURCE) == ERROR_HINTS["NotImplementedError"]


def test_passing_hidden_tests_leave_no_output():
    """Does a passing test cell show nothing a hidden test printed?"""
    cell = hide(grade_cell(outputs=[new_output("stream", name="stdout", text="EV040 EV041\n")]))
    assert cell.outputs == []


def test_cells_without_hidden_tests_and_student_cells_are_untouched():
    """Are visible-only test cells and a student's own code (even with the delimiter text) left as they are?"""
    visible = grade_cell(source='assert answer() == 1, "one"', outputs=[error("AssertionError", "one", ["AssertionError: one"])])
    assert hide(visible).outputs[0].traceback == ["AssertionError: one"]
    student = new_code_cell("# ### BEGIN HIDDEN TESTS (my notes)\nx = 1",
                            metadata={"nbgrader": {"grade": False, "solution": True, "locked": False, "grade_id": "q1-answer", "schema_version": 3}})
    assert hide(student).source.startswith("# ### BEGIN HIDDEN TESTS")


def test_pipeline_order_and_config():
    """Is the filter between GetGrades and the HTML header, and does the configuration use exactly this pipeline?"""
    names = [name.rpartition(".")[2] for name in FEEDBACK_PREPROCESSORS]
    assert names == ["GetGrades", "HideHiddenTests", "SkillSummary", "CSSHTMLHeaderPreprocessor"]
    config = classdir.nbgrader_config()
    assert config.GenerateFeedback.preprocessors == FEEDBACK_PREPROCESSORS


def test_leak_scan_finds_secrets_in_highlighted_html_and_ignores_public_lines():
    """Does the scan see through syntax-highlighting markup, and skip lines that are public anyway?"""
    nb = new_notebook(cells=[
        new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return sorted(claims_without_evidence)\n    ### END SOLUTION",
                      metadata={"nbgrader": {"solution": True, "grade": False, "locked": False, "grade_id": "a", "schema_version": 3}}),
        grade_cell(),
        new_markdown_cell("Use `return sorted(claims_without_evidence)` if you like."),
    ])
    secrets = secret_lines(nb)
    assert 'assert answer() == {"K015": "inaccurate"}, "Compare the printed date with the record."' in secrets
    assert "return sorted(claims_without_evidence)" not in secrets  # printed in the instructions: public
    html = ('<style>.k{color:red}</style><pre><span class="k">assert</span> <span class="n">answer</span>() == '
            '{&quot;K015&quot;: &quot;inaccurate&quot;}, &quot;Compare the printed date with the record.&quot;</pre>')
    assert find_leaks(html_text(html), secrets)
    assert find_leaks(html_text("<pre>nothing secret here</pre>"), secrets) == []


def test_a_students_own_words_are_not_a_leak():
    """Is a student whose answer equals the model solution allowed to see their own answer in feedback?"""
    nb = new_notebook(cells=[new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return {str(row.claim_id) for row in rows}\n    ### END SOLUTION",
                                           metadata={"nbgrader": {"solution": True, "grade": False, "locked": False, "grade_id": "a", "schema_version": 3}})])
    own = new_notebook(cells=[new_code_cell("def f():\n    return {str(row.claim_id) for row in rows}")])
    assert secret_lines(nb) and not secret_lines(nb, allowed=notebook_text(own))


def test_source_notebooks_have_secrets_to_protect():
    """Does every assignment have solution and hidden-test lines long enough for the scan to check?"""
    for assignment_id in classdir.assignment_ids():
        secrets = secret_lines(nbformat.read(classdir.source_notebook(assignment_id), as_version=4))
        assert len(secrets) >= 5, assignment_id


def test_importing_the_feedback_steps_reads_no_words():
    """Does importing feedback and its preprocessors leave grading.toml unread, so a long-running Formgrader sees edited words?"""
    modules = ("course.grading.reports.feedback", "course.grading.preprocessors.hide_hidden_tests",
               "course.grading.preprocessors.skill_summary", "course.grading.pipeline")
    probe = ("import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
             "from course import paths\nprint(paths._parsed.cache_info().currsize)")
    done = subprocess.run([sys.executable, "-c", probe, *modules], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0", "a module read a words file (grading.toml or another) at import"
