"""course.lessons.widgets: the document reader, the claim sorter and the quote comparer, with their static fallbacks."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from course.evidence import data
from course.lessons import widgets
from course.lessons.widgets import comparer
from course.document.citations import citations
from course.document import load_document
from course.lessons.widgets import (
    ARABIC_RUN,
    ClaimSorter,
    DocumentReader,
    Highlight,
    QuoteComparer,
    VERDICT_DISPLAY,
    document_html,
    render_marked_text,
    word_diff,
)

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
VOID = {"br", "hr", "img", "input", "meta", "link", "wbr"}


class NestingChecker(HTMLParser):
    """Collects mismatched end tags and the visible text (skipping <style>, <sup> tags and headings)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag in ("style", "sup", "h4", "script"):
            self.skip += 1

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag in ("style", "sup", "h4", "script"):
            self.skip -= 1

    def handle_data(self, text):
        if not self.skip:
            self.text.append(text)


def parse(markup: str) -> NestingChecker:
    checker = NestingChecker()
    checker.feed(markup)
    checker.close()
    return checker


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def full_render() -> str:
    return document_html(legend=False)


# --- DocumentReader: rendering -------------------------------------------------------------


def test_every_section_renders_with_its_own_text():
    """Does each of Lead, 1-7 render, showing the first words of each of its paragraphs?"""
    document = load_document()
    reader = DocumentReader()
    for key in widgets.SECTION_KEYS:
        reader.show_section(key)
        value = reader.text_view.value
        assert f'data-section="{key}"' in value
        visible = squash("".join(parse(value).text))
        span = widgets.section_range(document, key)
        paragraphs = [p for p in document.paragraphs if span.start <= p.span.start < span.end]
        assert paragraphs
        for paragraph in paragraphs:
            assert squash(paragraph.text) in visible


def test_full_render_has_one_citation_highlight_per_citation(full_render):
    """Does the whole-document render mark each of the 16 citations exactly once?"""
    ids = [c.citation_id for c in citations()]
    starts = re.findall(r'<span class="course-hl hl-citation" data-citation-id="(C\d+)"', full_render)
    assert len(starts) == len(ids) == 16
    assert sorted(starts) == sorted(ids)
    assert full_render.count('class="citation-tag"') == len(ids)


def test_every_claim_is_highlighted_exactly_once(full_render):
    """Does every claim row have exactly one (non-continuation) highlight with its id tag?"""
    claim_ids = data.claims()["claim_id"].tolist()
    starts = re.findall(r'<span class="course-hl hl-claim hl-claim-\w+" data-claim-id="(K\d+)"', full_render)
    assert sorted(starts) == sorted(claim_ids)


def test_render_is_well_nested_and_keeps_every_character(full_render):
    """Are the tags properly nested, and does the visible text equal the document (nothing lost or doubled)?"""
    checker = parse(full_render)
    assert checker.errors == []
    assert checker.stack == []
    assert squash("".join(checker.text)) == squash(load_document().text)


def test_crossing_highlights_are_split_not_misnested():
    """When two highlights cross, is the inner one closed and reopened (marked hl-cont) instead of producing bad HTML?"""
    outer = Highlight(1, 5, "claim", "A", ("a",), start_badge="A")
    inner = Highlight(3, 7, "quotation", "B", ("b",))
    out = render_marked_text("abcdefgh", 0, 8, [outer, inner])
    assert out == ('a<span class="a"><sup class="">A</sup>bc<span class="b">de</span></span>'
                   '<span class="b hl-cont">fg</span>h')
    assert parse(out).errors == []


def test_quotations_are_marked_as_speech_or_term(full_render):
    """Are quoted speech and quoted names styled differently (speech vs term), with the speaker named?"""
    assert 'class="course-hl hl-quote hl-quote-term"' in full_render
    assert 'data-speaker="Jean-Yves Le Drian"' in full_render
    assert full_render.count("hl-quote-speech") >= 10


def test_arabic_run_is_wrapped_right_to_left():
    """Is the Arabic hadith wrapped whole in a dir="rtl" span?"""
    document = load_document()
    longest = max((m.group(0) for m in ARABIC_RUN.finditer(document.text)), key=len)
    assert len(longest.split()) > 3
    rendered = document_html(7)
    assert f'<span dir="rtl" lang="ar">{html.escape(longest)}</span>' in rendered


