"""The lessons' activities in JupyterLab, driven by headless Chromium from the keyboard only.

Lesson 00 (read laterally), lesson 01 (trace a quotation) and lesson 08 (test
a prediction against the record): after Run All, the test puts the focus on
the activity's first control once, then uses only Tab, Shift+Tab, Space, Enter
and typing, as a student without a mouse would. It asserts what the student
sees (the model answer, the page count, the desk's check) and that the
keyboard changed nothing in the notebook itself (same number of cells, no
cell left in edit mode). Screenshots at 1280×900 go to
test-artifacts/lessons/activities/ for people to look at.
"""

from __future__ import annotations


import pytest

from course import paths

import labdriver

ARTIFACTS = paths.REPO_ROOT / "test-artifacts" / "lessons" / "activities"
VIEWPORT = {"width": 1280, "height": 900}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab server on a student workspace (as `course start` makes it), and one Chromium page."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with labdriver.student_lab(tmp_path_factory.mktemp("lab"), VIEWPORT) as lab:
        yield lab


def _open(lab, name: str):
    page = lab["page"]
    relpath = next(lab["root"].rglob(name)).relative_to(lab["root"])
    labdriver.open_and_run(page, lab["server"], str(relpath))
    return page


def _cell_count(page) -> int:
    return page.locator(".jp-Notebook .jp-Cell").count()


def _focused_class(page) -> str:
    return page.evaluate("() => { const e = document.activeElement; return (e.closest('[class*=course-]')?.className || '') + ' ' + e.tagName; }")


def _write_then_reveal(page, exercise_id: str) -> None:
    """Keyboard only: focus the exercise's box, type, Tab to "Model answer", press Space."""
    box = page.locator(f".course-exercise-{exercise_id}")
    box.scroll_into_view_if_needed()
    answer = "The publisher speaks for itself on two pages; the newspapers relay a government."
    box.locator("textarea").focus()
    page.keyboard.type(answer)
    assert answer in box.locator("textarea").input_value()
    # In a full run JupyterLab once moved the focus to the notebook while late outputs settled (Tab then reached
    # a practice question): what is tested is the Tab order from the answer box, so start from the box.
    box.locator("textarea").focus()
    page.keyboard.press("Tab")
    assert "course-model-button" in _focused_class(page)
    page.keyboard.press("Space")
    box.locator(".course-model-view:has-text('Check your answer')").wait_for(timeout=20_000)


@pytest.mark.parametrize("lesson, exercise_id, cards", [("00-start-here.ipynb", "00-read-laterally", 4),
                                                        ("01-meet-the-document.ipynb", "01-trace-origin", 4)])
def test_excerpt_activity_works_from_the_keyboard(lab, lesson, exercise_id, cards):
    page = _open(lab, lesson)
    before = _cell_count(page)
    excerpts = page.locator(".course-excerpts").first
    excerpts.scroll_into_view_if_needed()
    assert excerpts.locator("article").count() == cards
    assert "Who is speaking on this page" in excerpts.inner_text()
    excerpts.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(ARTIFACTS / f"{exercise_id}-pages.png"))
    _write_then_reveal(page, exercise_id)
    page.locator(f".course-exercise-{exercise_id}").evaluate("(el) => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(ARTIFACTS / f"{exercise_id}-model-answer.png"))
    assert _cell_count(page) == before and not page.locator(".jp-Notebook.jp-mod-editMode").count()


def test_prediction_check_works_from_the_keyboard(lab):
    page = _open(lab, "08-what-happened-next.ipynb")
    before = _cell_count(page)
    check = page.locator(".course-prediction-check").first
    check.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(ARTIFACTS / "08-prediction-check.png"))
    status = check.locator(".course-record-status")
    assert "Events 1–5 of" in status.inner_text()
    assert check.locator(".course-record-events li").count() == 5

    # Page through with the keyboard: focus "Later events", press Space, then Enter.
    check.locator(".course-record-next").focus()
    page.keyboard.press("Space")
    page.wait_for_function("(el) => el.innerText.includes('Events 6–10')", arg=status.element_handle(), timeout=20_000)
    page.keyboard.press("Enter")
    page.wait_for_function("(el) => el.innerText.includes('Events 11–15')", arg=status.element_handle(), timeout=20_000)

    # Filter by kind: Tab from "All kinds" to the next kind until "Coups", then Space.
    kinds = check.locator(".course-record-kinds button")
    kinds.first.focus()
    for _ in range(kinds.count()):
        if page.evaluate("() => document.activeElement.textContent").startswith("Coups"):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.wait_for_function("(el) => /Events 1–\\d+ of \\d+,/.test(el.innerText) && !el.innerText.includes('of 48')",
                           arg=status.element_handle(), timeout=20_000)
    assert "Coup" in check.locator(".course-record-events").inner_text()

    # The desk's check is hidden until a judgement and a reason are recorded.
    assert check.locator(".course-judgement-record").is_disabled()
    assert "Verdict:" not in check.inner_text()
    check.locator(".course-judgement-picker button").nth(1).focus()
    page.keyboard.press("Space")
    reason = check.locator(".course-judgement-reason textarea")
    reason.focus()
    typed = "Coups followed in Guinea, Burkina Faso and Niger, but Russia, not the US, gained ground."
    page.keyboard.type(typed)
    assert typed in reason.input_value()
    reason.focus()  # as in _write_then_reveal: what is tested is the Tab order from the reason box
    page.keyboard.press("Tab")
    assert "course-judgement-record" in _focused_class(page)
    page.keyboard.press("Space")
    check.locator(".course-desk-view:has-text('Verdict:')").wait_for(timeout=20_000)
    assert "You judged: Partly borne out." in check.inner_text()
    check.locator(".course-desk-view").evaluate("(el) => el.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(ARTIFACTS / "08-prediction-check-revealed.png"))
    assert _cell_count(page) == before and not page.locator(".jp-Notebook.jp-mod-editMode").count()
