"""course.lessons.views: tables for people, including what the student edition holds back."""

from __future__ import annotations

import pytest

from course.evidence import data, editions
from course.lessons import views


@pytest.fixture
def student_edition(monkeypatch):
    monkeypatch.setenv(data.EDITION_ENV, "student")
    data.clear_cache()
    yield
    monkeypatch.delenv(data.EDITION_ENV)
    data.clear_cache()


def test_a_held_back_cell_says_so_instead_of_a_dash(student_edition):
    """A held-back verdict showed as "–", which reads as "no verdict"; it must say it is held back, and only there."""
    claims = data.claims()
    shown = repr(views.table(claims[claims["claim_id"].isin(["K015", "K014"])], ["claim_id", "verdict", "rating_explanation"]))
    k014, k015 = shown.splitlines()[1:]
    assert k015 == "K015 | held back until feedback | held back until feedback"
    assert k014.startswith("K014 | partly accurate | ") and "held back" not in k014
    assert views.HELD_BACK_WORDS in views.table(claims, ["claim_id", "verdict"])._repr_html_()


def test_the_full_edition_shows_no_held_back_words():
    shown = views.table(data.claims(), ["claim_id", "verdict"])
    assert views.HELD_BACK_WORDS not in repr(shown)


def test_a_student_edition_folder_still_knows_which_rows_it_holds_back(tmp_path, monkeypatch):
    """On the hub students get a written student-edition folder; the lessons' "held back" notes need its list of
    held rows (before, data.held_back returned nothing there, so R01's map and K015's verdict showed blanks)."""
    folder = editions.student_edition(tmp_path / "student-data")
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    monkeypatch.setenv(data.EDITION_ENV, "student")
    data.clear_cache()
    try:
        assert {"K015", "K067"} <= data.held_back("claims") and "R01" in data.held_back("arguments")
        claims = data.claims()
        assert "held back until feedback" in repr(views.table(claims[claims["claim_id"] == "K015"], ["claim_id", "verdict"]))
    finally:
        monkeypatch.delenv("COURSE_DATA_DIR")
        data.clear_cache()


def test_held_back_typed_cells_are_marked_too(student_edition):
    """forces.record_personnel is an integer column: a held-back row holds pd.NA there, which has no truth value
    (lesson 04 crashed on it). It reads 'held back until feedback' like a text cell."""
    forces = data.forces()
    assert "F04" in data.held_back("forces")
    shown = repr(views.table(forces[forces["force_id"] == "F04"], ["force_id", "record_personnel", "record_basis"]))
    assert shown.splitlines()[1] == "F04 | held back until feedback | held back until feedback"
