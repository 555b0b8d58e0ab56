"""One builder per question kind: each reads a spec's rows from the data package and returns the question's parts."""

from __future__ import annotations

import datetime as dt
import re

from course.evidence import data, vocabulary
from course.lessons import content
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


def _prompt(spec: dict, kind: str, fields: dict) -> str:
    """The spec's own prompt, or the default prompt of its kind (practice.toml ``[prompts]``), filled from ``fields``."""
    return spec.get("prompt", content.load("practice.toml")["prompts"][kind]).format(**fields)


def _explain(key: str, /, **fields) -> str:
    """An explanation template of practice.toml (``[explanations]``), filled from the data."""
    template = content.load("practice.toml")["explanations"][key]
    return template.format(**fields) if fields else template


def _claim_verdict(spec: dict) -> dict:
    row = _row("claims", "claim_id", spec["claim_id"])
    return {
        "prompt": _prompt(spec, "claim_verdict", row),
        "choices": tuple(label for _, label in VERDICT_DISPLAY.values()),
        "answer": VERDICT_DISPLAY[row["verdict"]][1],
        "explanation": f"{row['claim_id']} ({row['claim_type']}): {row['rating_explanation']}",
        "refs": (row["claim_id"], *data.split_ids(row["evidence_ids"])),
    }


def _claim_type(spec: dict) -> dict:
    row = _row("claims", "claim_id", spec["claim_id"])
    return {
        "prompt": _prompt(spec, "claim_type", row),
        "choices": tuple(CLAIM_TYPE_CHOICES.values()),
        "answer": CLAIM_TYPE_CHOICES[row["claim_type"]],
        "explanation": _explain("claim_type", **row),
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
        "prompt": _prompt(spec, "event_date", claim),
        "choices": tuple(_format_date(d) for d in candidates),
        "answer": _format_date(event["date"]),
        "explanation": _explain("event_date", rating_explanation=claim["rating_explanation"], event_id=event["event_id"], title=event["title"]),
        "refs": (claim["claim_id"], *unique(data.split_ids(claim["evidence_ids"]) + data.split_ids(event["evidence_ids"]))),
    }


