"""python -m course export claimreview: schema.org ClaimReview JSON-LD."""

from __future__ import annotations

import json

from course.evidence import bank, data
from course.evidence.claimreview import RATING_NAMES, assessed_claims, claim_reviews
from course.cli import main


def test_one_record_per_checkable_claim_and_no_assessed_verdict_unless_asked():
    claims = bank.full_table("claims")
    checkable = claims[claims["verdict"] != "not_checkable"]
    held = assessed_claims()
    assert "K015" in held and len(held) >= 10  # graded work assesses K015's verdict (ps2)
    assert "K015" not in set(data.claims()["claim_id"])  # the bank holds it, not the teaching data
    assert [r["identifier"] for r in claim_reviews(include_assessed=True)] == list(checkable["claim_id"])
    assert [r["identifier"] for r in claim_reviews()] == [c for c in checkable["claim_id"] if c not in held]


def test_the_cli_publishes_the_answer_key_only_when_told(capsys):
    assert main(["export", "claimreview"]) == 0
    default = {r["identifier"] for r in json.loads(capsys.readouterr().out)}
    assert main(["export", "claimreview", "--include-assessed"]) == 0
    everything = {r["identifier"] for r in json.loads(capsys.readouterr().out)}
    assert not default & assessed_claims() and assessed_claims() & everything


def test_required_fields_are_present_and_typed():
    for record in claim_reviews(base_url="https://example.test/reviews"):
        assert record["@context"] == "https://schema.org" and record["@type"] == "ClaimReview"
        assert record["claimReviewed"].strip()
        assert record["url"] == f"https://example.test/reviews#{record['identifier']}"
        item = record["itemReviewed"]
        assert item["@type"] == "Claim" and item["author"]["name"]
        assert item["appearance"][0]["url"].startswith("http")
        rating = record["reviewRating"]
        assert rating["@type"] == "Rating" and rating["alternateName"] in RATING_NAMES.values()
        if "ratingValue" in rating:
            assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        assert all(url.startswith("http") for url in record["citation"])


def test_verdicts_map_to_rating_names():
    by_id = {r["identifier"]: r for r in claim_reviews()}
    for _, row in data.claims().iterrows():
        if row["claim_id"] in by_id:
            assert by_id[row["claim_id"]]["reviewRating"]["alternateName"] == RATING_NAMES[row["verdict"]]


def test_cli_writes_a_json_file(tmp_path, capsys):
    target = tmp_path / "reviews.jsonld"
    assert main(["export", "claimreview", "--output", str(target)]) == 0
    records = json.loads(target.read_text(encoding="utf-8"))
    assert len(records) == len(claim_reviews())
    assert "wrote" in capsys.readouterr().err
