"""Issue 19, hostile HTML: no student HTML or script runs in Formgrader or in feedback; the caps hold however
a picture or an output is spelled.

The fast tests render a hostile notebook (tests/grading/hostile_html.py) through the exporters nbgrader
builds from the repository's nbgrader_config.py (GenerateFeedback's and Formgrader's) and parse the HTML;
the same render with nbgrader's stock settings must show live script, so the check can fail. The slow
ones grade a real hostile submission (sandboxed), write its feedback both ways (``python -m course
feedback`` and plain ``nbgrader generate_feedback``), check the autograded notebook's caps, and open the
feedback and Formgrader's grading page in Chromium (tests/grading/test_hostile_html_browser.py).
"""

from __future__ import annotations

import copy
import json
import re

import pytest
from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

import hostile_html as hh
from course.grading import classdir
from course.grading.run import demo
from course.grading.preprocessors.cap_attachments import MAX_ATTACHMENT_BYTES, CapAttachments
from course.grading.reports.feedback import FEEDBACK_CSP, md_text, sanitize_html, summary_markdown
from course.grading.sandbox.outputs import TRUNCATION_MARKER, truncate_outputs

ASSIGNMENT = "ps1-provenance-and-citations"


class FakeGrades(Preprocessor):
    """Stands in for nbgrader's GetGrades (which needs a gradebook): a score on every graded cell, a comment."""

    def preprocess_cell(self, cell, resources, index):
        grade = cell.metadata.get("nbgrader", {})
        if grade.get("grade") or grade.get("task"):
            grade["score"] = float(grade.get("points") or 0)
            grade.setdefault("points", 0)
        if grade.get("solution"):
            grade["comment"] = "Grader's comment."
        return cell, resources


@pytest.fixture(scope="module")
def hostile_nb():
    source, release = demo.source_and_release(ASSIGNMENT)
    nb = demo.build_submission(source, release, "perfect")[0]
    hh.inject(nb, with_outputs=True)
    return nb


def feedback_html(nb, config) -> str:
    """``nb`` rendered by the exporter and preprocessors GenerateFeedback builds from ``config``."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import GetGrades

    converter = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
    exporter = converter.exporter_class(parent=converter, config=converter.config)  # as BaseConverter.start does
    for step in converter.preprocessors:
        exporter.register_preprocessor(FakeGrades if step in (GetGrades, "nbgrader.preprocessors.GetGrades") else step, enabled=True)
    resources = {"nbgrader": {"notebook": ASSIGNMENT, "score": 1.0, "max_score": 2.0, "late_penalty": 0}}
    return exporter.from_notebook_node(copy.deepcopy(nb), resources=resources)[0]


def formgrader_html(nb, config) -> str:
    """``nb`` rendered as Formgrader's grading page renders it: ``HTMLExporter(config=...)`` on its template."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers

    config = copy.deepcopy(config)
    config.HTMLExporter.template_name = "formgrade"  # FormgradeExtension.build_extra_config
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {"assignment_id": ASSIGNMENT, "notebook_id": ASSIGNMENT, "submission_id": "s1", "index": 0, "total": 1,
                 "base_url": "", "student": "hostile-html", "last_name": "L", "first_name": "F", "notebook_path": "x"}
    nb = copy.deepcopy(nb)
    FakeGrades().preprocess(nb, {})
    return HTMLExporter(config=config).from_notebook_node(nb, resources=resources)[0]


def stock_config():
    """The repository's configuration without the kit's HTML settings (what nbgrader 0.9.6 does by itself)."""
    config = copy.deepcopy(classdir.nbgrader_config())
    config.HTMLExporter = type(config)()
    config.GenerateFeedback.pop("exporter_class", None)
    return config


def markers(problems: list[str]) -> set[int]:
    return {int(n) for n in re.findall(r"__pwned_(\d+)", " ".join(problems))}


