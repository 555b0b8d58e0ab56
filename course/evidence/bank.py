"""The assessment bank: the findings graded work asks for, kept apart from the teaching data.

The teaching data package (``data/``) is what lessons, students and grading
kernels load. It holds nothing that settles an assessed item. The bank
(``bank/``, a second Frictionless package with the same table schemas) holds
the rows whose findings an item asks for, and the rows that would give those
findings away (a claim that describes an assessed citation, the corrections
that name an assessed row, the pages only those rows cite). Each row lives in
one of the two, never both (``check_bank_split``), so no lesson shows a
blank where a finding was held back.

Only the grader's side calls :func:`full_table`: the checks (every link must
resolve across both packages), the instructor's ClaimReview export and the
tests. A student install, the wheel and a grading kernel's data folder have no
bank at all (``docs/assessment.md``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from course import paths
from course.evidence import data

DESCRIPTOR = "datapackage.json"


class BankMissing(data.DataPackageError):
    """The assessment bank is not here (an installed kit, a student's copy): only the grader's side has it."""


def bank_dir() -> Path:
    return paths.bank_dir()


def present() -> bool:
    """Whether this copy of the kit carries the bank (a checkout on the grader's side)."""
    return (bank_dir() / DESCRIPTOR).is_file()


@lru_cache(maxsize=4)
def _descriptor(folder: str) -> dict:
    path = Path(folder) / DESCRIPTOR
    if not path.is_file():
        raise BankMissing(f"no assessment bank at {paths.display(Path(folder))}: the findings graded work asks for "
                          "live only on the grader's side (a checkout of the kit)")
    return json.loads(path.read_text(encoding="utf-8"))


def descriptor() -> dict:
    """The bank's ``datapackage.json``."""
    return _descriptor(str(bank_dir()))


def tables() -> list[str]:
    """Names of the tables that have rows in the bank."""
    return [item["name"] for item in descriptor()["resources"]]


def rows(name: str):
    """The bank's rows of table ``name`` as a DataFrame typed like :func:`course.evidence.data.table`
    (an empty frame with the table's columns when the bank holds none)."""
    teaching = data.table(name)
    if name not in tables():
        return teaching.iloc[0:0].copy()
    return data.read_table(bank_dir(), name)


def id_column(name: str) -> str:
    """The first field of a table's schema: its row id."""
    return data.resource(name)["schema"]["fields"][0]["name"]


def full_table(name: str):
    """Teaching rows and bank rows of table ``name`` together, :
    the whole evidence base, as the checks and the instructor see it."""
    import pandas as pd

    teaching = data.table(name)
    if not present() or name not in tables():
        return teaching
    banked = rows(name)
    key = id_column(name)
    kept = teaching[~teaching[key].isin(set(banked[key]))]
    return pd.concat([kept, banked], ignore_index=True).sort_values(key, kind="stable").reset_index(drop=True)


def banked_ids() -> dict[str, set[str]]:
    """table -> ids of the rows the bank holds ."""
    return {name: set(rows(name)[id_column(name)]) for name in tables()}


def clear_cache() -> None:
    _descriptor.cache_clear()