def test_legend_uses_shapes_and_text_not_colour_alone():
    """Does the legend name a non-colour cue (box, italic, underline style, tag) for every highlight?"""
    legend = widgets.legend_html("checked")
    for cue in ("boxed", "italic", "upright", "solid", "double", "wavy", "dashed", "▶"):
        assert cue in legend
    for symbol, _ in VERDICT_DISPLAY.values():
        assert symbol in legend


# --- DocumentReader: interaction -------------------------------------------------------------


def test_claim_picker_lists_the_sections_claims():
    """Does the claim list hold exactly the claims recorded for the shown section, labelled 'K0xx type'?"""
    claims = data.claims()
    reader = DocumentReader(section=3)
    wanted = sorted(claims.loc[claims["section"] == 3, "claim_id"])
    assert sorted(value for _, value in reader.claim_picker.options) == wanted
    assert all(label.split()[0] == value and len(label.split()) == 2 for label, value in reader.claim_picker.options)
    reader.next_button.click()
    assert reader.section == 4
    assert sorted(v for _, v in reader.claim_picker.options) == sorted(claims.loc[claims["section"] == 4, "claim_id"])


def test_previous_and_next_buttons_move_and_stop_at_the_ends():
    """Do Previous/Next step through sections and disable themselves at Lead and 7?"""
    reader = DocumentReader()
    assert reader.section == 0 and reader.previous_button.disabled
    reader.next_button.click()
    assert reader.section == 1 and not reader.previous_button.disabled
    reader.show_section("7")
    assert reader.next_button.disabled
    reader.previous_button.click()
    assert reader.section == 6


def test_first_read_hides_verdicts_and_checked_shows_them():
    """For every claim: is the verdict absent in the first-read panel and present (with its explanation) when checked?"""
    verdict_words = [code for code in VERDICT_DISPLAY] + [label for _, label in VERDICT_DISPLAY.values()]
    for row in data.claims().to_dict("records"):
        first = widgets.claim_detail_html(row, "first_read")
        checked = widgets.claim_detail_html(row, "checked")
        assert not any(re.search(rf"\b{re.escape(word)}\b", first, re.I) for word in verdict_words), row["claim_id"]
        assert widgets.escape_text(row["rating_explanation"]) not in first
        assert VERDICT_DISPLAY[row["verdict"]][1] in checked
        assert widgets.escape_text(row["rating_explanation"]) in checked


def test_mode_toggle_switches_the_detail_panel():
    """Does flipping the mode toggle on a picked claim reveal, then hide again, its verdict?"""
    reader = DocumentReader(section=1)
    reader.select_claim("K004")
    label = VERDICT_DISPLAY[data.claims().set_index("claim_id").at["K004", "verdict"]][1]
    assert label not in reader.detail_view.value
    reader.mode_toggle.value = "checked"
    assert label in reader.detail_view.value
    reader.set_mode("first_read")
    assert label not in reader.detail_view.value


def test_selecting_a_claim_marks_it_and_lists_its_evidence_urls():
    """Does picking a claim mark it in the text and (checked mode) link every evidence page in a new tab?"""
    reader = DocumentReader(mode="checked", section=1)
    reader.claim_picker.value = "K004"
    assert re.search(r'<span class="course-hl hl-claim hl-claim-fact hl-selected" data-claim-id="K004"', reader.text_view.value)
    links = data.evidence_links(data.claims().set_index("claim_id").at["K004", "evidence_ids"])
    assert links
    for _, _, url in links:
        assert f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener">' in reader.detail_view.value


def test_select_claim_switches_to_its_section():
    """Does select_claim on a claim from another section move the reader there?"""
    reader = DocumentReader(section=1)
    reader.select_claim("K072")
    assert reader.section == 6 and reader.selected_claim == "K072"


def test_text_from_the_data_is_escaped(monkeypatch):
    """Is a claim text containing <script> shown as text, never as markup, in the panel and the static view?"""
    original = data.claims

    def poisoned():
        frame = original()
        frame.loc[frame["claim_id"] == "K004", "claim_text"] = '<script>alert("x")</script>'
        frame.loc[frame["claim_id"] == "K004", "rating_explanation"] = "<b onmouseover=alert(1)>x</b>"
        return frame

    monkeypatch.setattr(data, "claims", poisoned)
    reader = DocumentReader(mode="checked", section=1)
    reader.select_claim("K004")
    for markup in (reader.detail_view.value, reader.static_html()):
        assert "<script>" not in markup and "<b onmouseover" not in markup
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in markup
        assert "&lt;b onmouseover=alert(1)&gt;" in markup


