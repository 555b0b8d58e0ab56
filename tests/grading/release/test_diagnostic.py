"""The before/after diagnostic (course.grading.release.diagnostic): one blueprint for both forms, keys in the bank, and
no question, setup cell or page shown that answers another item."""

from __future__ import annotations

import re
import nbformat
import pytest

from course import paths
from course.evidence.skills import SKILLS
from course.grading import classdir
from course.grading.release import diagnostic
from course.grading.classdir import open_api

FORMS = dict(diagnostic.FORMS)


def source(assignment_id):
    return nbformat.read(classdir.source_notebook(assignment_id), as_version=4)


def norm(text) -> str:
    """Lower case, curly quotes straight, runs of spaces and commas between digits folded: for substring search."""
    text = str(text).lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text)


def needles(entry) -> list[str]:
    """What would give an item away: each accepted answer (numbers also with thousands commas) and each giveaway."""
    found = []
    for accepted in entry["accepted"]:
        value = accepted["value"]
        found.append(re.sub(r"^(the|a|an) ", "", str(value)))
        if isinstance(value, int):
            found.append(f"{value:,}")
    return [n for n in found + list(entry["giveaways"]) if n]


def hits(needle: str, text: str) -> bool:
    return re.search(r"(?<![\w-])" + re.escape(norm(needle)) + r"(?![\w-])", norm(text)) is not None


def stem(item) -> str:
    """What a student reads for an item: its question and its choices."""
    return item["question"] + "\n" + "\n".join(diagnostic.split(item["choices"]))


def page_text(page) -> str:
    """What the setup cell prints for a page."""
    return " ".join((page["page_id"], page["outlet"], page["title"], page["url"], page["shows"]))


def test_the_blueprint_gives_one_skill_per_task_type_and_reaches_every_skill():
    """Is each position's task type unique with one skill, and does the blueprint assess every skill of the vocabulary?"""
    rows = diagnostic.blueprint()
    assert [int(r["position"]) for r in rows] == list(range(1, len(rows) + 1)) and 10 <= len(rows) <= 15
    assert len({r["task_type"] for r in rows}) == len(rows)
    assert {r["skill"] for r in rows} == set(SKILLS)


@pytest.mark.parametrize("assignment_id", FORMS)
def test_each_form_is_built_to_the_blueprint(assignment_id):
    """At every position: the blueprint's skill, task type, answer kind and number of choices, and a packet of pages
    that includes the blueprint's stimulus kinds, in the form's notebook, its data rows and its key alike."""
    form = FORMS[assignment_id]
    pages = {p["page_id"]: p for p in diagnostic.pages(form)}
    items, key = diagnostic.items(form), diagnostic.key(assignment_id)
    cells = {c.metadata["nbgrader"]["grade_id"]: c.metadata["course"] for c in source(assignment_id).cells
             if c.metadata.get("nbgrader", {}).get("grade")}
    assert len(items) == len(diagnostic.blueprint()) == len(cells) == len(key)
    for plan, item in zip(diagnostic.blueprint(), items):
        grade_id = f"q{plan['position']}-tests"
        got = (item["skill"], item["task_type"], item["kind"], len(diagnostic.split(item["choices"])))
        assert got == (plan["skill"], plan["task_type"], plan["kind"], int(plan["choices"])), (item["item_id"], got)
        assert (key[grade_id]["skill"], key[grade_id]["task_type"], key[grade_id]["kind"], key[grade_id]["item_id"]) == \
            (plan["skill"], plan["task_type"], plan["kind"], item["item_id"])
        assert (cells[grade_id]["skill"], cells[grade_id]["task_type"], cells[grade_id]["kind"]) == \
            (plan["skill"], plan["task_type"], plan["kind"])
        assert key[grade_id]["answer"] == f"answer_{plan['position']}" and key[grade_id]["hint"].strip()
        assert key[grade_id].get("choices", []) == diagnostic.split(item["choices"]), item["item_id"]
        packet = diagnostic.split(item["pages"])
        assert packet == key[grade_id]["pages"] and set(packet) <= set(pages), item["item_id"]
        assert set(diagnostic.split(plan["stimulus_kind"])) <= {pages[p]["page_kind"] for p in packet}, item["item_id"]
        for accepted in key[grade_id]["accepted"]:
            assert accepted["why"].strip()
            if item["kind"] == "label":
                assert accepted["value"] in diagnostic.split(item["choices"]), item["item_id"]
            else:
                assert type(accepted["value"]) is int
        for miss in key[grade_id]["near_misses"]:
            assert miss["why"].strip() and miss["value"] not in [a["value"] for a in key[grade_id]["accepted"]]


def test_parallel_positions_put_the_answer_in_the_same_place_among_the_same_number_of_choices():
    """Matched difficulty, as far as a test can see it: the same number of choices and the key at the same place."""
    places = []
    for assignment_id, form in FORMS.items():
        key = diagnostic.key(assignment_id)
        places.append([diagnostic.split(i["choices"]).index(key[f"q{i['position']}-tests"]["accepted"][0]["value"])
                       if i["kind"] == "label" else None for i in diagnostic.items(form)])
    assert places[0] == places[1]
    assert len({p for p in places[0] if p is not None}) >= 3, "the key should not sit at one place in every item"


