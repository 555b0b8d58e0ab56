"""The desk's notes carry their own evidence ids: a note can go anywhere, and a missing or repeated id is refused."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from course import paths
from course.evidence import desknotes


@pytest.fixture
def notes_root(tmp_path):
    """A root holding a copy of data/research and bank/evidence.csv: all the desk-notes step reads."""
    shutil.copytree(paths.REPO_ROOT / "data" / "research", tmp_path / "data" / "research")
    (tmp_path / "bank").mkdir()
    shutil.copy(paths.REPO_ROOT / "bank" / "evidence.csv", tmp_path / "bank" / "evidence.csv")
    return tmp_path


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def lines_of(root, topic: str) -> list[str]:
    return (root / "data" / "research" / f"{topic}.jsonl").read_text(encoding="utf-8").splitlines()


def write_lines(root, topic: str, lines: list[str]) -> None:
    (root / "data" / "research" / f"{topic}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_every_note_carries_its_id_and_the_tables_are_built_from_them():
    """Does every line of every desk's notes hold an id of its topic, and are the four tables what they build?"""
    notes = desknotes.load_notes()
    assert len(notes) == sum(len(lines_of(paths.REPO_ROOT, t)) for t in desknotes.TOPICS)
    assert all(nid.startswith(desknotes.prefix(topic)) for topic, nid, _ in notes)
    for path, text in desknotes.render().items():
        assert path.read_text(encoding="utf-8") == text, f"{path}: run python -m course build"


def test_a_note_inserted_in_the_middle_renumbers_nothing(notes_root):
    """A new page read between two old ones keeps every old id, row and fact id, and adds its own row where it sits."""
    before = {path.relative_to(notes_root): rows(text) for path, text in desknotes.render(notes_root).items()}
    lines = lines_of(notes_root, "cited_reports")
    free = max(int(json.loads(line)["id"][3:]) for line in lines) + 1
    new = {"id": f"CIT{free:03d}", "url": "https://example.org/a-page-read-later", "outlet": "Example", "language": "en",
           "title": "", "summary": "A page read after the others.", "published": "2020-08-20",
           "facts": [{"key": "k", "statement": "One fact.", "quote": ""}]}
    middle = len(lines) // 2
    write_lines(notes_root, "cited_reports", lines[:middle] + [json.dumps(new)] + lines[middle:])

    after = {path.relative_to(notes_root): rows(text) for path, text in desknotes.render(notes_root).items()}
    evidence = after[Path("data/evidence.csv")]
    added = [row for row in evidence if row["evidence_id"] == new["id"]]
    assert len(added) == 1 and added[0]["url"] == new["url"]
    assert [r for r in evidence if r["evidence_id"] != new["id"]] == before[Path("data/evidence.csv")]
    facts = after[Path("data/evidence_facts.csv")]
    assert [f for f in facts if f["evidence_id"] != new["id"]] == before[Path("data/evidence_facts.csv")]
    assert [f["fact_id"] for f in facts if f["evidence_id"] == new["id"]] == [f"{new['id']}-1"]
    for bank_table in ("bank/evidence.csv", "bank/evidence_facts.csv"):
        assert after[Path(bank_table)] == before[Path(bank_table)]
    # It sits where it was inserted: after the rows of the notes above it.
    above = {json.loads(line)["id"] for line in lines[:middle]}
    ids = [r["evidence_id"] for r in evidence]
    assert max(ids.index(i) for i in above if i in ids) < ids.index(new["id"])


def test_missing_repeated_and_foreign_ids_are_refused_together_in_one_line(notes_root):
    lines = lines_of(notes_root, "forces")
    first, second, third = (json.loads(line) for line in lines[:3])
    del first["id"]
    second["id"] = third["id"]
    write_lines(notes_root, "forces", [json.dumps(first), json.dumps(second), lines[2], *lines[3:]])
    background = lines_of(notes_root, "background")
    stray = {**json.loads(background[0]), "id": "CIT900"}
    write_lines(notes_root, "background", [json.dumps(stray), *background[1:]])

    with pytest.raises(desknotes.DeskNoteError) as caught:
        desknotes.load_notes(notes_root)
    message = str(caught.value)
    assert "\n" not in message
    assert "forces.jsonl line 1 has no id" in message
    assert f"forces.jsonl line 3: id {third['id']} is already used by forces.jsonl line 2" in message
    assert "background.jsonl line 1: id 'CIT900' is not BAC and three digits" in message
    assert f"FOR{len(lines) - 1:03d}" not in message.split("next free ids:")[1]  # the next free id is past the last one
    assert f"FOR{len(lines):03d}" in message.split("next free ids:")[1]
