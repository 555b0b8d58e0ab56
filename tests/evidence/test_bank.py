"""The assessment bank (course.evidence.bank): the findings graded work asks for, kept apart from the teaching data."""

from __future__ import annotations

import csv
import json

import pytest

from course import paths
from course.evidence import bank, data, editions
from course.evidence.rules import check_bank_split, check_references
from test_data import edit_csv  # the evidence tests' way of breaking a private copy of data/


def _banked_rows(assessed):
    return [(assignment, table, row) for assignment, tables in assessed.items()
            for table, rows in tables.items() for row in sorted(rows)]


def test_every_row_graded_work_assesses_is_in_the_bank_and_its_finding_not_in_the_teaching_data():
    """Each row a grade cell names (metadata course.assesses) is a bank row; the teaching data has it not at all."""
    banked = bank.banked_ids()
    rows = _banked_rows(editions.assessed_by_assignment())
    assert len(rows) >= 20, "nothing assessed: the check below would pass vacuously"
    for assignment, table, row in rows:
        if table == "diagnostic_items":
            continue  # the diagnostic's keys are checked with the diagnostic
        assert row in banked.get(table, set()), (assignment, table, row)
        assert row not in set(data.table(table)[bank.id_column(table)]), (assignment, table, row)


def test_the_split_holds_and_every_link_resolves_across_both():
    assert list(check_bank_split()) == []
    assert list(check_references()) == []


def test_no_row_is_in_both_packages():
    """The 13 teaching copies are gone (issue 20): every row lives in data/ or in bank/, never in both."""
    shared = {name: ids & set(data.table(name)[bank.id_column(name)]) for name, ids in bank.banked_ids().items()}
    assert {name: ids for name, ids in shared.items() if ids} == {}
    assert "course:withheld" not in data.descriptor()


def test_a_bank_row_copied_into_the_teaching_data_is_reported(data_copy):
    """Put K015 (assessed by ps2) back into data/claims.csv, as a careless edit would: the check must name it."""
    banked = {r["claim_id"]: r for r in csv.DictReader((paths.bank_dir() / "claims.csv").open(encoding="utf-8"))}
    edit_csv(data_copy, "claims.csv", lambda rows: rows.append(banked["K015"]))
    problems = [str(p) for p in check_bank_split()]
    assert any("K015" in p and "a row lives in one of them" in p for p in problems), problems


def test_an_old_teaching_copy_put_back_with_its_findings_blanked_is_reported(data_copy):
    """The old allowance is gone: K039 back in data/claims.csv with its finding columns empty, as the teaching copy
    was, now fails like any other shared row (no course:withheld list can excuse it)."""
    banked = {r["claim_id"]: r for r in csv.DictReader((paths.bank_dir() / "claims.csv").open(encoding="utf-8"))}
    copy = banked["K039"] | {c: "" for c in ("verdict", "rating_explanation", "evidence_ids", "status", "citation_id")}
    edit_csv(data_copy, "claims.csv", lambda rows: rows.append(copy))
    descriptor = json.loads((data_copy / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["course:withheld"] = {"claims": {"ids": ["K039"], "columns": ["verdict", "rating_explanation"]}}
    (data_copy / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    data.clear_cache()
    problems = [str(p) for p in check_bank_split()]
    assert any("K039" in p and "a row lives in one of them" in p for p in problems), problems


def test_a_teaching_row_that_links_into_the_bank_is_reported(data_copy):
    """A teaching row that names a bank row would need the bank to resolve: students would see a dangling id."""
    def link_to_k015(rows):
        rows[0]["claim_ids"] = "K015"

    edit_csv(data_copy, "events.csv", link_to_k015)
    problems = [str(p) for p in check_bank_split()]
    assert any("K015" in p and "only the assessment bank holds" in p for p in problems), problems


def test_the_bank_uses_the_teaching_schemas():
    """Same fields, same types: a row can move between the two packages without a change."""
    bank_descriptor = json.loads((paths.bank_dir() / "datapackage.json").read_text(encoding="utf-8"))
    for resource in bank_descriptor["resources"]:
        mine = [(f["name"], f.get("type")) for f in resource["schema"]["fields"]]
        theirs = [(f["name"], f.get("type")) for f in data.resource(resource["name"])["schema"]["fields"]]
        assert mine == theirs, resource["name"]


def test_the_old_edition_switch_brings_nothing_back(monkeypatch):
    """COURSE_DATA_EDITION=full once restored the full tables in a student's kernel; the teaching data has no
    assessed finding to restore, whatever the environment says."""
    monkeypatch.setenv("COURSE_DATA_EDITION", "full")
    data.clear_cache()
    assert "K015" not in set(data.claims()["claim_id"])
    assert "R01" not in set(data.arguments()["argument_id"])


def test_the_student_edition_has_no_private_notes_and_no_bank(tmp_path):
    out = editions.student_edition(tmp_path / "student-data")
    assert not (out / "research").exists() and (out / "claims.csv").is_file()
    assert not any(path.name == "bank" for path in out.rglob("*"))
    with pytest.raises(editions.EditionError):
        editions.student_edition(data.paths.data_dir())


def test_an_installed_kit_without_the_bank_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "bank_dir", lambda: tmp_path / "no-bank")
    bank.clear_cache()
    try:
        assert not bank.present()
        with pytest.raises(bank.BankMissing, match="grader's side"):
            bank.tables()
        assert len(bank.full_table("claims")) == len(data.claims())  # checks still run on the teaching data
    finally:
        bank.clear_cache()


@pytest.mark.slow
def test_a_kernel_with_the_old_switch_finds_no_key():
    """In a real Jupyter kernel, with the environment variable a cheater would set, K015 is not in the tables."""
    import os

    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    code = ("import os; os.environ['COURSE_DATA_EDITION'] = 'full'\nfrom course.evidence import data\n"
            "print('K015' in set(data.claims()['claim_id']), len(data.claims()))")
    nb = new_notebook(cells=[new_code_cell(code)], metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert nb.cells[0].outputs[0]["text"].strip() == f"False {len(data.claims())}"
    assert os.environ.get("COURSE_DATA_EDITION") is None
