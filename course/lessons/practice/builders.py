"""One builder per question kind: each reads a spec's rows from the data package and returns the question's parts."""

from __future__ import annotations

import datetime as dt
import re

from course.evidence import data
from course.lessons.practice.labels import (
    CITATION_KIND_LABELS, CLAIM_TYPE_CHOICES, COMPARISON_LABELS, COPY_OR_ORIGINAL_LABELS, SOURCE_FIELD_PROMPTS,
    WEAKNESS_LABELS,
)
from course.lessons.widgets.common import LANGUAGE_NAMES, RELATION_LABELS, VERDICT_DISPLAY


def _rows(table: str, key: str) -> dict[str, dict]:
    return {row[key]: row for row in data.table(table).to_dict("records")}


def _row(table: str, key: str, ident: str) -> dict:
    rows = _rows(table, key)
    if ident not in rows:
        raise KeyError(f"{table}.csv has no row {ident!r}")
    return rows[ident]


def _format_date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def unique(values) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def _prompt(spec: dict, default: str, fields: dict) -> str:
    return spec.get("prompt", default).format(**fields)


def _claim_verdict(spec: dict) -> dict:
    row = _row("claims", "claim_id", spec["claim_id"])
    return {
        "prompt": _prompt(spec, "The document says: “{exact}”. What verdict does the kit's fact-check give this claim?", row),
        "choices": tuple(label for _, label in VERDICT_DISPLAY.values()),
        "answer": VERDICT_DISPLAY[row["verdict"]][1],
        "explanation": f"{row['claim_id']} ({row['claim_type']}): {row['rating_explanation']}",
        "refs": (row["claim_id"], *data.split_ids(row["evidence_ids"])),
    }


def _claim_type(spec: dict) -> dict:
    row = _row("claims", "claim_id", spec["claim_id"])
    return {
        "prompt": _prompt(spec, "What type of claim is this, in the kit's vocabulary? “{exact}”", row),
        "choices": tuple(CLAIM_TYPE_CHOICES.values()),
        "answer": CLAIM_TYPE_CHOICES[row["claim_type"]],
        "explanation": f"The kit classes {row['claim_id']} as “{row['claim_type']}”. In neutral words: {row['claim_text']}",
        "refs": (row["claim_id"],),
    }


def _event_date(spec: dict) -> dict:
    """The record's date of an event, against the date the document prints and another event's date."""
    from course.document.dates import parse_document_date

    claim = _row("claims", "claim_id", spec["claim_id"])
    event = _row("events", "event_id", spec["event_id"])
    other = _row("events", "event_id", spec["other_event_id"])
    printed = re.search(r"\d{1,2}/\d{1,2}/\d{4}", claim["exact"])
    if printed is None:
        raise ValueError(f"question {spec['id']}: claim {claim['claim_id']} prints no D/M/YYYY date")
    candidates = sorted({event["date"], parse_document_date(printed.group(0)), other["date"]})
    return {
        "prompt": _prompt(spec, "The document says: “{exact}”. When did this happen, according to the record?", claim),
        "choices": tuple(_format_date(d) for d in candidates),
        "answer": _format_date(event["date"]),
        "explanation": f"{claim['rating_explanation']} (Timeline {event['event_id']}: {event['title']}.)",
        "refs": (claim["claim_id"], *unique(data.split_ids(claim["evidence_ids"]) + data.split_ids(event["evidence_ids"]))),
    }


def _citation_comparison(spec: dict) -> dict:
    row = _row("citations", "citation_id", spec["citation_id"])
    claims = [c["claim_id"] for c in data.claims().to_dict("records") if c["citation_id"] == row["citation_id"]]
    date = f" ({row['date_as_printed']})" if row["date_as_printed"] else ""
    default = ("The document cites “{outlet_as_printed}”" + date + " for this: {attributed_content} "
               "The kit's desk traced it to: {original_outlet}. How does the document's rendering compare with the original?")
    return {
        "prompt": _prompt(spec, default, row),
        "choices": tuple(COMPARISON_LABELS.values()),
        "answer": COMPARISON_LABELS[row["comparison"]],
        "explanation": f"Citation {row['citation_id']}: {row['notes']}",
        "refs": (*claims, *data.split_ids(row["evidence_ids"])),
    }