def _citation_comparison(spec: dict) -> dict:
    row = _row("citations", "citation_id", spec["citation_id"])
    claims = [c["claim_id"] for c in data.claims().to_dict("records") if c["citation_id"] == row["citation_id"]]
    date = f" ({row['date_as_printed']})" if row["date_as_printed"] else ""
    return {
        "prompt": _prompt(spec, "citation_comparison", {**row, "printed_date": date}),
        "choices": tuple(COMPARISON_LABELS.values()),
        "answer": COMPARISON_LABELS[row["comparison"]],
        "explanation": _explain("citation_comparison", citation_id=row["citation_id"], notes=row["notes"]),
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
    explanation = _explain("source_field", name=row["name"], source_type=row["source_type"].replace("_", " "),
                           country=row["country"] or _explain("no_country"), ownership=row["ownership"])
    if row["notes"]:
        explanation += f" {row['notes']}"
    return {
        "prompt": spec.get("prompt", SOURCE_FIELD_PROMPTS[name_field]).format(**row),
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
    return {
        "prompt": _prompt(spec, "quote_relation", fields),
        "choices": tuple(RELATION_LABELS.values()),
        "answer": RELATION_LABELS[pair["relation"]],
        "explanation": _explain("quote_relation", pair_id=pair["pair_id"], claim_id=pair["claim_id"], note=pair["note"]),
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
    return {
        "prompt": _prompt(spec, "argument_weakness", row),
        "choices": tuple(choices),
        "answer": WEAKNESS_LABELS[right],
        "explanation": _explain("argument_weakness", weakness_explanation=row["weakness_explanation"],
                                listed=", ".join(vocabulary.WEAKNESSES[w].in_sentence for w in listed),
                                alternatives=row["alternative_explanations"]),
        "refs": (row["conclusion_claim_id"], *data.split_ids(row["premise_claim_ids"]), *data.split_ids(row["alternative_evidence_ids"])),
    }


def _event_mentioned(spec: dict) -> dict:
    row = _row("events", "event_id", spec["event_id"])
    fields = {**row, "date": _format_date(row["date"])}
    mentioned = bool(row["mentioned_in_document"])
    return {
        "prompt": _prompt(spec, "event_mentioned", fields),
        "choices": (_explain("yes"), _explain("no")),
        "answer": _explain("yes") if mentioned else _explain("no"),
        "explanation": _explain("event_mentioned", description=row["description"], event_id=row["event_id"],
                                mentioned=_explain("mentioned" if mentioned else "not_mentioned")),
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
        "prompt": _prompt(spec, "citation_kind", {"marker": citation.marker}),
        "choices": tuple(CITATION_KIND_LABELS.values()),
        "answer": CITATION_KIND_LABELS[citation.kind],
        "explanation": _explain("citation_kind", citation_id=citation.citation_id, status=row["status"], notes=row["notes"]),
        "refs": (*claims, *data.split_ids(row["evidence_ids"])),
    }


def _event_pick(spec: dict, test) -> tuple[list[dict], list[dict]]:
    """The events of a spec and those that pass ``test`` (the caller requires exactly one)."""
    rows = [_row("events", "event_id", eid) for eid in spec["event_ids"]]
    return rows, [r for r in rows if test(r)]


def _event_not_mentioned(spec: dict) -> dict:
    rows, passing = _event_pick(spec, lambda r: not r["mentioned_in_document"])
    if len(passing) != 1:
        raise ValueError(f"question {spec['id']}: exactly one of {spec['event_ids']} must be left out of the document; found {len(passing)}")
    omitted = passing[0]
    return {
        "prompt": _prompt(spec, "event_not_mentioned", {}),
        "choices": tuple(_explain("event_choice", title=r["title"], date=_format_date(r["date"])) for r in rows),
        "answer": _explain("event_choice", title=omitted["title"], date=_format_date(omitted["date"])),
        "explanation": " ".join(_explain("event_mention", title=r["title"],
                                         mentioned=_explain("mentioned" if r["mentioned_in_document"] else "not_mentioned")) for r in rows)
                       + f" {omitted['description']}",
        "refs": tuple(unique(eid for r in rows for eid in data.split_ids(r["evidence_ids"]))),
    }


def _evidence_copy(spec: dict) -> dict:
    row = _row("evidence", "evidence_id", spec["evidence_id"])
    labels = COPY_OR_ORIGINAL_LABELS
    agency = _explain("evidence_agency", agency=row["original_agency"]) if row["original_agency"] else ""
    return {
        "prompt": _prompt(spec, "evidence_copy", row),
        "choices": tuple(labels.values()),
        "answer": labels[row["copy_or_original"]],
        "explanation": _explain("evidence_copy", evidence_id=row["evidence_id"], outlet=row["outlet"],
                                copy_or_original=row["copy_or_original"], agency=agency, summary=row["summary"]),
        "refs": (row["evidence_id"],),
    }


def _event_after(spec: dict) -> dict:
    from course.document import dateline_date, load_document

    document = load_document()
    published = dateline_date(document)
    rows, passing = _event_pick(spec, lambda r: r["date"] > published)
    if len(passing) != 1:
        raise ValueError(f"question {spec['id']}: exactly one of {spec['event_ids']} must be after the dateline; found {len(passing)}")
    later = passing[0]
    return {
        "prompt": _prompt(spec, "event_after", {"dateline": document.dateline_ce}),
        "choices": tuple(r["title"] for r in rows),
        "answer": later["title"],
        "explanation": _explain("event_after", date=_format_date(published),
                                events="; ".join(_explain("event_dated", title=r["title"], date=_format_date(r["date"])) for r in rows)),
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
        "explanation": " ".join(_explain("event_outcome", date=_format_date(r["date"]), title=r["title"], description=r["description"])
                                for r in rows),
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
    fields = {**row, "document_personnel": f"{int(document_figure):,}" if has_document_figure else _explain("no_figure")}
    return {
        "prompt": _prompt(spec, f"force_number_{side}", fields),
        "answer": f"{int(value):,}",
        "accepted": (str(int(value)),),
        "explanation": _explain("force_number", document_says=row["document_says"], record_says=row["record_says"]),
        "refs": (*data.split_ids(row["claim_ids"]), *data.split_ids(row["evidence_ids"])),
    }


def _evidence_language(spec: dict) -> dict:
    row = _row("evidence", "evidence_id", spec["evidence_id"])
    choices = unique(LANGUAGE_NAMES[code] for code in ("en", "fr", "ar", "tr"))
    answer = LANGUAGE_NAMES.get(row["language"], row["language"])
    if answer not in choices:
        choices.append(answer)
    title = _explain("evidence_title", title=row["title"]) if row["title"] else ""
    return {
        "prompt": _prompt(spec, "evidence_language", row),
        "choices": tuple(choices),
        "answer": answer,
        "explanation": _explain("evidence_language", outlet=row["outlet"], title=title, summary=row["summary"]),
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
        "prompt": _prompt(spec, "dateline", {"hijri": document.dateline_hijri, "ce": document.dateline_ce}),
        "choices": tuple(_format_date(d) for d in sorted(candidates)),
        "answer": _format_date(published),
        "explanation": _explain("dateline", ce=document.dateline_ce, date=_format_date(published)),
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


