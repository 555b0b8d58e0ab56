"""Issue 19, hostile HTML, end to end: a real hostile submission graded in the sandbox, its feedback written by
``python -m course feedback`` and by plain ``nbgrader generate_feedback``, then opened in Chromium, with
Formgrader's grading page of the same submission served by `make lab`.

Proves: no payload of tests/grading/hostile_html.py runs (no dialog, no ``window.__pwned_*``), the written
answer still reads as text, the autograded notebook keeps every cap, and the server's pages carry the
Content-Security-Policy while Formgrader and JupyterLab still work under it. Screenshots go to
test-artifacts/hostile-html/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import hostile_cases
import hostile_html as hh
import nbgrader_ui as ui
from course import paths
from course.grading.run import demo
from course.grading.preprocessors.cap_attachments import MAX_ATTACHMENT_BYTES
from course.grading.reports.feedback import FEEDBACK_CSP

ASSIGNMENT = "ps1-provenance-and-citations"
STUDENT = "hostile-html"
COURSE_ID = "mali-coup-source-evaluation"
ARTIFACTS = paths.REPO_ROOT / "test-artifacts" / "hostile-html"
WAIT = 90_000
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


def build(release_nb, source_nb, home_dir):
    import nbformat

    nb = demo.build_submission(source_nb, release_nb, "perfect")[0]
    hh.inject(nb, with_outputs=False, own_grade_id=False)
    nb.cells += hh.caps_cells()
    nbformat.write(nb, hostile_cases.notebook_path(home_dir))


def kit_environment() -> dict:
    """The environment nbgrader and the server run in: this checkout's `course` first, the venv on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = str(paths.REPO_ROOT)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    return env


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from course.grading.run import verbs

    root = tmp_path_factory.mktemp("hostile-html")
    case = SimpleNamespace(name=STUDENT, build=build)
    klass = hostile_cases.build_class(root / "class", [case], clean=())
    report = verbs.autograde(assignment=ASSIGNMENT, class_dir=klass.class_dir, sandbox="required", progress=False,
                               jobs=1)
    files = verbs.feedback(ASSIGNMENT, class_dir=klass.class_dir, progress=False, release_to_students=False)
    kit_html = files[0].read_text(encoding="utf-8")
    env = dict(kit_environment(), COURSE_CLASS_DIR=str(klass.class_dir))
    plain = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "generate_feedback", ASSIGNMENT, "--force"],
                           cwd=paths.REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0, plain.stderr[-2000:]
    return SimpleNamespace(class_dir=klass.class_dir, report=report, kit_html=kit_html, feedback=files[0],
                           plain_html=files[0].read_text(encoding="utf-8"))


def test_feedback_written_both_ways_has_no_live_script_and_forbids_script(graded):
    """`python -m course feedback` and plain `nbgrader generate_feedback`: parsed, no live payload; CSP set."""
    for html in (graded.kit_html, graded.plain_html):
        assert hh.live_script(html) == []
        assert f'<meta http-equiv="Content-Security-Policy" content="{FEEDBACK_CSP}">' in html
        assert "Payload 1: &lt;script&gt;window.__pwned_1 = 1&lt;/script&gt;" in html  # the answer, as text