def _source_field(spec: dict) -> dict:
    row = _row("sources", "source_id", spec["source_id"])
    name_field = spec["field"]
    if name_field not in SOURCE_FIELD_PROMPTS:
        raise ValueError(f"question {spec['id']}: unknown source field {name_field!r}; valid: {', '.join(SOURCE_FIELD_PROMPTS)}")

    def show(value: str) -> str:
        return value.replace("_", " ") if name_field == "source_type" else value

    cited = [r for r in data.sources().to_dict("records") if r["cited_in_document"] and r["source_id"] != row["source_id"]]
    others = [v for v in unique(r[name_field] for r in cited) if v != row[name_field]][:3]
    choices = sorted(show(v) for v in [row[name_field], *others])
    explanation = (f"{row['name']}: {row['source_type'].replace('_', ' ')}, based in {row['country'] or 'a country not found'}; "
                   f"ownership: {row['ownership']}.")
    if row["notes"]:
        explanation += f" {row['notes']}"
    return {
        "prompt": _prompt(spec, SOURCE_FIELD_PROMPTS[name_field], row),
        "choices": tuple(choices),
        "answer": show(row[name_field]),
        "explanation": explanation,
        "refs": tuple(data.split_ids(row["evidence_ids"])),
    }


def _quote_relation(spec: dict) -> dict:
    pairs = {p["pair_id"]: p for p in data.quote_comparisons().to_dict("records")}
    if spec["pair_id"] not in pairs:
        raise KeyError(f"quote_pairs.csv has no row {spec['pair_id']!r}")
    pair = pairs[spec["pair_id"]]
    fields = {**pair, "language": LANGUAGE_NAMES.get(pair["original_language"], pair["original_language"])}
    default = ("The document prints: “{document_text}”. The nearest original wording found ({outlet}, in {language}): "
               "“{original_text}”. How do the document's words relate to the original?")
    return {
        "prompt": _prompt(spec, default, fields),
        "choices": tuple(RELATION_LABELS.values()),
        "answer": RELATION_LABELS[pair["relation"]],
        "explanation": f"{pair['pair_id']} (claim {pair['claim_id']}): {pair['note']}",
        "refs": (pair["claim_id"], pair["evidence_id"]),
    }


def _argument_weakness(spec: dict) -> dict:
    row = _row("arguments", "argument_id", spec["argument_id"])
    listed = data.split_ids(row["reasoning_weaknesses"])
    if not listed:
        raise ValueError(f"question {spec['id']}: argument {row['argument_id']} lists no reasoning weakness")
    right = spec.get("weakness", listed[0])
    if right not in listed:
        raise ValueError(f"question {spec['id']}: argument {row['argument_id']} does not list {right!r}; it lists {', '.join(listed)}")
    distractors = [w for w in WEAKNESS_LABELS if w not in listed][:3]
    choices = [WEAKNESS_LABELS[w] for w in WEAKNESS_LABELS if w == right or w in distractors]
    default = "Argument {argument_id}: “{conclusion}” Which of these reasoning weaknesses does the kit find in it?"
    return {
        "prompt": _prompt(spec, default, row),
        "choices": tuple(choices),
        "answer": WEAKNESS_LABELS[right],
        "explanation": (f"{row['weakness_explanation']} The kit lists: {', '.join(w.replace('_', ' ') for w in listed)}. "
                        f"Alternative explanations from the record: {row['alternative_explanations']}"),
        "refs": (row["conclusion_claim_id"], *data.split_ids(row["premise_claim_ids"]), *data.split_ids(row["alternative_evidence_ids"])),
    }


def _event_mentioned(spec: dict) -> dict:
    row = _row("events", "event_id", spec["event_id"])
    fields = {**row, "date": _format_date(row["date"])}
    mentioned = bool(row["mentioned_in_document"])
    return {
        "prompt": _prompt(spec, "Does the document mention this event: {title} ({date})?", fields),
        "choices": ("Yes", "No"),
        "answer": "Yes" if mentioned else "No",
        "explanation": (f"{row['description']} (The kit's timeline, {row['event_id']}, records it as "
                        f"{'mentioned' if mentioned else 'not mentioned'} in the document.)"),
        "refs": (*data.split_ids(row["claim_ids"]), *data.split_ids(row["evidence_ids"])),
    }



