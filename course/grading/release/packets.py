"""Source packets: the pages a fact-checker would open for a graded item, released with the assignment.

An item that needs evidence gives the student what a fact-checker would open
(Civic Online Reasoning's habit): each page's outlet, title, date, language,
URL and the exact words the desk quoted from it. The desk's own summaries are
left out: they often set a page beside the document ("this contradicts the
document's date"), which is the finding an item asks for. Verdicts, comparison
labels and every other finding stay in the assessment bank: a packet carries
evidence only.

An item that asks which row of a table a name or passage is (which
actor is "Nohom Tojo"?) gets the candidate rows instead, as cards with the columns
the spec names (never a finding column), so no item needs a 300-row table.

``bank/packets.toml`` (instructor-only) names each item's pages or rows;
:func:`build` turns it into ``assignments/<id>/packets.json``, which nbgrader
releases with the notebook (every file of the source folder is released) and
:func:`course.lessons.packets.show_packet` draws as cards. Nothing needs the
network: a classroom hub may have none. ``python -m course build`` rebuilds the
files (its ``packets`` step); ``build --check`` (run by ``make test``) fails when one is stale.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from course import paths
from course.evidence import bank
from course.errors import CourseError

PACKETS_FILE = "packets.json"
SPEC_FILE = "packets.toml"
#: The page fields a card shows (none of them is a finding).
CARD_FIELDS = ("evidence_id", "outlet", "title", "published", "language", "copy_or_original", "original_agency", "url")


class PacketError(CourseError):
    """A packet names a page the evidence base does not have, or its file is missing or stale."""


def spec(bank_dir: Path | None = None) -> dict[str, dict[str, list[str]]]:
    """assignment id -> question id -> page ids, from ``bank/packets.toml``."""
    path = Path(bank_dir or paths.bank_dir()) / SPEC_FILE
    if not path.is_file():
        raise PacketError(f"no {paths.display(path)}: packets are built on the grader's side, from the bank")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _text(value) -> str:
    if value is None or value != value:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def card(page_id: str, pages, facts) -> dict:
    """One page as a card: the fields of :data:`CARD_FIELDS` and the exact words quoted from it (each once)."""
    if page_id not in pages.index:
        raise PacketError(f"packet names page {page_id!r}, which neither data/evidence.csv nor bank/evidence.csv has")
    row = pages.loc[page_id]
    shown = {"evidence_id": page_id, **{field: _text(row[field]) for field in CARD_FIELDS[1:]}}
    quotes: dict[str, str] = {}
    for fact in facts[facts["evidence_id"] == page_id].itertuples():
        if fact.quote and fact.quote not in quotes:
            quotes[fact.quote] = fact.fact_id
    shown["quotes"] = [{"fact_id": fact_id, "quote": quote} for quote, fact_id in quotes.items()]
    return shown


def card_words() -> dict:
    """The words of the cards (headings, labels), from ``notebooks/packets.toml``: the packet carries them, so
    a kernel draws the cards without the kit's content files (a grading kernel has none)."""
    return tomllib.loads((paths.notebooks_dir() / "packets.toml").read_text(encoding="utf-8"))


def row_cards(table: str, ids: list[str], columns: list[str]) -> list[dict]:
    """Candidate rows as cards (an item that asks which row a name or passage is): the columns named, never a
    finding column, for the rows listed, in id order. The answer's row is often a bank row (its finding, such as
    the spellings the document uses, is what the item assesses), so candidates come from both packages."""
    frame = bank.full_table(table)
    key = frame.columns[0]
    frame = frame.set_index(key)
    cards = []
    for row_id in sorted(ids):
        if row_id not in frame.index:
            raise PacketError(f"packet names {table} row {row_id!r}, which neither data/ nor bank/ has")
        cards.append({"row_id": row_id, "table": table,
                      "fields": [{"column": c, "value": _text(frame.at[row_id, c])} for c in columns]})
    return cards


def question_cards(entry, pages, facts) -> list[dict]:
    """One question's cards: pages (a list of evidence ids), or candidate rows ({table, ids, columns}) and
    optionally pages (``pages``) after them."""
    if isinstance(entry, dict):
        return (row_cards(entry["table"], entry["ids"], entry["columns"])
                + [card(page, pages, facts) for page in sorted(entry.get("pages", []))])
    return [card(page, pages, facts) for page in sorted(entry)]


def build(assignment_id: str) -> dict:
    """The packet file's content for one assignment: {"assignment", "words", "questions": {qid: [card, ...]}}."""
    items = spec().get(assignment_id, {})
    pages = bank.full_table("evidence").set_index("evidence_id")
    facts = bank.full_table("evidence_facts")
    return {"assignment": assignment_id, "words": card_words(),
            "questions": {question: question_cards(entry, pages, facts) for question, entry in items.items()}}


def render(assignment_id: str) -> str:
    return json.dumps(build(assignment_id), indent=1, ensure_ascii=False) + "\n"


def packet_path(assignment_id: str) -> Path:
    return paths.assignments_dir() / assignment_id / PACKETS_FILE


def stale() -> list[str]:
    """Assignment ids whose packet file is missing or differs from a fresh build."""
    out = []
    for assignment_id in spec():
        path = packet_path(assignment_id)
        if not path.is_file() or path.read_text(encoding="utf-8") != render(assignment_id):
            out.append(assignment_id)
    return out
