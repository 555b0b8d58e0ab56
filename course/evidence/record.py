"""The public record set against the document: what it leaves out, what came next, how good our own sources are.

Thin views over the data package for lessons 07 and 08 (and the
assignments): each function returns a pandas DataFrame, computed from
``events.csv``, ``claims.csv`` and ``evidence.csv`` so no fact is typed into a
notebook.
"""

from __future__ import annotations

import datetime as dt

from course.evidence import data, vocabulary


def _label(key: str, /, **fields) -> str:
    """A column or row name of these views (notebooks/vocabulary.toml, ``[record]``)."""
    return vocabulary.phrase("record", key, **fields)


def document_date() -> dt.date:
    """The CE date of the document's dateline (1 September 2020)."""
    from course.document import dateline_date, load_document

    return dateline_date(load_document())


def omitted_events(since: dt.date | None = None):
    """Events before the document's date that it does not mention, oldest first.

    ``since`` keeps only events on or after that date (e.g. the 2020 crisis).
    """
    events = data.events()
    cutoff = document_date()
    mask = (~events["mentioned_in_document"].astype(bool)) & (events["date"] < cutoff)
    if since is not None:
        mask &= events["date"] >= since
    return events.loc[mask, ["event_id", "date", "title", "category", "description", "evidence_ids"]].sort_values("date").reset_index(drop=True)


def mention_counts(since: dt.date | None = None):
    """How many events before the document's date it mentions and leaves out, per category."""
    events = data.events()
    events = events[events["date"] < document_date()]
    if since is not None:
        events = events[events["date"] >= since]
    table = events.groupby(["category", "mentioned_in_document"]).size().unstack(fill_value=0)
    mentioned, not_mentioned = _label("mentioned"), _label("not_mentioned")
    table = table.rename(columns={True: mentioned, False: not_mentioned})
    for column in (mentioned, not_mentioned):
        if column not in table.columns:
            table[column] = 0
    return table[[mentioned, not_mentioned]].sort_values(not_mentioned, ascending=False)


def events_after_document():
    """Events after the document's date: what happened next, oldest first."""
    events = data.events()
    after = events[events["date"] > document_date()]
    return after[["event_id", "date", "title", "category", "description", "evidence_ids"]].sort_values("date").reset_index(drop=True)


def prediction_claims():
    """The document's predictions (claims of type ``prediction``), in document order."""
    claims = data.claims()
    return claims[claims["claim_type"] == "prediction"].sort_values(["section", "claim_id"]).reset_index(drop=True)


def later_events_linked_to(claim_id: str):
    """Events after the document's date that the desk linked to ``claim_id`` (``events.csv`` ``claim_ids``), oldest first."""
    events = data.events()
    later = events[(events["date"] > document_date())
                   & events["claim_ids"].apply(lambda cell: claim_id in data.split_ids(cell))]
    return later.sort_values("date").reset_index(drop=True)


def evidence_profile():
    """How strong is the kit's own evidence? Counts that let students turn SIFT on the kit itself.

    Returns a one-column DataFrame: pages read, originals vs copies, copies of
    agency stories, Wikipedia and its mirrors, pages without a publication date,
    languages, and how many claims and citations are unverified.
    """
    import pandas as pd

    pages = data.evidence()
    claims = data.claims()
    citations = data.citations()
    wiki = pages["outlet"].str.contains("Wikipedia|wiki", case=False, regex=True)
    counts = {
        "pages_read": len(pages),
        "originals": int((pages["copy_or_original"] == "original").sum()),
        "copies": int((pages["copy_or_original"] == "copy").sum()),
        "agency_copies": int((pages["original_agency"] != "").sum()),
        "wikipedia": int(wiki.sum()),
        "undated": int((pages["published"] == "").sum()),
        "languages": ", ".join(f"{lang} {n}" for lang, n in pages["language"].value_counts().items()),
        "unverified_claims": int((claims["status"] == "unverified").sum()),
        "unfound_citations": int((citations["comparison"] == "not_found").sum()),
    }
    return pd.DataFrame({_label("count"): {_label(key): value for key, value in counts.items()}})


