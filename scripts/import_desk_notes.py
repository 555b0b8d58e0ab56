"""Rebuild evidence.csv and evidence_facts.csv (data/, and bank/ for pages only assessed rows cite) from the desk's notes.

The desk's notes are JSON Lines files in data/research/, one line per public
page read (stored copies, read through the project's search library in
November 2026), each with the facts the reader took from it. This script
gives every page a stable id (topic prefix + the line's index, counted from 0:
CIT017 is the 18th line of cited_reports.jsonl), merges a page read by two
desks into its first id, and
writes the two tables the data package publishes. Pages carry the day they
were read: READ_ON, or the topic's date in READ_ON_BY_TOPIC (the December 2026
correction desks and the record-to-2025 desk). A page a later desk re-reads keeps its first id and first
read_on; the later desk's facts are added to it. Lines marked "unverified"
record what was sought and not found; they become no evidence row, and are
listed by --unverified so claims can cite the gap in their explanation.

Each page's publisher (its row in sources.csv) comes from
data/research/source_map.csv.

Run: python scripts/import_desk_notes.py   (rewrites both CSVs)
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTES = ROOT / "data" / "research"
TOPICS = ["cited_reports", "background", "forces", "provenance", "crisis_aftermath", "actors_events", "sources", "methods", "corrections_2026", "regional_aftermath", "record_2025"]
READ_ON = "2026-11-29"
#: Desks that read their pages on another day than READ_ON (the correction round of December 2026).
READ_ON_BY_TOPIC = {"corrections_2026": "2026-12-01", "regional_aftermath": "2026-12-01", "record_2025": "2026-12-06"}

EVIDENCE_FIELDS = ["evidence_id", "url", "outlet", "source_id", "original_agency", "copy_or_original", "published", "language", "title", "summary", "read_on"]
FACT_FIELDS = ["fact_id", "evidence_id", "key", "statement", "quote"]


def note_id(topic: str, line: int) -> str:
    return f"{topic[:3].upper()}{line:03d}"


def load_notes():
    for topic in TOPICS:
        path = NOTES / f"{topic}.jsonl"
        if not path.exists():
            continue
        for line, text in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if text.strip():
                yield topic, note_id(topic, line), json.loads(text)


def source_map() -> dict[str, str]:
    """evidence_id -> source_id, from data/research/source_map.csv (the publisher of each page)."""
    path = NOTES / "source_map.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        return {row["evidence_id"]: row["source_id"] for row in csv.DictReader(handle)}


def build():
    by_url: dict[str, str] = {}
    aliases: dict[str, str] = {}
    evidence: dict[str, dict] = {}
    facts: list[dict] = []
    unverified: list[tuple[str, str]] = []
    for topic, nid, note in load_notes():
        if note.get("unverified") or not note.get("url"):
            unverified.append((nid, " / ".join(f.get("statement", "") for f in note.get("facts", []))))
            continue
        url = note["url"].strip()
        target = by_url.setdefault(url, nid)
        if target != nid:
            aliases[nid] = target
        else:
            evidence[nid] = {
                "evidence_id": nid,
                "url": url,
                "outlet": note.get("outlet", "").strip(),
                "original_agency": (note.get("original_agency") or "").strip(),
                "copy_or_original": note.get("copy_or_original", "original"),
                "published": (note.get("published") or "").strip(),
                "language": (note.get("language") or "").strip(),
                "title": (note.get("title") or "").strip(),
                "summary": " ".join((note.get("summary") or "").split()),
                "read_on": READ_ON_BY_TOPIC.get(topic, READ_ON),
            }
        for fact in note.get("facts", []):
            facts.append({
                "fact_id": f"{nid}-{len([f for f in facts if f['fact_id'].startswith(nid + '-')]) + 1}",
                "evidence_id": target,
                "key": fact.get("key", ""),
                "statement": " ".join(fact.get("statement", "").split()),
                "quote": " ".join((fact.get("quote") or "").split()),
            })
    return evidence, facts, aliases, unverified


def bank_pages() -> set[str]:
    """Ids of the pages the assessment bank holds (the first column of bank/evidence.csv)."""
    with open(ROOT / "bank" / "evidence.csv", newline="", encoding="utf-8") as handle:
        return {row["evidence_id"] for row in csv.DictReader(handle)}


def main(argv: list[str]) -> int:
    evidence, facts, aliases, unverified = build()
    publishers = source_map()
    for row in evidence.values():
        row["source_id"] = publishers.get(row["evidence_id"], "")
    if "--unverified" in argv:
        for nid, text in unverified:
            print(nid, text)
        return 0
    if "--aliases" in argv:
        print(json.dumps(aliases, indent=1))
        return 0
    # A page only assessed rows cite lives in the assessment bank (bank/evidence.csv decides which).
    banked = bank_pages()
    for folder, keep in ((ROOT / "data", lambda page: page not in banked), (ROOT / "bank", lambda page: page in banked)):
        with open(folder / "evidence.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, EVIDENCE_FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(row for row in evidence.values() if keep(row["evidence_id"]))
        with open(folder / "evidence_facts.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, FACT_FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(fact for fact in facts if keep(fact["evidence_id"]))
    print(f"{len(evidence)} evidence rows, {len(facts)} facts, {len(aliases)} pages read twice merged, {len(unverified)} unverified notes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
