"""The corrections log: check enforces it, and the ClaimReview export carries dateModified."""

from __future__ import annotations

import csv

from course.evidence import data
from course.evidence.check import run_checks
from course.evidence.claimreview import claim_reviews
from course.evidence.corrections import check_corrections_logged, corrections, date_modified, released_verdicts


def _rewrite(path, change):
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    change(rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    data.clear_cache()


def _flip_an_unchanged_verdict_to_inaccurate(data_copy) -> str:
    """Rewrite claims.csv in the copy so one claim still at its released verdict becomes inaccurate; return its id."""
    claims = data.claims()
    released = released_verdicts()
    unchanged = next(cid for cid, v in zip(claims["claim_id"], claims["verdict"]) if released.get(cid) == v and v != "inaccurate")

    def flip(rows):
        for row in rows:
            if row["claim_id"] == unchanged:
                row["verdict"] = "inaccurate"

    _rewrite(data_copy / "claims.csv", flip)
    return unchanged


def test_the_shipped_log_accounts_for_every_verdict_that_changed_since_release():
    """Does every claim whose verdict differs from the released snapshot have its change logged?"""
    released = released_verdicts()
    claims = data.claims().set_index("claim_id")
    changed = {cid for cid, verdict in claims["verdict"].items() if cid in released and released[cid] != verdict}
    assert changed, "the first correction round changed verdicts; the snapshot should show them"
    assert list(check_corrections_logged()) == []
    logged = corrections()
    logged_verdicts = set(logged[(logged["table"] == "claims") & (logged["field"] == "verdict")]["row_id"])
    assert changed <= logged_verdicts


def test_check_fails_on_a_verdict_changed_without_a_log_row(data_copy):
    """Would `python -m course check` notice a silent change of verdict?"""
    unchanged = _flip_an_unchanged_verdict_to_inaccurate(data_copy)
    problems = [str(p) for p in run_checks()]
    assert any(unchanged in p and "corrections.csv has no row" in p for p in problems), problems


def test_check_passes_again_once_the_change_is_logged(data_copy):
    """Does a log row taking the verdict from its released value to the new one satisfy the rule?"""
    unchanged = _flip_an_unchanged_verdict_to_inaccurate(data_copy)
    released = released_verdicts()

    def log(rows):
        # Ids run across both logs (the bank's holds corrections whose old wording gave an answer away).
        number = max(int(i[1:]) for i in [*(r["correction_id"] for r in rows), *corrections(full=True)["correction_id"]]) + 1
        rows.append({"correction_id": f"X{number:03d}", "date": "2026-12-02", "table": "claims", "row_id": unchanged,
                     "field": "verdict", "old_value": released[unchanged], "new_value": "inaccurate",
                     "reason": "test", "evidence_ids": ""})

    _rewrite(data_copy / "corrections.csv", log)
    assert list(check_corrections_logged()) == []
    assert date_modified()[unchanged].isoformat() == "2026-12-02"


def test_a_log_row_that_starts_from_the_wrong_verdict_is_reported(data_copy):
    """Is a log that does not chain from the released verdict caught?"""
    def wrong_start(rows):
        for row in rows:
            if row["table"] == "claims" and row["field"] == "verdict":
                row["old_value"] = "not_checkable" if row["old_value"] != "not_checkable" else "accurate"
                return

    _rewrite(data_copy / "corrections.csv", wrong_start)
    assert any("takes the verdict from" in str(p) for p in check_corrections_logged())


def test_claimreview_records_of_corrected_claims_carry_date_modified():
    """Do the ClaimReview records of corrected claims say when, and only those?"""
    modified = date_modified("claims")
    records = {r["identifier"]: r for r in claim_reviews()}
    corrected = [cid for cid in modified if cid in records]
    assert corrected
    for cid, record in records.items():
        if cid in modified:
            assert record["dateModified"] == modified[cid].isoformat()
            assert record["dateModified"] >= record["datePublished"]
        else:
            assert "dateModified" not in record
