"""The kit's own corrections: the public log of what changed after release, and the rule that enforces it.

Fact-checkers publish their corrections (the IFCN's principles ask for it);
the kit does the same for its verdicts. ``data/corrections.csv`` holds one row
per changed field of a released row (date, table, row, field, old → new,
reason, the pages behind it), and ``data/released_verdicts.csv`` is the
snapshot of every claim's verdict as first released. :func:`check_corrections_logged`
(one of ``python -m course check``'s rules) fails when a claim's verdict
differs from that snapshot without a log row saying so, and
:func:`date_modified` gives the ClaimReview export its ``dateModified``.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from course.evidence import bank, data
from course.evidence.problems import Problem


def _load(name: str, full: bool):
    """Teaching rows (what lessons show), or with ``full`` the assessment bank's too (what the checks judge)."""
    return bank.full_table(name) if full else data.table(name)


def corrections(full: bool = False):
    """Every logged correction (``corrections.csv``), oldest first; ``full`` adds the bank's."""
    frame = _load("corrections", full)
    return frame.sort_values(["date", "correction_id"], kind="stable").reset_index(drop=True)


def released_verdicts(full: bool = False) -> dict[str, str]:
    """claim_id -> verdict as first released (``released_verdicts.csv``); ``full`` adds the bank's."""
    frame = _load("released_verdicts", full)
    return dict(zip(frame["claim_id"], frame["verdict"]))


def logged_verdict_changes(full: bool = False) -> dict[str, list[tuple[str, str]]]:
    """claim_id -> the (old, new) verdict changes the log records for it, in order."""
    log = corrections(full)
    changes: dict[str, list[tuple[str, str]]] = {}
    for _, row in log[(log["table"] == "claims") & (log["field"] == "verdict")].iterrows():
        changes.setdefault(row["row_id"], []).append((row["old_value"], row["new_value"]))
    return changes


def check_corrections_logged() -> Iterator[Problem]:
    """Every verdict that differs from the released snapshot has a log row taking it from there to here.

    The log's verdict rows for a claim must chain: the first starts from the
    released verdict, each next one from the previous one's new value, and the
    last ends at the verdict in ``claims.csv``. A log row naming a claim or
    table row that does not exist is reported too.
    """
    try:
        released = released_verdicts(full=True)
        log = corrections(full=True)
    except data.DataPackageError as exc:
        yield Problem("corrections.csv", str(exc))
        return
    claims = bank.full_table("claims").set_index("claim_id")
    changes = logged_verdict_changes(full=True)
    for claim_id, verdict in claims["verdict"].items():
        start = released.get(claim_id)
        if start is None:
            continue  # a claim added after release: a new row, not a correction
        chain = changes.get(claim_id, [])
        where = f"claims.csv ({claim_id})"
        if not chain:
            if verdict != start:
                yield Problem(where, f"verdict {start!r} was released, now {verdict!r}, and corrections.csv has no row for it")
            continue
        current = start
        for old, new in chain:
            if old != current:
                yield Problem(where, f"corrections.csv takes the verdict from {old!r}, but it was {current!r} at that point")
            current = new
        if current != verdict:
            yield Problem(where, f"corrections.csv leaves the verdict at {current!r}, but claims.csv says {verdict!r}")
    for index, row in log.iterrows():
        try:
            table = bank.full_table(row["table"])
        except data.DataPackageError:
            yield Problem(f"corrections.csv row {index + 2} ({row['correction_id']})", f"no table {row['table']!r}")
            continue
        key = table.columns[0]
        if row["row_id"] not in set(table[key]):
            yield Problem(f"corrections.csv row {index + 2} ({row['correction_id']})",
                          f"{row['table']}.csv has no row {row['row_id']!r}")
        elif row["field"] not in table.columns:
            yield Problem(f"corrections.csv row {index + 2} ({row['correction_id']})",
                          f"{row['table']}.csv has no column {row['field']!r}")


def date_modified(table: str = "claims", full: bool = False) -> dict[str, dt.date]:
    """row_id -> the date of its latest logged correction, for the rows of ``table`` that changed."""
    log = corrections(full)
    latest: dict[str, dt.date] = {}
    for _, row in log[log["table"] == table].iterrows():
        if row["date"] is not None and (row["row_id"] not in latest or row["date"] > latest[row["row_id"]]):
            latest[row["row_id"]] = row["date"]
    return latest