def test_bad_arguments_name_the_valid_values():
    """Do a bad mode, section or claim id raise errors that list what is valid?"""
    with pytest.raises(ValueError, match="first_read, checked"):
        DocumentReader(mode="final")
    with pytest.raises(ValueError, match="valid sections"):
        DocumentReader(section=9)
    reader = DocumentReader()
    with pytest.raises(KeyError, match="K999"):
        reader.select_claim("K999")


# --- static fallback and mimebundle -------------------------------------------------------------


def assert_static(markup: str) -> None:
    assert markup.strip()
    for widget_only in ("<button", "<select", "<input", "<textarea", "<script", WIDGET_MIME, "model_id"):
        assert widget_only not in markup
    assert parse(markup).errors == []


def test_reader_static_html_is_the_whole_document_without_widgets():
    """Is the static rendering non-empty, widget-free, and does it show every section with the legend?"""
    markup = DocumentReader().static_html()
    assert_static(markup)
    assert all(f'data-section="{key}"' in markup for key in widgets.SECTION_KEYS)
    assert "Legend" in markup and "<details>" in markup


def test_reader_static_html_for_one_section_shows_only_it():
    """With a section chosen, does the static view show that section alone?"""
    markup = DocumentReader(section=2).static_html()
    assert 'data-section="2"' in markup and 'data-section="3"' not in markup


def test_mimebundle_has_widget_view_and_html():
    """Does each view's bundle carry the ipywidgets view of its container and the static HTML?"""
    for view in (DocumentReader(), ClaimSorter(), QuoteComparer("Q01")):
        bundle = view._repr_mimebundle_()
        assert bundle[WIDGET_MIME]["model_id"] == view.widget.model_id
        assert bundle["text/html"] == view.static_html()
        assert_static(bundle["text/html"])


def test_stable_css_classes_for_the_browser_test():
    """Do the containers and pickers carry the CSS classes the notebooks and Playwright test rely on?"""
    reader = DocumentReader()
    assert "course-document-reader" in reader.widget._dom_classes
    assert "course-claim-picker" in reader.claim_picker._dom_classes
    assert type(reader.claim_picker).__name__ == "ToggleButtons"  # the browser test clicks its buttons
    assert {"course-detail-view", "course-claim-detail"} <= set(reader.detail_view._dom_classes)
    assert 'class="course-hl ' in reader.text_view.value  # every highlight span carries course-hl
    assert "course-section-picker" in reader.section_picker._dom_classes
    assert "course-mode-toggle" in reader.mode_toggle._dom_classes
    assert "course-claim-sorter" in ClaimSorter().widget._dom_classes
    assert "course-quote-comparer" in QuoteComparer().widget._dom_classes


# --- ClaimSorter -------------------------------------------------------------


def expected_label(row: dict) -> str:
    """The documented rule, restated independently of the module."""
    if row["claim_type"] == "inference" and row["verdict"] == "not_checkable":
        return "value judgement"
    if row["claim_type"] in ("date", "number", "name", "event", "membership", "attribution"):
        return "fact"
    return row["claim_type"]


def test_default_sorter_covers_every_label_by_the_documented_rule():
    """Do the default sentences (about ten) follow the mapping rule and cover all five labels?"""
    claims = data.claims().set_index("claim_id")
    sorter = ClaimSorter()
    assert 8 <= len(sorter.items) <= 12
    for item in sorter.items:
        row = {"claim_id": item.claim_id, **claims.loc[item.claim_id].to_dict()}
        assert item.label == expected_label(row)
        start, end = item.target
        assert squash(item.text[start:end]) == squash(row["exact"])
    assert {item.label for item in sorter.items} == set(widgets.SORTER_LABELS)


def test_sorter_correct_answer_scores_and_explains():
    """Does a right answer say so, give the claim's paraphrase (and that a fact is checkable), and score 1 of 1?"""
    sorter = ClaimSorter(["K004"])
    assert sorter.check("fact") is True
    feedback = sorter.feedback_view.value
    assert "Yes" in feedback and "checked against the public record" in feedback
    assert html.escape(data.claims().set_index("claim_id").at["K004", "claim_text"]) in feedback
    assert sorter.score == (1, 1)


