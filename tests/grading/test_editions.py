"""The student edition of the data package (course.evidence.editions): what it holds back, and from whom."""

from __future__ import annotations

import json

import nbformat
import pytest

from course.evidence import data, editions
from course.grading import answers, classdir

ASSIGNMENTS = classdir.assignment_ids()


def value_items():
    for assignment_id in ASSIGNMENTS:
        nb = nbformat.read(classdir.source_notebook(assignment_id), as_version=4)
        for item in answers.value_items(nb):
            yield assignment_id, nb, item


def solution_of(nb, item):
    for cell in nb.cells:
        if answers.is_code_answer(cell) and item["answer"] in answers.defined_names(cell.source):
            return answers._solution_value(cell)
    raise AssertionError(f"no answer cell assigns {item['answer']}")


def test_assessed_table_is_generated_from_the_assignments():
    """Does data/assessed.csv list exactly the rows the grade cells assess (regenerate: python -m course.evidence.editions --write-assessed)?"""
    assert (data.paths.data_dir() / editions.ASSESSED_FILE).read_text(encoding="utf-8") == editions.render_assessed_table()


def test_every_item_that_asks_for_a_finding_says_which_rows_it_assesses():
    """Does each value item with a lookup (where the kit records its answer) name that row among the rows it assesses?"""
    for assignment_id, _, item in value_items():
        if item.get("lookup"):
            table, row_id, _ = item["lookup"]
            assert row_id in item.get("assesses", {}).get(table, []), (assignment_id, item["grade_id"])


def test_the_full_edition_holds_each_answer_and_the_student_edition_holds_none():
    """For every item with a lookup: does copying from the full tables give the answer away, and from the student edition give nothing?"""
    checked = 0
    items = list(value_items())
    tables = {i["lookup"][0] for _, _, i in items if i.get("lookup")}
    full, student = answers.tables_of(tables, "full"), answers.tables_of(tables, "student")
    for assignment_id, nb, item in items:
        if not item.get("lookup"):
            continue
        table, row_id, column = item["lookup"]
        key = editions.WITHHELD[table][0]
        right = solution_of(nb, item)
        if item.get("lookup_contains"):
            assert answers.lookup_value(item, full) == right, (assignment_id, item["grade_id"])
        else:
            cell = full[table].set_index(key).at[row_id, column]
            text = cell.isoformat() if hasattr(cell, "isoformat") else str(cell)
            assert str(right) == text or str(right) in data.split_ids(text), (assignment_id, item["grade_id"], right, text)
        assert answers.lookup_value(item, student) is None, (assignment_id, item["grade_id"])
        checked += 1
    assert checked >= 25


def test_claims_that_graded_work_assesses_lose_verdict_explanation_and_evidence_only():
    """Are K015's verdict, rating explanation and evidence ids empty for students, with its words and every other claim intact?"""
    full, student = answers.tables_of(["claims"], "full")["claims"], answers.tables_of(["claims"], "student")["claims"]
    assert list(full.columns) == list(student.columns) and len(full) == len(student)
    held = editions.expand(editions.assessed_ids())["claims"]  # with the claims held back with an assessed row
    assert {"K015", "K016", "K067", "K048", "K031"} <= held
    for _, (f, s) in enumerate(zip(full.itertuples(), student.itertuples())):
        if f.claim_id in held:
            assert (s.verdict, s.rating_explanation, s.evidence_ids) == ("", "", "")
            assert (s.exact, s.claim_text) == (f.exact, f.claim_text)
        else:
            assert s == f


