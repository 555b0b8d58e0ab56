"""Checks of the data package, run by ``python -m course check`` and the tests.

Each check yields :class:`course.evidence.problems.Problem` records naming the table, the
row and what is wrong, so one run reports every problem. The checks:

* :func:`check_schema`: Frictionless validation against ``datapackage.json``
  (types, required fields, enums, patterns, unique and primary keys);
* :func:`check_references`: every id a row names (claim → citation and
  evidence, event → actor and claim, argument → claim and event, …) exists;
* :func:`check_anchors`: every claim's TextQuoteSelector resolves exactly
  once in the document, inside the section the row names;
* :func:`check_sections_covered`: every numbered section has claims;
* :func:`check_citations_match_document`: ``citations.csv`` matches
  :func:`course.document.citations.citations` one to one;
* :func:`check_verification`: verified rows cite at least one evidence page
  with a URL, and a verdict that needs evidence has it;
* :func:`check_dates`: dates parse and fall in the unit's range;
* :func:`course.evidence.corrections.check_corrections_logged`: a verdict
  that differs from the released snapshot has a row in the corrections log;
* :func:`check_actors_current`: an actor the kit follows to the record's date
  (``record_as_of``) has a linked fact within two years of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from course import paths
from course.evidence import bank, data
from course.evidence.corrections import check_corrections_logged
from course.evidence.problems import Problem

#: (table, column, target table, target column, several ids per cell?)
REFERENCES: tuple[tuple[str, str, str, str, bool], ...] = (
    ("evidence", "source_id", "sources", "source_id", False),
    ("evidence_facts", "evidence_id", "evidence", "evidence_id", False),
    ("sources", "evidence_ids", "evidence", "evidence_id", True),
    ("citations", "source_id", "sources", "source_id", False),
    ("citations", "evidence_ids", "evidence", "evidence_id", True),
    ("claims", "citation_id", "citations", "citation_id", False),
    ("claims", "evidence_ids", "evidence", "evidence_id", True),
    ("actors", "evidence_ids", "evidence", "evidence_id", True),
    ("events", "actor_ids", "actors", "actor_id", True),
    ("events", "claim_ids", "claims", "claim_id", True),
    ("events", "evidence_ids", "evidence", "evidence_id", True),
    ("forces", "claim_ids", "claims", "claim_id", True),
    ("forces", "evidence_ids", "evidence", "evidence_id", True),
    ("arguments", "conclusion_claim_id", "claims", "claim_id", False),
    ("arguments", "premise_claim_ids", "claims", "claim_id", True),
    ("arguments", "alternative_event_ids", "events", "event_id", True),
    ("arguments", "alternative_evidence_ids", "evidence", "evidence_id", True),
    ("quote_pairs", "claim_id", "claims", "claim_id", False),
    ("quote_pairs", "fact_id", "evidence_facts", "fact_id", False),
    ("corrections", "evidence_ids", "evidence", "evidence_id", True),
    ("released_verdicts", "claim_id", "claims", "claim_id", False),
    ("geo_places", "evidence_id", "evidence", "evidence_id", True),
    ("geo_memberships", "evidence_id", "evidence", "evidence_id", True),
)

#: Verdicts that assert something about the record, and so need evidence.
EVIDENCED_VERDICTS = {"accurate", "partly_accurate", "inaccurate"}

#: The unit covers the 2012 coup to the end of the UN mission and the regional aftermath
#: (the ECOWAS exits took effect in January 2025).
EARLIEST_EVENT = dt.date(2011, 1, 1)
LATEST_EVENT = dt.date(2025, 12, 31)


def _full(name: str):
    """The whole evidence base: teaching rows and the assessment bank's (when this copy carries one)."""
    return bank.full_table(name)


def _file(table: str) -> str:
    """The table's file as data/ names it (``geo/places.csv`` for geo_places)."""
    return data.resource(table)["path"]


def _row_label(table: str, frame, index) -> str:
    key = frame.columns[0]
    return f"{_file(table)} row {index + 2} ({frame.at[index, key]})"


