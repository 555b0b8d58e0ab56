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