def test_feedback_renders_every_payload_inert_and_stock_settings_do_not(hostile_nb):
    """Through GenerateFeedback as nbgrader_config.py configures it: no live script, CSP first in <head>;
    the same notebook with nbgrader's own settings runs the markdown, output, metadata and grade-id payloads."""
    html = feedback_html(hostile_nb, classdir.nbgrader_config())
    assert hh.live_script(html) == []
    head = html[:html.index("</head>")]
    assert f'<meta http-equiv="Content-Security-Policy" content="{FEEDBACK_CSP}">' in head
    assert head.index("Content-Security-Policy") < head.index("<script")  # before the template's MathJax tags
    for payload in ("<script>window.__pwned_1 = 1</script>", "onerror=", "window.__pwned_10"):
        assert payload.replace("<", "&lt;").replace(">", "&gt;") in html or payload in html  # still readable, as text
    stock = markers(hh.live_script(feedback_html(hostile_nb, stock_config())))
    assert {1, 2, 4, 5, 6, 7, 8, 11, 13, 14, 15, 16} <= stock, stock


def test_formgrader_page_renders_every_payload_inert_and_sanitize_html_alone_does_not(hostile_nb):
    """Formgrader's template with the repository's config: no live script. nbconvert's sanitize_html alone
    leaves nbgrader's markdown cells, image sizes and grade ids live (nbgrader's templates bypass it)."""
    assert hh.live_script(formgrader_html(hostile_nb, classdir.nbgrader_config())) == []
    only_sanitize = stock_config()
    only_sanitize.HTMLExporter.sanitize_html = True
    left = markers(hh.live_script(formgrader_html(hostile_nb, only_sanitize)))
    assert {1, 2, 4, 5, 11, 13} <= left and not {6, 7, 8} & left, left


def test_sanitizer_keeps_reading_markup_and_escapes_the_rest():
    """Headings, tables, code, images and links stay; script, handlers, styles, frames show as text or go."""
    clean = sanitize_html('<h2 id="submission_id">T</h2><table><thead><tr><th colspan="2">a</th></tr></thead></table>'
                          '<img src="data:image/png;base64,AA" onerror="x()"><img src="data:text/html,<b>">'
                          '<a href="https://example.org">w</a><a href="java\tscript:x()">j</a><a href="data:text/html,x">d</a>'
                          '<p style="position:fixed">p</p><script>x()</script><iframe srcdoc="y"></iframe><!-- c -->')
    assert '<h2>T</h2>' in clean and '<th colspan="2">a</th>' in clean  # no id: Formgrader looks grade boxes up by id
    assert '<img src="data:image/png;base64,AA">' in clean and "<img>" in clean
    assert '<a href="https://example.org">w</a>' in clean and "<a>j</a>" in clean and "<a>d</a>" in clean
    assert "<p>p</p>" in clean and "&lt;script&gt;x()&lt;/script&gt;" in clean and "&lt;iframe" in clean
    assert "<!--" not in clean and "onerror" not in clean


def test_skills_table_escapes_the_metadata_a_student_can_edit():
    """course.question, rubric_point and an unknown skill end up as literal text in the Markdown table."""
    rows = [("q7-answer", f"written, point {hh.RUBRIC_POINT} of {hh.QUESTION}", "<b>made-up|skill</b>", 1.0, 2.0)]
    table = summary_markdown(rows)
    assert "<script>" not in table and "<img" not in table and "<b>" not in table
    assert table.splitlines()[4].count(" | ") == 3  # the row still has its four columns
    assert md_text("a|b\n<i>") == "a\\|b &lt;i&gt;"


