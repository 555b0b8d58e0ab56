"""course.document.quotations: what the document quotes, and whom it says it quotes."""

from __future__ import annotations

from course.document.quotations import find_quotations


def speakers_of(document, beginning):
    return [q.speaker for q in find_quotations(document) if q.text.lstrip(" …").startswith(beginning)]


def test_known_speakers(document):
    assert speakers_of(document, "He does not want blood") == ["Ibrahim Boubacar Keïta"]
    assert speakers_of(document, "our country is plunging") == ["Ismaël Wagué"]
    assert speakers_of(document, "We will form a transitional council") == ["Ismaël Wagué"]  # continues over a paragraph
    assert speakers_of(document, "an overreaction") == ["Nohom Tojo"]  # the document's spelling: PS3 asks who he is
    assert speakers_of(document, "A decision on whether") == ["J. Peter Pham"]  # 'He said:' resolves to Pham, not Keita
    assert speakers_of(document, "France condemns in the strongest terms") == ["Jean-Yves Le Drian"]
    assert speakers_of(document, "France will continue its military operations") == ["Florence Parly"]  # reversed marks
    assert speakers_of(document, "I strongly condemn") == ["Moussa Faki Mahamat"]
    assert speakers_of(document, "Sanjo traveled") == ["an anonymous American diplomat (as quoted by Al-Asr)"]
    assert speakers_of(document, "Verily the Imam") == ["the Prophet Muhammad (a hadith reported by Muslim)"]


def test_scare_quotes_are_terms_without_speaker(document):
    terms = {q.text.strip() for q in find_quotations(document) if q.kind == "term"}
    assert {"Kati", "infection", "National Council for the Salvation of the People"} <= terms
    assert all(q.speaker is None for q in find_quotations(document) if q.kind == "term")


def test_block_quotation_from_the_2012_answer(document):
    blocks = [q for q in find_quotations(document) if q.kind == "block"]
    assert len(blocks) == 1
    assert blocks[0].text.startswith("All that we have mentioned indicates")
    assert "2012" in blocks[0].speaker


def test_quotations_do_not_overlap_and_stay_in_their_paragraph(document):
    found = find_quotations(document)
    for before, after in zip(found, found[1:]):
        assert before.span.end <= after.span.start
    for quotation in found:
        assert document.paragraphs[quotation.paragraph].span.contains(quotation.span)
        assert "(Reuters" not in quotation.text