def test_sorter_wrong_answer_gives_the_right_label_and_first_answer_counts():
    """Does a wrong answer name the kit's label, and does a second try leave the score unchanged?"""
    sorter = ClaimSorter(["K027", "K070"])
    assert sorter.check("fact") is False
    assert "Not quite" in sorter.feedback_view.value and "“quotation”" in sorter.feedback_view.value
    assert sorter.check("quotation") is True
    assert sorter.score == (0, 1)
    sorter.next()
    assert sorter.label_picker.value is None and sorter.feedback_view.value == ""
    assert sorter.check("value judgement") is True
    assert sorter.score == (1, 2)
    assert "All sentences answered" in sorter.score_view.value


def test_sorter_check_without_a_label_asks_for_one():
    """Does pressing Check with nothing picked prompt the student without scoring?"""
    sorter = ClaimSorter()
    sorter.check_button.click()
    assert "Pick a label" in sorter.feedback_view.value
    assert sorter.score == (0, 0)


def test_sorter_rejects_a_label_set_that_cannot_hold_the_answers():
    """Does a label set missing an item's label fail with a message naming it?"""
    with pytest.raises(ValueError, match="'quotation'"):
        ClaimSorter(["K027"], labels=("fact", "inference"))
    with pytest.raises(ValueError, match="unknown label"):
        ClaimSorter(["K004"]).check("opinion")


def test_sorter_accepts_a_teachers_own_sentences():
    """Can a teacher pass plain sentences with labels and reasons?"""
    sorter = ClaimSorter([{"text": "It will rain <tomorrow>.", "label": "prediction", "reason": "About the future."}])
    assert "&lt;tomorrow&gt;" in sorter.sentence_view.value
    assert sorter.check("prediction") is True and "About the future." in sorter.feedback_view.value


def test_sorter_static_html_hides_answers_in_details():
    """Does the static sorter list every sentence with its answer inside a <details>?"""
    sorter = ClaimSorter()
    markup = sorter.static_html()
    assert_static(markup)
    assert markup.count("<details>") == len(sorter.items)


# --- QuoteComparer and word_diff -------------------------------------------------------------


def pairs() -> dict[str, dict]:
    return {row["pair_id"]: row for row in data.quote_comparisons().to_dict("records")}


def test_comparer_marks_word_differences_for_an_english_pair():
    """For Q01, are the original's words the document drops struck out and the document's new words inserted?"""
    comparer = QuoteComparer("Q01")
    view = comparer.comparison_view.value
    deleted = re.findall(r'<del class="diff"[^>]*>([^<]*)</del>', view)
    inserted = re.findall(r'<ins class="diff"[^>]*>([^<]*)</ins>', view)
    assert "spilled" in deleted and any("shed" in run for run in inserted)
    pair = pairs()["Q01"]
    assert html.escape(pair["note"]) not in view  # predict, then reveal
    comparer.reveal()
    view = comparer.comparison_view.value
    assert html.escape(widgets.RELATION_LABELS[pair["relation"]]) in view and html.escape(pair["note"]) in view
    assert f'href="{html.escape(pair["url"], quote=True)}" target="_blank" rel="noopener"' in view
    assert "How to read the marks" in view


def test_comparer_does_not_diff_a_french_pair():
    """For Q09 (French original), are both texts shown without diff marks, with a translation note?"""
    pair = pairs()["Q09"]
    assert pair["original_language"] == "fr"
    comparer = QuoteComparer()
    comparer.show("Q09")
    view = comparer.comparison_view.value
    assert "<del" not in view and "<ins" not in view
    assert "Translation comparison" in view and "French" in view
    assert html.escape(pair["original_text"]) in view and html.escape(pair["document_text"]) in view
    assert 'lang="fr"' in view


def test_comparer_static_html_lists_every_pair():
    """Without a chosen pair, does the static view show every pair?"""
    markup = QuoteComparer().static_html()
    assert_static(markup)
    assert all(f'data-pair-id="{pid}"' in markup for pid in pairs())


def test_comparer_rejects_an_unknown_pair():
    """Does an unknown pair id raise an error that lists the valid ids?"""
    with pytest.raises(KeyError, match="Q01"):
        QuoteComparer("Q99")


