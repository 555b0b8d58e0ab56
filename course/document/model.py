"""The primary document as a model that lessons, data checks and grading share.

The kit studies one text, shipped verbatim as ``data/primary-document.txt``.
:func:`load_document` reads it, checks that it is byte for byte the file the kit
was built on (SHA-256), and :func:`parse_document` splits it into the parts the
document itself marks: the title, the lead paragraph with the framing
question, the numbered sections ``1-`` to ``7-``, the closing and the dateline.
Every part carries character offsets into the original text, so a claim, a
citation or a highlight in a widget can point at exactly the words it is about.

>>> doc = load_document()
>>> doc.title
'Q&A: The Military Coup d’état in Mali'
>>> [s.number for s in doc.sections]
[1, 2, 3, 4, 5, 6, 7]
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from course import paths
from course.errors import CourseError

#: SHA-256 of the document as the kit ships it. Any edit, even a changed
#: space, changes this and every character offset, so `load_document` refuses
#: an altered copy instead of silently moving every anchor.
EXPECTED_SHA256 = "f520c18bf9ca899d6a5427ac9a7b28dbf26c6bddaaad6a3fa8c8092f7a66a084"

SECTION_NUMBER = re.compile(r"(\d+)- ")
HIJRI_DATELINE = re.compile(r"^\d{1,2} [A-Z][\w\- ]+ \d{4} AH$")
CE_DATELINE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) CE$")
# A sentence ends at . ? ! or … (possibly doubled, possibly followed by closing
# quotes or brackets) when whitespace and then a capital, digit or opening
# quote follow.
SENTENCE_END = re.compile(r"[.?!…]+[”\"’)\]]*(?=\s+[“\"(«\[A-Z0-9])")


class DocumentError(CourseError):
    """Base class for problems with the primary document file."""


class DocumentMissingError(DocumentError, FileNotFoundError):
    """The document file is not where the kit expects it."""


class DocumentAlteredError(DocumentError):
    """The document file differs from the text the kit was built on."""


class DocumentStructureError(DocumentError):
    """The text does not have the parts the model expects (sections 1-7, dateline)."""


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` into the document text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def __len__(self) -> int:
        return self.end - self.start

    def contains(self, other: "Span") -> bool:
        """True if ``other`` lies wholly inside this span."""
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class Sentence:
    """One sentence: its index in the document, span, text and paragraph."""

    index: int
    span: Span
    text: str
    paragraph: int


@dataclass(frozen=True)
class Paragraph:
    """One non-empty line of the file.

    ``role`` is one of ``title``, ``lead``, ``intro``, ``section`` or
    ``dateline``; ``section`` is the section number for section paragraphs.
    """

    index: int
    span: Span
    text: str
    role: str
    section: int | None = None


@dataclass(frozen=True)
class Section:
    """A numbered section as the document numbers it (``1-`` … ``7-``)."""

    number: int
    span: Span
    paragraphs: tuple[Paragraph, ...]

    @property
    def word_count(self) -> int:
        return sum(len(p.text.split()) for p in self.paragraphs)


@dataclass(frozen=True)
class Document:
    """The parsed document. All spans index into ``text``."""

    text: str
    sha256: str
    title_span: Span
    question_span: Span
    paragraphs: tuple[Paragraph, ...]
    sections: tuple[Section, ...]
    closing_span: Span
    dateline_hijri_span: Span
    dateline_ce_span: Span
    sentences: tuple[Sentence, ...] = field(repr=False)

    def slice(self, span: Span) -> str:
        """Return the text a span covers."""
        return self.text[span.start : span.end]

    @property
    def title(self) -> str:
        return self.slice(self.title_span)

    @property
    def question(self) -> str:
        """The framing question(s) the document sets out to answer."""
        return self.slice(self.question_span)

    @property
    def closing(self) -> str:
        return self.slice(self.closing_span)

    @property
    def dateline_hijri(self) -> str:
        return self.slice(self.dateline_hijri_span)

    @property
    def dateline_ce(self) -> str:
        return self.slice(self.dateline_ce_span)

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def section(self, number: int) -> Section:
        """Return section ``number`` (1-7); raise KeyError naming the valid numbers."""
        for section in self.sections:
            if section.number == number:
                return section
        valid = ", ".join(str(s.number) for s in self.sections)
        raise KeyError(f"no section {number}; the document has sections {valid}")

    def section_at(self, offset: int) -> int | None:
        """Return the number of the section holding character ``offset``, or None."""
        for section in self.sections:
            if section.span.start <= offset < section.span.end:
                return section.number
        return None

    def sentence_at(self, offset: int) -> Sentence:
        """Return the sentence holding character ``offset`` (or the nearest one after it)."""
        for sentence in self.sentences:
            if offset < sentence.span.end:
                return sentence
        raise IndexError(f"offset {offset} is past the last sentence")

    def paragraph_at(self, offset: int) -> Paragraph:
        """Return the paragraph holding character ``offset``."""
        for paragraph in self.paragraphs:
            if paragraph.span.start <= offset < paragraph.span.end:
                return paragraph
        raise IndexError(f"offset {offset} is not inside a paragraph")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_document_text(path: Path | None = None, *, verify: bool = True) -> str:
    """Read the document file and return its text.

    Raises :class:`DocumentMissingError` if the file is absent and
    :class:`DocumentAlteredError` if ``verify`` and its SHA-256 is not
    :data:`EXPECTED_SHA256`.
    """
    path = Path(path) if path is not None else paths.primary_document_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentMissingError(
            f"primary document not found at {path}; restore it from "
            "../shared/seeds/000_adb982db65b87a25.txt or a fresh clone"
        ) from None
    digest = sha256_of(data)
    if verify and digest != EXPECTED_SHA256:
        raise DocumentAlteredError(
            f"primary document at {path} has been altered: SHA-256 is {digest}, "
            f"expected {EXPECTED_SHA256}. The kit ships the document verbatim; "
            "restore the original file (git checkout -- data/primary-document.txt)."
        )
    return data.decode("utf-8")


def _paragraph_spans(text: str) -> list[Span]:
    spans = []
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        if stripped.strip():
            start = offset + (len(stripped) - len(stripped.lstrip()))
            spans.append(Span(start, offset + len(stripped.rstrip())))
        offset += len(line)
    return spans


def split_sentences(text: str, span: Span) -> list[Span]:
    """Split the text under ``span`` into sentence spans (offsets into ``text``)."""
    chunk = text[span.start : span.end]
    spans = []
    start = 0
    for match in SENTENCE_END.finditer(chunk):
        spans.append(Span(span.start + start, span.start + match.end()))
        start = match.end()
        while start < len(chunk) and chunk[start].isspace():
            start += 1
    if start < len(chunk):
        spans.append(Span(span.start + start, span.end))
    return spans


def _question_span(text: str, lead: Span) -> Span:
    """The framing question: the run of sentences ending in '?' in the lead paragraph."""
    questions = [s for s in split_sentences(text, lead) if text[s.start : s.end].endswith("?")]
    if not questions:
        raise DocumentStructureError("the lead paragraph asks no question")
    return Span(questions[0].start, questions[-1].end)


def _closing_span(text: str, last_section: Section) -> Span:
    """The closing: the final sentences of the last section, from the cited saying on.

    The document ends its argument with a call to action and a hadith quoted
    in Arabic and English; the closing is taken from the last sentence that
    introduces a saying (``said:``) to the end of the section.
    """
    last = last_section.paragraphs[-1]
    sentences = split_sentences(text, last.span)
    for sentence in reversed(sentences):
        if "said:" in text[sentence.start : sentence.end]:
            return Span(sentence.start, last.span.end)
    return sentences[-1]


def parse_document(text: str) -> Document:
    """Parse the document text into title, question, sections, closing and dateline.

    Raises :class:`DocumentStructureError` naming what is missing when the
    text does not have the document's layout.
    """
    spans = _paragraph_spans(text)
    if len(spans) < 5:
        raise DocumentStructureError(f"expected a title, a lead, sections and a dateline; found {len(spans)} paragraphs")

    paragraphs: list[Paragraph] = []
    current_section: int | None = None
    dateline_hijri = dateline_ce = None
    for index, span in enumerate(spans):
        line = text[span.start : span.end]
        numbered = SECTION_NUMBER.match(line)
        if index == 0:
            role = "title"
        elif index == 1:
            role = "lead"
        elif HIJRI_DATELINE.match(line):
            role, current_section, dateline_hijri = "dateline", None, span
        elif CE_DATELINE.match(line):
            role, current_section, dateline_ce = "dateline", None, span
        elif numbered:
            role, current_section = "section", int(numbered.group(1))
        elif current_section is not None:
            role = "section"
        else:
            role = "intro"
        paragraphs.append(Paragraph(index, span, line, role, current_section if role == "section" else None))

    sections = []
    for number in sorted({p.section for p in paragraphs if p.section is not None}):
        members = tuple(p for p in paragraphs if p.section == number)
        sections.append(Section(number, Span(members[0].span.start, members[-1].span.end), members))
    numbers = [s.number for s in sections]
    if numbers != list(range(1, len(numbers) + 1)) or not numbers:
        raise DocumentStructureError(f"sections must be numbered 1, 2, 3, …; found {numbers}")
    if dateline_hijri is None or dateline_ce is None:
        raise DocumentStructureError("the dateline (a Hijri date ending 'AH' and a date ending 'CE') is missing")

    sentences = []
    for paragraph in paragraphs:
        for span in split_sentences(text, paragraph.span):
            sentences.append(Sentence(len(sentences), span, text[span.start : span.end], paragraph.index))

    return Document(
        text=text,
        sha256=sha256_of(text.encode("utf-8")),
        title_span=paragraphs[0].span,
        question_span=_question_span(text, paragraphs[1].span),
        paragraphs=tuple(paragraphs),
        sections=tuple(sections),
        closing_span=_closing_span(text, sections[-1]),
        dateline_hijri_span=dateline_hijri,
        dateline_ce_span=dateline_ce,
        sentences=tuple(sentences),
    )


@lru_cache(maxsize=4)
def _cached_document(path: str) -> Document:
    return parse_document(read_document_text(Path(path)))


def load_document(path: Path | str | None = None) -> Document:
    """Load, verify and parse the shipped primary document (cached per path)."""
    resolved = Path(path) if path is not None else paths.primary_document_path()
    return _cached_document(str(resolved.resolve()))


def dateline_date(document: Document):
    """The CE dateline as a :class:`datetime.date` (the document writes D/M/YYYY)."""
    from course.document.dates import parse_document_date

    return parse_document_date(document.dateline_ce.removesuffix(" CE"))
