"""A self-study learner's walk in Chromium, from `python -m course start` to the practice set's feedback (issue 22).

The learner starts their workspace the README's way (`course start --no-browser --port N`), finds no
nbgrader panel that needs a course (no Assignments tab, no Nbgrader menu, no "Error fetching
courses!", and nothing of nbgrader's exchange in the server log), opens the practice set, answers
question 1 and reads the check cell's verdict, writes the written question's answer and reveals its
mark scheme, saves, and runs the self-check from a terminal in the workspace. Screenshots go to
test-artifacts/self-study/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import course
from course import paths

import labdriver

ARTIFACTS = paths.REPO_ROOT / "test-artifacts" / "self-study"
PRACTICE = "practice-self-study"
TOKEN = "course-self-study-test"
WAIT = 120_000
pytestmark = pytest.mark.slow


def start_workspace(workspace: Path, port: int, home: Path):
    """`python -m course start WORKSPACE --no-browser --port PORT`, as a learner types it; returns the process and its log.

    The test's own config folder (last on JUPYTER_CONFIG_PATH, so the workspace's own settings win) only
    sets what a test needs and a learner does not: a known token, loopback, and running as root in CI."""
    own = home / "test-config"
    own.mkdir(parents=True)
    (own / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"allow_root": True, "ip": "127.0.0.1"}, "IdentityProvider": {"token": TOKEN}}))
    settings = home / "lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))  # every cell in the DOM
    checkout = str(Path(course.__file__).resolve().parents[1])
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_PATH=str(own), JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), PYTHONPATH=checkout)
    log = home / "course-start.log"
    process = subprocess.Popen([sys.executable, "-m", "course", "start", str(workspace), "--no-browser", "--port", str(port)],
                               cwd=home, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=2)
            return process, log
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("course start did not open JupyterLab:\n" + log.read_text()[-3000:]) from None
            time.sleep(0.5)


def cell_with(page, text: str):
    """The notebook's code cell whose source contains ``text``."""
    return page.locator(".jp-Notebook .jp-CodeCell", has=page.locator(".jp-InputArea-editor", has_text=text)).first


def test_a_self_study_learner_goes_from_course_start_to_the_practice_sets_feedback(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    if not Path(labdriver.CHROMIUM).exists():
        pytest.fail("chromium is not installed: run scripts/install-test-deps.sh (make test does)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("walk-*.png"):
        old.unlink()
    workspace, port = tmp_path / "my-work", labdriver.free_port()
    began = time.monotonic()
    process, log = start_workspace(workspace, port, tmp_path / "home")
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=labdriver.CHROMIUM, args=labdriver.CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.set_default_timeout(WAIT)
                # 1. The workspace: lessons and the practice set, and no panel that needs a course.
                page.goto(f"{base}/lab/tree/{PRACTICE}/{PRACTICE}.ipynb?token={TOKEN}&reset", timeout=WAIT)
                page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=WAIT)
                page.wait_for_selector(".jp-StatusBar-TextItem:has-text('| Idle')", timeout=WAIT)
                page.wait_for_timeout(1000)  # any panel that fetches courses has answered by now
                page.screenshot(path=str(ARTIFACTS / "walk-01-practice-set-open.png"))
                shown = page.locator("body").inner_text()
                assert "Error fetching courses" not in shown and "exchange" not in shown.lower()
                assert "Jupyter news" not in shown  # the pop-up that covered a corner of every screen
                assert page.locator("li.lm-MenuBar-item:has-text('Nbgrader')").count() == 0
                assert page.locator(".lm-TabBar-tab[title*='Assignment'], .lm-TabBar-tab:has-text('Assignments')").count() == 0

                # 2. Question 1: the learner writes an answer and runs it and its check cell.
                answer = cell_with(page, "comparison_C14 = None")
                answer.scroll_into_view_if_needed()
                answer.locator(".cm-content").click()
                page.keyboard.press("Control+A")
                page.keyboard.type("comparison_C14 = 'paraphrased'")
                page.keyboard.press("Shift+Enter")  # runs the answer, moves to the check cell
                page.keyboard.press("Shift+Enter")  # runs the check
                check = cell_with(page, "feedback(comparison_C14")
                expect(check.locator(".jp-OutputArea-output")).to_contain_text("Right: paraphrased.", timeout=WAIT)
                expect(check.locator(".jp-OutputArea-output")).to_contain_text("Why: The kit's desk compared citation C14")
                check.scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "walk-02-question-1-feedback.png"))

                # 3. The written question: the mark scheme waits for the learner's own answer.
                box = cell_with(page, "exercise(\"practice-r06-weigh\"")
                box.scroll_into_view_if_needed()
                box.locator(".jp-InputArea-editor").click()
                page.keyboard.press("Shift+Enter")
                reveal = box.locator("button.course-model-button")
                expect(reveal).to_be_disabled(timeout=WAIT)
                box.locator(".course-exercise-answer textarea").fill(
                    "K019 is only partly accurate: France backed the force but the Sahel states founded it. "
                    "EV006 shows Mali's own authorities asked the UN for a force.")
                expect(reveal).to_be_enabled()
                reveal.click()
                scheme = box.locator(".course-model-view")
                expect(scheme).to_contain_text("Model answer.")
                expect(scheme).to_contain_text("Did you name at least one event of the record")
                assert "{" not in scheme.inner_text()  # every placeholder filled from the data
                scheme.scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / "walk-03-written-question-mark-scheme.png"))
                page.keyboard.press("Control+S")
                page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=WAIT)
                page.wait_for_timeout(1500)  # the save reaches the disk
            finally:
                browser.close()

        # 4. The self-check from a terminal in the workspace, as the README says: the full feedback.
        done = subprocess.run([sys.executable, "-m", "course", "selfcheck", f"{PRACTICE}/{PRACTICE}.ipynb"], cwd=workspace,
                              env=dict(os.environ, PYTHONPATH=str(Path(course.__file__).resolve().parents[1])),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "Question 1\n  Right: paraphrased." in done.stdout
        assert "Question 8: you have written an answer." in done.stdout
        (ARTIFACTS / "walk-04-selfcheck.txt").write_text(done.stdout, encoding="utf-8")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    server_log = log.read_text()
    assert "nbgrader" not in server_log.lower() and "exchange" not in server_log.lower(), server_log[-3000:]
    assert "Traceback" not in server_log, server_log[-3000:]
    print(f"self-study walk: {time.monotonic() - began:.0f} s")
