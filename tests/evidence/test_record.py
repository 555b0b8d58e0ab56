"""course.evidence.record: the document against the record (omissions, what came next, the kit's own evidence)."""

from __future__ import annotations

import datetime as dt

from course.evidence import data, record


def test_document_date_is_the_ce_dateline():
    assert record.document_date() == dt.date(2020, 9, 1)


def test_omitted_events_are_before_the_document_and_unmentioned():
    omitted = record.omitted_events()
    events = data.events().set_index("event_id")
    assert len(omitted) > 0
    for _, row in omitted.iterrows():
        assert row["date"] < record.document_date()
        assert events.at[row["event_id"], "mentioned_in_document"] == False  # noqa: E712 (numpy bool)
    assert list(omitted["date"]) == sorted(omitted["date"])
    since = record.omitted_events(since=dt.date(2020, 1, 1))
    assert set(since["event_id"]) < set(omitted["event_id"])


def test_mention_counts_add_up_to_the_events_before_the_document():
    counts = record.mention_counts()
    before = data.events()[data.events()["date"] < record.document_date()]
    assert int(counts.values.sum()) == len(before)
    assert int(counts["not mentioned"].sum()) == len(record.omitted_events())


def test_events_after_document_are_later():
    after = record.events_after_document()
    assert len(after) > 0 and all(d > record.document_date() for d in after["date"])


def test_predictions_are_prediction_claims_linked_to_later_events():
    table = record.predictions_and_outcomes()
    claims = data.claims().set_index("claim_id")
    assert set(table["claim_id"]) == set(claims.index[claims["claim_type"] == "prediction"])
    dated = table[table["event_id"] != ""]
    assert len(dated) > 0 and all(d > record.document_date() for d in dated["date"])


def test_evidence_profile_counts_match_the_evidence_table():
    profile = record.evidence_profile()["count"]
    pages = data.evidence()
    assert profile["pages read"] == len(pages)
    assert profile["publisher's own page (original)"] + profile["copy, mirror or repost"] == len(pages)
    assert profile["claims marked unverified"] == int((data.claims()["status"] == "unverified").sum())
