"""Nothing a student can reach gives a graded item's answer away (issue: the answer key stays with the grader).

The scan (course.grading.release.keyleaks) looks in every file of a student-side layout for a unit (a CSV row, a few
lines) that names an item and holds one of its answers or giveaway facts. Each route that once leaked is put
back, one at a time, to show the scan bites.
"""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from course import paths
from course.evidence import editions
from course.grading import classdir
from course.grading.release import keyleaks

PROBLEM_SETS = [a for a in classdir.assignment_ids() if a.startswith("ps")]


@pytest.fixture(scope="module")
def items():
    found = keyleaks.items_from_sources({a: classdir.source_notebook(a) for a in PROBLEM_SETS}, paths.bank_dir() / "keys")
    assert len(found) >= 25 and all(item.identifiers for item in found if item.kind != "span")
    return found


@pytest.fixture(scope="module")
def student_data(tmp_path_factory):
    return editions.student_edition(tmp_path_factory.mktemp("student") / "data")


def _report(hits) -> str:
    return "\n".join(f"{h.item}: {h.path}: {h.found!r} in {h.unit[:120]!r}" for h in hits[:20])


def test_the_scan_finds_the_key_in_the_grader_s_own_files(items):
    """The bank holds every finding and key: if the scan found nothing there it could not find anything."""
    hits = keyleaks.scan(paths.bank_dir(), items)
    assert len({h.item for h in hits}) >= 20, _report(hits)  # all but the bool and span items, which name no row


def test_the_student_data_folder_holds_no_answer(items, student_data):
    hits = keyleaks.scan(student_data, items)
    assert hits == [], _report(hits)


def test_the_installed_package_holds_no_answer(items):
    """What a hub student's kernel imports: the course package (the wheel adds data/ as the student edition)."""
    hits = keyleaks.scan(paths.PACKAGE_DIR, items)
    assert hits == [], _report(hits)


def test_route_a_bank_row_put_back_into_the_data(items, student_data, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(student_data, folder)
    banked = next(r for r in csv.DictReader((paths.bank_dir() / "claims.csv").open(encoding="utf-8")) if r["claim_id"] == "K015")
    with (folder / "claims.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(banked), lineterminator="\n").writerow(banked)
    hits = keyleaks.scan(folder, items)
    assert any(h.item.endswith(":q1") and h.found == "inaccurate" for h in hits), _report(hits)


def test_route_prose_that_settles_an_item(items, student_data, tmp_path):
    """An event description that names the answer beside the item's identifier (the source of "16 of 25")."""
    folder = tmp_path / "data"
    shutil.copytree(student_data, folder)
    with (folder / "events.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write('EV999,2012-10-12,,x,"The Reuters report on Pham (C07) was published on 2020-08-21.",other,,false,,\n')
    hits = keyleaks.scan(folder, items)
    assert any(h.item.startswith("ps3") and h.found == "2020-08-21" for h in hits), _report(hits)


def test_route_a_finding_in_a_source_packet(items, tmp_path):
    """A packet carries evidence: a page id or a date may answer its own item, but a label never may."""
    source = paths.assignments_dir() / "ps1-provenance-and-citations" / "packets.json"
    packet = json.loads(source.read_text(encoding="utf-8"))
    card = packet["questions"]["q1"][0]
    card["quotes"].append({"fact_id": "X", "quote": "C05: the document's rendering is misattributed"})
    folder = tmp_path / "ps1-provenance-and-citations"
    folder.mkdir()
    (folder / "packets.json").write_text(json.dumps(packet), encoding="utf-8")
    hits = keyleaks.scan(tmp_path, items)
    assert any(h.item.endswith("ps1-provenance-and-citations:q1") and h.found == "misattributed" for h in hits), _report(hits)


def test_released_packets_carry_evidence_only(items, tmp_path):
    """Every packet file as shipped: no label answer anywhere, no answer of another item beside its identifier."""
    for assignment in PROBLEM_SETS:
        packet = paths.assignments_dir() / assignment / "packets.json"
        if packet.is_file():
            scratch = tmp_path / assignment
            scratch.mkdir()
            shutil.copy(packet, scratch / "packets.json")
            hits = keyleaks.scan(tmp_path, items)
            assert hits == [], _report(hits)


@pytest.mark.slow
@pytest.mark.usefixtures("no_external_gradebook")
def test_the_released_assignments_hold_no_answer(items, tmp_path):
    """The release as nbgrader writes it with the kit's configuration: notebooks, packets and every other file."""
    from course.grading.run import verbs
    from course.grading.classdir import open_api

    api = open_api(tmp_path / "class", create=True, private_gradebook=True)
    verbs.release("all", api=api)
    hits = keyleaks.scan(tmp_path / "class" / "release", items)
    assert hits == [], _report(hits)
    assert (tmp_path / "class" / "release" / "ps2-claims-and-evidence" / "packets.json").is_file()