def _records(frame) -> list[dict]:
    """Rows as dicts of text (dates and numbers as they print; missing values empty)."""
    return [{k: "" if v is None or v != v else (v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in row.items()}
            for row in frame.to_dict("records")]


def _is_about(table: str, row: dict, held_table: str, row_id: str) -> bool:
    """Whether ``row`` of ``table`` is a row about ``held_table``'s ``row_id``: keyed by it (its first column, as
    released_verdicts' claim_id) or pointing at it by (table, row id), as the corrections log does."""
    if table in editions.ROW_KEYED:
        table_column, id_column = editions.ROW_KEYED[table]
        return row[table_column] == held_table and row[id_column] == row_id
    return next(iter(row.values())) == row_id


def test_no_table_of_the_student_edition_gives_a_held_back_finding_away_elsewhere(tmp_path):
    """A held-back finding must not reappear in another table: before, the student edition emptied K015's verdict in
    claims.csv while released_verdicts.csv still said "inaccurate" (a corrections row would have shown old and new
    verdicts). For every held row, no row of any table that names it (in memory or in the written folder) may hold
    one of its withheld values. (Rows that merely cite a held row, e.g. an evidence page's source_id, are the raw
    material students read, not findings.)"""
    held = editions.expand(editions.assessed_ids())
    full = answers.tables_of(data.TABLES, "full")
    student = answers.tables_of(data.TABLES, "student")
    folder = editions.student_edition(tmp_path / "student-data")
    import csv

    on_disk = {}
    for name in data.TABLES:
        with (folder / data.resource(name)["path"]).open(encoding="utf-8") as handle:
            on_disk[name] = list(csv.DictReader(handle))
    findings = []  # (row id, withheld value) pairs the student must not be able to look up
    for table, ids in held.items():
        if table not in full or table in editions.ROW_KEYED:
            continue
        key, columns = editions.WITHHELD[table]
        for row in _records(full[table]):
            if row[key] in ids:
                findings += [(table, row[key], row[c]) for c in columns if c in row and len(row[c]) >= 3]
    assert ("claims", "K015", "inaccurate") in findings  # the check has teeth
    leaks = []
    for edition_name, tables in (("memory", {n: _records(t) for n, t in student.items()}),
                                 ("folder", on_disk)):
        for name, rows in tables.items():
            for row in rows:
                for held_table, row_id, value in findings:
                    if _is_about(name, row, held_table, row_id) and value in row.values():
                        leaks.append((edition_name, name, row_id, value[:40]))
    assert leaks == [], "\n".join(map(str, leaks))


def test_claims_that_describe_an_assessed_citation_or_quote_are_held_back_too():
    """ps1 asks how the document renders C05 (and ps3 about the truncated pair Q05). K039's rating explanation named
    the real speaker of C05's words and K044's called its quote truncated, while the student edition held back only
    C05 and Q05: claims citing a held citation, or quoted by a held pair, are held with it (and so on, to a fixpoint)."""
    held = editions.expand(editions.assessed_ids())
    assert {"K039", "K044"} <= held["claims"] and {"C05", "C06"} <= held["citations"] and "Q05" in held["quote_pairs"]
    claims = data.claims().set_index("claim_id")
    for claim_id, row in claims.iterrows():
        if row["citation_id"] in held["citations"]:
            assert claim_id in held["claims"], claim_id
    for row in data.quote_pairs().itertuples():
        assert (row.pair_id in held["quote_pairs"]) == (row.claim_id in held["claims"]), row.pair_id


def test_linked_rows_are_held_back_with_the_claim():
    """Are the quote pairs, citation and force rows of an assessed claim held back too (K067 -> F04, F05; K044 -> Q05, C06)?"""
    held = editions.expand(editions.assessed_ids())
    assert {"F04", "F05"} <= held["forces"] and "Q05" in held["quote_pairs"] and "C06" in held["citations"]


def test_released_feedback_brings_an_assignments_rows_back(monkeypatch):
    """Once ps2's feedback is released, do its claims come back (unless another assignment still assesses them)?"""
    monkeypatch.setenv(editions.RELEASED_ENV, "ps2-claims-and-evidence")
    assert "K015" not in editions.assessed_ids().get("claims", set())


def test_edition_is_full_outside_a_kernel_and_set_by_the_environment(monkeypatch):
    """Does the command line (this test process) load the full edition, COURSE_DATA_EDITION pick one, and a typo fail loudly?"""
    monkeypatch.delenv(data.EDITION_ENV, raising=False)
    assert data.edition() == "full"
    monkeypatch.setenv(data.EDITION_ENV, "student")
    assert data.edition() == "student"
    monkeypatch.setenv(data.EDITION_ENV, "studnet")
    with pytest.raises(data.DataPackageError, match="expected one of student, full"):
        data.edition()


def test_the_student_edition_folder_matches_the_in_memory_edition(tmp_path, monkeypatch):
    """Does python -m course.evidence.editions DIR write a package that loads exactly as the student edition does, without the desk's notes?"""
    out = editions.student_edition(tmp_path / "student-data")
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor[editions.EDITION_KEY] == "student" and "K015" in descriptor[editions.WITHHELD_KEY]["claims"]["ids"]
    assert not (out / "research").exists() and (data.paths.data_dir() / "research").exists()
    in_memory = answers.tables_of(["claims", "forces", "quote_pairs"], "student")
    monkeypatch.setenv("COURSE_DATA_DIR", str(out))
    data.clear_cache()
    try:
        for name, frame in in_memory.items():
            assert data.table(name).equals(frame), name
            assert data.table(name).equals(answers.tables_of([name], "full")[name]), name  # the folder itself is held back
    finally:
        monkeypatch.delenv("COURSE_DATA_DIR")
        data.clear_cache()


def test_the_edition_folder_is_never_written_over_the_full_package():
    """Does student_edition refuse to write into data/ itself?"""
    with pytest.raises(editions.EditionError):
        editions.student_edition(data.paths.data_dir())


@pytest.mark.slow
def test_a_kernel_loads_the_student_edition_by_default(tmp_path, monkeypatch):
    """In a Jupyter kernel with no setting (a student's notebook), is K015's verdict empty, and with COURSE_DATA_EDITION=full present?"""
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    code = ("from course.evidence import data\nrow = data.claims().set_index('claim_id').loc['K015']\n"
            "print(data.edition(), repr(row['verdict']), repr(row['evidence_ids']))")
    outputs = {}
    for setting in (None, "full"):
        if setting is None:
            monkeypatch.delenv(data.EDITION_ENV, raising=False)
        else:
            monkeypatch.setenv(data.EDITION_ENV, setting)
        nb = new_notebook(cells=[new_code_cell(code)], metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
        outputs[setting] = nb.cells[0].outputs[0]["text"].strip()
    assert outputs[None] == "student '' ''"
    assert outputs["full"].startswith("full 'inaccurate' 'BAC022")


def test_importing_ipykernel_does_not_make_a_process_a_kernel(monkeypatch):
    """Does a plain process that imports ipykernel (ipywidgets does) still load the full edition?"""
    import ipykernel.kernelapp  # noqa: F401

    monkeypatch.delenv(data.EDITION_ENV, raising=False)
    assert data.edition() == "full"
