"""Does anything a student can reach give a graded item's answer away? A scan of every student-side file.

Each autograded item has *answers* (its accepted values), *identifiers* (the
ids and words that name what it asks about: ``K015``, ``resolution 2071``) and
*giveaways* (facts that settle it without judgement, such as the date in an
event description that settles a claim about that date). The instructor-only
key files (``bank/keys/<assignment>.toml``) list identifiers and giveaways;
the answers come from the source notebook's solution and hidden tests.

:func:`scan` reads every file under a folder a student can reach (a released
assignment, the student data folder, the installed package) in small units
(a CSV row, or a few lines of any other text file) and reports a unit that
holds an item's identifier together with one of its answers or giveaways.
The item's own source packet (``packets.json``) may carry evidence (a page's
date, a figure), so its cards are exempt for id, date and number answers, but
never for a label (a verdict, a comparison or a weakness is a finding).
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

#: Lines of a non-CSV text file read together as one unit ("within a few lines").
WINDOW = 4
#: Kinds of answer a packet may carry for its own item (evidence); labels never.
EVIDENCE_KINDS = {"id", "date", "number"}
TEXT_SUFFIXES = {".csv", ".json", ".ipynb", ".md", ".txt", ".py", ".toml", ".html", ".geojson", ".jsonl"}


@dataclass
class Item:
    assignment: str
    question: str
    kind: str
    answers: list[str]
    identifiers: list[str]
    giveaways: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    item: str
    path: str
    unit: str
    found: str


def _hidden_literals(source: str) -> list:
    hidden = source.split("### BEGIN HIDDEN TESTS")[-1].split("### END HIDDEN TESTS")[0]
    values = []
    for match in re.finditer(r"\bin (\[[^\]]*\]|\([^)]*\))", hidden):
        try:
            found = ast.literal_eval(match.group(1))
        except (ValueError, SyntaxError):
            continue
        values.extend(found if isinstance(found, (list, tuple)) else [found])
    return values


def _forms(value) -> list[str]:
    """The written forms of an answer worth searching for (short or generic ones reveal nothing)."""
    if value is None or isinstance(value, bool):
        return []
    text = str(value).strip()
    forms = {text}
    if "_" in text:
        forms.add(text.replace("_", " "))
    return [f for f in forms if len(f) >= 3 and not f.isdigit() or (f.isdigit() and len(f) >= 2)]


def items_from_sources(source_notebooks: dict[str, Path], keys_dir: Path | None = None) -> list[Item]:
    """Every autograded value item of the given source notebooks (assignment id -> path)."""
    from course.grading.keys import answers

    out = []
    for assignment, path in sorted(source_notebooks.items()):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        keys = {}
        if keys_dir is not None and (keys_dir / f"{assignment}.toml").is_file():
            keys = tomllib.loads((keys_dir / f"{assignment}.toml").read_text(encoding="utf-8"))
        solutions = {}
        for cell in notebook["cells"]:
            source = "".join(cell["source"])
            if "### BEGIN SOLUTION" in source and cell["cell_type"] == "code":
                for name in answers.defined_names(source.split("### BEGIN SOLUTION")[0]):
                    solutions[name] = answers._solution_value(type("Cell", (), {"source": source})())
        for cell in notebook["cells"]:
            meta = (cell.get("metadata") or {}).get("course") or {}
            grade = (cell.get("metadata") or {}).get("nbgrader") or {}
            if not (grade.get("grade") and meta.get("answer") and grade.get("points")):
                continue
            question = grade["grade_id"].split("-")[0]
            key = keys.get(grade["grade_id"], keys.get(question, {})) if isinstance(keys, dict) else {}
            values = [solutions.get(meta["answer"]), *_hidden_literals("".join(cell["source"]))]
            values += [a.get("value") if isinstance(a, dict) else a for a in key.get("accepted", [])]
            identifiers = {row for rows in (meta.get("assesses") or {}).values() for row in rows}
            identifiers |= set(key.get("identifiers", []))
            if meta.get("lookup_contains"):
                identifiers.add(meta["lookup_contains"])  # the name the question asks about
            forms = sorted({f for v in values for f in (_forms(v) if not isinstance(v, list) else [])})
            identifiers -= set(forms)  # an item that asks which row a name is: the name identifies it, not the row
            identifiers.discard(meta["answer"])  # the answer's variable sits beside its choices in every release
            out.append(Item(assignment, question, meta.get("kind", ""), forms, sorted(identifiers),
                            [g for g in key.get("giveaways", []) if len(str(g)) >= 3], list(meta.get("choices", []))))
    return out


def _contains(text: str, needle: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(needle)}(?![\w-])", text, re.IGNORECASE) is not None


def _units(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".csv":
        return [" | ".join(row) for row in csv.reader(io.StringIO(text))]
    lines = text.splitlines()
    return [" ".join(lines[i:i + WINDOW]) for i in range(0, max(len(lines), 1), max(WINDOW // 2, 1))]


def _packet_units(path: Path) -> list[tuple[str | None, str]]:
    """(question, text) per card of a packets.json file."""
    questions = json.loads(path.read_text(encoding="utf-8")).get("questions", {})
    return [(question, json.dumps(card, ensure_ascii=False)) for question, cards in questions.items() for card in cards]


def _hits_in(unit: str, item: Item, own_packet: bool) -> list[str]:
    if not any(_contains(unit, ident) for ident in item.identifiers):
        return []
    if item.choices and sum(_contains(unit, c) for c in item.choices) >= 2:
        return []  # (part of) the list of labels to choose from, not an answer
    found = [g for g in item.giveaways if _contains(unit, g)]
    if not (own_packet and item.kind in EVIDENCE_KINDS):
        found += [a for a in item.answers if _contains(unit, a)]
    if own_packet:
        found = [f for f in found if f not in item.giveaways or item.kind not in EVIDENCE_KINDS]
    return found


def scan(root: Path, items: list[Item]) -> list[Hit]:
    """Every unit under ``root`` that names an item and holds one of its answers or giveaways."""
    hits = []
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES):
        where = str(path.relative_to(root))
        if path.name == "packets.json":
            assignment = path.parent.name
            for question, unit in _packet_units(path):
                for item in items:
                    own = item.assignment == assignment and item.question == question
                    hits += [Hit(f"{item.assignment}:{item.question}", where, unit[:200], f) for f in _hits_in(unit, item, own)]
            continue
        for unit in _units(path):
            for item in items:
                hits += [Hit(f"{item.assignment}:{item.question}", where, unit[:200], f) for f in _hits_in(unit, item, False)]
    return hits
