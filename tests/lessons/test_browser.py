"""Every lesson in a real browser: JupyterLab on loopback, driven by headless Chromium, one server for all lessons.

For each lesson the test opens the notebook, runs all cells, works each
widget the way a student would (answers a question and presses Check, sorts
a sentence, reveals a quote's reading, filters the timeline) and asserts on
what is visible: widgets rendered (no "Loading widget"), no error output,
nothing wider than the main area of a 1280 px window, and no check-yourself
answer on screen above its question. Screenshots go to test-artifacts/lessons/
(git-ignored) for people to look at.
"""

from __future__ import annotations

import json
import re

import pytest

from course import paths
from course.lessons import manifest as lessons

import labdriver

ARTIFACTS = paths.REPO_ROOT / "test-artifacts" / "lessons"
LESSONS = lessons.lessons()
VIEWPORT = {"width": 1280, "height": 900}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab server on a student workspace (as `course start` makes it), and one Chromium page."""
    labdriver.install_axe()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with labdriver.student_lab(tmp_path_factory.mktemp("lab"), VIEWPORT) as lab:
        yield lab


CELLS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')].map(cell => ({
    source: cell.querySelector('.jp-InputArea-editor')?.textContent || '',
    html: [...cell.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerHTML).join('\\n'),
    errors: cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').length,
    overflow: [...cell.querySelectorAll('.jp-OutputArea-output')].some(o => o.scrollWidth > o.clientWidth + 2),
}))"""


def _work_the_widgets(page, item) -> None:
    """Do what a student would do with each kind of widget in this lesson."""
    questions = page.locator(".course-practice-question")
    for index in range(questions.count()):
        question = questions.nth(index)
        question.scroll_into_view_if_needed()
        choice = question.locator(".course-practice-answer input[type=radio]")
        if choice.count():
            choice.first.focus()
            page.keyboard.press("Space")  # keyboard, as a student without a mouse would
        else:
            question.locator(".course-practice-answer input").fill("100")
        question.locator("button.course-practice-check").click()
        feedback = question.locator(".course-practice-feedback")
        feedback.wait_for(state="visible")
        page.wait_for_function("(el) => /Why:|Not yet/.test(el.innerText)", arg=feedback.element_handle(), timeout=20_000)
        if "Not yet" in feedback.inner_text():  # a wrong first answer: a second try, and no answer shown yet
            assert "Why:" not in feedback.inner_text()
            if choice.count():
                choice.nth(1).focus()
                page.keyboard.press("Space")
            else:
                question.locator(".course-practice-answer input").fill("200")
            question.locator("button.course-practice-check").click()
            page.wait_for_function("(el) => el.innerText.includes('Why:')", arg=feedback.element_handle(), timeout=20_000)
    sorter = page.locator(".course-claim-sorter")
    if sorter.count():
        sorter.first.scroll_into_view_if_needed()
        assert "The labels:" in sorter.first.inner_text()
        sorter.locator(".course-sorter-labels input[type=radio]").nth(2).check()
        sorter.locator("button.course-sorter-check").click()
        page.wait_for_function("() => document.querySelector('.course-sorter-feedback').innerText.trim().length > 0")
        sorter.locator("button.course-sorter-next").click()
        page.wait_for_function("() => document.querySelector('.course-claim-sorter').innerText.includes('Sentence 2 of')")
        sorter.locator("button.course-sorter-back").click()
        page.wait_for_function("() => document.querySelector('.course-claim-sorter').innerText.includes('Sentence 1 of')")
        assert "Not quite" in sorter.first.inner_text() or "Yes:" in sorter.first.inner_text()  # the first answer is shown again
        sorter.first.screenshot(path=str(ARTIFACTS / f"{item.id}-sorter.png"))
    comparer = page.locator(".course-quote-comparer")
    if comparer.count():
        comparer.first.scroll_into_view_if_needed()
        assert "Relation:" not in comparer.first.inner_text()
        comparer.locator("button.course-reveal").click()
        page.wait_for_function("() => document.querySelector('.course-quote-comparer').innerText.includes('Relation:')")
        comparer.first.screenshot(path=str(ARTIFACTS / f"{item.id}-comparer.png"))
    explorer = page.locator(".course-explorer-list")
    if explorer.count():
        box = page.locator(".widget-toggle-buttons button:has-text('Not mentioned')").first
        box.scroll_into_view_if_needed()
        assert page.locator(".widget-dropdown select").first.input_value() != ""  # starts on a visible "All"
        box.click()
        before = page.locator(".course-explorer-list").first.text_content()
        assert "● mentioned" in before and "○ not mentioned" in before
        # The list redraws with only the events the document leaves out (all hollow).
        page.wait_for_function("() => { const l = document.querySelector('.course-explorer-list'); return l && !l.textContent.includes('● mentioned'); }", timeout=30_000)
        assert "○ not mentioned" in page.locator(".course-explorer-list").first.text_content()
        page.locator(".course-explorer-list summary").first.click()  # open the list, as a student would
        page.locator(".course-explorer-list").first.screenshot(path=str(ARTIFACTS / f"{item.id}-explorer-list.png"))


