"""Exact-quote anchors (W3C TextQuoteSelector) into the document."""

from __future__ import annotations

import pytest

from course.document.anchors import (
    AnchorAmbiguousError,
    AnchorError,
    AnchorNotFoundError,
    TextQuoteSelector,
    find_all,
    resolve,
    selector_for,
)


def test_exact_quote_resolves_to_its_span(document):
    span = resolve(document.text, TextQuoteSelector(exact="Bobo Cisse"))
    assert document.slice(span) == "Bobo Cisse"


def test_typographic_quotes_and_apostrophes_match_exactly(document):
    span = resolve(document.text, {"exact": "France’s Foreign Minister Le Drian said: (“France condemns"})
    assert document.slice(span).endswith("(“France condemns")
    span = resolve(document.text, {"exact": "officers‘ overthrowing"})
    assert document.slice(span) == "officers‘ overthrowing"


def test_straight_quotes_typed_on_a_keyboard_still_resolve(document):
    span = resolve(document.text, {"exact": "France's Foreign Minister Le Drian said: (\"France condemns"})
    assert document.slice(span) == "France’s Foreign Minister Le Drian said: (“France condemns"


def test_double_space_in_the_document(document):
    # The document has a space and a no-break space between "km" and "away".
    exact = resolve(document.text, {"exact": "15 km \u00a0away"})
    assert document.slice(exact) == "15 km \u00a0away"
    lenient = resolve(document.text, {"exact": "15 km away from the capital"})
    assert document.slice(lenient) == "15 km \u00a0away from the capital"
    typed_twice = resolve(document.text, {"exact": "15 km  away"})
    assert typed_twice == exact


def test_arabic_text_resolves(document):
    span = resolve(document.text, {"exact": "وَإِنَّمَا الإِمَامُ جُنَّةٌ", "suffix": " يُقَاتَلُ"})
    assert document.slice(span) == "وَإِنَّمَا الإِمَامُ جُنَّةٌ"
    assert document.section(7).span.contains(span)


def test_no_match_names_the_quote(document):
    with pytest.raises(AnchorNotFoundError, match="'Colonel Assimi Goita'"):
        resolve(document.text, {"exact": "Colonel Assimi Goita"})


def test_two_matches_is_an_error_that_names_quote_and_count(document):
    with pytest.raises(AnchorAmbiguousError, match=r"'\(Al-Jazeera 21/8/2020\)' matches 2 times"):
        resolve(document.text, {"exact": "(Al-Jazeera 21/8/2020)"})


def test_prefix_or_suffix_disambiguates(document):
    first = resolve(document.text, {"exact": "(Al-Jazeera 21/8/2020)", "prefix": "by its members.” "})
    second = resolve(document.text, {"exact": "(Al-Jazeera 21/8/2020)", "suffix": ". It seems that the protests"})
    assert first.start < second.start
    assert document.section_at(first.start) == 2 and document.section_at(second.start) == 3


def test_prefix_that_does_not_fit_finds_nothing(document):
    with pytest.raises(AnchorNotFoundError, match="prefix 'nowhere '"):
        resolve(document.text, {"exact": "Bobo Cisse", "prefix": "nowhere "})


def test_empty_exact_is_rejected():
    with pytest.raises(AnchorError, match="non-empty"):
        TextQuoteSelector(exact="")


def test_selector_for_round_trips_every_sentence(document):
    for sentence in document.sentences:
        selector = selector_for(document.text, sentence.span)
        assert find_all(document.text, selector) == [sentence.span]
        assert resolve(document.text, selector.as_dict()) == sentence.span


def test_from_mapping_treats_missing_and_nan_as_empty():
    selector = TextQuoteSelector.from_mapping({"exact": "x", "prefix": float("nan")})
    assert selector == TextQuoteSelector("x", "", "")
