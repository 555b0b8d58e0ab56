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
    events = data.events()
    before = events[events["date"] < record.document_date()]
    assert int(counts.values.sum()) == len(before)
    assert int(counts["not mentioned"].sum()) == len(record.omitted_events())


def test_events_after_document_are_later():
    after = record.events_after_document()
    assert len(after) > 0 and all(d > record.document_date() for d in after["date"])


def test_predictions_are_prediction_claims_linked_to_later_events():
    predictions = record.prediction_claims()
    claims = data.claims().set_index("claim_id")
    assert set(predictions["claim_id"]) == set(claims.index[claims["claim_type"] == "prediction"])
    linked = [record.later_events_linked_to(claim_id) for claim_id in predictions["claim_id"]]
    dated = [d for events in linked for d in events["date"]]
    assert len(dated) > 0 and all(d > record.document_date() for d in dated)


def test_evidence_profile_counts_match_the_evidence_table():
    profile = record.evidence_profile()["count"]
    pages = data.evidence()
    assert profile["pages read"] == len(pages)
    assert profile["publisher's own page (original)"] + profile["copy, mirror or repost"] == len(pages)
    assert profile["claims marked unverified"] == int((data.claims()["status"] == "unverified").sum())


def test_record_states_the_date_it_runs_to():
    """Does the data package say how far its record runs, and do lessons get it in words?"""
    assert data.record_as_of() == dt.date(2025, 12, 31)
    assert "The record as of 31 December 2025" in record.as_of_sentence()
    assert data.events()["date"].max() <= data.record_as_of()


def test_actor_latest_facts_are_derived_from_linked_rows():
    """Is each actor's latest date computed from its pages and events, not typed?"""
    latest = record.actor_latest_facts().set_index("actor_id")
    events = data.events().set_index("event_id")
    row = latest.loc["A005"]  # Goïta: the revised charter of July 2025
    assert row["latest_from"] in events.index
    assert row["latest_fact"] == events.at[row["latest_from"], "end_date"]
    assert "latest_fact" not in data.actors().columns


def test_stale_followed_actor_is_flagged(tmp_path, monkeypatch):
    """Does course check flag a followed actor whose latest fact is over two years older than the record's date?"""
    import json
    import shutil

    from course.evidence import rules

    copy = tmp_path / "data"
    shutil.copytree(data.paths.data_dir(), copy)
    descriptor = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["record_as_of"] = "2030-12-31"
    (copy / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    monkeypatch.setenv("COURSE_DATA_DIR", str(copy))
    data.clear_cache()
    try:
        problems = list(rules.check_actors_current())
    finally:
        monkeypatch.delenv("COURSE_DATA_DIR")
        data.clear_cache()
    flagged = " ".join(p.where for p in problems)
    assert "(A005)" in flagged and "(A049)" in flagged
    assert "(A004)" not in flagged  # not followed to the record's date
    assert not list(rules.check_actors_current())