def _citation_kind(spec: dict) -> dict:
    """What kind of attribution a citation is (course.document.citations), with the desk's notes on it."""
    from course.document.citations import citations

    found = {c.citation_id: c for c in citations()}
    if spec["citation_id"] not in found:
        raise KeyError(f"no citation {spec['citation_id']!r}; the document has {', '.join(found)}")
    citation = found[spec["citation_id"]]
    row = _row("citations", "citation_id", citation.citation_id)
    claims = [c["claim_id"] for c in data.claims().to_dict("records") if c["citation_id"] == citation.citation_id]
    return {
        "prompt": _prompt(spec, "Read this attribution from the document: [{marker}]. What kind of attribution is this?", {"marker": citation.marker}),
        "choices": tuple(CITATION_KIND_LABELS.values()),
        "answer": CITATION_KIND_LABELS[citation.kind],
        "explanation": f"Citation {citation.citation_id} ({row['status']}): {row['notes']}",
        "refs": (*claims, *data.split_ids(row["evidence_ids"])),
    }


def _event_pick(spec: dict, test, criterion: str) -> tuple[list[dict], dict]:
    """The events of a spec and the single one that passes ``test``."""
    rows = [_row("events", "event_id", eid) for eid in spec["event_ids"]]
    passing = [r for r in rows if test(r)]
    if len(passing) != 1:
        raise ValueError(f"question {spec['id']}: exactly one of {spec['event_ids']} must be {criterion}; found {len(passing)}")
    return rows, passing[0]


def _event_not_mentioned(spec: dict) -> dict:
    rows, omitted = _event_pick(spec, lambda r: not r["mentioned_in_document"], "left out of the document")
    return {
        "prompt": _prompt(spec, "All of these happened. Which one does the document not mention?", {}),
        "choices": tuple(f"{r['title']} ({_format_date(r['date'])})" for r in rows),
        "answer": f"{omitted['title']} ({_format_date(omitted['date'])})",
        "explanation": " ".join(f"{r['title']}: {'mentioned' if r['mentioned_in_document'] else 'not mentioned'}." for r in rows)
                       + f" {omitted['description']}",
        "refs": tuple(unique(eid for r in rows for eid in data.split_ids(r["evidence_ids"]))),
    }


def _evidence_copy(spec: dict) -> dict:
    row = _row("evidence", "evidence_id", spec["evidence_id"])
    labels = COPY_OR_ORIGINAL_LABELS
    agency = f" It carries a story by {row['original_agency']}." if row["original_agency"] else ""
    return {
        "prompt": _prompt(spec, "Is the page {evidence_id} from {outlet} an original or a copy?", row),
        "choices": tuple(labels.values()),
        "answer": labels[row["copy_or_original"]],
        "explanation": f"evidence.csv records {row['evidence_id']} ({row['outlet']}) as “{row['copy_or_original']}”.{agency} {row['summary']}",
        "refs": (row["evidence_id"],),
    }


def _event_after(spec: dict) -> dict:
    from course.document import dateline_date, load_document

    document = load_document()
    published = dateline_date(document)
    rows, later = _event_pick(spec, lambda r: r["date"] > published, "after the dateline")
    return {
        "prompt": _prompt(spec, "The document is dated {dateline}. Which of these events happened after that date?",
                          {"dateline": document.dateline_ce}),
        "choices": tuple(r["title"] for r in rows),
        "answer": later["title"],
        "explanation": ("The dateline is read day first: " + _format_date(published) + ". "
                        + "; ".join(f"{r['title']}: {_format_date(r['date'])}" for r in rows) + "."),
        "refs": tuple(unique(eid for r in rows for eid in data.split_ids(r["evidence_ids"]))),
    }


def _event_outcome(spec: dict) -> dict:
    """What followed, told by the kit's timeline: the spec gives the choices and the answer; the events give the record.

    For questions whose choices are not event titles (e.g. "which outside power gained?"): the explanation is
    the descriptions of ``event_ids``, so every fact in it comes from ``events.csv`` and its pages.
    """
    rows = [_row("events", "event_id", ident) for ident in spec["event_ids"]]
    choices = tuple(spec["choices"])
    return {
        "prompt": spec["prompt"],
        "choices": choices,
        "answer": choices[spec["answer"]],
        "explanation": " ".join(f"{_format_date(r['date'])}, {r['title']}: {r['description']}" for r in rows),
        "refs": tuple(unique(eid for r in rows for eid in data.split_ids(r["evidence_ids"]))),
    }


