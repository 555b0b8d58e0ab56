"""The one vocabulary (notebooks/vocabulary.toml): complete for the data package, read on use, filled by templates."""

import json
import subprocess
import sys

import pytest

from course import paths
from course.evidence import vocabulary

#: vocabulary kind -> (resource, field) whose enum it must cover exactly.
ENUMS = {
    "verdict": ("claims", "verdict"),
    "relation": ("quote_pairs", "relation"),
    "comparison": ("citations", "comparison"),
    "claim_type": ("claims", "claim_type"),
}


def _enum(resource: str, field: str) -> list[str]:
    package = json.loads(paths.data_file("datapackage.json").read_text(encoding="utf-8"))
    for entry in package["resources"]:
        if entry["name"] == resource:
            return next(f for f in entry["schema"]["fields"] if f["name"] == field)["constraints"]["enum"]
    raise AssertionError(f"no resource {resource}")


@pytest.mark.parametrize("kind", sorted(ENUMS))
def test_each_kind_has_words_for_exactly_the_values_the_data_package_allows(kind):
    """Does every value a table may hold have a label, and no label name a value that cannot occur?"""
    assert list(vocabulary.terms(kind)) == _enum(*ENUMS[kind])


def test_weaknesses_are_the_ones_data_readme_defines():
    readme = paths.data_file("README.md").read_text(encoding="utf-8")
    section = readme.split("### Reasoning weaknesses", 1)[1].split("###", 1)[0]
    defined = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
    assert list(vocabulary.WEAKNESSES) == defined


def test_every_term_has_a_label_and_an_explanation_and_verdicts_a_symbol():
    for kind in vocabulary.kinds():
        for value, term in vocabulary.terms(kind).items():
            assert term.label.strip() and term.explanation.strip(), (kind, value)
    symbols = [term.symbol for term in vocabulary.VERDICTS.values()]
    assert all(symbols) and len(set(symbols)) == len(symbols)


def test_shown_fills_the_kinds_template_so_a_translation_can_reorder_it(tmp_path, monkeypatch):
    """The words on screen come from the kind's template, not from Python: change the template, the words follow."""
    assert vocabulary.shown("weakness", "post_hoc") == "Post hoc: because B followed A, A caused B"
    assert vocabulary.shown("verdict", "inaccurate") == "✗ Inaccurate"
    (tmp_path / vocabulary.FILE_NAME).write_text(
        '[weakness]\nshown = "{explanation} ({label})"\n'
        '[weakness.terms.post_hoc]\nlabel = "Post hoc"\nexplanation = "B suivit A"\n', encoding="utf-8")
    monkeypatch.setattr(paths, "notebooks_dir", lambda: tmp_path)
    assert vocabulary.shown("weakness", "post_hoc") == "B suivit A (Post hoc)"
    assert vocabulary.label("weakness", "cherry_picking", default="?") == "?"
    with pytest.raises(KeyError, match="no vocabulary kind 'verdict'"):
        vocabulary.label("verdict", "accurate")


def test_older_names_are_views_of_the_vocabulary():
    from course.evidence.claimreview import RATING_NAMES
    from course.evidence.skills import SKILLS, label
    from course.lessons.charts import VERDICT_COLOURS
    from course.lessons.widgets import RELATION_LABELS, VERDICT_DISPLAY

    assert VERDICT_DISPLAY["partly_accurate"] == ("◐", "Partly accurate")
    assert RATING_NAMES["not_checkable"] == "Not checkable"
    assert VERDICT_COLOURS["not_checkable"]["label"] == "not checkable"
    assert RELATION_LABELS["translation"] == vocabulary.RELATIONS["translation"].label
    assert SKILLS["lateral-reading"][0] == label("lateral-reading") == "Find better coverage"
    with pytest.raises(KeyError):
        VERDICT_DISPLAY["false"]


def test_no_content_file_is_read_when_the_wings_are_imported():
    """Importing the lessons, evidence and grading modules reads no TOML: the words are read on first use."""
    probe = (
        "import tomllib, sys\n"
        "calls = []\n"
        "real_load, real_loads = tomllib.load, tomllib.loads\n"
        "tomllib.load = lambda *a, **k: calls.append('load') or real_load(*a, **k)\n"
        "tomllib.loads = lambda *a, **k: calls.append('loads') or real_loads(*a, **k)\n"
        "import course.lessons.practice, course.lessons.widgets, course.lessons.charts, course.lessons.exercises\n"
        "import course.evidence.claimreview, course.evidence.skills, course.evidence.record, course.lessons.workspace\n"
        "import course.grading.reports.itemfigure, course.grading.reports.feedback, course.grading.reports.grades, course.grading.reports.autograde\n"
        "print(len(calls))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=paths.REPO_ROOT, check=True)
    assert result.stdout.strip() == "0", result.stdout + result.stderr
