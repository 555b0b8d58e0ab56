"""Exact-quote anchors into the document (W3C Web Annotation TextQuoteSelector).

A selector names a passage by its words: ``exact`` is the passage, ``prefix``
and ``suffix`` are a few characters before and after it that make it unique.
Anchors survive re-typesetting better than offsets and can be read by people.
:func:`resolve` turns a selector into a :class:`~course.document.Span` and
raises a clear error, naming the quote, when it matches nothing or more than
once.

Matching is exact first. If that finds nothing, it is retried with typographic
quotes and apostrophes folded to straight ones and runs of spaces collapsed,
because selectors typed on an ordinary keyboard write ``'`` for ``’`` and one
space where the document has two. Arabic text is matched as it is (after
Unicode NFC on both sides).

>>> from course.document import load_document
>>> doc = load_document()
>>> span = resolve(doc.text, TextQuoteSelector(exact="Bobo Cisse"))
>>> doc.slice(span)
'Bobo Cisse'
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from course.document.model import Span
from course.errors import CourseError

# Characters folded together for the lenient pass: typographic quotes and the
# apostrophes the document uses interchangeably.
_FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‛": "'", "\u00a0": " "})


class AnchorError(CourseError, ValueError):
    """A selector that does not pick out exactly one passage."""


class AnchorNotFoundError(AnchorError):
    """The selector matches nowhere in the document."""


class AnchorAmbiguousError(AnchorError):
    """The selector matches more than once; add a prefix or suffix."""


@dataclass(frozen=True)
class TextQuoteSelector:
    """A W3C TextQuoteSelector: ``exact`` with optional ``prefix`` and ``suffix``."""

    exact: str
    prefix: str = ""
    suffix: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.exact, str) or not self.exact:
            raise AnchorError("a TextQuoteSelector needs a non-empty 'exact' quote")

    @classmethod
    def from_mapping(cls, mapping) -> "TextQuoteSelector":
        """Build a selector from a dict or a CSV row with exact/prefix/suffix keys."""
        def text(key):
            value = mapping.get(key, "")
            return "" if value is None or value != value else str(value)  # NaN-safe for pandas rows

        return cls(exact=text("exact"), prefix=text("prefix"), suffix=text("suffix"))

    def as_dict(self) -> dict:
        """The JSON form used by the Web Annotation Data Model."""
        return {"type": "TextQuoteSelector", "exact": self.exact, "prefix": self.prefix, "suffix": self.suffix}


def _normalise(text: str) -> tuple[str, list[int]]:
    """Fold quotes and collapse spaces; return the new text and, for each of
    its characters, the offset of the character it came from."""
    out: list[str] = []
    origin: list[int] = []
    previous_space = False
    for offset, char in enumerate(text):
        char = char.translate(_FOLD)
        is_space = char in " \t"
        if is_space and previous_space:
            continue
        out.append(char)
        origin.append(offset)
        previous_space = is_space
    origin.append(len(text))
    return "".join(out), origin


def _matches(text: str, selector: TextQuoteSelector) -> list[tuple[int, int]]:
    found = []
    start = text.find(selector.exact)
    while start != -1:
        end = start + len(selector.exact)
        if text[max(0, start - len(selector.prefix)) : start] == selector.prefix and text[end : end + len(selector.suffix)] == selector.suffix:
            found.append((start, end))
        start = text.find(selector.exact, start + 1)
    return found


def find_all(text: str, selector: TextQuoteSelector) -> list[Span]:
    """Return every span the selector matches (exact pass, else lenient pass)."""
    text = unicodedata.normalize("NFC", text)
    selector = TextQuoteSelector(*(unicodedata.normalize("NFC", part) for part in (selector.exact, selector.prefix, selector.suffix)))
    exact = _matches(text, selector)
    if exact:
        return [Span(s, e) for s, e in exact]
    folded_text, origin = _normalise(text)
    folded_selector = TextQuoteSelector(*(_normalise(part)[0] if part else "" for part in (selector.exact, selector.prefix, selector.suffix)))
    return [Span(origin[s], origin[e - 1] + 1) for s, e in _matches(folded_text, folded_selector)]


def _describe(selector: TextQuoteSelector) -> str:
    quote = selector.exact if len(selector.exact) <= 80 else selector.exact[:77] + "..."
    context = []
    if selector.prefix:
        context.append(f"prefix {selector.prefix!r}")
    if selector.suffix:
        context.append(f"suffix {selector.suffix!r}")
    return repr(quote) + (f" ({', '.join(context)})" if context else "")


def resolve(text: str, selector: TextQuoteSelector | dict) -> Span:
    """Resolve a selector to the one span it names.

    Raises :class:`AnchorNotFoundError` or :class:`AnchorAmbiguousError`; both
    messages name the quote so a failing data row can be found at once.
    """
    if not isinstance(selector, TextQuoteSelector):
        selector = TextQuoteSelector.from_mapping(selector)
    spans = find_all(text, selector)
    if not spans:
        raise AnchorNotFoundError(f"quote {_describe(selector)} is not in the document")
    if len(spans) > 1:
        where = ", ".join(str(s.start) for s in spans[:5])
        raise AnchorAmbiguousError(
            f"quote {_describe(selector)} matches {len(spans)} times (at offsets {where}); "
            "add a prefix or suffix to make it unique"
        )
    return spans[0]


def selector_for(text: str, span: Span, context: int = 24) -> TextQuoteSelector:
    """Build a selector for ``span`` with the shortest prefix/suffix (up to
    ``context`` characters) that makes it unique."""
    exact = text[span.start : span.end]
    for width in range(0, context + 1, 4):
        selector = TextQuoteSelector(exact, text[max(0, span.start - width) : span.start], text[span.end : span.end + width])
        if len(find_all(text, selector)) == 1:
            return selector
    raise AnchorAmbiguousError(f"quote {exact!r} cannot be made unique with {context} characters of context")
