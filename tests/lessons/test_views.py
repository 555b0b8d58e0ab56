"""course.lessons.views: tables for people, every cell shown."""

from __future__ import annotations

from course.evidence import data, editions
from course.lessons import views


def test_every_teaching_row_shows_its_finding_not_a_blank():
    """The teaching copies are gone (issue 20): every claim's verdict and every event's mention reads as a value,
    so no table needs a "held back" cell (once K039's verdict and EV052's mention showed as blanks)."""
    claims, events = data.claims(), data.events()
    assert (claims["verdict"] != "").all() and (claims["rating_explanation"] != "").all()
    assert events["mentioned_in_document"].notna().all()
    shown = repr(views.table(events, ["event_id", "mentioned_in_document"]))
    assert "held back" not in shown and len(shown.splitlines()) == len(events) + 1


def test_a_student_edition_folder_carries_no_assessed_row_and_no_desk_notes(tmp_path, monkeypatch):
    """On the hub students get a written student-edition folder: no assessed row, none of the desk's private notes."""
    folder = editions.student_edition(tmp_path / "student-data")
    assert not (folder / "research").exists()
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    data.clear_cache()
    try:
        assert "K015" not in set(data.claims()["claim_id"]) and "R01" not in set(data.arguments()["argument_id"])
        assert "K039" not in set(data.claims()["claim_id"]) and "S007" not in set(data.sources()["source_id"])
    finally:
        monkeypatch.delenv("COURSE_DATA_DIR")
        data.clear_cache()