def check_schema() -> Iterator[Problem]:
    """Validate every table against datapackage.json with Frictionless."""
    from frictionless import Package, system

    descriptor_path = paths.data_file("datapackage.json")
    if not descriptor_path.exists():
        yield Problem(paths.display(descriptor_path), "data package descriptor is missing")
        return
    with system.use_context(trusted=True):
        package = Package(str(descriptor_path))
        report = package.validate()
    for task in report.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            where = f"{task.name}.csv" + (f" row {row}" if row else "")
            yield Problem(where, error.message)
    for error in report.errors:
        yield Problem("datapackage.json", error.message)
    if bank.present():
        with system.use_context(trusted=True):
            report = Package(str(bank.bank_dir() / bank.DESCRIPTOR)).validate()
        for task in report.tasks:
            for error in task.errors:
                row = getattr(error, "row_number", None)
                yield Problem(f"bank/{task.name}.csv" + (f" row {row}" if row else ""), error.message)
        for error in report.errors:
            yield Problem("bank/datapackage.json", error.message)


def check_references() -> Iterator[Problem]:
    """Every id a row refers to exists in the table it names."""
    tables = {name: _full(name) for name in data.TABLES}
    for table, column, target, target_column, many in REFERENCES:
        frame = tables[table]
        if column not in frame.columns:
            yield Problem(_file(table), f"column {column!r} is missing")
            continue
        known = set(tables[target][target_column])
        for index, cell in frame[column].items():
            ids = data.split_ids(cell) if many else ([cell] if cell else [])
            for ref in ids:
                if ref not in known:
                    yield Problem(_row_label(table, frame, index), f"{column} names {ref!r}, which is not in {_file(target)}")


def check_bank_split() -> Iterator[Problem]:
    """Teaching data and the assessment bank do not overlap: a row is in one of them, never both; and a
    teaching row links only to teaching rows, so data/ alone resolves every link."""
    if not bank.present():
        return
    for name, ids in bank.banked_ids().items():
        teaching = data.table(name)
        for row_id in sorted(ids & set(teaching[bank.id_column(name)])):
            yield Problem(f"{_file(name)} ({row_id})", "is in data/ and in bank/: a row lives in one of them")
    tables = {name: data.table(name) for name in data.TABLES}
    for table, column, target, target_column, many in REFERENCES:
        frame = tables[table]
        known = set(tables[target][target_column])
        for index, cell in frame[column].items():
            for ref in (data.split_ids(cell) if many else ([cell] if cell else [])):
                if ref not in known:
                    yield Problem(_row_label(table, frame, index),
                                  f"{column} names {ref!r}, which only the assessment bank holds: teaching rows link to teaching rows")


def check_anchors() -> Iterator[Problem]:
    """Every claim's anchor resolves exactly once, inside the section the row names."""
    from course.document.anchors import AnchorError, TextQuoteSelector, resolve
    from course.document import load_document

    document = load_document()
    claims = _full("claims")
    for index, row in claims.iterrows():
        try:
            span = resolve(document.text, TextQuoteSelector.from_mapping(row))
        except AnchorError as exc:
            yield Problem(_row_label("claims", claims, index), str(exc))
            continue
        section = document.section_at(span.start) or 0
        if section != row["section"]:
            yield Problem(_row_label("claims", claims, index), f"anchor is in section {section}, row says {row['section']}")


def check_sections_covered() -> Iterator[Problem]:
    """Every numbered section of the document has at least one claim."""
    from course.document import load_document

    covered = set(_full("claims")["section"].dropna().astype(int))
    for section in load_document().sections:
        if section.number not in covered:
            yield Problem("claims.csv", f"section {section.number} has no claims")


def check_citations_match_document() -> Iterator[Problem]:
    """citations.csv has exactly one row per attribution course.document.citations finds, with the same fields."""
    from course.document.citations import citations

    rows = _full("citations").set_index("citation_id")
    found = {c.citation_id: c for c in citations()}
    for missing in sorted(set(found) - set(rows.index)):
        c = found[missing]
        yield Problem("citations.csv", f"no row for {missing} ({c.outlet_as_printed} {c.date_as_printed or ''} in section {c.section or 0})")
    for extra in sorted(set(rows.index) - set(found)):
        yield Problem("citations.csv", f"row {extra} matches no attribution in the document")
    for cid in sorted(set(found) & set(rows.index)):
        c, row = found[cid], rows.loc[cid]
        expected = {"outlet_as_printed": c.outlet_as_printed, "date_as_printed": c.date_as_printed or "", "section": c.section or 0}
        for column, value in expected.items():
            if row[column] != value:
                yield Problem(f"citations.csv {cid}", f"{column} is {row[column]!r}; the document has {value!r}")


