"""Formative "check yourself" questions for the lessons, with immediate feedback.

Questions are data: :data:`QUESTION_SPECS` is a list of dicts, one per
question. A spec names a question *kind* and the rows it is about (a claim
id, a citation id, an event id, ...); :func:`build_question` then reads the
prompt's facts, the choices, the right answer and the explanation from the
kit's tables, so no date, name or number is typed here and every factual
answer is traceable: ``Question.refs`` lists the claim ids and evidence ids
(pages with URLs) it rests on. Only the ``concept`` kind (how to check, not
what happened) carries its own text, and it states no fact about the case.

Kinds and what they read:

=======================  ==================================================
``claim_verdict``        claims.csv: the verdict and its explanation
``claim_type``           claims.csv: the claim type
``event_date``           claims.csv + events.csv: the document's date vs the record's
``citation_comparison``  citations.csv: how the rendering compares with the original
``citation_kind``        course.document.citations: what kind of attribution a citation is
``source_field``         sources.csv: country, type or ownership of an outlet
``quote_relation``       quote_pairs.csv: how a quotation relates to its original
``argument_weakness``    arguments.csv: a reasoning weakness the kit finds
``event_mentioned``      events.csv: whether the document mentions an event
``event_after``          events.csv: which event came after the dateline
``event_not_mentioned``  events.csv: which event the document leaves out
``evidence_copy``        evidence.csv: whether a page is an original or a copy
``force_number``         forces.csv: a troop figure (short answer)
``evidence_language``    evidence.csv: the language of a page
``dateline``             the document's own dateline
``concept``              the spec's own choices (method, not facts)
=======================  ==================================================

>>> [q.question_id for q in questions_for("04")][:2]
['04-names', '04-numbers']

:func:`ask` shows a question as a widget (RadioButtons or a text box, a Check
button, feedback) with a static fallback whose answer sits in a collapsed
``<details>``. Feedback says whether the answer matches and always explains
why, in neutral words, with the evidence links.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from course.evidence import data
from course.lessons.widgets import (
    LANGUAGE_NAMES,
    RELATION_LABELS,
    STYLE,
    VERDICT_DISPLAY,
    StaticFallbackView,
    escape_text,
    evidence_list_html,
    static_page,
)

#: Lesson ids and topics.
LESSONS = {
    "00": "Start here: SIFT and lateral reading",
    "01": "Meet the document: genre, date, publisher, audience",
    "02": "Citations: who is cited, and who they are",
    "03": "Checkable claims and verdicts",
    "04": "Names, dates and numbers",
    "05": "Quotations in context",
    "06": "How the argument is built",
    "07": "What is left out",
    "08": "What happened next",
}

#: Meaning of each claim type (data/README.md).
CLAIM_TYPE_MEANINGS = {
    "date": "when something happened",
    "number": "a count, size or figure",
    "name": "a name or title",
    "quotation": "words presented as someone's own",
    "attribution": "who said or did something",
    "membership": "who belongs to what",
    "event": "what happened",
    "inference": "a conclusion the document draws",
    "prediction": "a claim about aims or what will happen",
}

#: How a citation's rendering compares with the original (data/README.md).
COMPARISON_LABELS = {
    "faithful": "Faithful: the words or facts match the original",
    "paraphrased": "Paraphrased: the substance matches but the wording, date or framing is the document's own",
    "truncated": "Truncated: part of the original is cut in a way that changes what it says",
    "altered_meaning": "Altered meaning: the rendering draws a meaning the original does not support",
    "misattributed": "Misattributed: the words exist but belong to another speaker or outlet",
    "not_found": "Not found: no original or copy of the cited report was found",
}

#: Reasoning weaknesses (data/README.md), in the README's order.
WEAKNESS_LABELS = {
    "unsupported_premise": "Unsupported premise: a premise the record does not support, or contradicts",
    "misattributed_evidence": "Misattributed evidence: presented as coming from a source that did not say it",
    "cherry_picking": "Cherry-picking: evidence that points the other way is left out",
    "hasty_generalisation": "Hasty generalisation: a broad conclusion from one or two instances",
    "post_hoc": "Post hoc: because B followed A, A caused B",
    "appeal_to_motive": "Appeal to motive: who did something is inferred from who would gain",
    "argument_from_silence": "Argument from silence: something not said is read as proof",
    "circular_self_citation": "Circular self-citation: the author's own earlier claim cited as evidence for the same claim",
    "equivocation": "Equivocation: a word shifts meaning between premise and conclusion",
    "false_dilemma": "False dilemma: only two explanations are allowed when there are more",
    "unfalsifiable": "Unfalsifiable: framed so that any outcome would confirm it",
}

SOURCE_FIELD_PROMPTS = {
    "country": "Where is {name} based?",
    "source_type": "What kind of source is {name}?",
    "ownership": "How is {name} owned or funded?",
}

#: The questions, as data. ``prompt`` (optional) may use the fields of the row
#: the question is about, e.g. ``{exact}`` for a claim.
QUESTION_SPECS: tuple[dict, ...] = (
    # 00 Start: SIFT
    {"id": "00-sift-moves", "lesson": "00", "kind": "concept",
     "prompt": "SIFT is a routine for checking what you read. What does its first move, S, ask you to do?",
     "choices": ["Stop: notice your reaction and ask what you know about the source before reading on or sharing",
                 "Share the text with others to see what they think",
                 "Skim the text for its strongest sentence",
                 "Summarise the text in one line"],
     "answer": 0,
     "explanation": "S is Stop: pause before reacting or sharing and ask whether you know the source. "
                    "The other moves are Investigate the source, Find better coverage and Trace claims to their original context."},
    {"id": "00-lateral-reading", "lesson": "00", "kind": "concept",
     "prompt": "You want to know who is behind a website. What does reading laterally mean?",
     "choices": ["Leaving the page and checking what other, independent sources say about it",
                 "Reading the site's own 'About us' page carefully",
                 "Reading the whole text slowly from top to bottom",
                 "Counting how many sources the text cites"],
     "answer": 0,
     "explanation": "Fact-checkers open new tabs and see what others say about a source; a site's description of itself "
                    "is also a claim to check. data/README.md shows how the kit traced the document's publisher this way."},
    # 01 Meet the document
    {"id": "01-genre", "lesson": "01", "kind": "source_field", "source_id": "S008", "field": "source_type",
     "prompt": "The document is a question-and-answer piece in the “Answer to Question” series. What kind of source publishes it?"},
    # The dateline question compares the dateline with the coup's date (EV031); the
    # pages listed are the stored copies of the document, which did not show it.
    {"id": "01-dateline", "lesson": "01", "kind": "dateline", "coup_event_id": "EV031", "evidence_ids": ["PRO000", "PRO003"]},
    {"id": "01-original-language", "lesson": "01", "kind": "evidence_language", "evidence_id": "PRO003",
     "prompt": "The document you read is in English. In what language is the version on the publisher's own site?"},
    {"id": "01-audience", "lesson": "01", "kind": "concept",
     "prompt": "The document ends by calling on readers to work for the state it hopes for. What does an ending like this tell you about the text?",
     "choices": ["It is advocacy written to win readers over, so each of its facts needs checking",
                 "It is a neutral news report",
                 "It is an official government statement",
                 "It shows that every fact in it is false"],
     "answer": 0,
     "explanation": "A call to action marks a text written to persuade. That alone does not make any fact in it right or wrong; "
                    "it tells you to check each one, as the kit does in claims.csv."},
    # 02 Citations
    {"id": "02-citation-kinds", "lesson": "02", "kind": "citation_kind", "citation_id": "C02"},
    {"id": "02-trace", "lesson": "02", "kind": "citation_comparison", "citation_id": "C08"},
    {"id": "02-al-jazeera-country", "lesson": "02", "kind": "source_field", "source_id": "S003", "field": "country"},
    {"id": "02-anadolu-ownership", "lesson": "02", "kind": "source_field", "source_id": "S005", "field": "ownership"},
    # 03 Checkable claims and verdicts
    {"id": "03-claim-types", "lesson": "03", "kind": "claim_type", "claim_id": "K041"},
    {"id": "03-verdicts", "lesson": "03", "kind": "claim_verdict", "claim_id": "K065"},
    {"id": "03-verdict-us-condemnation", "lesson": "03", "kind": "claim_verdict", "claim_id": "K048"},
    # 04 Names, dates, numbers
    {"id": "04-names", "lesson": "04", "kind": "claim_verdict", "claim_id": "K037",
     "prompt": "The document names the head of the June 5 coalition: “{exact}”. What does the kit's check of this name find?"},
    {"id": "04-numbers", "lesson": "04", "kind": "force_number", "force_id": "F04", "side": "record"},
    {"id": "04-resolution-2071-date", "lesson": "04", "kind": "event_date", "claim_id": "K015", "event_id": "EV007",
     "other_event_id": "EV008",
     "prompt": "The document says: “{exact}”. On what date was this resolution adopted, according to the record?"},
    {"id": "04-barkhane-document-figure", "lesson": "04", "kind": "force_number", "force_id": "F01", "side": "document"},
    # 05 Quotations in context
    {"id": "05-summary-as-quote", "lesson": "05", "kind": "quote_relation", "pair_id": "Q04"},
    {"id": "05-truncation", "lesson": "05", "kind": "citation_comparison", "citation_id": "C06"},
    {"id": "05-changed-word", "lesson": "05", "kind": "quote_relation", "pair_id": "Q17"},
    # 06 Argument structure
    {"id": "06-weaknesses", "lesson": "06", "kind": "argument_weakness", "argument_id": "R03"},
    {"id": "06-falsifiability", "lesson": "06", "kind": "argument_weakness", "argument_id": "R05", "weakness": "unfalsifiable",
     "prompt": "Argument {argument_id}: “{conclusion}” Which weakness means that no outcome could count against it?"},
    {"id": "06-ecowas-mission-failed", "lesson": "06", "kind": "argument_weakness", "argument_id": "R04"},
    # 07 What is left out
    {"id": "07-omissions", "lesson": "07", "kind": "event_not_mentioned", "event_ids": ["EV035", "EV040", "EV036"]},
    {"id": "07-alternatives", "lesson": "07", "kind": "claim_verdict", "claim_id": "K040",
     "prompt": "The document says “{exact}”. What verdict can the kit give this, and what does the record document about the protests' causes?"},
    {"id": "07-operation-serval", "lesson": "07", "kind": "event_mentioned", "event_id": "EV009"},
    {"id": "07-unsc-condemnation", "lesson": "07", "kind": "event_mentioned", "event_id": "EV041"},
    # 08 What happened next
    {"id": "08-what-next", "lesson": "08", "kind": "event_after", "event_ids": ["EV021", "EV036", "EV069"]},
    {"id": "08-kit-sources", "lesson": "08", "kind": "evidence_copy", "evidence_id": "CIT017",
     "prompt": "For the US suspension of military cooperation, the kit relies on a page from {outlet} ({evidence_id}). Is that page the original publisher's story or a copy?"},
    {"id": "08-prediction-expel-europeans", "lesson": "08", "kind": "claim_verdict", "claim_id": "K057",
     "prompt": "The document predicts: “{exact}”. Looking at what happened after 2020, what does the kit's check find?"},
    {"id": "08-transition", "lesson": "08", "kind": "event_after", "event_ids": ["EV027", "EV053", "EV031"]},
)

#: The same questions by id (notebooks call ``ask(id)``; a test checks every id they use is here).
QUESTIONS: dict[str, dict] = {spec["id"]: spec for spec in QUESTION_SPECS}


@dataclass(frozen=True)
class Question:
    """A built question.

    ``kind`` is ``choice`` (pick one of ``choices``) or ``short`` (type an
    answer; ``accepted`` lists the accepted forms). ``refs`` are the claim
    ids and evidence ids the answer rests on (empty for method questions,
    where ``factual`` is False).
    """

    question_id: str
    lesson: str
    kind: str
    prompt: str
    answer: str
    explanation: str
    choices: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    factual: bool = True
    source_kind: str = ""

    @property
    def evidence_ids(self) -> list[str]:
        """The refs that are evidence pages (the rest are claim ids)."""
        return [ref for ref in self.refs if not re.fullmatch(r"K\d+", ref)]

    @property
    def claim_ids(self) -> list[str]:
        return [ref for ref in self.refs if re.fullmatch(r"K\d+", ref)]


# ---------------------------------------------------------------------------
# Building questions from the data
# ---------------------------------------------------------------------------


def _rows(table: str, key: str) -> dict[str, dict]:
    return {row[key]: row for row in data.table(table).to_dict("records")}


def _row(table: str, key: str, ident: str) -> dict:
    rows = _rows(table, key)
    if ident not in rows:
        raise KeyError(f"{table}.csv has no row {ident!r}")
    return rows[ident]


def _format_date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _unique(values) -> list[str]:
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
        "choices": tuple(f"{name}: {meaning}" for name, meaning in CLAIM_TYPE_MEANINGS.items()),
        "answer": f"{row['claim_type']}: {CLAIM_TYPE_MEANINGS[row['claim_type']]}",
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
        "refs": (claim["claim_id"], *_unique(data.split_ids(claim["evidence_ids"]) + data.split_ids(event["evidence_ids"]))),
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
    others = [v for v in _unique(r[name_field] for r in cited) if v != row[name_field]][:3]
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


#: Kinds of attribution found by course.document.citations, in the words shown to students.
CITATION_KIND_LABELS = {
    "parenthetical": "An outlet and a date in brackets after the quoted words",
    "reported_by": "'According to what was reported by' an outlet",
    "social_media": "A post on social media",
    "self_citation": "The publisher citing its own earlier text",
    "website": "A website's report",
    "anonymous": "An anonymous official",
    "unnamed": "Unnamed news agencies",
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
        "refs": tuple(_unique(eid for r in rows for eid in data.split_ids(r["evidence_ids"]))),
    }


def _evidence_copy(spec: dict) -> dict:
    row = _row("evidence", "evidence_id", spec["evidence_id"])
    labels = {"original": "The publisher's own original story", "copy": "A copy of another outlet's story (syndicated, reposted or mirrored)"}
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
        "refs": tuple(_unique(eid for r in rows for eid in data.split_ids(r["evidence_ids"]))),
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
    choices = _unique(LANGUAGE_NAMES[code] for code in ("en", "fr", "ar", "tr"))
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
    "event_not_mentioned": _event_not_mentioned,
    "citation_kind": _citation_kind,
    "evidence_copy": _evidence_copy,
    "force_number": _force_number,
    "evidence_language": _evidence_language,
    "dateline": _dateline,
    "concept": _concept,
}


def build_question(spec: dict) -> Question:
    """Turn one spec of :data:`QUESTION_SPECS` into a :class:`Question`, reading the facts from the data."""
    kind = spec.get("kind")
    if kind not in BUILDERS:
        raise ValueError(f"question {spec.get('id')!r} has unknown kind {kind!r}; valid kinds: {', '.join(BUILDERS)}")
    built = BUILDERS[kind](spec)
    refs = tuple(_unique(built.pop("refs", ())))
    factual = built.pop("factual", True)
    return Question(
        question_id=spec["id"],
        lesson=spec["lesson"],
        kind="short" if "accepted" in built else "choice",
        refs=refs,
        factual=factual,
        source_kind=kind,
        **built,
    )


def lesson_id(lesson) -> str:
    """Normalise a lesson id: 3, '3' or '03' -> '03'; ValueError naming the valid ids otherwise."""
    text = str(lesson).strip()
    if text.isdigit() and f"{int(text):02d}" in LESSONS:
        return f"{int(text):02d}"
    raise ValueError(f"unknown lesson {lesson!r}; valid lessons: {', '.join(LESSONS)}")


def all_questions() -> list[Question]:
    """Every question, built from the current data."""
    return [build_question(spec) for spec in QUESTION_SPECS]


def questions_for(lesson) -> list[Question]:
    """The questions of one lesson ('00'-'08'), in order."""
    wanted = lesson_id(lesson)
    return [build_question(spec) for spec in QUESTION_SPECS if spec["lesson"] == wanted]


def question(question_id: str) -> Question:
    """One question by id; KeyError naming the valid ids otherwise."""
    for spec in QUESTION_SPECS:
        if spec["id"] == question_id:
            return build_question(spec)
    raise KeyError(f"unknown question id {question_id!r}; valid ids: {', '.join(s['id'] for s in QUESTION_SPECS)}")


# ---------------------------------------------------------------------------
# Checking answers
# ---------------------------------------------------------------------------


def _normalise(text: str) -> str:
    text = re.sub(r"(?<=\d)[,\u00a0 ](?=\d{3}\b)", "", str(text))  # 5,100 / 5 100 -> 5100
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def is_correct(q: Question, answer: str) -> bool:
    """Whether ``answer`` matches: the right choice, or an accepted short answer.

    A short numeric answer may come with words around it ("about 5,100"); it
    matches when the only number in it is the right one.
    """
    if q.kind == "choice":
        return answer == q.answer
    accepted = {_normalise(a) for a in (q.answer, *q.accepted)}
    given = _normalise(answer)
    if given in accepted:
        return True
    numbers = re.findall(r"\d+", given)
    return len(numbers) == 1 and numbers[0] in accepted


def sources_html(q: Question) -> str:
    """The claim ids and evidence links an answer rests on (nothing for method questions)."""
    if not q.refs:
        return ""
    parts = ["<p><strong>Where this comes from:</strong>"]
    if q.claim_ids:
        parts.append(f" claims {escape_text(', '.join(q.claim_ids))} in data/claims.csv.")
    parts.append("</p>")
    if q.evidence_ids:
        parts.append(evidence_list_html(q.evidence_ids))
    return "".join(parts)


def feedback_html(q: Question, answer: str | None) -> str:
    """Immediate feedback: whether the answer matches, the kit's answer and why (neutral wording)."""
    if answer is None or not str(answer).strip():
        return '<p>Choose or type an answer first, then press Check.</p>'
    if is_correct(q, answer):
        head = f'<p class="feedback-correct"><strong>Correct: {escape_text(q.answer)}.</strong></p>'
    else:
        head = (f'<p class="feedback-incorrect"><strong>Not quite. You answered “{escape_text(answer)}”; '
                f'the answer is: {escape_text(q.answer)}.</strong></p>')
    return f"{head}<p><strong>Why:</strong> {escape_text(q.explanation)}</p>{sources_html(q)}"


