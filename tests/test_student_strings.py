"""Student-visible words live in data files: a test fails when one is written into Python.

The scan (``tests/student_strings.py``) covers ``course/lessons``,
``course/evidence`` and the grading wing's student- and instructor-facing
reports. Words not yet moved to data are counted per module in
``tests/student_strings_debt.toml``: a module may not gain one, and when one
moves out its count must come down (so the ledger only shrinks).
"""

from __future__ import annotations

import collections
import shutil
import tomllib
from pathlib import Path

import pytest

import student_strings
from course import paths

LEDGER = Path(__file__).with_name("student_strings_debt.toml")


def _ledger() -> dict[str, int]:
    return tomllib.loads(LEDGER.read_text(encoding="utf-8"))["remaining"]


def _counts(found) -> dict[str, int]:
    return dict(collections.Counter(item.module for item in found))


def test_no_module_gains_a_student_visible_literal():
    """Does any scanned module hold more prose literals than the ledger allows? Each extra one is listed."""
    found = student_strings.scan()
    ledger = _ledger()
    over = {module: count for module, count in _counts(found).items() if count > ledger.get(module, 0)}
    listing = "\n".join(str(item) for item in found if item.module in over)
    assert not over, f"student-visible words written in Python (move them to notebooks/*.toml):\n{listing}"


def test_the_ledger_comes_down_when_words_move_to_data():
    """Is the ledger exact? A count above what the scan finds would leave room for a new literal."""
    counts = _counts(student_strings.scan())
    slack = {module: (allowed, counts.get(module, 0)) for module, allowed in _ledger().items()
             if allowed != counts.get(module, 0)}
    assert not slack, f"lower these counts in {LEDGER.name} to what the scan finds (ledger, found): {slack}"


SAMPLE = '''
"""A sample widget module (its docstring is for developers)."""
import logging
import ipywidgets as widgets
from course.lessons import content

STYLE = "<style>.x { color: red; } .y p { margin: 0 }</style>"
FILE = "practice.toml"

def build(count, total):
    """Build it."""
    if count < 0:
        raise ValueError(f"count must be at least zero, got {count}")
    logging.getLogger(__name__).warning("slow path taken for %s", count)
    button = widgets.Button(description=content.words("sample", "check"), layout=widgets.Layout(width="auto"))
    note = content.words("sample", "count").format(count=count, total=total)
    return f'<div class="course-doc" data-id="{count}"><p>{note}</p></div>', button, STYLE, FILE

class View:
    def __repr__(self):
        return f"View(sentence {1} of {2})"
'''


def test_markup_ids_templates_and_developer_messages_are_not_flagged():
    assert student_strings.scan_source(SAMPLE, "course/lessons/widgets/sample.py", exempt={}) == []


@pytest.mark.parametrize("planted", [
    'widgets.Button(description="Show the answer")',
    'f"<p><strong>Score:</strong> {count} of {total} answered</p>"',
    'ax.set_title("Verdicts per section")',
    '{"first_read": "First read"}',
])
def test_a_planted_literal_is_found(planted):
    """Is a student-visible literal found, whether a widget label, HTML with words, a chart title or a label table?"""
    source = SAMPLE.replace("    return f'<div", f"    shown = {planted}\n    return f'<div")
    found = student_strings.scan_source(source, "course/lessons/widgets/sample.py", exempt={})
    assert len(found) == 1 and found[0].function == "build", found


def test_planting_a_literal_in_a_scratch_copy_of_the_kit_fails_the_ledger(tmp_path):
    """The real check, on a scratch copy of course/ with one widget label written back into Python."""
    shutil.copytree(paths.PACKAGE_DIR, tmp_path / "course", ignore=shutil.ignore_patterns("__pycache__", "_data", "_notebooks"))
    target = tmp_path / "course" / "lessons" / "widgets" / "explorer.py"
    source = target.read_text(encoding="utf-8")
    target.write_text(source + '\n\nEXTRA_NOTE = "Pick an actor to redraw the chart."\n', encoding="utf-8")
    before = _counts(student_strings.scan())
    after = _counts(student_strings.scan(tmp_path))
    module = "course/lessons/widgets/explorer.py"
    assert after[module] == before.get(module, 0) + 1
    assert {m: c for m, c in after.items() if m != module} == {m: c for m, c in before.items() if m != module}
