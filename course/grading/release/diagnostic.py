"""The before/after diagnostic: its blueprint, its two forms, its keys, and the notebooks built from them.

Where each part lives (see ``docs/assessment.md`` section 5):

* ``data/diagnostic_blueprint.csv``: per position, the skill, task type, answer
  kind, stimulus kind and number of choices both forms are built to;
* ``data/diagnostic_items.csv``: each form's questions, choices and the pages
  the question gives the student (its *packet*), with no answer;
* ``data/diagnostic_pages.csv``: what each public page shows, as a reader sees
  it (title, who it says it is, what it shows), never the kit's finding;
* ``bank/keys/<assignment>.toml``: the key, instructor-only, in the bank's key
  format (one table per grade cell, named by its grade id: answer, task_type,
  skill, kind, accepted_form, choices, hint, accepted and near_misses with a
  reason each, identifiers, giveaways), plus ``item_id`` and ``pages``.

``python -m course.grading.release.diagnostic`` rewrites the question cells and the
setup cell of ``assignments/diagnostic-pre`` and ``diagnostic-post`` from these
files (the hidden tests from the key), so a translated or corrected question is
edited in the data, never in Python. ``tests/grading/release/test_diagnostic.py`` checks
the notebooks agree with the files, both forms against the blueprint, and that
no stem, setup cell or page shown answers another item.
"""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

from course import paths
from course.evidence.skills import SKILLS

FORMS = {"diagnostic-pre": "A", "diagnostic-post": "B"}
#: The comment line of an answer cell repeats the question up to this many characters.
COMMENT_CHARS = 110


def bank_dir() -> Path:
    return paths.bank_dir()


def _rows(name: str) -> list[dict]:
    with paths.data_file(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def blueprint() -> list[dict]:
    """The blueprint's rows, in position order."""
    return sorted(_rows("diagnostic_blueprint.csv"), key=lambda row: int(row["position"]))


def items(form: str) -> list[dict]:
    """One form's items, in position order."""
    return sorted((row for row in _rows("diagnostic_items.csv") if row["form"] == form), key=lambda row: int(row["position"]))


def pages(form: str | None = None) -> list[dict]:
    return [row for row in _rows("diagnostic_pages.csv") if form is None or row["form"] == form]


def split(cell: str) -> list[str]:
    return [part.strip() for part in (cell or "").split(";") if part.strip()]


def key(assignment_id: str) -> dict[str, dict]:
    """grade id -> the key of that grade cell (the table ``[<grade id>]`` of ``bank/keys/<assignment>.toml``)."""
    with (bank_dir() / "keys" / f"{assignment_id}.toml").open("rb") as handle:
        data = tomllib.load(handle)
    return {grade_id: {"grade_id": grade_id, **item} for grade_id, item in data.items()}


def _comment(question: str) -> str:
    return question if len(question) <= COMMENT_CHARS else question[:COMMENT_CHARS] + "…"


def task_markdown(item: dict) -> str:
    skill_label = SKILLS[item["skill"]][0]
    text = [f"### Question {item['position']} (1 point; skill: *{skill_label}*)", "",
            f"{item['question']} ({', '.join(split(item['pages']))})", ""]
    if item["kind"] == "label":
        text += ["Choose one of:"] + [f"* `{choice}`" for choice in split(item["choices"])]
    else:
        text += ["Give the number (digits only, no commas)."]
    return "\n".join(text)


def answer_source(item: dict, entry: dict) -> str:
    name, form_text = entry["answer"], entry["accepted_form"]
    value = entry["accepted"][0]["value"]
    shown = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)
    return "\n".join([f"# {_comment(item['question'])}", f"# Your answer: {form_text}. Replace None, then run the cell.",
                      f"{name} = None", "### BEGIN SOLUTION", f"{name} = {shown}", "### END SOLUTION"])


def tests_source(item: dict, entry: dict) -> str:
    """The test cell: the bank's one checker for the visible form check and the hidden value check."""
    from course.grading.keys import keyfile

    return keyfile.grade_cell_source(entry)


def tests_metadata(item: dict, entry: dict) -> dict:
    from course.grading.keys import keyfile

    return keyfile.course_metadata(entry, {"assesses": {"diagnostic_items": [item["item_id"]]}, "track": "core"})


def setup_source(form: str) -> str:
    return "\n".join([
        "# Run this cell first. It lists the pages for this form (read them in a new tab).",
        "import re", "", "from course.evidence import data", "",
        'pages = data.table("diagnostic_pages")',
        f"for page in pages[pages[\"form\"] == {form!r}].itertuples():",
        '    print(f"{page.page_id}  {page.outlet}: {page.title}\\n    {page.url}\\n    {page.shows}\\n")',
    ])


def build(assignment_id: str):
    """The source notebook of one form with its setup and question cells rewritten from the data and the key."""
    import nbformat

    form = FORMS[assignment_id]
    path = paths.REPO_ROOT / "assignments" / assignment_id / f"{assignment_id}.ipynb"
    nb = nbformat.read(path, as_version=4)
    entries = key(assignment_id)
    by_position = {int(item["position"]): item for item in items(form)}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id == "setup":
            cell.source = setup_source(form)
            continue
        head, _, part = grade_id.partition("-")
        if not head.startswith("q") or not head[1:].isdigit():
            continue
        item = by_position[int(head[1:])]
        entry = entries[f"{head}-tests"]
        if part == "task":
            cell.source = task_markdown(item)
        elif part == "answer":
            cell.source = answer_source(item, entry)
        elif part == "tests":
            cell.source = tests_source(item, entry)
            cell.metadata["course"] = tests_metadata(item, entry)
    return nb, path


def main() -> None:
    import nbformat

    for assignment_id in FORMS:
        nb, path = build(assignment_id)
        nbformat.write(nb, path)
        print(f"rewrote {path}")


if __name__ == "__main__":
    main()