def _force_number(spec: dict) -> dict:
    row = _row("forces", "force_id", spec["force_id"])
    side = spec.get("side", "document")
    if side not in ("document", "record"):
        raise ValueError(f"question {spec['id']}: side must be 'document' or 'record', not {side!r}")
    value = row["document_personnel"] if side == "document" else row["record_personnel"]
    if value is None or value != value:
        raise ValueError(f"question {spec['id']}: forces row {row['force_id']} has no {side} figure")
    document_figure = row["document_personnel"]
    has_document_figure = document_figure is not None and document_figure == document_figure  # pandas NA-safe
    fields = {**row, "document_personnel": f"{int(document_figure):,}" if has_document_figure else "no figure"}
    if side == "document":
        default = "Mission: {mission}; contributor: {contributor}. What figure does the document give? Answer with a number."
    else:
        default = ("Mission: {mission}; contributor: {contributor}. The document gives about {document_personnel}. "
                   "What figure does the record give (it counts: {record_basis})? Answer with a number.")
    return {
        "prompt": _prompt(spec, default, fields),
        "answer": f"{int(value):,}",
        "accepted": (str(int(value)),),
        "explanation": f"The document says: {row['document_says']} The record: {row['record_says']}",
        "refs": (*data.split_ids(row["claim_ids"]), *data.split_ids(row["evidence_ids"])),
    }


def _evidence_language(spec: dict) -> dict:
    row = _row("evidence", "evidence_id", spec["evidence_id"])
    choices = unique(LANGUAGE_NAMES[code] for code in ("en", "fr", "ar", "tr"))
    answer = LANGUAGE_NAMES.get(row["language"], row["language"])
    if answer not in choices:
        choices.append(answer)
    title = f" under the title “{row['title']}”" if row["title"] else ""
    return {
        "prompt": _prompt(spec, "In what language is this page: {outlet}?", row),
        "choices": tuple(choices),
        "answer": answer,
        "explanation": f"{row['outlet']} carries it{title}. {row['summary']}",
        "refs": (row["evidence_id"],),
    }


def _dateline(spec: dict) -> dict:
    """The CE date of the dateline, read day first, against the month-first misreading and the coup's date.

    The spec names the coup event and the provenance pages (``evidence_ids``).
    """
    from course.document import dateline_date, load_document

    document = load_document()
    published = dateline_date(document)
    candidates = {published}
    try:
        candidates.add(dt.date(published.year, published.day, published.month))  # read month first by mistake
    except ValueError:
        pass
    coup = _row("events", "event_id", spec["coup_event_id"])
    candidates.add(coup["date"])
    provenance = spec["evidence_ids"]
    return {
        "prompt": _prompt(spec, "The document ends with two dates: “{hijri}” and “{ce}”. Which day does the CE date stand for?",
                          {"hijri": document.dateline_hijri, "ce": document.dateline_ce}),
        "choices": tuple(_format_date(d) for d in sorted(candidates)),
        "answer": _format_date(published),
        "explanation": (f"The first date is in the Hijri calendar (AH), the second in the Common Era (CE). The document "
                        f"writes dates day first (D/M/YYYY), so {document.dateline_ce} is {_format_date(published)}. The "
                        "stored copies of the English and Arabic pages did not show the dateline, so this date rests on "
                        "the document itself."),
        "refs": tuple(provenance),
    }


def _concept(spec: dict) -> dict:
    choices = tuple(spec["choices"])
    return {
        "prompt": spec["prompt"],
        "choices": choices,
        "answer": choices[spec["answer"]],
        "explanation": spec["explanation"],
        "refs": tuple(spec.get("refs", ())),
        "factual": False,
    }


BUILDERS = {
    "claim_verdict": _claim_verdict,
    "claim_type": _claim_type,
    "event_date": _event_date,
    "citation_comparison": _citation_comparison,
    "source_field": _source_field,
    "quote_relation": _quote_relation,
    "argument_weakness": _argument_weakness,
    "event_mentioned": _event_mentioned,
    "event_after": _event_after,
    "event_outcome": _event_outcome,
    "event_not_mentioned": _event_not_mentioned,
    "citation_kind": _citation_kind,
    "evidence_copy": _evidence_copy,
    "force_number": _force_number,
    "evidence_language": _evidence_language,
    "dateline": _dateline,
    "concept": _concept,
}


