"""The document wing: the primary text as a model, with no data tables.

``model`` parses the shipped document into sections, paragraphs and sentences
with offsets; ``anchors`` resolves W3C TextQuoteSelectors against it;
``quotations`` and ``citations`` find the quotes and attributions it prints;
``dates`` reads its day-first dates; ``summary`` is the ``document`` verb's
report. Nothing here reads ``data/*.csv``: the evidence wing builds on this
one, never the other way round (``tests/test_layers.py``).

The names most callers need are re-exported here, so
``from course.document import load_document`` reads as it always has.
"""

from course.document.model import (
    EXPECTED_SHA256,
    Document,
    DocumentAlteredError,
    DocumentError,
    DocumentMissingError,
    DocumentStructureError,
    Paragraph,
    Section,
    Sentence,
    Span,
    dateline_date,
    load_document,
    parse_document,
    read_document_text,
    sha256_of,
)

__all__ = [
    "EXPECTED_SHA256", "Document", "DocumentAlteredError", "DocumentError", "DocumentMissingError",
    "DocumentStructureError", "Paragraph", "Section", "Sentence", "Span", "dateline_date",
    "load_document", "parse_document", "read_document_text", "sha256_of",
]