def question_static_html(q: Question) -> str:
    """The question, its choices and the answer in a collapsed <details> (for static exports)."""
    choices = ""
    if q.choices:
        choices = '<ol type="A">' + "".join(f"<li>{escape_text(c)}</li>" for c in q.choices) + "</ol>"
    elif q.kind == "short":
        choices = "<p><em>Short answer.</em></p>"
    return (f'<div class="practice-question" data-question-id="{escape_text(q.question_id)}">'
            f"<p><strong>Check yourself ({escape_text(q.question_id)}):</strong> {escape_text(q.prompt)}</p>{choices}"
            f"<details><summary>Show the answer</summary><p><strong>{escape_text(q.answer)}</strong></p>"
            f"<p>{escape_text(q.explanation)}</p>{sources_html(q)}</details></div>")


# ---------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------


class PracticeQuestion(StaticFallbackView):
    """One question as a widget: prompt, answer input, Check button, feedback.

    Sub-widgets: ``prompt_view`` (HTML), ``answer_input`` (RadioButtons for a
    choice, Text for a short answer), ``check_button``, ``feedback_view``;
    the container is ``widget`` (CSS class ``course-practice-question``).
    """

    def __init__(self, q: Question):
        import ipywidgets as widgets

        self.question = q
        self.prompt_view = widgets.HTML(f'{STYLE}<div class="course-doc"><p><strong>Check yourself:</strong> {escape_text(q.prompt)}</p></div>')
        if q.kind == "choice":
            self.answer_input = widgets.RadioButtons(options=list(q.choices), value=None, layout=widgets.Layout(width="auto"))
        else:
            self.answer_input = widgets.Text(placeholder="Type your answer")
        self.answer_input.add_class("course-practice-answer")
        self.check_button = widgets.Button(description="Check", button_style="primary")
        self.check_button.add_class("course-practice-check")
        self.feedback_view = widgets.HTML()
        self.feedback_view.add_class("course-practice-feedback")
        self.widget = widgets.VBox([self.prompt_view, self.answer_input, self.check_button, self.feedback_view])
        self.widget.add_class("course-practice-question")
        self.check_button.on_click(lambda _: self.check())

    def check(self, answer: str | None = None) -> bool | None:
        """Check ``answer`` (default: what is chosen or typed); show the feedback; None if nothing is given."""
        if answer is not None:
            self.answer_input.value = answer
        given = self.answer_input.value
        self.feedback_view.value = f'<div class="course-doc">{feedback_html(self.question, given)}</div>'
        if given is None or not str(given).strip():
            return None
        return is_correct(self.question, given)

    def static_html(self) -> str:
        return static_page("course-practice-question", question_static_html(self.question),
                           "Static view: run the notebook to answer and get feedback.")

    def __repr__(self) -> str:
        return f"PracticeQuestion({self.question.question_id!r})"


def ask(question_id: str) -> PracticeQuestion:
    """Show one question with immediate feedback (display the result in a notebook cell)."""
    return PracticeQuestion(question(question_id))
