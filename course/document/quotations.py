"""The passages the document puts inside quotation marks, and who it says speaks.

The document's quotation marks are irregular, as they often are in texts
translated and re-typed several times: some quotes open with ``”`` and close
with ``“``, one quote is left open when the next begins, and one name is
wrapped in reversed marks (``Amadou“ Ahmadu ”Hay``). The scanner therefore
reads marks by position as well as by shape:

* ``“`` or ``«`` opens a quotation; if one is already open, the open one ends
  where the new one starts (the document never nests quotations);
* ``”`` or ``»`` closes the open quotation; with none open, a ``”`` followed
  by a space and a letter opens one (a reversed mark);
* a quotation left open runs to the end of its paragraph;
* ``: [`` starts a block quotation that runs to the matching ``]``.

Who speaks is read from the words before the quotation: a verb of saying
(*said*, *wrote*, *stated*, *added that*, *described … as*, *report on …:*)
right before the marks, and the last speaker named before that verb (text
inside earlier quotations is skipped). A quotation that directly follows
another, or opens a paragraph after one, continues the same speaker. Marks
with no verb of saying in front are scare quotes or names (``“Kati” camp``)
and are returned with ``kind == "term"`` and no speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from course.document.model import Document, Span, load_document

OPENERS = "“«"
CLOSERS = "”»"

#: Speaker cues: how the document names someone it quotes, and the standard
#: name the kit uses for them. The document's spellings stay as they are in
#: the text; the standard spellings are those of the reports that quote them,
#: except where naming the person is what a graded item asks.
SPEAKER_CUES: tuple[tuple[str, str], ...] = (
    ("Ibrahim Boubacar Keïta", r"\bKeita\b"),
    ("Ismaël Wagué", r"Ismail Waghi"),
    # Kept in the document's spelling: who 'Nohom Tojo' is, is a graded item (PS3), and this package is on students' disks.
    ("Nohom Tojo", r"Nohom Tojo"),
    ("J. Peter Pham", r"J Peter Pham"),
    ("French presidency (Élysée)", r"French presidency"),
    ("Jean-Yves Le Drian", r"Le Drian"),
    ("Emmanuel Macron", r"\bMacron\b"),
    ("Florence Parly", r"Florence Parly"),
    ("Moussa Faki Mahamat", r"Moussa Faki Mahamat"),
    ("Al Jazeera", r"Al-Jazeera website"),
    ("the document's publisher (its 2012 Answer to Question)", r"\bwe (?:said|mentioned)\b"),
    ("an anonymous American diplomat (as quoted by Al-Asr)", r"American diplomat"),
    ("the Prophet Muhammad (a hadith reported by Muslim)", r"Messenger of Allah"),
)

_SAYING = re.compile(
    r"(?:\b(?:said|says|wrote|stated|added that|announced)\b"
    r"|\bdescrib\w*\b[^“”«»]{0,60}?\bas"
    r"|\breport on [\d/]+:"
    r"|\bissued (?:in this regard )?on [\d/]+(?: CE)?:)"
    r"(?:[^“”«».!?\[\]]{0,50}?\s*[,:]\s*\(?\s*|[\s,:(]*)$"
)


@dataclass(frozen=True)
class Quotation:
    """A quoted passage: its span (inside the marks), kind and speaker.

    ``kind`` is ``speech`` (words attributed to a speaker), ``block`` (a
    bracketed block quotation) or ``term`` (scare quotes or a quoted name).
    """

    span: Span
    text: str
    kind: str
    speaker: str | None
    paragraph: int


def _raw_quotes(text: str, paragraph: Span) -> list[tuple[int, int, str, bool]]:
    """Return (start, end, kind, closed_by_next) of quoted runs in one paragraph.

    start/end exclude the marks; ``closed_by_next`` is True for a quotation
    that was still open when the next one began (it may contain the next).
    """
    found: list[tuple[int, int, str, bool]] = []
    open_at: int | None = None
    i = paragraph.start
    while i < paragraph.end:
        char = text[i]
        if char == "[" and text[max(paragraph.start, i - 2) : i].strip() == ":" and open_at is None:
            close = text.find("]", i, paragraph.end)
            if close != -1:
                found.append((i + 1, close, "block", False))
                i = close + 1
                continue
        next_char = text[i + 1] if i + 1 < paragraph.end else ""
        if char in OPENERS and open_at is not None and not (next_char.isalnum() or next_char in " …"):
            # An opening mark followed by punctuation, e.g. 'coup. “(Reuters', is a reversed closer.
            found.append((open_at, i, "speech", False))
            open_at = None
        elif char in OPENERS:
            if open_at is not None:
                found.append((open_at, i, "speech", True))
            open_at = i + 1
        elif char in CLOSERS:
            if open_at is not None:
                found.append((open_at, i, "speech", False))
                open_at = None
            elif i + 2 < paragraph.end and text[i + 1] == " " and text[i + 2].isalpha():
                open_at = i + 1
        i += 1
    if open_at is not None:
        found.append((open_at, paragraph.end, "speech", False))
    return [q for q in found if text[q[0] : q[1]].strip(" …")]


_PRONOUN_BEFORE_VERB = re.compile(r"\b(?:He|She|It|They)\s*$")


def _speaker_before(text: str, start: int, paragraph: Span, quoted, previous_speaker: str | None) -> str | None:
    """Name the speaker of the quotation starting at ``start``, or None if no verb of saying precedes it."""
    window_start = max(paragraph.start, start - 200)
    before = text[window_start : start - 1 if start > 0 and text[start - 1] in OPENERS + CLOSERS + "[" else start]
    saying = _SAYING.search(before)
    if not saying:
        return None
    verb_at = window_start + saying.start()
    if previous_speaker and _PRONOUN_BEFORE_VERB.search(text[paragraph.start : verb_at]):
        return previous_speaker
    # Mask earlier, closed quotations so names inside them do not count as
    # speakers; a quotation closed only by the next one may contain it (a
    # quote within a quote) and stays visible.
    masked = list(text[paragraph.start : verb_at])
    for s, e, _, closed_by_next in quoted:
        if closed_by_next or e > verb_at:
            continue
        for j in range(max(s, paragraph.start), e):
            masked[j - paragraph.start] = " "
    context = "".join(masked)
    best, best_end = None, -1
    for name, pattern in SPEAKER_CUES:
        for match in re.finditer(pattern, context):
            if match.end() > best_end:
                best, best_end = name, match.end()
    return best


def find_quotations(document: Document) -> list[Quotation]:
    """Return every quoted passage in the document, in order, with its speaker."""
    text = document.text
    quotations: list[Quotation] = []
    previous: Quotation | None = None
    for paragraph in document.paragraphs:
        raw = _raw_quotes(text, paragraph.span)
        for start, end, kind, _ in raw:
            last_speaker = previous.speaker if previous and previous.paragraph == paragraph.index else None
            speaker = _speaker_before(text, start, paragraph.span, raw, last_speaker)
            if kind != "block":
                gap = text[previous.span.end : start] if previous else None
                continues = previous is not None and previous.speaker and (
                    (gap is not None and len(gap) <= 3 and not gap.strip(" “”«»"))
                    or (text[paragraph.span.start : start].strip(" “«(") == "" and previous.paragraph == paragraph.index - 1)
                )
                if speaker is None and continues:
                    speaker = previous.speaker
                if speaker is None:
                    kind = "term"
            quotation = Quotation(Span(start, end), text[start:end], kind, speaker, paragraph.index)
            quotations.append(quotation)
            previous = quotation
    return quotations


@lru_cache(maxsize=1)
def quotations() -> tuple[Quotation, ...]:
    """The quotations of the shipped document (cached)."""
    return tuple(find_quotations(load_document()))
