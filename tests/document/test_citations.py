"""course.document.citations: every attribution the document makes."""

from __future__ import annotations

import datetime as dt

import pytest

from course.document.citations import find_citations
from course.document.dates import MalformedDateError, parse_document_date
from course.document import parse_document


def test_at_least_thirteen_citations_in_reading_order(document):
    found = find_citations(document)
    assert len(found) >= 13
    assert [c.span.start for c in found] == sorted(c.span.start for c in found)
    assert [c.citation_id for c in found] == [f"C{i:02d}" for i in range(1, len(found) + 1)]


def test_the_expected_attributions_are_found(document):
    found = {(c.outlet_as_printed, c.date_as_printed, c.section) for c in find_citations(document)}
    expected = {
        ("Anadolu Agency", None, None),
        ("Answer to Question", "24/3/2012", 1),
        ("Reuters", "19/8/2020", 2),
        ("Al-Jazeera", "21/8/2020", 2),
        ("Al-Jazeera", "21/8/2020", 3),
        ("Twitter", None, 4),
        ("Reuters", "22/8/2020", 4),
        ("Answer to Question", "24/3/2012", 4),
        ("Al-Asr", "24/3/2012", 4),
        ("American diplomat", None, 4),
        ("AFP", "18/8/2020", 5),
        ("Al-Hurra", "19/8/2020", 5),
        ("Reuters", "20/8/2020", 5),
        ("Twitter", None, 6),
        ("news agencies", None, 6),
    }
    assert expected <= found


def test_dates_are_read_day_first(document):
    reuters = [c for c in find_citations(document) if c.outlet_as_printed == "Reuters"]
    assert [c.date for c in reuters] == [dt.date(2020, 8, 19), dt.date(2020, 8, 22), dt.date(2020, 8, 20)]


def test_every_citation_span_and_scope_point_into_the_text(document):
    for citation in find_citations(document):
        assert document.slice(citation.span) == citation.marker
        assert document.slice(citation.scope) == citation.scope_text
        assert citation.scope_text.strip()


def test_parenthetical_scope_is_the_quoted_speech_before_it(document):
    reuters_19 = next(c for c in find_citations(document) if c.date_as_printed == "19/8/2020" and c.outlet_as_printed == "Reuters")
    assert reuters_19.scope_text == "He does not want blood to be shed in order to remain in power."
    jazeera_s2 = next(c for c in find_citations(document) if c.outlet_as_printed == "Al-Jazeera" and c.section == 2)
    # Wagué's statement runs over two paragraphs; the citation after it covers both
    assert jazeera_s2.scope_text.startswith("… our country is plunging into chaos")
    assert jazeera_s2.scope_text.endswith("elected by its members.")


def test_twitter_citation_covers_the_tweet_that_follows(document):
    faki = next(c for c in find_citations(document) if c.outlet_as_printed == "Twitter" and c.section == 6)
    assert faki.scope_text.startswith("I strongly condemn the arrest of President Ibrahim Keita")


def test_malformed_date_in_a_citation_names_the_citation(document):
    broken = document.text.replace("(Reuters 22/8/2020)", "(Reuters 32/8/2020)")
    with pytest.raises(MalformedDateError, match=r"\(Reuters 32/8/2020\).*not a real date"):
        find_citations(parse_document(broken))


def test_non_numeric_date_in_a_citation_is_an_error(document):
    broken = document.text.replace("(AFP 18/8/2020)", "(AFP 18/Aug/2020)")
    with pytest.raises(MalformedDateError, match="AFP"):
        find_citations(parse_document(broken))


@pytest.mark.parametrize("text", ["2020-08-18", "18/8/20", "", "31/2/2020"])
def test_parse_document_date_rejects(text):
    with pytest.raises(MalformedDateError):
        parse_document_date(text)
