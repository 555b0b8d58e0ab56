"""An instructor's walk in Chromium, from `make lab` to one manual grade in Formgrader (issue 22).

The demo class (one synthetic student, autograded with the kit's command line) is opened the README's
way, `make lab` (scripts/lab.sh); the instructor opens the submission's grading page, finds the first
written answer and its mark scheme, gives it a mark, and sees the mark kept after a reload. The page's
height and where the first written answer starts are measured (issue 22: the page was about ten
screens tall with the hidden tests' source above the written answers) and written with the
screenshots to test-artifacts/instructor/ (git-ignored).
"""

from __future__ import annotations

import json
import time

import pytest

import nbgrader_ui as ui
from course import paths
from course.grading.run import demo
from test_lab import ASSIGNMENT, TOKEN, course_cli, lab_environment, make_lab

ARTIFACTS = paths.REPO_ROOT / "test-artifacts" / "instructor"
WAIT = 120_000
VIEWPORT = {"width": 1400, "height": 1000}
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]

#: The grading page's layout, read in the browser: its height, each nbgrader cell's top and kind, in page pixels.
LAYOUT_JS = r"""() => {
    const cells = [...document.querySelectorAll('.nbgrader_cell')].map(cell => {
        const box = cell.getBoundingClientRect();
        return {top: box.top + window.scrollY, height: box.height, text: cell.innerText.slice(0, 80),
                score: cell.querySelector('input.score')?.id || '', hidden_tests: cell.innerText.includes('BEGIN HIDDEN TESTS')};
    });
    const all = [...document.querySelectorAll('.cell')].map(cell => ({
        height: Math.round(cell.getBoundingClientRect().height), kind: cell.className.split(' ').slice(0, 2).join(' '),
        text: cell.innerText.replace(/\s+/g, ' ').slice(0, 60)}));
    return {height: document.documentElement.scrollHeight, cells, all};
}"""


def test_an_instructor_goes_from_make_lab_to_a_manual_grade_with_the_written_answers_within_reach(tmp_path):
    from nbgrader.api import Gradebook
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    class_dir = tmp_path / "demo"
    [student] = [s for s in demo.STUDENTS if s.behaviour == "perfect"]
    demo.build_demo_class(class_dir, ASSIGNMENT, students=(student,))
    graded = course_cli("autograde", ASSIGNMENT, class_dir=class_dir)
    assert "1 graded, 0 failed" in graded, graded
    source, _ = demo.source_and_release(ASSIGNMENT)
    written = [c for c in source.cells if demo.is_written_answer(c)]
    grade_id = written[0].metadata.nbgrader.grade_id
    mark = float(written[0].metadata.nbgrader.points)
    env = lab_environment(class_dir, tmp_path / "home")
    env["JUPYTERLAB_SETTINGS_DIR"] = str(ui.quiet_lab_settings(tmp_path / "lab-settings"))
    with make_lab(env) as (port, lab), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=ui.CHROMIUM, args=ui.CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport=VIEWPORT).new_page()
            page.set_default_timeout(WAIT)
            base = f"http://127.0.0.1:{port}"
            page.goto(f"{base}/lab?token={TOKEN}&reset", timeout=WAIT)  # logs in: the grading page's API calls need it
            page.wait_for_selector(".jp-DirListing-item", timeout=WAIT)
            page.goto(f"{base}/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}", timeout=WAIT)
            page.locator("a[href*='/formgrader/submissions/']").first.click()
            box = page.locator(f"input.score#{grade_id}")
            box.wait_for(timeout=WAIT)
            page.wait_for_load_state("networkidle")  # the page binds its fields once the grades API answered
            page.screenshot(path=str(ARTIFACTS / "walk-01-submission-page-top.png"))
            layout = page.evaluate(LAYOUT_JS)
            first_written = next(c for c in layout["cells"] if c["score"] == grade_id)
            measured = {"page_height_px": layout["height"], "screens": round(layout["height"] / VIEWPORT["height"], 1),
                        "first_written_answer_top_px": round(first_written["top"]),
                        "hidden_test_cells_above_it": sum(1 for c in layout["cells"]
                                                          if c["hidden_tests"] and c["top"] < first_written["top"])}
            (ARTIFACTS / "submission-page.json").write_text(json.dumps({**measured, "cells": layout["all"]}, indent=1))
            print("Formgrader submission page:", measured)
            # Within reach: the first written answer and its mark scheme on the first two screens, under no hidden
            # test (before WrittenFirst: 5,588 px down, under 6 hidden-test cells).
            assert measured["hidden_test_cells_above_it"] == 0, measured
            assert measured["first_written_answer_top_px"] < 2 * VIEWPORT["height"], measured

            # One manual grade on the first written answer, kept after a reload.
            box.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "walk-02-first-written-answer.png"))
            with page.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT"):
                box.fill(f"{mark:g}")
                box.press("Tab")
            page.reload(timeout=WAIT)
            box.wait_for(timeout=WAIT)
            expect(box).to_have_value(f"{mark:g}", timeout=WAIT)
            box.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "walk-03-manual-grade-kept.png"))
        finally:
            browser.close()
    with Gradebook(f"sqlite:///{class_dir / 'gradebook.db'}", course_id="mali-coup-source-evaluation") as book:
        grade = book.find_grade(grade_id, ASSIGNMENT, ASSIGNMENT, student.student_id)
        assert grade.manual_score == pytest.approx(mark) and not grade.needs_manual_grade
    assert "Traceback" not in lab["log"], lab["log"][-3000:]
    print(f"instructor walk: {time.monotonic() - began:.0f} s")