def check_verification() -> Iterator[Problem]:
    """Verified rows cite evidence pages with URLs; verdicts about the record are verified."""
    pages = _full("evidence").set_index("evidence_id")
    for table in ("claims", "citations"):
        frame = _full(table)
        for index, row in frame.iterrows():
            ids = data.split_ids(row["evidence_ids"])
            with_url = [e for e in ids if e in pages.index and str(pages.at[e, "url"]).startswith("http")]
            if row["status"] == "verified" and not with_url:
                yield Problem(_row_label(table, frame, index), "status is verified but no evidence page with a URL is cited")
            if table == "claims" and row["verdict"] in EVIDENCED_VERDICTS and row["status"] != "verified":
                yield Problem(_row_label(table, frame, index), f"verdict {row['verdict']!r} needs evidence, but status is {row['status']!r}")
            if table == "citations" and row["comparison"] != "not_found" and row["status"] != "verified":
                yield Problem(_row_label(table, frame, index), f"comparison {row['comparison']!r} needs the original, but status is {row['status']!r}")


def check_quote_pairs() -> Iterator[Problem]:
    """Each quote pair joins an attributed claim (a quotation, or a claim the document credits to a source) to a fact that records exact original wording."""
    claims = _full("claims").set_index("claim_id")
    facts = _full("evidence_facts").set_index("fact_id")
    pairs = _full("quote_pairs")
    for index, row in pairs.iterrows():
        if row["claim_id"] in claims.index:
            claim = claims.loc[row["claim_id"]]
            if claim["claim_type"] != "quotation" and not claim["citation_id"]:
                yield Problem(_row_label("quote_pairs", pairs, index), f"{row['claim_id']} is neither a quotation nor attributed to a source")
        if row["fact_id"] in facts.index and not facts.at[row["fact_id"], "quote"]:
            yield Problem(_row_label("quote_pairs", pairs, index), f"fact {row['fact_id']} records no exact quote")


def check_dates() -> Iterator[Problem]:
    """Event dates fall in the unit's range and end after they start; pages were published before they were read."""
    events = _full("events")
    for index, row in events.iterrows():
        if row["date"] is None or row["date"] != row["date"]:
            continue  # a type error, reported by check_schema
        if not EARLIEST_EVENT <= row["date"] <= LATEST_EVENT:
            yield Problem(_row_label("events", events, index), f"date {row['date']} is outside {EARLIEST_EVENT}..{LATEST_EVENT}")
        end = row["end_date"]
        if end is not None and end == end and end < row["date"]:
            yield Problem(_row_label("events", events, index), f"end_date {end} is before date {row['date']}")
    pages = _full("evidence")
    for index, row in pages.iterrows():
        published, read_on = row["published"], row["read_on"]
        if published and read_on and read_on == read_on and published > read_on.isoformat():
            yield Problem(_row_label("evidence", pages, index), f"published {published} is after it was read ({read_on})")


#: How far an actor the kit follows to the record's date may lag behind it.
STALE_AFTER_YEARS = 2


def check_actors_current() -> Iterator[Problem]:
    """Actors the kit follows to the record's date have a linked fact within two years of it.

    The latest date is computed from the row's evidence pages and the events
    that list it (:func:`course.evidence.record.actor_latest_facts`), so
    staleness shows up here and not in a classroom.
    """
    from course.evidence.record import actor_latest_facts

    try:
        as_of = data.record_as_of()
    except data.DataPackageError as exc:
        yield Problem("datapackage.json", str(exc))
        return
    limit = as_of.replace(year=as_of.year - STALE_AFTER_YEARS)
    actors = _full("actors")
    latest = actor_latest_facts().set_index("actor_id")
    for index, row in actors.iterrows():
        if not row.get("followed_to_record_end"):
            continue
        day = latest.at[row["actor_id"], "latest_fact"]
        if day is None or day != day:
            yield Problem(_row_label("actors", actors, index), "followed to the record's date, but nothing linked to it is dated")
        elif day < limit:
            yield Problem(_row_label("actors", actors, index),
                          f"latest linked fact is {day} ({latest.at[row['actor_id'], 'latest_from']}), more than "
                          f"{STALE_AFTER_YEARS} years before the record's date {as_of}")


#: The data checks, in report order (the document check runs first, in course.evidence.check).
DATA_CHECKS = [check_schema, check_references, check_bank_split, check_anchors, check_sections_covered, check_citations_match_document,
               check_verification, check_quote_pairs, check_dates, check_corrections_logged, check_actors_current]
