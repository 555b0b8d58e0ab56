"""The lessons' activities: page excerpts for lateral reading and tracing (00, 01) and the prediction check (08)."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from course import paths
from course.evidence import data, record
from course.lessons import excerpts
from course.lessons.widgets import predictions


# ---------------------------------------------------------------------------
# Page excerpts
# ---------------------------------------------------------------------------


def test_every_excerpt_page_names_its_outlet_url_and_reading_date():
    """Each page has an outlet, a web address, the day it was read, a speaker line and at least one quote."""
    for spec in excerpts.excerpt_sets().values():
        assert len(spec["page"]) >= 3, f"{spec['id']}: an activity needs several pages to compare"
        for page in spec["page"]:
            assert page["outlet"] and page["who"] and page["quotes"], page
            assert re.match(r"https?://", page["url"]), page["url"]
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", page["read_on"]), page
            assert page["published"] == "" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", page["published"]), page
            assert all(len(q) >= 20 for q in page["quotes"]), "a quote too short to check"


def test_a_page_the_data_package_also_holds_has_the_same_address():
    """A page named by evidence id is the same page as in data/evidence.csv (so the two cannot drift apart)."""
    pages = data.evidence().set_index("evidence_id")
    named = [p for s in excerpts.excerpt_sets().values() for p in s["page"] if p.get("evidence_id")]
    assert named, "at least one excerpt page is also in the data package"
    for page in named:
        assert page["evidence_id"] in pages.index, page["evidence_id"]
        assert pages.at[page["evidence_id"], "url"].rstrip("/") == page["url"].rstrip("/")


def test_the_document_words_of_a_trace_are_the_document_s_own():
    """The sentence a student traces is quoted exactly from the primary document."""
    from course.document import load_document

    text = load_document().text
    traces = [s for s in excerpts.excerpt_sets().values() if s.get("document_words")]
    assert traces
    for spec in traces:
        assert text.count(spec["document_words"]) == 1, spec["document_words"]


def test_the_trace_is_built_on_a_teaching_row_not_a_graded_one():
    """Lesson 01's trace uses citation C03 and pair Q01: both in data/, neither in the assessment bank."""
    from course.evidence import bank

    banked = bank.banked_ids()
    assert "C03" in set(data.citations()["citation_id"]) and "C03" not in banked["citations"]
    assert "Q01" in set(data.quote_pairs()["pair_id"]) and "Q01" not in banked["quote_pairs"]
    keys = "\n".join(p.read_text(encoding="utf-8") for p in (paths.bank_dir() / "keys").glob("*.toml"))
    assert not re.search(r"\b(C03|Q01)\b", keys)


def test_excerpt_cards_show_the_page_its_speaker_and_its_words():
    shown = excerpts.show_excerpts("origin-keita")
    spec = excerpts.excerpt_sets()["origin-keita"]
    assert shown.html.count("<article") == len(spec["page"])
    assert "Who is speaking on this page" in shown.html and 'lang="fr"' in shown.html
    assert "published 19 August 2020" in shown.html
    assert "He does not want blood to be shed in order to remain in power." in repr(shown)
    # escaped, never raw: a quote with markup stays text
    assert "<script" not in excerpts.card_html(1, {**spec["page"][0], "quotes": ["<script>alert(1)</script> and more words"]}, excerpts.words())


def test_an_unknown_excerpt_set_names_the_known_ones():
    with pytest.raises(KeyError, match="publisher"):
        excerpts.show_excerpts("nope")


def test_new_exercises_fill_their_model_answers():
    from course.lessons.exercises import exercises, fill

    for exercise_id in ("00-read-laterally", "01-trace-origin"):
        model = fill(exercises()[exercise_id]["model"])
        assert "{" not in model and len(exercises()[exercise_id]["points"]) >= 3
    assert data.quote_pairs().set_index("pair_id").at["Q01", "note"] in fill(exercises()["01-trace-origin"]["model"])


# ---------------------------------------------------------------------------
# The prediction check (lesson 08)
# ---------------------------------------------------------------------------


