"""The demo class generator (course.grading.run.demo): each behaviour builds the submission it claims to."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from course.grading import classdir
from course.grading.run import demo

ASSIGNMENT = "ps2-claims-and-evidence"


@pytest.fixture(scope="module")
def notebooks():
    """(source, release) of one assignment; the release made by nbgrader's own preprocessors."""
    return demo.source_and_release(ASSIGNMENT)


def answers(nb):
    return [c for c in nb.cells if demo.is_code_answer(c)]


def test_empty_submission_is_the_release_unchanged(notebooks):
    """Does the 'empty' student submit exactly what was released?"""
    source, release = notebooks
    submission, correct, deleted, written, share = demo.build_submission(source, release, "empty")
    assert submission == release and not correct and not deleted and not written and share == 0


def test_perfect_submission_holds_every_solution_and_leaves_the_release_alone(notebooks):
    """Are all answers the model solutions (without delimiters), and is the fetched release not modified?"""
    source, release = notebooks
    before = copy.deepcopy(release)
    submission, correct, deleted, written, share = demo.build_submission(source, release, "perfect")
    assert release == before
    solutions = {c.metadata.nbgrader.grade_id: c for c in answers(source)}
    for cell in answers(submission):
        assert "SOLUTION" not in cell.source and "NotImplementedError" not in cell.source
        assert cell.source == demo.solution_text(solutions[cell.metadata.nbgrader.grade_id])
    assert correct == set(solutions) and not deleted and share == 1.0
    assert written == {c.metadata.nbgrader.grade_id for c in submission.cells if demo.is_written_answer(c)}


def test_broken_behaviours_break_exactly_one_thing(notebooks):
    """Do 'raises', 'syntax-error' and 'deleted-test' each spoil one answer or test cell and keep the rest?"""
    source, release = notebooks
    ids = [c.metadata.nbgrader.grade_id for c in answers(source)]
    raises, correct, *_ = demo.build_submission(source, release, "raises")
    assert answers(raises)[0].source.startswith("raise RuntimeError") and correct == set(ids[1:])
    syntax, correct, *_ = demo.build_submission(source, release, "syntax-error")
    with pytest.raises(SyntaxError):
        compile(answers(syntax)[-1].source, "answer", "exec")
    assert correct == set(ids[:-1])
    deleted_nb, correct, deleted, *_ = demo.build_submission(source, release, "deleted-test")
    tests = [c for c in release.cells if demo.is_test(c)]
    assert deleted == {tests[0].metadata.nbgrader.grade_id} and len(deleted_nb.cells) == len(release.cells) - 1
    assert correct == set(ids)


def test_partial_solves_every_other_answer_and_one_written_answer(notebooks):
    """Does 'partial' leave the second, fourth… answers as released and answer one written question for half marks?"""
    source, release = notebooks
    submission, correct, _, written, share = demo.build_submission(source, release, "partial")
    released = answers(release)
    for index, cell in enumerate(answers(submission)):
        assert (cell.source == released[index].source) == (index % 2 == 1)
    assert len(correct) == (len(released) + 1) // 2 and len(written) == 1 and share == 0.5


def test_gamer_defines_objects_that_equal_anything(notebooks):
    """Does the 'gamer' bind every answer name to an object whose == is always True (a function returning one
    where the answer is a function, as in the optional data-skills track)?"""
    import ast

    source, release = notebooks
    submission, correct, *_ = demo.build_submission(source, release, "gamer")
    assert not correct
    namespace = {}
    for cell in answers(submission):
        exec(compile(cell.source, "answer", "exec"), namespace)
    checked = 0
    for cell in answers(source):
        code = demo.solution_text(cell)
        functions = {n.name for n in ast.parse(code).body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for name in demo.defined_names(code):
            value = namespace[name]() if name in functions else namespace[name]
            assert value == {"anything": 1} and value == [] and not (value != 3)
            checked += 1
    assert checked >= len(answers(source))


def test_unknown_behaviour_is_refused(notebooks):
    """Is a misspelt behaviour an error naming the valid ones?"""
    with pytest.raises(ValueError, match="known: perfect"):
        demo.build_submission(*notebooks, "perfectt")


def test_only_the_late_student_submits_after_the_due_date():
    """Is exactly one synthetic student late, by 16.5 hours?"""
    times = {s.behaviour: demo.submitted_at(s, order) for order, s in enumerate(demo.STUDENTS)}
    assert [b for b, t in times.items() if t > demo.DUE] == ["late"]
    assert times["late"] - demo.DUE == dt.timedelta(hours=16, minutes=30)


def test_demo_refuses_to_clear_a_folder_it_did_not_create(tmp_path):
    """Could `demo --class-dir class` wipe a real class? It must refuse a folder without its marker."""
    real = tmp_path / "class"
    (real / "submitted").mkdir(parents=True)
    with pytest.raises(classdir.GradingError, match="not a demo class folder"):
        demo.prepare_class_dir(real)
    assert (real / "submitted").is_dir()
    ours = tmp_path / "demo"
    demo.prepare_class_dir(ours)
    (ours / "leftover").write_text("x")
    demo.prepare_class_dir(ours)
    assert not (ours / "leftover").exists() and (ours / demo.MARKER).is_file()
