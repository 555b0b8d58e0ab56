"""Loaders for the data package in ``data/`` (described by ``data/datapackage.json``).

Every table loads through :func:`table`, which reads the CSV with the types the
data package declares (integers, dates, booleans; everything else as text,
empty cells as ``""``), so notebooks never pass paths or dtypes themselves:

>>> from course.evidence import data
>>> claims = data.claims()
>>> sorted(claims.columns)[:3]
['citation_id', 'claim_author', 'claim_id']

**Teaching data, not the answer key.** This package is what lessons and
students load; the findings graded work asks for live in the instructor-only
assessment bank (:mod:`course.evidence.bank`), never here: each row lives in
one package, never both.

Tables are cached per data folder and edition; :func:`clear_cache` drops the cache (tests
that edit a copy of the data call it). Lists of ids are stored as
``;``-separated text; :func:`split_ids` turns one cell into a list.
"""

from __future__ import annotations

import datetime as dt

import json
from functools import lru_cache
from pathlib import Path

from course import paths
from course.errors import CourseError

TABLES = ("evidence", "evidence_facts", "sources", "citations", "claims", "actors", "events", "forces", "arguments", "quote_pairs",
          "corrections", "released_verdicts", "geo_places", "geo_memberships")


class DataPackageError(CourseError):
    """The data package or one of its tables cannot be read."""


def split_ids(cell) -> list[str]:
    """Split a ';'-separated id list into ids (an empty cell gives [])."""
    if cell is None or cell != cell:  # None or NaN
        return []
    return [part.strip() for part in str(cell).split(";") if part.strip()]


@lru_cache(maxsize=8)
def _descriptor(data_dir: str) -> dict:
    path = Path(data_dir) / "datapackage.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataPackageError(f"no data package descriptor at {path}") from None
    except json.JSONDecodeError as exc:
        raise DataPackageError(f"{path} is not valid JSON: {exc}") from None


def descriptor() -> dict:
    """The parsed ``datapackage.json``."""
    return _descriptor(str(paths.data_dir()))


def resource(name: str) -> dict:
    """The descriptor of one resource (table) by name."""
    for item in descriptor()["resources"]:
        if item["name"] == name:
            return item
    known = ", ".join(r["name"] for r in descriptor()["resources"])
    raise DataPackageError(f"no table named {name!r} in the data package; known tables: {known}")


def read_table(folder, name: str):
    """Read table ``name`` of the package in ``folder`` with the types ``data/datapackage.json`` declares
    (the assessment bank uses the same schemas)."""
    import pandas as pd

    item = resource(name)
    path = Path(folder) / item["path"]
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise DataPackageError(f"table {name!r} is missing: {path} does not exist") from None
    for field in item["schema"]["fields"]:
        column = field["name"]
        if column not in frame.columns:
            continue  # reported by the checks; loading stays possible
        kind = field.get("type", "string")
        if kind == "integer":
            frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce").astype("Int64")
        elif kind == "date":
            frame[column] = pd.to_datetime(frame[column].replace("", None), format="%Y-%m-%d", errors="coerce").dt.date
        elif kind == "boolean":
            frame[column] = frame[column].str.lower().map({"true": True, "false": False})
    return frame


@lru_cache(maxsize=64)
def _table(data_dir: str, name: str):
    return read_table(data_dir, name)


def table(name: str):
    """Load one table of the data package as a pandas DataFrame (a copy: edit freely)."""
    return _table(str(paths.data_dir()), name).copy()


def clear_cache() -> None:
    """Forget loaded tables (after editing files under ``data/``)."""
    _descriptor.cache_clear()
    _table.cache_clear()


def evidence():
    """Public pages read by the fact-check desk (``evidence.csv``)."""
    return table("evidence")


def evidence_facts():
    """The facts taken from each page, with short exact quotes (``evidence_facts.csv``)."""
    return table("evidence_facts")


def sources():
    """Outlets and organisations, with type, country and ownership (``sources.csv``)."""
    return table("sources")


def citations():
    """The document's attributions traced to the original reports (``citations.csv``)."""
    return table("citations")


def record_as_of() -> dt.date:
    """The last day the record covers (``record_as_of`` in ``datapackage.json``)."""
    value = descriptor().get("record_as_of")
    if not value:
        raise DataPackageError("datapackage.json states no record_as_of date")
    return dt.date.fromisoformat(value)


def claims():
    """Every checkable claim with its anchor, verdict and evidence (``claims.csv``)."""
    return table("claims")


def actors():
    """People and organisations with the document's spellings (``actors.csv``)."""
    return table("actors")


def events():
    """The 2012-2025 timeline, with whether the document mentions each event (``events.csv``)."""
    return table("events")


def forces():
    """Foreign military and UN presence in August 2020: document vs record (``forces.csv``)."""
    return table("forces")


def arguments():
    """The document's main inferences: premises, weaknesses, alternatives (``arguments.csv``)."""
    return table("arguments")


def quote_pairs():
    """Quotation claims joined to the original wording found in a source (``quote_pairs.csv``)."""
    return table("quote_pairs")


def quote_comparisons():
    """Each quote pair with the document's words and the original's, ready to compare side by side.

    Columns: pair_id, claim_id, document_text, original_text, original_language,
    relation, note, evidence_id, outlet, url.
    """
    pairs = quote_pairs()
    claims_frame = table("claims").set_index("claim_id")
    facts = evidence_facts().set_index("fact_id")
    pages = evidence().set_index("evidence_id")
    rows = []
    for _, pair in pairs.iterrows():
        fact = facts.loc[pair["fact_id"]]
        page = pages.loc[fact["evidence_id"]]
        rows.append({
            "pair_id": pair["pair_id"],
            "claim_id": pair["claim_id"],
            "document_text": claims_frame.at[pair["claim_id"], "exact"],
            "original_text": fact["quote"],
            "original_language": pair["original_language"],
            "relation": pair["relation"],
            "note": pair["note"],
            "evidence_id": fact["evidence_id"],
            "outlet": page["outlet"],
            "url": page["url"],
        })
    import pandas as pd

    return pd.DataFrame(rows)


def evidence_links(ids) -> list[tuple[str, str, str]]:
    """(evidence_id, outlet, url) for a ';'-separated id list or a list of ids."""
    wanted = split_ids(ids) if isinstance(ids, str) else list(ids)
    pages = evidence().set_index("evidence_id")
    return [(eid, pages.at[eid, "outlet"], pages.at[eid, "url"]) for eid in wanted if eid in pages.index]
