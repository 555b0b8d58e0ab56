"""The data package: valid, fully cross-referenced, anchored in the document, and its checks can fail."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from course import paths
from course.evidence import bank, data
from course.evidence.check import run_checks
from course.evidence.rules import (
    check_anchors,
    check_citations_match_document,
    check_dates,
    check_references,
    check_schema,
    check_sections_covered,
    check_verification,
)


def test_the_shipped_data_passes_every_check():
    assert [str(p) for p in run_checks()] == []


def test_frictionless_cli_validates_the_package():
    """`frictionless validate data/datapackage.json` (the issue's own acceptance command) passes."""
    cli = Path(sys.executable).with_name("frictionless")
    result = subprocess.run([str(cli), "validate", str(paths.data_file("datapackage.json"))], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:]


def test_every_csv_in_data_is_described_by_the_package():
    """Every table and map file in data/ (the desk's working notes in research/ aside) is a resource of the package."""
    from course.evidence.editions import PRIVATE_FOLDERS

    root = paths.data_dir()
    described = {r["path"] for r in data.descriptor()["resources"]}
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*") if p.suffix in (".csv", ".geojson")
               and p.relative_to(root).parts[0] not in PRIVATE_FOLDERS}
    assert {"geo/places.csv", "geo/memberships.csv", "geo/west-africa.geojson"} <= on_disk
    assert on_disk == described


def test_sizes_the_issue_asks_for(document):
    claims = data.claims()
    assert len(claims) >= 45
    assert set(claims["section"].astype(int)) >= set(range(1, 8))
    assert len(data.events()) >= 50
    assert len(bank.full_table("citations")) == 16  # teaching data and the assessment bank together
    assert {"date", "number", "name", "quotation", "attribution", "membership", "event", "inference", "prediction"} <= set(claims["claim_type"])


def test_loaders_apply_declared_types():
    claims = data.claims()
    assert str(claims["section"].dtype) == "Int64"
    events = data.events()
    assert all(hasattr(d, "isoformat") for d in events["date"])
    assert set(events["mentioned_in_document"]) == {True, False}
    assert data.split_ids("CIT001;BAC002") == ["CIT001", "BAC002"] and data.split_ids("") == []


def test_unknown_table_is_a_clear_error():
    with pytest.raises(data.DataPackageError, match="no table named 'claim'.*claims"):
        data.table("claim")


def test_evidence_links_resolve_ids_to_urls():
    links = data.evidence_links("BAC022")
    assert links == [("BAC022", links[0][1], "http://unscr.com/en/resolutions/2071")]


# --- The checks must be able to fail: break a private copy of data/ and look for the report. ---

def edit_csv(folder: Path, name: str, change) -> None:
    path = folder / name
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0].keys())
    rows = change(rows) or rows
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    data.clear_cache()


@pytest.fixture
def broken(data_copy):
    yield data_copy
    data.clear_cache()


def test_anchor_that_no_longer_matches_is_reported(broken):
    def change(rows):
        rows[0]["exact"] = rows[0]["exact"].replace("27/8/2020", "28/8/2020")
    edit_csv(broken, "claims.csv", change)
    problems = [str(p) for p in check_anchors()]
    assert len(problems) == 1 and "K001" in problems[0] and "28/8/2020" in problems[0]


def test_anchor_that_matches_twice_is_reported(broken):
    def change(rows):
        rows[0].update(exact="(Al-Jazeera 21/8/2020)", prefix="", suffix="")
    edit_csv(broken, "claims.csv", change)
    assert any("matches 2 times" in str(p) for p in check_anchors())


def test_anchor_in_the_wrong_section_is_reported(broken):
    def change(rows):
        rows[0]["section"] = "3"
    edit_csv(broken, "claims.csv", change)
    assert any("row says 3" in str(p) for p in check_anchors())


def test_dangling_evidence_id_is_reported(broken):
    def change(rows):
        rows[0]["evidence_ids"] += ";XYZ999"
    edit_csv(broken, "claims.csv", change)
    assert any("'XYZ999'" in str(p) and "evidence.csv" in str(p) for p in check_references())


