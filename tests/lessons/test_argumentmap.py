"""course.lessons.argumentmap: premises, verdicts and the map figure."""

from __future__ import annotations

import pytest

from course.lessons import argumentmap
from course.evidence import data


def test_premises_follow_arguments_csv():
    arguments = data.arguments().set_index("argument_id")
    for argument_id in arguments.index:
        table = argumentmap.premises(argument_id)
        assert list(table["claim_id"]) == data.split_ids(arguments.at[argument_id, "premise_claim_ids"])
        assert table["verdict"].notna().all()


def test_figure_has_one_box_per_premise_plus_conclusion_and_real_alt_text():
    fig = argumentmap.argument_figure("R01")
    boxes = [p for p in fig.axes[0].patches if type(p).__name__ == "FancyBboxPatch"]
    premises = argumentmap.premises("R01")
    assert len(boxes) == len(premises) + 1
    assert f"{len(premises)} premises" in fig.alt_text
    assert data.arguments().set_index("argument_id").at["R01", "conclusion"] in fig.alt_text


def test_unknown_argument_names_the_valid_ids():
    with pytest.raises(KeyError, match="R01"):
        argumentmap.premises("R99")


def test_argument_map_text_is_legible_at_full_zoom():
    """Issue #13: the map's text was ~7 px in a 1400 px window. Drawn at most 10 in wide (1000 px, not scaled down), is every text >= 11 px?"""
    for argument_id in data.arguments()["argument_id"]:
        fig = argumentmap.argument_figure(argument_id)
        width_px = fig.get_size_inches()[0] * fig.dpi
        assert width_px <= 1000
        texts = [t for ax in fig.axes for t in ax.texts] + [ax.title for ax in fig.axes if ax.get_title()]
        assert texts and min(t.get_fontsize() * fig.dpi / 72 for t in texts) >= 11, argument_id


def test_an_assessed_argument_is_held_back_in_the_student_edition(monkeypatch):
    """With the student edition, does R01 (assessed in PS4) show a held-back note instead of blanks or a crash?"""
    assert "R01" not in data.held_back("arguments")  # the test process reads the full edition
    monkeypatch.setenv(data.EDITION_ENV, "student")
    data.clear_cache()
    try:
        assert "R01" in data.held_back("arguments")
        assert argumentmap.premises("R01").empty
        figure = argumentmap.argument_figure("R01")
        assert "held back" in figure.alt_text and "R01" in figure.alt_text
        assert not argumentmap.premises("R02").empty  # an argument graded work does not assess still draws
    finally:
        monkeypatch.delenv(data.EDITION_ENV)
        data.clear_cache()
