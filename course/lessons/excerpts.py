"""Page excerpts the kit ships for the lessons' activities: lateral reading and tracing a quotation to its origin.

A lesson activity asks the student to do what a fact-checker does, offline:
read what several pages say about a publisher, or set a quotation beside the
reports of the words it quotes. The pages are in ``notebooks/excerpts.toml``,
one ``[[set]]`` per activity, each page with its outlet, date, URL and the
exact words quoted from it, so the cell works on a classroom hub with no
network. The cards look like the source-packet cards of the problem sets
(:mod:`course.lessons.packets`), with one line more: who is speaking on the page.
The student's answer goes in an ordinary exercise box (:mod:`course.lessons.exercises`).
"""

from __future__ import annotations

from course.lessons import content
from course.lessons import packets
from course.lessons.charts.base import PALETTE
from course.lessons.packets import CARD_STYLE, escape_text
from course.lessons.shown import Shown

EXCERPTS_FILE = "excerpts.toml"

# The document's words are marked with the Okabe-Ito orange the reader uses for checkable claims.
WHO_STYLE = f"""<style>
.course-packet .who{{margin:0 0 .4em}}
.course-excerpts .document-words{{border-left:4px solid {PALETTE["orange"]};padding:.3em .8em;margin:.4em 0 .8em;max-width:56em;background:#fff;color:#1a1a1a}}
</style>"""


def excerpt_sets() -> dict[str, dict]:
    """Every excerpt set by id, from ``notebooks/excerpts.toml``."""
    return {spec["id"]: spec for spec in content.load(EXCERPTS_FILE)["set"]}


def words() -> dict:
    """The words around the cards (headings, labels), kept as data."""
    return content.load(EXCERPTS_FILE)["words"]


def _card(number: int, page: dict) -> dict:
    """A page as a packet card: the fields :func:`course.lessons.packets.card_html` reads."""
    return {"evidence_id": str(number), "outlet": page["outlet"], "title": page.get("title", ""), "url": page["url"],
            "published": page.get("published", ""), "language": page.get("language", "en"),
            "copy_or_original": page.get("copy_or_original", ""), "original_agency": page.get("original_agency", ""),
            "quotes": [{"quote": q} for q in page["quotes"]]}


def card_html(number: int, page: dict, w: dict) -> str:
    """One page as a card: who speaks, outlet and date with a link, then the page's own words."""
    return packets.card_html(_card(number, page), w, who=page["who"])


def card_text(number: int, page: dict, w: dict) -> str:
    return packets.card_text(_card(number, page), w, who=page["who"])


def show_excerpts(set_id: str) -> Shown:
    """The pages of one activity as readable cards (HTML in a notebook, plain text in a terminal).

    Raises KeyError naming the known sets when ``set_id`` is unknown.
    """
    known = excerpt_sets()
    if set_id not in known:
        raise KeyError(f"unknown excerpt set {set_id!r}; sets are {', '.join(known)}")
    spec, w = known[set_id], words()
    pages = spec["page"]
    document = ""
    document_text: list[str] = []
    if spec.get("document_words"):
        document = (f'<p><strong>{escape_text(w["document_heading"])}</strong>. {escape_text(spec["document_context"])}</p>'
                    f'<blockquote class="document-words" lang="en">“{escape_text(spec["document_words"])}”</blockquote>')
        document_text = [f"{w['document_heading']}. {spec['document_context']}", f"  “{spec['document_words']}”"]
    html = (f'{CARD_STYLE}{WHO_STYLE}<div class="course-doc course-excerpts"><p><strong>{escape_text(spec["heading"])}</strong><br>'
            f'{escape_text(spec["intro"])}</p>{document}<div class="course-packet">'
            + "".join(card_html(n, page, w) for n, page in enumerate(pages, start=1)) + "</div></div>")
    text = "\n\n".join([spec["heading"], spec["intro"], *document_text,
                        *(card_text(n, page, w) for n, page in enumerate(pages, start=1))])
    return Shown(html, text)