@pytest.fixture
def check(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # reasons are saved to my-answers.json in the working folder
    return predictions.PredictionCheck()


def test_the_check_offers_every_prediction_and_every_later_event(check):
    claims = data.claims()
    assert [value for _, value in check.prediction_picker.options] == sorted(claims[claims["claim_type"] == "prediction"]["claim_id"])
    later = record.events_after_document()
    assert len(check.events) == len(later) and (check.events["date"] > record.document_date()).all()
    assert check.status.value.endswith(f"of {len(later)}, oldest first</span>")


def test_every_event_category_has_words():
    """Every category the schema allows has plain words (a new one would otherwise show as a KeyError)."""
    schema = json.loads((paths.REPO_ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    [events] = [r for r in schema["resources"] if r["name"] == "events"]
    [category] = [f for f in events["schema"]["fields"] if f["name"] == "category"]
    assert set(category["constraints"]["enum"]) == set(predictions.words()["categories"])


def test_paging_moves_five_events_at_a_time_and_stops_at_both_ends(check):
    total = len(check.events)
    assert check.previous_button.disabled and not check.next_button.disabled
    first = check.events_view.value
    check.next_button.click()
    assert "Events 6–10" in check.status.value and check.events_view.value != first and not check.previous_button.disabled
    for _ in range(total):
        check.next_button.click()
    assert check.next_button.disabled and f"of {total}" in check.status.value
    last_start = (total - 1) // predictions.PAGE_SIZE * predictions.PAGE_SIZE
    assert check.start == last_start
    check.previous_button.click()
    assert check.start == last_start - predictions.PAGE_SIZE


def test_filters_keep_only_events_of_that_kind_and_year(check):
    check.next_button.click()
    check.kind_picker.value = "coup"
    coups = check.events[check.events["category"] == "coup"]
    assert check.start == 0 and f"of {len(coups)}," in check.status.value
    for title in coups["title"].head(predictions.PAGE_SIZE):
        assert predictions.escape_text(title) in check.events_view.value
    check.year_picker.value = 2022
    kept = check.shown_events()
    assert len(kept) >= 1 and all(str(d).startswith("2022") for d in kept["date"]) and set(kept["category"]) == {"coup"}
    check.year_picker.value = 2020  # no coup between the document's date and the end of 2020 (Mali's second was in 2021)
    assert check.shown_events().empty and "No event of this kind" in check.events_view.value
    assert check.next_button.disabled and check.previous_button.disabled


def test_each_event_shows_its_sources(check):
    first = check.events.iloc[0]
    for _, outlet, url in data.evidence_links(first["evidence_ids"]):
        assert predictions.escape_text(url) in check.events_view.value or url.replace("&", "&amp;") in check.events_view.value


def test_the_desk_s_check_waits_for_a_judgement_and_a_reason(check, tmp_path):
    claim = check.claim()
    assert check.record_button.disabled and check.record() is False and claim["rating_explanation"] not in check.desk_view.value
    check.judgement_picker.value = "partly"
    assert check.record_button.disabled  # a judgement without a reason is not enough
    check.reason_box.value = "Coups followed in Guinea (2021) and Niger (2023), but Russia gained, not the US."
    assert not check.record_button.disabled
    check.record_button.click()
    shown = check.desk_view.value
    assert "You judged: Partly borne out." in shown and predictions.escape_text(claim["rating_explanation"]) in shown
    for title in predictions.linked_events(claim["claim_id"])["title"]:
        assert predictions.escape_text(title) in shown
    saved = json.loads((tmp_path / "my-answers.json").read_text(encoding="utf-8"))
    assert saved == {predictions.answer_id(claim["claim_id"]): check.reason_box.value}


def test_switching_prediction_hides_the_desk_and_brings_back_that_prediction_s_reason(check):
    first, second = [value for _, value in check.prediction_picker.options]
    check.judgement_picker.value = "borne_out"
    check.reason_box.value = "my reason for the first"
    check.record()
    check.prediction_picker.value = second
    assert check.desk_view.value == "" and check.judgement_picker.value is None and check.reason_box.value == ""
    assert predictions.escape_text(check.claim()["exact"]) in check.prediction_view.value
    check.prediction_picker.value = first
    assert check.reason_box.value == "my reason for the first"


def test_static_fallback_lists_the_record_and_keeps_the_desk_s_check_collapsed(check):
    from course.lessons.practice.findings import text_units

    static = check.static_html()
    with_pages = sum(1 for ids in check.events["evidence_ids"] if data.evidence_links(ids))
    assert static.count("<li><h4>") == len(check.events) and static.count('class="event-sources"') == with_pages > 0
    visible = "\n".join(text_units(static))
    assert f"{len(check.events)} events, oldest first" in visible  # the record is one click away, not a long page
    assert check.events.iloc[0]["description"][:40] not in visible
    for claim in check.claims:
        assert claim["rating_explanation"][:60] not in visible  # only behind a closed <details>
        assert claim["rating_explanation"][:60] in static


def test_every_control_is_a_button_so_no_arrow_key_is_needed(check):
    """Keyboard: ToggleButtons and Buttons take Tab and Enter/Space; no Dropdown or radio list whose arrows JupyterLab takes."""
    import ipywidgets as widgets

    def walk(widget):
        yield widget
        for child in getattr(widget, "children", ()):
            yield from walk(child)

    kinds = {type(w) for w in walk(check.widget)}
    assert widgets.ToggleButtons in kinds and widgets.Button in kinds
    assert not kinds & {widgets.Dropdown, widgets.RadioButtons, widgets.Select, widgets.SelectionSlider}