def test_data_uris_in_every_spelling_and_attachments_of_any_type_are_capped():
    """Each spelling of a 1.1 MiB picture, in a markdown and a raw cell, ends at most 1 MiB; attachments
    under odd MIME types and in raw cells are removed; the honest small picture stays."""
    small = "![ok](data:image/png;base64," + "A" * 1000 + ")"
    for name, text in hh.data_uri_spellings().items():
        for cell in (new_markdown_cell(text), new_raw_cell(text)):
            nb = new_notebook(cells=[cell, new_markdown_cell(small)])
            CapAttachments().preprocess(nb, {})
            size = len(nb.cells[0].source.encode())
            assert size <= MAX_ATTACHMENT_BYTES, f"{name} in a {cell.cell_type} cell kept {size:,} bytes"
            assert "removed by the grader" in nb.cells[0].source, name
            assert nb.cells[1].source == small
    nb = new_notebook(cells=[c for c in hh.caps_cells() if c.cell_type != "code"])
    CapAttachments().preprocess(nb, {})
    assert all(not c.get("attachments") for c in nb.cells)
    assert sum(len(json.dumps(c)) for c in nb.cells) < 6 * MAX_ATTACHMENT_BYTES


def test_an_output_of_each_mime_type_over_the_cap_is_capped_metadata_included():
    """Every MIME type (and display metadata) counts: each output ends within the cap, with the marker."""
    big = "A" * (600 * 1024)
    outputs = [new_output("display_data", data={m: ({"k": big} if m.endswith("json") else big)})
               for m in hh.CAPPED_MIMES]
    outputs.append(new_output("display_data", data={"text/plain": "x"}, metadata={"image/png": {"width": big}}))
    nb = {"cells": [{"outputs": [o]} for o in outputs]}
    assert truncate_outputs(nb, 512 * 1024, 100 * 1024 * 1024) == len(outputs)
    for cell in nb["cells"]:
        kept = cell["outputs"][0]
        assert len(json.dumps(kept)) < 512 * 1024 + 1024 and TRUNCATION_MARKER in kept["data"]["text/plain"]


def test_lab_servers_carry_the_content_security_policy():
    """deploy/jupyter-config (on JUPYTER_CONFIG_PATH for `make lab` and the hub) sets the policy header."""
    from traitlets.config.loader import PyFileConfigLoader

    from course import paths

    folder = paths.REPO_ROOT / "deploy" / "jupyter-config"
    config = PyFileConfigLoader("jupyter_server_config.py", path=str(folder)).load_config()
    policy = config.ServerApp.tornado_settings["headers"]["Content-Security-Policy"]
    for part in ("object-src 'none'", "base-uri 'self'", "frame-ancestors 'self'", "connect-src 'self'",
                 "form-action 'self'"):
        assert part in policy
    assert "deploy/jupyter-config" in (paths.REPO_ROOT / "scripts" / "lab.sh").read_text()
    assert "jupyter-config" in (paths.REPO_ROOT / "deploy" / "singleuser.py").read_text()


def test_failed_submission_note_forbids_script_too(tmp_path):
    """The note written when a submission could not be graded carries the feedback policy as well."""
    from types import SimpleNamespace

    from course.grading.reports.feedback import write_failed_feedback

    coursedir = SimpleNamespace(feedback_directory="feedback", submitted_directory="submitted",
                                format_path=lambda kind, student, assignment: str(tmp_path / kind / student / assignment))
    page = write_failed_feedback(SimpleNamespace(coursedir=coursedir), "ps1", "s1", "<script>x</script>").read_text()
    assert FEEDBACK_CSP in page and "<script>" not in page


def test_image_sizes_and_own_grade_ids_cannot_open_an_attribute():
    """SafeOutputMetadata: a width that is not a number is dropped, an odd grade id made plain."""
    from course.grading.preprocessors.safe_output_metadata import SafeOutputMetadata

    cell = new_code_cell("x", metadata={"nbgrader": {"grade_id": hh.OWN_GRADE_ID}})
    cell.outputs = [new_output("display_data", data={"image/png": "AAAA"},
                               metadata={"image/png": {"width": "1 onerror=x", "height": 40}, "filenames": {"a": "b"}})]
    cell, _ = SafeOutputMetadata().preprocess_cell(cell, {}, 0)
    assert cell.outputs[0].metadata == {"image/png": {"height": 40}}
    assert re.fullmatch(r"[\w.-]+", cell.metadata.nbgrader.grade_id)
