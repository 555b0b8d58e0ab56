"""A released notebook carries no metadata that locates an answer (issue #20: the key stays with the grader)."""

from __future__ import annotations

import json

import pytest

from course.grading.pipeline import RELEASE_PREPROCESSORS
from course.grading.preprocessors import keep_student_metadata
from course.grading.classdir import assignment_ids, open_api, source_notebook

LOCATORS = ("lookup", "lookup_contains", "assesses")


def test_the_release_steps_are_nbgraders_own_then_the_kits_cut():
    """If nbgrader's generate_assignment pipeline changes, the kit's list must follow it."""
    from nbgrader.converters import GenerateAssignment
    from traitlets.utils.importstring import import_item

    stock = GenerateAssignment.class_traits()["preprocessors"].default()
    listed = [import_item(name) for name in RELEASE_PREPROCESSORS]
    assert listed == [*stock, keep_student_metadata.KeepStudentMetadata]


def _course_keys(path) -> set[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return {key for cell in cells for key in (cell.get("metadata", {}).get("course") or {})}


@pytest.mark.slow
@pytest.mark.usefixtures("no_external_gradebook")
def test_every_released_notebook_keeps_only_the_metadata_a_student_needs(tmp_path):
    """Released by the kit's verb (nbgrader's generate_assignment with the repository's configuration)."""
    from course.grading.run import verbs

    api = open_api(tmp_path / "class", create=True, private_gradebook=True)
    ids = verbs.release("all", api=api)
    assert set(ids) == set(assignment_ids())
    with_locators = 0
    for assignment_id in ids:
        source_keys = _course_keys(source_notebook(assignment_id))
        with_locators += bool(source_keys & set(LOCATORS))
        release = tmp_path / "class" / "release" / assignment_id / f"{assignment_id}.ipynb"
        kept = _course_keys(release)
        assert kept <= keep_student_metadata.STUDENT_KEYS, (assignment_id, kept - keep_student_metadata.STUDENT_KEYS)
        assert "lookup" not in release.read_text(encoding="utf-8"), assignment_id
    assert with_locators >= 4  # the sources do carry them: the check above could fail
