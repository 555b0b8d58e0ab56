"""course.lessons.views: tables for people, including the teaching copies whose findings the bank holds."""

from __future__ import annotations

from course.evidence import data, editions
from course.lessons import views


def test_a_held_back_cell_says_so_instead_of_a_dash():
    """A held-back verdict showed as "–", which reads as "no verdict"; it must say it is held back, and only there."""
    claims = data.claims()
    assert "K039" in data.held_back("claims")  # a teaching copy: lesson 06's argument R02 needs the claim
    shown = repr(views.table(claims[claims["claim_id"].isin(["K039", "K014"])], ["claim_id", "verdict", "rating_explanation"]))
    k014, k039 = shown.splitlines()[1:]
    assert k039 == f"K039 | {views.HELD_BACK_WORDS} | {views.HELD_BACK_WORDS}"
    assert k014.startswith("K014 | partly accurate | ") and "held back" not in k014
    assert views.HELD_BACK_WORDS in views.table(claims, ["claim_id", "verdict"])._repr_html_()


def test_rows_with_their_findings_show_no_held_back_words():
    claims = data.claims()
    shown = views.table(claims[~claims["claim_id"].isin(data.held_back("claims"))], ["claim_id", "verdict"])
    assert views.HELD_BACK_WORDS not in repr(shown)


def test_a_student_edition_folder_still_knows_which_rows_it_holds_back(tmp_path, monkeypatch):
    """On the hub students get a written student-edition folder; the lessons' "held back" notes need its list of
    teaching copies, and the folder must carry no assessed row and none of the desk's private notes."""
    folder = editions.student_edition(tmp_path / "student-data")
    assert not (folder / "research").exists()
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    data.clear_cache()
    try:
        assert "K039" in data.held_back("claims") and "EV052" in data.held_back("events")
        assert "K015" not in set(data.claims()["claim_id"]) and "R01" not in set(data.arguments()["argument_id"])
        claims = data.claims()
        assert views.HELD_BACK_WORDS in repr(views.table(claims[claims["claim_id"] == "K039"], ["claim_id", "verdict"]))
    finally:
        monkeypatch.delenv("COURSE_DATA_DIR")
        data.clear_cache()


def test_held_back_typed_cells_are_marked_too():
    """events.mentioned_in_document is a boolean column: a teaching copy holds NaN there, which must read as held
    back like a text cell (an integer column's pd.NA crashed lesson 04 once)."""
    events = data.events()
    assert "EV052" in data.held_back("events")
    shown = repr(views.table(events[events["event_id"] == "EV052"], ["event_id", "mentioned_in_document", "evidence_ids"]))
    assert shown.splitlines()[1] == f"EV052 | {views.HELD_BACK_WORDS} | {views.HELD_BACK_WORDS}"
