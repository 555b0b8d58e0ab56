"""The lessons' words as data (course.lessons.content): templates, counted nouns, lists, lazy tables."""

from __future__ import annotations

import pytest

from course.lessons import content


def test_text_fills_a_template_from_words_toml():
    assert content.text("sorter", "progress", number=2, total=11).startswith("Sentence 2 of 11.")
    assert content.text("charts.verdicts", "section", number=3) == "Section 3"


def test_counted_nouns_take_the_plural_form_the_language_gives():
    """English: one for 1 only. A French words.toml uses one for 0 and 1 (CLDR), from the same code."""
    assert [content.counted("event", n) for n in (0, 1, 2)] == ["0 events", "1 event", "2 events"]
    assert content.PLURAL_RULES["fr"](0) == content.PLURAL_RULES["fr"](1) == "one"
    assert content.PLURAL_RULES["fr"](2) == content.PLURAL_RULES["en"](0) == "other"


def test_a_translated_words_file_changes_the_words_and_their_order(tmp_path, monkeypatch):
    (tmp_path / "words.toml").write_text(
        '[meta]\nlanguage = "fr"\n[counts.event]\none = "{count} événement"\nother = "{count} événements"\n'
        '[common.lists]\nlist_separator = ", "\nlist_last = " et "\n'
        '[sorter]\nprogress = "Phrase {number} sur {total}."\n', encoding="utf-8")
    monkeypatch.setattr(content, "NOTEBOOKS_DIR", tmp_path)
    assert content.counted("event", 0) == "0 événement"
    assert content.joined(["a", "b", "c"]) == "a, b et c"
    assert content.text("sorter", "progress", total=11, number=2) == "Phrase 2 sur 11."


def test_sections_and_listings_read_on_use_and_name_what_is_missing():
    labels = content.Listing("sorter.toml", "labels")
    reasons = content.Section("sorter.toml", "reasons")
    assert "fact" in list(labels) and set(reasons) >= set(labels)
    with pytest.raises(KeyError):
        content.Section("words.toml", "no_such_table")["x"]
    with pytest.raises(FileNotFoundError, match="missing"):
        content.load("no-such-file.toml")