TYPE_JS = """() => ({
    tags: [...document.querySelectorAll('.course-doc sup.claim-tag, .course-doc sup.citation-tag')].map(t => parseFloat(getComputedStyle(t).fontSize)),
    arabic: [...document.querySelectorAll('.course-doc [lang=ar]')].map(a => [getComputedStyle(a).unicodeBidi, getComputedStyle(a).fontFamily, a.dir]),
})"""


def _tags_and_arabic_are_legible(page, item) -> None:
    """The reader's claim tags were 8.8 px; the sign ﷺ was a box and Arabic ran into its English line. Tags are
    12 px or more; every Arabic run is an isolated right-to-left span set in a font that has Arabic (and one is
    installed: scripts/install-test-deps.sh)."""
    import subprocess

    shown = page.evaluate(TYPE_JS)
    assert all(size >= 12 for size in shown["tags"]), f"{item.file}: claim tags of {min(shown['tags'])} px"
    for bidi, family, direction in shown["arabic"]:
        assert bidi == "isolate" and direction == "rtl" and family.lstrip('"').startswith("Amiri"), (item.file, bidi, family)
    if shown["arabic"]:
        fonts = subprocess.run(["fc-list", ":charset=fdfa", "family"], capture_output=True, text=True).stdout
        assert "Amiri" in fonts, "no installed font draws U+FDFA: run scripts/install-test-deps.sh"


#: Parts of an exercise box (answer box, button, model answer) that reach past the right edge of the cell's output
#: area: the answer box's right border once sat 2 px past it, cut off (the cell-wide overflow check allows 2 px).
EXERCISE_EDGE_JS = """() => [...document.querySelectorAll('.course-exercise')].flatMap(box => {
    const edge = box.closest('.jp-OutputArea-output').getBoundingClientRect().right;
    return [...box.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > edge + 0.5).map(e => e.className);
})"""


def _no_answer_shares_a_screen_with_its_question(page, item, cells) -> None:
    """Predict before reveal, on screen: with every model answer above opened, nothing on any 900-px screen that
    shows a question (above or below it) gives its answer, until the student answers. Screenshots of each question
    in the middle of the screen go to test-artifacts/lessons/<lesson>-ask-<question>.png."""
    from course.lessons import practice
    from course.lessons.practice.findings import leaks

    asked = [q for cell in cells for q in re.findall(r'ask\("([^"]+)"\)', cell["source"])]
    assert page.locator(".course-practice-question").count() == len(asked), f"{item.file}: a question did not render"
    labdriver.reveal_model_answers(page)
    past_edge = page.evaluate(EXERCISE_EDGE_JS)
    assert not past_edge, f"{item.file}: an exercise box runs past the right edge of its output area: {past_edge[:3]}"
    problems = []
    for index, question_id in enumerate(asked):
        question = page.locator(".course-practice-question").nth(index)
        question.evaluate("el => el.scrollIntoView({block: 'center'})")
        page.screenshot(path=str(ARTIFACTS / f"{item.id}-ask-{question_id}.png"))
        seen = labdriver.screen_texts(page, ".course-practice-question", index, VIEWPORT["height"])
        found = leaks(practice.QUESTIONS[question_id], seen)
        problems += [f"{question_id}: {unit[:160]}" for unit in found]
    assert not problems, f"{item.file}: an answer shares a screen with its question: {problems[:4]}"


@pytest.mark.parametrize("item", LESSONS, ids=[l.id for l in LESSONS])
def test_lesson_reads_well_and_works_in_jupyterlab(lab, item):
    from course.lessons import practice
    from course.lessons.practice.findings import leaks

    page = lab["page"]
    labdriver.open_and_run(page, lab["server"], item.file)
    page.screenshot(path=str(ARTIFACTS / f"{item.id}-top.png"))
    assert page.locator("text=Loading widget").count() == 0, f"{item.file}: a widget did not render"
    cut = page.evaluate("() => [...document.querySelectorAll('.course-table td, .course-card dd')].map(td => td.innerText.trim()).filter(t => t.endsWith('…'))")
    assert not cut, f"{item.file}: table text cut off: {cut[:3]}"
    cells = page.evaluate(CELLS_JS)
    above: list[str] = []
    for number, cell in enumerate(cells):
        assert cell["errors"] == 0, f"{item.file}: cell {number} shows an error"
        assert not cell["overflow"], f"{item.file}: cell {number} is wider than the main area"
        for question_id in practice.QUESTIONS:
            if f'ask("{question_id}")' in cell["source"]:
                found = leaks(practice.QUESTIONS[question_id], above)
                assert not found, f"{item.file}: {question_id} is answered on screen above it: {found[:2]}"
        above.append(cell["html"])
    if "08-" in str(item.file):  # the record's date, in words a student sees (issue 23)
        assert "The record as of" in " ".join(above), f"{item.file}: the record's date is not on screen"
    _tags_and_arabic_are_legible(page, item)
    _no_answer_shares_a_screen_with_its_question(page, item, cells)
    _work_the_widgets(page, item)
    labdriver.screenshot_outputs(page, ARTIFACTS, item.id)
    violations = labdriver.run_axe(page)
    counts = labdriver.axe_counts(violations)
    (ARTIFACTS / f"{item.id}-axe.json").write_text(json.dumps({"counts": counts, "violations": violations}, indent=1))
    serious = [v for v in violations if v["kit"] and v["impact"] in ("serious", "critical")]
    assert not serious, f"{item.file}: axe-core finds serious or critical problems in the kit's content: {serious[:3]}"


