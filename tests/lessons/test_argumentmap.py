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
    fig = argumentmap.argument_figure("R02")
    boxes = [p for p in fig.axes[0].patches if type(p).__name__ == "FancyBboxPatch"]
    premises = argumentmap.premises("R02")
    assert len(boxes) == len(premises) + 1
    assert f"{len(premises)} premises" in fig.alt_text
    assert data.arguments().set_index("argument_id").at["R02", "conclusion"] in fig.alt_text


def test_unknown_argument_names_the_valid_ids():
    with pytest.raises(KeyError, match="R02"):
        argumentmap.premises("R99")


def test_argument_map_text_is_legible_at_full_zoom():
    """Issue #13: the map's text was ~7 px in a 1400 px window. Drawn at most 10 in wide (1000 px, not scaled down), is every text >= 11 px?"""
    for argument_id in data.arguments()["argument_id"]:
        fig = argumentmap.argument_figure(argument_id)
        width_px = fig.get_size_inches()[0] * fig.dpi
        assert width_px <= 1000
        texts = [t for ax in fig.axes for t in ax.texts] + [ax.title for ax in fig.axes if ax.get_title()]
        assert texts and min(t.get_fontsize() * fig.dpi / 72 for t in texts) >= 11, argument_id


def test_an_assessed_argument_is_not_in_the_teaching_data():
    """R01 (assessed in PS4) lives in the assessment bank: the lessons cannot draw it, and say which ids they can."""
    import pytest

    assert "R01" not in set(data.arguments()["argument_id"])
    with pytest.raises(KeyError, match="R02"):
        argumentmap.argument_figure("R01")
    assert not argumentmap.premises("R02").empty  # an argument graded work does not assess still draws