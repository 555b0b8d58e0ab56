"""The primary document: shipped verbatim, and parsed into the parts it marks."""

from __future__ import annotations

import hashlib

import pytest

from conftest import SEED
from course import paths
from course.document import (
    EXPECTED_SHA256,
    DocumentAlteredError,
    DocumentMissingError,
    DocumentStructureError,
    dateline_date,
    load_document,
    parse_document,
    read_document_text,
)


def test_shipped_file_has_the_expected_sha256():
    """Is data/primary-document.txt byte for byte the document the kit was built on?"""
    assert hashlib.sha256(paths.primary_document_path().read_bytes()).hexdigest() == EXPECTED_SHA256


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seeds is not beside this checkout")
def test_shipped_file_equals_the_seed():
    assert paths.primary_document_path().read_bytes() == SEED.read_bytes()


def test_title_question_and_dateline(document):
    assert document.title == "Q&A: The Military Coup d’état in Mali"
    assert document.question == "Who is behind this coup? Is it related to the American-European conflict?"
    assert document.dateline_hijri == "13 Muharram Al- Haram 1442 AH"
    assert document.dateline_ce == "1/9/2020 CE"
    assert dateline_date(document).isoformat() == "2020-09-01"


def test_sections_are_numbered_one_to_seven_as_in_the_document(document):
    assert [s.number for s in document.sections] == [1, 2, 3, 4, 5, 6, 7]
    for section in document.sections:
        assert document.slice(section.span).startswith(f"{section.number}- ")
    # sections 1, 2, 4 and 5 run on into unnumbered paragraphs
    assert [len(s.paragraphs) for s in document.sections] == [2, 3, 1, 2, 2, 1, 1]


def test_closing_is_the_hadith_at_the_end_of_section_7(document):
    assert document.closing.startswith("The Messenger of Allah ﷺ said: «")
    assert document.closing.endswith("[Muslim]")
    assert document.section(7).span.contains(document.closing_span)


def test_every_offset_points_at_its_own_text(document):
    for paragraph in document.paragraphs:
        assert document.text[paragraph.span.start : paragraph.span.end] == paragraph.text
    for sentence in document.sentences:
        assert document.slice(sentence.span) == sentence.text
        paragraph = document.paragraphs[sentence.paragraph]
        assert paragraph.span.contains(sentence.span)


def test_sentences_cover_each_paragraph_without_gaps(document):
    for paragraph in document.paragraphs:
        sentences = [s for s in document.sentences if s.paragraph == paragraph.index]
        assert sentences[0].span.start == paragraph.span.start
        assert sentences[-1].span.end == paragraph.span.end
        for before, after in zip(sentences, sentences[1:]):
            assert document.text[before.span.end : after.span.start].strip() == ""


def test_sentence_splitting_on_known_sentences(document):
    texts = [s.text for s in document.sentences]
    assert "Who is behind this coup?" in texts
    assert "Is it related to the American-European conflict?" in texts
    # '!!' ends a sentence, and the next one starts with 'Which'
    assert any(t.endswith("is a coup or not !!") for t in texts)


def test_section_lookup_errors_name_the_valid_sections(document):
    with pytest.raises(KeyError, match="1, 2, 3, 4, 5, 6, 7"):
        document.section(8)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DocumentMissingError, match="primary document not found"):
        read_document_text(tmp_path / "nothing.txt")


def test_altered_file_is_refused(tmp_path):
    altered = tmp_path / "doc.txt"
    altered.write_bytes(paths.primary_document_path().read_bytes().replace(b"Kati", b"Kat1", 1))
    with pytest.raises(DocumentAlteredError, match="has been altered"):
        load_document(altered)


def test_a_single_changed_space_is_refused(tmp_path):
    altered = tmp_path / "doc.txt"
    original = paths.primary_document_path().read_bytes()
    changed = original.replace("15 km \u00a0away".encode(), b"15 km away")
    assert changed != original and len(changed) == len(original) - 2
    altered.write_bytes(changed)
    with pytest.raises(DocumentAlteredError):
        read_document_text(altered)


def test_text_without_sections_is_a_structure_error():
    with pytest.raises(DocumentStructureError):
        parse_document("Title\n\nLead? Yes.\n\nNo sections here.\n\nStill none.\n\n13 Muharram 1442 AH\n\n1/9/2020 CE\n")


def test_text_without_dateline_is_a_structure_error():
    with pytest.raises(DocumentStructureError, match="dateline"):
        parse_document("Title\n\nWhy?\n\n1- One.\n\n2- Two.\n\nThe end.\n")