def test_dangling_actor_id_in_an_event_is_reported(broken):
    def change(rows):
        rows[0]["actor_ids"] = "A999"
    edit_csv(broken, "events.csv", change)
    assert any("'A999'" in str(p) for p in check_references())


def test_verified_claim_without_evidence_is_reported(broken):
    def change(rows):
        row = next(r for r in rows if r["status"] == "verified")
        row["evidence_ids"] = ""
    edit_csv(broken, "claims.csv", change)
    assert any("no evidence page" in str(p) for p in check_verification())


def test_evidenced_verdict_marked_unverified_is_reported(broken):
    def change(rows):
        row = next(r for r in rows if r["verdict"] == "inaccurate")
        row["status"] = "unverified"
    edit_csv(broken, "claims.csv", change)
    assert any("needs evidence" in str(p) for p in check_verification())


def test_missing_citation_row_is_reported(broken):
    edit_csv(broken, "citations.csv", lambda rows: [r for r in rows if r["citation_id"] != "C10"])
    problems = [str(p) for p in check_citations_match_document()]
    assert any("no row for C10" in p for p in problems), problems


def test_citation_row_that_disagrees_with_the_document_is_reported(broken):
    def change(rows):
        rows[2]["date_as_printed"] = "20/8/2020"
    edit_csv(broken, "citations.csv", change)
    assert any("date_as_printed" in str(p) for p in check_citations_match_document())


def test_section_without_claims_is_reported(broken):
    banked_sections = set(bank.rows("claims")["section"].astype(int))
    section = next(s for s in range(1, 8) if s not in banked_sections)  # the bank's rows count for coverage too
    edit_csv(broken, "claims.csv", lambda rows: [r for r in rows if r["section"] != str(section)])
    assert [str(p) for p in check_sections_covered()] == [f"claims.csv: section {section} has no claims"]


def test_event_out_of_range_is_reported(broken):
    def change(rows):
        rows[0]["date"] = "1999-01-01"
    edit_csv(broken, "events.csv", change)
    assert any("outside" in str(p) for p in check_dates())


def test_schema_violations_are_reported(broken):
    def change(rows):
        rows[1]["claim_id"] = rows[0]["claim_id"]
        rows[2]["verdict"] = "mostly true"
    edit_csv(broken, "claims.csv", change)
    problems = " ".join(str(p) for p in check_schema())
    assert "unique" in problems or "primary" in problems.lower()
    assert "mostly true" in problems


def test_cli_check_fails_on_broken_data(broken):
    def change(rows):
        rows[0]["evidence_ids"] = "NOPE01"
    edit_csv(broken, "claims.csv", change)
    import os

    result = subprocess.run([sys.executable, "-m", "course", "check"], capture_output=True, text=True, env=os.environ.copy(), timeout=300)
    assert result.returncode == 1
    assert "claims.csv" in result.stderr and "Traceback" not in result.stderr


def test_readme_dictionary_matches_the_descriptor():
    """data/README.md's column dictionary and row counts are regenerated, not hand-edited."""
    from course.evidence.datadoc import readme_block, render_dictionary

    assert readme_block() == render_dictionary()


def test_quote_comparisons_join_document_and_original_wording(document):
    comparisons = data.quote_comparisons()
    assert len(comparisons) == len(data.quote_pairs()) >= 8  # the other pairs are in the assessment bank
    facts = data.evidence_facts().set_index("fact_id")
    for _, row in comparisons.iterrows():
        assert row["document_text"] in document.text
        assert row["original_text"] in set(facts["quote"])
        assert row["url"].startswith("http")


def test_quote_pair_on_an_unattributed_claim_is_reported(broken):
    from course.evidence.rules import check_quote_pairs

    unattributed = next(r for _, r in data.claims().iterrows() if r["claim_type"] != "quotation" and not r["citation_id"])
    edit_csv(broken, "quote_pairs.csv", lambda rows: rows[0].update(claim_id=unattributed["claim_id"]))
    assert any("neither a quotation" in str(p) for p in check_quote_pairs())
