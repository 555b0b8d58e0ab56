"""The fact-check desk's notes (``data/research/*.jsonl``) and the evidence tables built from them.

The desk's notes are JSON Lines files, one line per public page read (stored
copies, read through the project's search library in November 2026), each with
the facts the reader took from it (``data/research/FORMAT.md``). Every line
carries its own evidence id (``"id": "CIT017"``: the topic's three-letter
prefix and a number), so a note can be inserted anywhere in a file without
renumbering the pages after it. The ids were first given by line position and
written into the lines once (issue 24); a new note takes the next free number of
its topic, which the error for a missing id names.

:func:`render` builds the two tables the data package publishes,
``evidence.csv`` (one row per page) and ``evidence_facts.csv`` (one row per
fact), for ``data/`` and for ``bank/`` (a page only assessed rows cite, as
``bank/evidence.csv`` lists them, lives in the assessment bank). A page read by
two desks is merged into its first id; its later readings add their facts to
it. Pages carry the day they were read: :data:`READ_ON`, or their topic's date in
:data:`READ_ON_BY_TOPIC`. Lines marked ``"unverified"`` record what was sought
and not found; they become no evidence row (:func:`unverified` lists them, so
claims can cite the gap). Each page's publisher (its row in ``sources.csv``)
comes from ``data/research/source_map.csv``.

``python -m course build`` writes the tables; ``python -m course.evidence.desknotes
--unverified`` (or ``--aliases``) prints the unverified notes (or the merged pages).
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path

from course import paths
from course.errors import CourseError

#: The desks, in the order their notes are read (a page read twice keeps the id of its first reading).
TOPICS = ["cited_reports", "background", "forces", "provenance", "crisis_aftermath", "actors_events", "sources", "methods",
          "corrections_2026", "regional_aftermath", "record_2025"]
READ_ON = "2026-11-29"
#: Desks that read their pages on another day than READ_ON (the correction round of December 2026).
READ_ON_BY_TOPIC = {"corrections_2026": "2026-12-01", "regional_aftermath": "2026-12-01", "record_2025": "2026-12-06"}

EVIDENCE_FIELDS = ["evidence_id", "url", "outlet", "source_id", "original_agency", "copy_or_original", "published",
                   "language", "title", "summary", "read_on"]
FACT_FIELDS = ["fact_id", "evidence_id", "key", "statement", "quote"]
ID_PATTERN = re.compile(r"[A-Z]{3}\d{3}")


class DeskNoteError(CourseError):
    """A desk note without its id, with another note's id, or with an id of another topic's prefix."""


def prefix(topic: str) -> str:
    """The three letters every evidence id of ``topic`` starts with (``cited_reports`` -> ``CIT``)."""
    return topic[:3].upper()


def load_notes(root: Path | None = None) -> list[tuple[str, str, dict]]:
    """Every note as (topic, evidence id, note), in reading order; DeskNoteError lists every bad id in one line."""
    notes_dir = (root or paths.REPO_ROOT) / "data" / "research"
    notes, problems, first_seen, highest = [], [], {}, {}
    for topic in TOPICS:
        path = notes_dir / f"{topic}.jsonl"
        if not path.exists():
            continue
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not text.strip():
                continue
            note = json.loads(text)
            where = f"{path.name} line {number}"
            nid = str(note.get("id") or "")
            if not nid:
                problems.append(f"{where} has no id")
                continue
            if not ID_PATTERN.fullmatch(nid) or not nid.startswith(prefix(topic)):
                problems.append(f"{where}: id {nid!r} is not {prefix(topic)} and three digits")
            elif nid in first_seen:
                problems.append(f"{where}: id {nid} is already used by {first_seen[nid]}")
            else:
                first_seen[nid] = where
                highest[topic] = max(highest.get(topic, -1), int(nid[3:]))
            notes.append((topic, nid, note))
    if problems:
        free = ", ".join(f"{prefix(t)}{n + 1:03d}" for t, n in highest.items())
        raise DeskNoteError(f"desk notes: {'; '.join(problems)} (each note needs its own id; next free ids: {free})")
    return notes


def source_map(root: Path | None = None) -> dict[str, str]:
    """evidence_id -> source_id, from data/research/source_map.csv (the publisher of each page)."""
    path = (root or paths.REPO_ROOT) / "data" / "research" / "source_map.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        return {row["evidence_id"]: row["source_id"] for row in csv.DictReader(handle)}


def _clean(value) -> str:
    return " ".join((value or "").split())


def build(root: Path | None = None) -> tuple[dict[str, dict], list[dict], dict[str, str], list[tuple[str, str]]]:
    """(evidence rows by id, fact rows, merged id -> first id, unverified (id, what was sought)) from the notes."""
    by_url: dict[str, str] = {}
    aliases: dict[str, str] = {}
    evidence: dict[str, dict] = {}
    facts: list[dict] = []
    unverified: list[tuple[str, str]] = []
    publishers = source_map(root)
    for topic, nid, note in load_notes(root):
        if note.get("unverified") or not note.get("url"):
            unverified.append((nid, " / ".join(f.get("statement", "") for f in note.get("facts", []))))
            continue
        url = note["url"].strip()
        target = by_url.setdefault(url, nid)
        if target != nid:
            aliases[nid] = target
        else:
            evidence[nid] = {
                "evidence_id": nid, "url": url, "outlet": note.get("outlet", "").strip(),
                "source_id": publishers.get(nid, ""),
                "original_agency": (note.get("original_agency") or "").strip(),
                "copy_or_original": note.get("copy_or_original", "original"),
                "published": (note.get("published") or "").strip(),
                "language": (note.get("language") or "").strip(),
                "title": (note.get("title") or "").strip(),
                "summary": _clean(note.get("summary")),
                "read_on": READ_ON_BY_TOPIC.get(topic, READ_ON),
            }
        for number, fact in enumerate(note.get("facts", []), start=1):
            facts.append({"fact_id": f"{nid}-{number}", "evidence_id": target, "key": fact.get("key", ""),
                          "statement": _clean(fact.get("statement")), "quote": _clean(fact.get("quote"))})
    return evidence, facts, aliases, unverified


def bank_pages(root: Path | None = None) -> set[str]:
    """Ids of the pages the assessment bank holds (the first column of bank/evidence.csv)."""
    with open((root or paths.REPO_ROOT) / "bank" / "evidence.csv", newline="", encoding="utf-8") as handle:
        return {row["evidence_id"] for row in csv.DictReader(handle)}


def _csv(fields: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def render(root: Path | None = None) -> dict[Path, str]:
    """The text of ``evidence.csv`` and ``evidence_facts.csv`` in ``data/`` and ``bank/``, built from the notes."""
    root = root or paths.REPO_ROOT
    evidence, facts, _, _ = build(root)
    banked = bank_pages(root)
    out = {}
    for folder, keep in (("data", lambda page: page not in banked), ("bank", lambda page: page in banked)):
        out[root / folder / "evidence.csv"] = _csv(EVIDENCE_FIELDS, (r for r in evidence.values() if keep(r["evidence_id"])))
        out[root / folder / "evidence_facts.csv"] = _csv(FACT_FIELDS, (f for f in facts if keep(f["evidence_id"])))
    return out


def main(argv: list[str] | None = None) -> int:
    """``--unverified``: the notes that found nothing; ``--aliases``: pages read twice, merged into their first id."""
    argv = list(sys.argv[1:] if argv is None else argv)
    evidence, facts, aliases, unverified = build()
    if "--unverified" in argv:
        for nid, text in unverified:
            print(nid, text)
    elif "--aliases" in argv:
        print(json.dumps(aliases, indent=1))
    else:
        print(f"{len(evidence)} evidence rows, {len(facts)} facts, {len(aliases)} pages read twice merged, "
              f"{len(unverified)} unverified notes; `python -m course build` writes the tables")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