def citations_table():
    """Every attribution the parser finds, joined with the desk's tracing (``data/citations.csv``).

    Columns: citation_id, section, kind, outlet_as_printed, date_as_printed,
    date (parsed day first), covers (the words it vouches for, shortened),
    original_outlet, comparison, status, notes.
    """
    import pandas as pd

    from course.document.citations import citations

    traced = data.citations().set_index("citation_id")
    rows = []
    for citation in citations():
        row = traced.loc[citation.citation_id] if citation.citation_id in traced.index else None
        covers = " ".join(citation.scope_text.split())
        rows.append(
            {
                "citation_id": citation.citation_id,
                "section": citation.section or 0,
                "kind": citation.kind,
                "outlet_as_printed": citation.outlet_as_printed,
                "date_as_printed": citation.date_as_printed or "",
                "date": citation.date,
                "covers": covers if len(covers) <= 90 else covers[:89] + "…",
                "original_outlet": "" if row is None else row["original_outlet"],
                "comparison": "" if row is None else row["comparison"],
                "status": "" if row is None else row["status"],
                "notes": "" if row is None else row["notes"],
            }
        )
    return pd.DataFrame(rows)


def verdict_corrections():
    """The kit's own corrected verdicts (``corrections.csv``): one row per claim whose verdict changed after release.

    Columns: date, claim_id, claim (the neutral paraphrase now), released (the first verdict), now (the current
    verdict), reason, evidence_ids. Lesson 08 shows it as an example of accountable fact-checking.
    """
    import pandas as pd

    from course.evidence.corrections import corrections

    log = corrections()
    changes = log[(log["table"] == "claims") & (log["field"] == "verdict")]
    claims = data.claims().set_index("claim_id")
    rows = [{"date": row["date"], "claim_id": row["row_id"], "claim": claims.at[row["row_id"], "claim_text"],
             "released": row["old_value"], "now": row["new_value"], "reason": row["reason"],
             "evidence_ids": row["evidence_ids"]} for _, row in changes.iterrows()]
    return pd.DataFrame(rows, columns=["date", "claim_id", "claim", "released", "now", "reason", "evidence_ids"])


def _page_date(published: str) -> dt.date | None:
    """A page's publication date as a day: YYYY-MM-DD, or the first day of YYYY-MM or YYYY (the earliest it can mean)."""
    parts = (published or "").split("-")
    try:
        return dt.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return None


def actor_latest_facts():
    """Each actor's latest linked date, computed from the data, never typed.

    The latest of: the publication dates of the evidence pages its row cites, and
    the dates (end date where there is one) of the events that list it. Columns:
    actor_id, canonical_name, followed_to_record_end, latest_fact (a date, or None
    when nothing linked is dated) and latest_from (the evidence or event id it comes from).
    """
    import pandas as pd

    actors = data.actors()
    pages = data.evidence().set_index("evidence_id")
    events = data.events()
    rows = []
    for _, actor in actors.iterrows():
        dated = []
        for eid in data.split_ids(actor["evidence_ids"]):
            if eid in pages.index:
                day = _page_date(pages.at[eid, "published"])
                if day:
                    dated.append((day, eid))
        for _, event in events.iterrows():
            if actor["actor_id"] in data.split_ids(event["actor_ids"]):
                end = event["end_date"]
                day = end if end is not None and end == end else event["date"]
                dated.append((pd.Timestamp(day).date(), event["event_id"]))
        latest = max(dated) if dated else (None, "")
        rows.append({"actor_id": actor["actor_id"], "canonical_name": actor["canonical_name"],
                     "followed_to_record_end": bool(actor.get("followed_to_record_end", False)),
                     "latest_fact": latest[0], "latest_from": latest[1]})
    return pd.DataFrame(rows)


def as_of_sentence() -> str:
    """The words lessons show about how far the record runs: "The record as of 31 December 2025 …"."""
    day = data.record_as_of()
    return _label("as_of", date=f"{day.day} {day:%B %Y}")