def test_the_autograded_notebook_keeps_every_cap(graded):
    """Each data-URI spelling and attachment at most 1 MiB; each output of every MIME type within the output cap."""
    import nbformat

    from course.grading.sandbox.outputs import TRUNCATION_MARKER

    nb = nbformat.read(graded.class_dir / "autograded" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    spellings = [c for c in nb.cells if c.metadata.get("spelling")]
    assert len(spellings) == len(hh.data_uri_spellings())
    for cell in nb.cells:
        if cell.cell_type != "code":
            assert len(cell.source.encode()) <= MAX_ATTACHMENT_BYTES, cell.metadata.get("spelling") or cell.source[:80]
            assert len(json.dumps(cell.get("attachments", {}))) <= MAX_ATTACHMENT_BYTES
    for cell in spellings:
        assert "removed by the grader" in cell.source, cell.metadata["spelling"]
    big = next(c for c in nb.cells if c.cell_type == "code" and c.source == hh.BIG_OUTPUT_CODE)
    assert len(big.outputs) == len(hh.CAPPED_MIMES) + 1
    for output in big.outputs:
        assert len(json.dumps(output)) < 512 * 1024 + 1024
        assert TRUNCATION_MARKER in json.dumps(output)


def pwned(page) -> list[str]:
    """The payload markers that ran in ``page`` (and its frames)."""
    found = []
    for frame in page.frames:
        try:
            found += frame.evaluate("() => Object.keys(window).filter(k => k.startsWith('__pwned_'))")
        except Exception:  # a frame that went away or is cross-origin: nothing of ours ran there
            continue
    return found


def watch(page) -> dict:
    seen = {"dialogs": [], "console": []}

    def on_dialog(dialog):
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()
    page.on("dialog", on_dialog)
    page.on("console", lambda message: seen["console"].append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: seen["console"].append(f"pageerror: {error}"))
    return seen


def test_no_payload_runs_in_chromium_in_the_feedback_nor_in_formgrader(graded, tmp_path):
    """The feedback file opened directly (file://) and Formgrader's grading page under `make lab`: no dialog,
    no ``window.__pwned_*``, the written answer readable; Formgrader and JupyterLab work under the policy."""
    from nbgrader.api import Gradebook
    from playwright.sync_api import expect, sync_playwright
    from test_lab import TOKEN, lab_environment, make_lab

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    with Gradebook(f"sqlite:///{graded.class_dir / 'gradebook.db'}", course_id=COURSE_ID) as book:
        submission_id = book.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, STUDENT).id
    env = dict(lab_environment(graded.class_dir, tmp_path / "home"), PYTHONPATH=str(paths.REPO_ROOT))
    env["JUPYTERLAB_SETTINGS_DIR"] = str(ui.quiet_lab_settings(tmp_path / "lab-settings"))
    with make_lab(env) as (port, lab), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=ui.CHROMIUM, args=ui.CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.set_default_timeout(WAIT)
            seen = watch(page)

            # 1. The feedback, opened as a file: the harshest place (no sandboxed viewer around it).
            page.goto(graded.feedback.as_uri())
            page.wait_for_load_state("load")
            page.wait_for_timeout(1500)  # onerror and onload fire after load
            page.screenshot(path=str(ARTIFACTS / "01-feedback-top.png"))
            assert pwned(page) == [] and seen["dialogs"] == [], (pwned(page), seen)
            assert not [m for m in seen["console"] if "__pwned" in m], seen["console"]
            answer = page.locator("text=Payload 1: <script>window.__pwned_1 = 1</script>")
            expect(answer).to_be_visible()
            answer.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "02-feedback-written-answer.png"))

            # 2. Formgrader's grading page of the same submission, served with the policy.
            base = f"http://127.0.0.1:{port}"
            seen["console"].clear()  # the feedback's blocked MathJax tags said so; the server's pages start here
            page.goto(f"{base}/lab?token={TOKEN}", timeout=WAIT)  # logs in (sets the cookie)
            page.wait_for_selector(".jp-DirListing-item", timeout=WAIT)
            lab_console = list(seen["console"])
            reply = page.goto(f"{base}/formgrader/submissions/{submission_id}/", timeout=WAIT)
            assert "object-src 'none'" in reply.headers.get("content-security-policy", "")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)
            assert pwned(page) == [] and seen["dialogs"] == [], (pwned(page), seen)
            expect(page.locator("input.score").first).to_be_visible()  # Formgrader's own script filled the form
            assert page.evaluate("() => typeof window.jQuery") == "function"
            answer = page.locator("text=Payload 1: <script>window.__pwned_1 = 1</script>").first
            answer.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "03-formgrader-written-answer.png"))
            page.locator("text=html link").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "04-formgrader-outputs.png"))
            violations = [m for m in seen["console"] if "Content Security Policy" in m and "mathjax" not in m.lower()]
            assert not [m for m in lab_console if "Content Security Policy" in m], lab_console
            assert not violations, violations
        finally:
            browser.close()
    assert "Traceback" not in lab["log"], lab["log"][-3000:]