def test_students_see_no_instructor_panels_and_no_validate_on_a_lesson(lab):
    """nbgrader's Create Assignment sidebar and the toolbar Validate (which 'passes' any lesson) are hidden for students."""
    page = lab["page"]
    labdriver.open_and_run(page, lab["server"], LESSONS[0].file)
    assert page.locator(".lm-TabBar-tab:has-text('Create Assignment')").count() == 0
    assert page.locator(".jp-Toolbar button:has-text('Validate'), .jp-Toolbar-item:has-text('Validate')").count() == 0
    assert page.locator("li.lm-MenuBar-item:has-text('Nbgrader')").count() <= 1  # the menu stays for Assignments
    page.screenshot(path=str(ARTIFACTS / "student-workspace.png"))


ACTIVE_CELL_JS = "() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].findIndex(c => c.classList.contains('jp-mod-active'))"


def test_arrow_keys_move_the_answer_not_the_notebooks_cell_selection(lab):
    """Real key presses in Chromium. Arrow keys on an answer's radio buttons or a dropdown moved JupyterLab's
    cell selection instead of the choice; Tab reached the cell toolbar, where Enter duplicated the cell. The
    arrows now move the choice and the active cell stays; no Tab from a widget lands on a toolbar button, and
    the notebook keeps its number of cells."""
    page = lab["page"]
    labdriver.open_and_run(page, lab["server"], "07-what-is-left-out.ipynb")
    cells_before = page.locator(".jp-Notebook .jp-Cell").count()
    question = page.locator(".course-practice-question").first
    question.scroll_into_view_if_needed()
    radios = question.locator(".course-practice-answer input[type=radio]")
    radios.first.focus()
    page.keyboard.press("Space")
    active = page.evaluate(ACTIVE_CELL_JS)
    page.keyboard.press("ArrowDown")
    assert radios.nth(1).is_checked() and not radios.first.is_checked(), "ArrowDown did not move the answer"
    assert page.evaluate(ACTIVE_CELL_JS) == active, "ArrowDown moved the notebook's cell selection"
    page.keyboard.press("ArrowUp")
    assert radios.first.is_checked() and page.evaluate(ACTIVE_CELL_JS) == active

    select = page.locator(".widget-dropdown select").first
    select.scroll_into_view_if_needed()
    select.focus()
    before, active = select.input_value(), page.evaluate(ACTIVE_CELL_JS)
    page.keyboard.press("ArrowDown")
    assert select.input_value() != before, "ArrowDown did not change the dropdown's choice"
    assert page.evaluate(ACTIVE_CELL_JS) == active, "ArrowDown on a dropdown moved the notebook's cell selection"

    landed = []
    for _ in range(40):
        page.keyboard.press("Tab")
        landed.append(page.evaluate("() => { const e = document.activeElement; return [e.tagName, e.className, !!e.closest('.jp-cell-toolbar, .jp-Toolbar')]; }"))
    assert not [l for l in landed if l[2]], f"Tab reached a toolbar button: {[l for l in landed if l[2]][:3]}"
    page.keyboard.press("Enter")
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells_before, "a key press added or removed a cell"
    page.screenshot(path=str(ARTIFACTS / "keyboard-07.png"))


def test_the_data_readme_the_lessons_point_to_opens_from_a_lesson(lab):
    """Lessons pointed to data/README.md, which a student could not open from the workspace: the workspace holds a
    copy and the lesson's link opens it in JupyterLab."""
    page = lab["page"]
    page.goto(f"{lab['server']['base']}/lab/tree/01-meet-the-document.ipynb?token={lab['server']['token']}&reset")
    link = page.locator(".jp-RenderedMarkdown a:text-is('data/README.md')").first  # JupyterLab rewrites the href
    link.wait_for(timeout=60_000)
    link.click()
    page.locator(".lm-TabBar-tab:has-text('README.md')").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "data-readme-from-lesson.png"))