def test_word_diff_basic_operations():
    """Are equal, deleted, inserted and replaced words reported as documented?"""
    assert word_diff("the cat sat", "the dog sat") == [("equal", "the"), ("delete", "cat"), ("insert", "dog"), ("equal", "sat")]
    assert word_diff("a b c", "a b c") == [("equal", "a b c")]
    assert word_diff("a c", "a b c") == [("equal", "a"), ("insert", "b"), ("equal", "c")]
    assert word_diff("a b c", "a c") == [("equal", "a"), ("delete", "b"), ("equal", "c")]
    assert word_diff("", "") == []
    assert word_diff("", "new words") == [("insert", "new words")]


def test_word_diff_ignores_case_and_surrounding_punctuation():
    """Is 'Our country,' the same word run as 'our country'?"""
    assert word_diff("Our country, sinking", "our country sinking.") == [("equal", "Our country, sinking")]


def test_word_diff_rebuilds_both_texts_for_every_pair():
    """For every quote pair, do equal+delete rebuild the original and equal+insert the document's words?"""
    for pair in pairs().values():
        ops = word_diff(pair["original_text"], pair["document_text"])
        assert {op for op, _ in ops} <= {"equal", "delete", "insert"}
        rebuilt_a = " ".join(text for op, text in ops if op in ("equal", "delete"))
        assert rebuilt_a.split() == pair["original_text"].split()
        rebuilt_b = [w for op, text in ops if op in ("equal", "insert") for w in text.split()]
        assert [comparer._token_key(w) for w in rebuilt_b] == [comparer._token_key(w) for w in pair["document_text"].split()]


def test_comparer_hides_the_finding_until_revealed_and_again_after_a_new_pick():
    """Do the dropdown labels and the panel keep the relation hidden until the student asks for it?"""
    comparer = QuoteComparer()
    all_pairs = pairs()
    for label, pid in comparer.pair_picker.options:
        assert all_pairs[pid]["relation"].replace("_", " ") not in label
    relation_label = html.escape(widgets.RELATION_LABELS[all_pairs["Q13"]["relation"]])
    comparer.show("Q13")
    assert relation_label not in comparer.comparison_view.value
    comparer.reveal()
    assert relation_label in comparer.comparison_view.value
    comparer.show("Q01")
    comparer.show("Q13")
    assert relation_label not in comparer.comparison_view.value
    static = comparer.static_html()
    assert re.search(r"<details><summary>The kit's reading</summary>", static)


def test_sorter_feedback_never_names_another_label_as_the_kind():
    """Lesson 03 bug: sentences the kit counts as value judgements were explained as 'an inference'."""
    sorter = ClaimSorter()
    for number, item in enumerate(sorter.items):
        others = [label for label in sorter.labels if label != item.label]
        assert not any(re.search(rf"\b(?:is|an?) {re.escape(other)}\b", item.reason) for other in others), (number + 1, item.reason)
    assert "The labels:" in sorter.labels_view.value and all(label in sorter.labels_view.value for label in sorter.labels)


def test_sorter_back_restart_and_summary():
    """Can a student go back (seeing their first answer), finish with a summary, and restart from zero?"""
    sorter = ClaimSorter(["K004", "K027"])
    assert sorter.back_button.disabled
    sorter.check("quotation")
    sorter.next()
    sorter.check("quotation")
    assert sorter.next_button.description.startswith("Finish")
    sorter.back()
    assert sorter.index == 0 and sorter.label_picker.value == "quotation" and "Not quite" in sorter.feedback_view.value
    sorter.next()
    sorter.next_button.click()
    summary = sorter.summary_view.value
    assert "Summary: 1 of 2" in summary and summary.count("<tr>") == 3 and "✗ different" in summary and "✓ same" in summary
    sorter.restart_button.click()
    assert sorter.index == 0 and sorter.score == (0, 0) and sorter.summary_view.value == "" and sorter.label_picker.value is None


def test_every_claim_shows_its_verdict_in_checked_mode():
    """The teaching copies are gone (issue 20): checked mode shows every claim's verdict, never a blank "Verdict: ()"."""
    from course.lessons.widgets.marking import claim_badge

    for claim_id, row in data.claims().set_index("claim_id").iterrows():
        row = row.to_dict() | {"claim_id": claim_id}
        panel = widgets.claim_detail_html(row, "checked")
        assert "Verdict:" in panel and "()" not in panel.split("Verdict:")[1].split("</p>")[0], claim_id
        assert not claim_badge(row, "checked").rstrip().endswith("·"), claim_id