@pytest.mark.parametrize("assignment_id", FORMS)
def test_the_notebooks_are_built_from_the_data_and_the_key(assignment_id):
    """Are the question, setup and test cells what `python -m course.grading.release.diagnostic` writes from the files?"""
    built, _ = diagnostic.build(assignment_id)
    on_disk = source(assignment_id)
    assert [(c.source, c.metadata.get("course")) for c in built.cells] == \
        [(c.source, c.metadata.get("course")) for c in on_disk.cells]


@pytest.mark.parametrize("assignment_id", FORMS)
def test_no_question_setup_cell_or_page_shown_answers_another_item(assignment_id):
    """Does any item's answer or giveaway appear in another item's question or choices, in the setup cell or the
    notebook's other text, or in a page the setup prints outside the item's own packet?"""
    form = FORMS[assignment_id]
    items, key, pages = diagnostic.items(form), diagnostic.key(assignment_id), diagnostic.pages(form)
    nb = source(assignment_id)
    other_cells = "\n".join(c.source for c in nb.cells if not re.match(r"q\d+-", c.metadata.get("nbgrader", {}).get("grade_id", "")))
    found = []
    for item in items:
        entry = key[f"q{item['position']}-tests"]
        for needle in needles(entry):
            found += [(item["item_id"], other["item_id"], needle) for other in items
                      if other is not item and hits(needle, stem(other))]
            found += [(item["item_id"], "setup and intro", needle)] if hits(needle, other_cells) else []
            found += [(item["item_id"], page["page_id"], needle) for page in pages
                      if page["page_id"] not in entry["pages"] and hits(needle, page_text(page))]
    assert found == []


@pytest.mark.parametrize("assignment_id", FORMS)
def test_the_setup_cell_prints_the_forms_pages_and_nothing_else(assignment_id):
    """Run in-process, does the setup cell print exactly the form's page rows the leak search above reads?"""
    import contextlib
    import io

    setup = next(c for c in source(assignment_id).cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(setup.source, "setup", "exec"), {})
    expected = "".join(f"{p['page_id']}  {p['outlet']}: {p['title']}\n    {p['url']}\n    {p['shows']}\n\n"
                       for p in diagnostic.pages(FORMS[assignment_id]))
    assert out.getvalue() == expected


def test_the_leak_search_bites():
    """The search above finds an answer put back where it was on main: Q1's answer in Q2's stem, a page's finding."""
    key = diagnostic.key("diagnostic-pre")
    assert hits(needles(key["q4-tests"])[0], "Which organisation should not be confused with the Economic Policy Institute?")
    assert hits("1991", "founded in 1991,") and not hits("70", "1970") and hits("2,347,584", "revenue $2,347,584")
    assert hits("AAP", "the AAP's support") and not hits("AAP", "aapx")


def test_data_holds_no_key_and_every_page_is_traceable():
    """Does data/ carry no answer column, and does every page name its outlet, a URL and whether it was verified?"""
    header = paths.data_file("diagnostic_items.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert not {"answer", "explanation", "evidence_ids"} & set(header)
    for page in diagnostic.pages():
        assert page["url"].startswith("http") and page["outlet"].strip() and page["read_on"]
        assert page["verified"] in {"yes", "unverified"}
    assert (diagnostic.bank_dir() / "keys" / "diagnostic-pre.toml").is_file()


@pytest.mark.slow
@pytest.mark.usefixtures("no_external_gradebook")
def test_the_released_diagnostic_shows_no_answer(tmp_path):
    """Released by the kit's verb (nbgrader's generate_assignment with the repository's configuration), does either
    form carry a number it accepts, a reason from its key, a solution or a hidden test?"""
    from course.grading.run import verbs

    api = open_api(tmp_path / "class", create=True, private_gradebook=True)
    for assignment_id in FORMS:
        assert verbs.release(assignment_id, api=api) == [assignment_id]
        path = tmp_path / "class" / "release" / assignment_id / f"{assignment_id}.ipynb"
        raw = path.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in raw and "BEGIN SOLUTION" not in raw and "item_id" not in raw
        nb = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in nb.cells)
        items = {f"q{i['position']}-tests": i for i in diagnostic.items(FORMS[assignment_id])}
        for grade_id, entry in diagnostic.key(assignment_id).items():
            choices = diagnostic.split(items[grade_id]["choices"])
            for accepted in entry["accepted"]:
                if accepted["value"] not in choices:  # a label is one of the choices every student sees
                    assert not any(hits(n, text) for n in needles(entry)), (assignment_id, grade_id)
                assert accepted["why"] not in text
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
                assert re.findall(r"^(answer_\d+) = (.*)$", cell.source, re.M)[-1][1] == "None", cell.source
