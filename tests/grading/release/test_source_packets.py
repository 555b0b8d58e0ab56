"""Source packets (course.grading.release.packets builds them, course.lessons.packets draws them)."""

from __future__ import annotations

import json
import sys

from course import paths
from course.evidence import bank
from course.grading.release import packets
from course.lessons.packets import show_packet


def test_every_packet_file_is_a_fresh_build_of_bank_packets_toml():
    assert packets.stale() == [], "run: python -m course build"


def test_every_card_resolves_to_a_page_and_every_quote_to_its_facts():
    pages = bank.full_table("evidence").set_index("evidence_id")
    facts = bank.full_table("evidence_facts").set_index("fact_id")
    cards = 0
    for assignment, questions in packets.spec().items():
        shipped = json.loads(packets.packet_path(assignment).read_text(encoding="utf-8"))
        for question, entry in questions.items():
            shown = shipped["questions"][question]
            rows = [c for c in shown if "row_id" in c]
            page_ids = entry.get("pages", []) if isinstance(entry, dict) else entry
            assert [c["row_id"] for c in rows] == sorted(entry["ids"] if isinstance(entry, dict) else [])
            for row in rows:  # a candidate row shows the columns asked for, and only those
                assert {f["column"] for f in row["fields"]} <= set(entry["columns"])
            shown = [c for c in shown if "row_id" not in c]
            assert [c["evidence_id"] for c in shown] == sorted(page_ids)  # id order: says nothing about the answer
            for card in shown:
                cards += 1
                assert card["url"] == pages.at[card["evidence_id"], "url"] and card["quotes"]
                for quote in card["quotes"]:
                    assert facts.at[quote["fact_id"], "evidence_id"] == card["evidence_id"]
                    assert facts.at[quote["fact_id"], "quote"] == quote["quote"]
                assert set(card) == {*packets.CARD_FIELDS, "quotes"}  # no desk summary: those compare with the document
    assert cards >= 50


def test_a_packet_names_a_page_nobody_read(tmp_path, monkeypatch):
    (tmp_path / "packets.toml").write_text('[ps1-provenance-and-citations]\nq1 = ["ZZZ999"]\n', encoding="utf-8")
    monkeypatch.setattr(paths, "bank_dir", lambda: tmp_path)
    try:
        packets.build("ps1-provenance-and-citations")
    except packets.PacketError as exc:
        assert "ZZZ999" in str(exc)
    else:
        raise AssertionError("a page no desk read was packed")


def test_cards_show_outlet_date_and_quotes_escaped(tmp_path):
    packet = json.loads(packets.render("ps2-claims-and-evidence"))
    packet["questions"]["q1"][0]["quotes"].append({"fact_id": "X", "quote": "<script>alert(1)</script>"})
    (tmp_path / "packets.json").write_text(json.dumps(packet), encoding="utf-8")
    shown = show_packet("q1", tmp_path)
    html = shown._repr_html_()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    first = packet["questions"]["q1"][0]
    assert first["outlet"].split(" (")[0] in html and first["evidence_id"] in repr(shown)
    assert html.count("<article") == len(packet["questions"]["q1"])


def test_the_graded_copy_carries_the_packets_heading_only(tmp_path, monkeypatch):
    """While nbgrader autogrades, the packet cell prints its heading alone: the graded copy is Formgrader's grading
    page, where seven questions of cards stood between the grader and the written answers (issue 22)."""
    packet = json.loads(packets.render("ps2-claims-and-evidence"))
    (tmp_path / "packets.json").write_text(json.dumps(packet), encoding="utf-8")
    in_notebook = show_packet("q1", tmp_path)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    graded = show_packet("q1", tmp_path)
    assert "<article" not in graded._repr_html_() and "<article" in in_notebook._repr_html_()
    assert repr(graded) == repr(in_notebook).split("\n")[0]  # the heading: "Source packet for Q1: N pages" or the like
    assert len(graded._repr_html_()) < len(in_notebook._repr_html_()) / 10


def test_a_missing_packet_is_one_sentence_not_a_traceback(tmp_path):
    assert "packets.json" in repr(show_packet("q1", tmp_path))


def test_drawing_a_packet_loads_nothing_heavy():
    """A grading kernel runs the packet cell: it must not pull in pandas, matplotlib or ipywidgets, nor the
    lessons' content files (a grading kernel has no notebooks/ folder)."""
    import subprocess

    code = ("import sys, course.lessons.packets as p; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'ipywidgets', 'course.lessons.content') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
