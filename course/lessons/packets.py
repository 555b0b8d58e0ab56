"""Source packets drawn as cards in a problem set: the pages a fact-checker would open for one question.

The packet file (``packets.json``) is released with the assignment, beside the
notebook; it is built on the grader's side from the assessment bank
(:mod:`course.grading.release.packets`) and carries evidence only: outlet, title,
date, language, URL and the exact words the desk quoted from each page. A notebook
cell calls :func:`show_packet`. Every word on the cards that is not from a page
comes from ``notebooks/packets.toml``, copied into the packet file when it is
built (ready for translation), so this module needs nothing but the file: it
imports nothing of the kit but its display type (:mod:`course.lessons.shown`), and a grading kernel, which has no
``notebooks/`` folder, runs the cell in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from html import escape

from course.lessons.shown import Shown

PACKETS_FILE = "packets.json"

CARD_STYLE = """<style>
.course-packet{display:grid;gap:.75em;max-width:56em}
.course-packet article{border:1px solid #767676;border-radius:6px;padding:.6em .9em;background:#fff;color:#1a1a1a}
.course-packet h4{margin:.1em 0 .3em;font-size:1em}
.course-packet .meta{color:#3d3d3d;margin:0 0 .4em}
.course-packet blockquote{margin:.3em 0 .5em 1em;padding-left:.6em;border-left:3px solid #0072b2;font-style:italic}
.course-packet dl{margin:.2em 0}
.course-packet dd{margin:0 0 .3em 1em}
</style>"""


#: Said when the packet file is not beside the notebook (the one sentence not carried by the file itself).
MISSING = "No source packet for {question} here: open this notebook in its assignment's folder, where packets.json came with it."


def escape_text(text) -> str:
    return escape(str(text), quote=True)


def link_html(url: str, label: str) -> str:
    return f'<a href="{escape_text(url)}" target="_blank" rel="noopener noreferrer">{escape_text(label)}</a>'


def load_file(folder: Path | str = ".") -> dict | None:
    """The packet file in ``folder`` (the notebook's own), or None."""
    path = Path(folder) / PACKETS_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def load_packet(question: str, folder: Path | str = ".") -> list[dict] | None:
    """The cards of ``question`` from the packet file in ``folder``, or None."""
    packet = load_file(folder)
    return None if packet is None else packet.get("questions", {}).get(question)


def _date(text: str) -> str:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return text
    return f"{day.day} {day:%B %Y}"


def _meta(card: dict, w: dict) -> list[str]:
    parts = [card["outlet"]]
    parts.append(w["published"].format(date=_date(card["published"])) if card["published"] else w["undated"])
    if card["language"]:
        parts.append(w["language"].format(language=w["languages"].get(card["language"], card["language"])))
    if card["copy_or_original"] == "original":
        parts.append(w["original"])
    elif card["copy_or_original"]:
        parts.append(w["copy"].format(agency=card["original_agency"]) if card["original_agency"] else w["copy_unnamed"])
    return parts


def card_html(card: dict, w: dict, who: str = "") -> str:
    """One page as a card; ``who`` (a lesson's excerpt cards) adds a "who is speaking" line under the heading."""
    lang = escape_text(card["language"] or "en")
    quotes = "".join(f'<blockquote lang="{lang}">{escape_text(item["quote"])}</blockquote>' for item in card["quotes"])
    body = f"<p><strong>{escape_text(w['quote'])}</strong></p>{quotes}" if card["quotes"] else f"<p>{escape_text(w['no_facts'])}</p>"
    title = escape_text(card["title"]) if card["title"] else ""
    link = link_html(card["url"], w["open_link"]) if card["url"].startswith("http") else ""
    return (f'<article aria-label="{escape_text(w["page"].format(evidence_id=card["evidence_id"]))}">'
            f"<h4>{escape_text(w['page'].format(evidence_id=card['evidence_id']))}" + (f": {title}" if title else "") + "</h4>"
            + (f'<p class="who"><strong>{escape_text(w["who_label"])}:</strong> {escape_text(who)}</p>' if who else "")
            + f'<p class="meta">{escape_text(" · ".join(_meta(card, w)))} · {link}</p>{body}</article>')


def row_card_html(card: dict, w: dict) -> str:
    labels = w.get("columns", {})
    items = "".join(f"<dt><strong>{escape_text(labels.get(f['column'], f['column']))}</strong></dt><dd>{escape_text(f['value'])}</dd>"
                    for f in card["fields"])
    title = w["row"].format(row_id=card["row_id"])
    return f'<article aria-label="{escape_text(title)}"><h4>{escape_text(title)}</h4><dl>{items}</dl></article>'


def row_card_text(card: dict, w: dict) -> str:
    labels = w.get("columns", {})
    return "\n".join([w["row"].format(row_id=card["row_id"])]
                     + [f"  {labels.get(f['column'], f['column'])}: {f['value']}" for f in card["fields"]])


def card_text(card: dict, w: dict, who: str = "") -> str:
    lines = [w["page"].format(evidence_id=card["evidence_id"]) + (f": {card['title']}" if card["title"] else ""),
             *([f"  {w['who_label']}: {who}"] if who else []),
             "  " + " · ".join(_meta(card, w)) + f" · {card['url']}"]
    for item in card["quotes"]:
        lines.append(f"  “{item['quote']}”")
    return "\n".join(lines)


def show_packet(question: str, folder: Path | str = ".") -> Shown:
    """The source packet of ``question`` (e.g. ``"q1"``) as readable cards, or a one-line note if it is missing."""
    packet = load_file(folder)
    cards = None if packet is None else packet.get("questions", {}).get(question)
    if cards is None:
        text = (packet or {}).get("words", {}).get("missing", MISSING).format(question=question)
        return Shown(f"<p>{escape_text(text)}</p>", text)
    w = packet["words"]
    rows = bool(cards) and all("row_id" in card for card in cards)
    key = "rows_heading" if rows else "heading"
    if len(cards) == 1 and f"{key}_one" in w:  # one card: the singular form, where the words give one
        key = f"{key}_one"
    heading = w[key].format(question=question.upper(), count=len(cards))
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        # The graded copy is what Formgrader's grading page shows (and feedback is made from): the cards, the same
        # for every student and in their own notebook, made that page about 13 screens tall with the written answers
        # at the bottom. The heading alone keeps them within reach (issue 22).
        return Shown(f"<p><strong>{escape_text(heading)}</strong></p>", heading)
    intro = w["rows_intro" if rows else "intro"]
    html = (f'{CARD_STYLE}<div class="course-doc"><p><strong>{escape_text(heading)}</strong><br>'
            f'{escape_text(intro)}</p><div class="course-packet">'
            + "".join(row_card_html(card, w) if "row_id" in card else card_html(card, w) for card in cards) + "</div></div>")
    text = "\n\n".join([heading, intro, *(row_card_text(card, w) if "row_id" in card else card_text(card, w) for card in cards)])
    return Shown(html, text)
