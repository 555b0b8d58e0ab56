"""What would give a question's answer away: the item it is about and the finding about it.

"Predict, then reveal": nothing on screen above a check-yourself question may
show its finding about its item (a verdict beside the claim id, a relation
beside the pair id, the figure asked for ...) unless the student has chosen to
reveal it. :func:`finding_markers` lists, for one question spec, the pairs
``(item, findings)`` a screen must not show together; :func:`leaks` finds
them in text (a line is one unit: a table row, a paragraph, an alt text).
The lesson tests run it on every executed notebook, with the model answers of
the exercises above a question counted as revealed, and the browser test on
what shares a 900-px screen with each question.
"""

from __future__ import annotations

import html
import re

from course.evidence import data
from course.lessons import content


def _row(table: str, key: str, ident: str) -> dict:
    frame = data.table(table)
    return frame[frame[key] == ident].iloc[0].to_dict()


def _forms(value: str) -> list[str]:
    value = str(value)
    return sorted({value, value.replace("_", " ")})


def finding_markers(spec: dict) -> list[tuple[str, list[str]]]:
    """(item, findings) pairs for a question spec; an empty item means the finding alone gives it away."""
    kind = spec["kind"]
    if kind in ("claim_verdict", "claim_type"):
        row = _row("claims", "claim_id", spec["claim_id"])
        return [(spec["claim_id"], _forms(row["verdict" if kind == "claim_verdict" else "claim_type"]))]
    if kind == "citation_comparison":
        return [(spec["citation_id"], _forms(_row("citations", "citation_id", spec["citation_id"])["comparison"]))]
    if kind == "citation_kind":
        from course.document.citations import citations

        found = {c.citation_id: c for c in citations()}
        return [(spec["citation_id"], _forms(found[spec["citation_id"]].kind))]
    if kind == "source_field":
        row = _row("sources", "source_id", spec["source_id"])
        return [(row["name"], _forms(row[spec["field"]]))]
    if kind == "quote_relation":
        return [(spec["pair_id"], _forms(_row("quote_pairs", "pair_id", spec["pair_id"])["relation"]))]
    if kind == "argument_weakness":
        row = _row("arguments", "argument_id", spec["argument_id"])
        right = spec.get("weakness", data.split_ids(row["reasoning_weaknesses"])[0])
        return [(spec["argument_id"], _forms(right))]
    if kind == "force_number":
        row = _row("forces", "force_id", spec["force_id"])
        value = int(row["document_personnel" if spec.get("side", "document") == "document" else "record_personnel"])
        return [(row["contributor"], [f"{value:,}", str(value)])]
    if kind == "evidence_copy":
        return [(spec["evidence_id"], _forms(_row("evidence", "evidence_id", spec["evidence_id"])["copy_or_original"]))]
    if kind == "dateline":
        from course.document import dateline_date, load_document

        day = dateline_date(load_document())
        return [("", [f"{day.day} {day:%B %Y}"])]
    if kind == "event_mentioned":
        row = _row("events", "event_id", spec["event_id"])
        words = content.load("practice.toml")["explanations"]  # the words the answer's explanation shows
        return [(row["title"], [words["mentioned"] if row["mentioned_in_document"] else words["not_mentioned"]])]
    return []  # concept questions, and kinds whose answer is a choice among events shown for other reasons


def text_units(output_text: str) -> list[str]:
    """Split an output (HTML or plain text) into the units a reader sees together.

    Collapsed ``<details>`` keep only their ``<summary>`` (their body is
    "show me"); block elements and table rows end a unit; ``alt`` texts are
    units of their own; tags are dropped.
    """
    text = re.sub(r"<style.*?</style>", " ", output_text, flags=re.S | re.I)
    text = re.sub(r"<details(?![^>]*\bopen\b)[^>]*>\s*(<summary.*?</summary>).*?</details>", r"\1", text, flags=re.S | re.I)
    alts = re.findall(r'\balt="([^"]*)"', text)
    text = re.sub(r"</(tr|p|li|div|h\d|dd|dt|figcaption|summary|caption)>|<br\s*/?>", "\n", text, flags=re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    units = [html.unescape(line) for line in text.splitlines()] + [html.unescape(a) for a in alts]
    return [" ".join(u.split()) for u in units if u.strip()]


#: An answer at least this long that appears word for word on screen gives itself away.
VERBATIM_FROM = 15


def leaks(spec: dict, output_texts) -> list[str]:
    """The units in ``output_texts`` that show this question's finding about its item, or its answer word for word."""
    from course.lessons.practice.questions import build_question

    answer = build_question(spec).answer
    found = []
    if len(answer) >= VERBATIM_FROM:
        for chunk in output_texts:
            found += [unit[:300] for unit in text_units(chunk) if answer.casefold() in unit.casefold()]
    for item, findings in finding_markers(spec):
        pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(f)}(?![\w-])" for f in findings), re.I)
        for chunk in output_texts:
            for unit in text_units(chunk):
                if (not item or item.casefold() in unit.casefold()) and pattern.search(unit):
                    found.append(unit[:300])
    return found
