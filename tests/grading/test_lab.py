"""`make lab`: JupyterLab on the demo class with working Formgrader and Assignment List, and no stray gradebook.

The first test drives the server's own REST endpoints (the ones the two panels call); the second
walks through both panels in Debian's Chromium as a grader and a student (the same Unix user) would:
fetch and submit in the Assignment List, collect and autograde with the kit's command line, a manual
grade and a comment in Formgrader that survive a reload, feedback generated and released in
Formgrader, fetched in the Assignment List and opened in JupyterLab without a hidden test in sight.
Screenshots of each step go to test-artifacts/lab-panels/.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

import nbgrader_ui as ui
from conftest import free_port
from course import paths
from course.grading.run import demo
from course.grading.release import leaks
from course.grading.reports.feedback import HIDDEN_PLACEHOLDER

ASSIGNMENT = "ps1-provenance-and-citations"
COURSE_ID = "mali-coup-source-evaluation"
TOKEN = "course-lab-test"
ARTIFACTS = paths.REPO_ROOT / "test-artifacts" / "lab-panels"
#: Element waits in the browser test: a server action on the loaded 2-core machine, not a hub's spawn.
WAIT = 90_000
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_external_gradebook")]


def get(port: int, path: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?token={TOKEN}", timeout=30) as reply:
        return json.loads(reply.read().decode())


def post(port: int, path: str, **form):
    """A POST as the Assignment List's buttons send it (form fields in the query, the token in a header)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}?{urllib.parse.urlencode(form)}", data=b"",
                                     method="POST", headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read().decode())


def lab_environment(class_dir: Path, home: Path) -> dict:
    """The environment `make lab` is started with: the class folder, a private HOME, no venv on PATH."""
    # No venv bin on PATH: the launcher must put it there (nbgrader runs alembic).
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "VIRTUAL_ENV", "JUPYTER_CONFIG_PATH")}
    env["PATH"] = "/usr/bin:/bin"
    env["COURSE_CLASS_DIR"] = str(class_dir)
    env["HOME"] = str(home)
    return env


@contextmanager
def make_lab(env: dict, timeout: float = 90):
    """`make lab` on a free port, yields (port, {"log": ...}); the log is filled in when the server has stopped."""
    port = free_port()
    lab = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS=--no-browser --allow-root --port={port} "
                            f"--IdentityProvider.token={TOKEN}"],
                           cwd=paths.REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    result = {"log": ""}
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                get(port, "/api/status")
                break
            except OSError:
                assert lab.poll() is None and time.monotonic() < deadline, lab.stdout.read() if lab.poll() is not None else "timeout"
                time.sleep(0.5)
        yield port, result
    finally:
        if lab.poll() is None:
            os.killpg(lab.pid, 15)
        result["log"] = lab.communicate(timeout=30)[0]


def test_make_lab_opens_the_demo_class_with_formgrader_and_assignment_list_working(tmp_path):
    class_dir = tmp_path / "demo"
    demo.build_demo_class(class_dir, ASSIGNMENT, students=demo.STUDENTS[:1])
    stray = paths.default_class_dir() / "gradebook.db"
    stray_before = stray.exists()
    stray_fetch = paths.REPO_ROOT / ASSIGNMENT  # where the Assignment List fetched while the server ran in the repository
    stray_fetch_before = stray_fetch.exists()
    try:
        with make_lab(lab_environment(class_dir, tmp_path / "home")) as (port, lab):
            assignments = get(port, "/formgrader/api/assignments")
            assert ASSIGNMENT in [a["name"] for a in assignments]
            courses = get(port, "/courses")
            assert courses["success"] and courses["value"] == [COURSE_ID], courses
            # The Assignment List's Fetch: into the folder the server serves, where its link opens the notebook.
            listed = post(port, "/assignments/fetch", course_id=COURSE_ID, assignment_id=ASSIGNMENT)
            fetched = [a for a in listed["value"] if a["status"] == "fetched"]
            assert [a["path"] for a in fetched] == [ASSIGNMENT], listed
            assert (class_dir / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()
            assert get(port, f"/api/contents/{fetched[0]['notebooks'][0]['path']}")["type"] == "notebook"
        assert stray_fetch_before or not stray_fetch.exists(), "the Assignment List fetched into the repository"
    finally:
        if stray_fetch.exists() and not stray_fetch_before:
            shutil.rmtree(stray_fetch)
    log = lab["log"]
    assert "alembic" not in log and "FileNotFoundError" not in log, log[-2000:]
    assert stray.exists() == stray_before  # no empty gradebook made in class/


def test_jupyterlab_opened_the_wrong_way_makes_no_gradebook_and_names_make_lab(tmp_path):
    """Plain `jupyter lab` where nbgrader_config.py is (the README's old route) made an empty class/gradebook.db as
    soon as Formgrader was opened, and `make lab` then took it for a real class. The same config, copied beside an
    existing class/ folder with no gradebook (the repository after `make demo`): Formgrader answers, no gradebook
    appears, and the log says once to use `make lab`."""
    from course.grading.settings import WRONG_LAB

    root = tmp_path / "clone"
    (root / "class" / "demo").mkdir(parents=True)
    shutil.copy(paths.REPO_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_DB_URL", "COURSE_CLASS_DIR", "JUPYTER_CONFIG_PATH")}
    env.update(HOME=str(tmp_path / "home"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               PYTHONPATH=str(paths.PACKAGE_DIR.parent))  # nbgrader_config.py imports this checkout's `course`
    port = free_port()
    lab = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
                            f"--IdentityProvider.token={TOKEN}"], cwd=root, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                get(port, "/api/status")
                break
            except OSError:
                assert lab.poll() is None and time.monotonic() < deadline, "JupyterLab did not start"
                time.sleep(0.5)
        for page in ("/formgrader/api/assignments", "/formgrader/manage_assignments", "/formgrader/api/students"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{page}?token={TOKEN}", timeout=30).read()
            except urllib.error.HTTPError:
                pass  # Formgrader may refuse without a gradebook; what matters is what it leaves behind
    finally:
        os.killpg(lab.pid, 15)
        log = lab.communicate(timeout=30)[0]
    assert not (root / "class" / "gradebook.db").exists(), "Formgrader made an empty gradebook"
    said = WRONG_LAB.format(class_dir=f"{root / 'class'}/")
    assert log.count(said) == 1, log[-3000:]  # once, though every nbgrader extension reads the config
    assert "Open the class with `make lab`" in said


# --- the browser walk through both panels ------------------------------------------------------------------

def course_cli(*args: str, class_dir: Path, timeout: float = 300) -> str:
    """``python -m course <args> --class-dir <class_dir>`` as the instructor runs it; returns its output."""
    env = {k: v for k, v in os.environ.items() if k != "COURSE_DB_URL"}
    done = subprocess.run([sys.executable, "-m", "course", *args, "--class-dir", str(class_dir)], cwd=paths.REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"python -m course {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout + done.stderr


def hidden_test_lines(source) -> set[str]:
    """The normalised lines between ### BEGIN HIDDEN TESTS and ### END HIDDEN TESTS in the source notebook."""
    found = set()
    for cell in source.cells:
        inside = False
        for line in cell.source.splitlines():
            if leaks.HIDDEN_BEGIN in line:
                inside = True
            elif leaks.HIDDEN_END in line:
                inside = False
            elif inside:
                found.add(leaks.normalise(line))
    return found


def visible_lines(text: str) -> str:
    """What a page shows (Playwright's inner_text), normalised line by line as leaks.find_leaks expects."""
    return "\n".join(leaks.normalise(line) for line in text.splitlines())


def shoot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_grader_and_student_walk_through_formgrader_and_the_assignment_list_in_a_browser(tmp_path):
    import nbformat
    from nbgrader.api import Gradebook
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    class_dir = tmp_path / "demo"
    # Released, nobody submitted yet: the only student is this Unix user, in the browser.
    demo.build_demo_class(class_dir, ASSIGNMENT, students=())
    me = getpass.getuser()
    source, _ = demo.source_and_release(ASSIGNMENT)
    written = next(c for c in source.cells if demo.is_written_answer(c))
    grade_id, points = written.metadata.nbgrader.grade_id, float(written.metadata.nbgrader.points)
    manual = points / 2  # a half mark: Formgrader shows it as typed, and it is not the "Full credit" button's
    comment = "Names the archive but not who kept it: say where the copy came from."
    fetched_dir = class_dir / ASSIGNMENT  # nbgrader fetches into the server's root folder
    stray = paths.REPO_ROOT / ASSIGNMENT  # where it went while the server ran in the repository
    stray_before = stray.exists()
    env = lab_environment(class_dir, tmp_path / "home")
    env["JUPYTERLAB_SETTINGS_DIR"] = str(ui.quiet_lab_settings(tmp_path / "lab-settings"))
    try:
        with make_lab(env) as (port, lab), sync_playwright() as playwright:
            base = f"http://127.0.0.1:{port}"
            browser = playwright.chromium.launch(executable_path=ui.CHROMIUM, args=ui.CHROMIUM_ARGS)
            try:
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                page.set_default_timeout(WAIT)
                page.goto(f"{base}/lab?token={TOKEN}&reset", timeout=WAIT)
                page.wait_for_selector(".jp-DirListing-item", timeout=WAIT)

                # 1. The student fetches the assignment in the Assignment List ...
                ui.open_assignment_list(page, timeout=WAIT)
                released = ui.assignment_item(page, "released", ASSIGNMENT)
                expect(released).to_contain_text(COURSE_ID)
                shoot(page, "01-assignment-list-released")
                released.locator("button:has-text('Fetch')").click()
                fetched = ui.assignment_item(page, "fetched", ASSIGNMENT)
                fetched.wait_for(timeout=WAIT)
                notebook = fetched_dir / f"{ASSIGNMENT}.ipynb"
                assert notebook.is_file(), f"the fetched notebook is not in the server's root ({class_dir})"
                # ... answers it (every answer the model one, written by course.grading.run.demo) ...
                submission, *_ = demo.build_submission(source, nbformat.read(notebook, as_version=4), "perfect")
                nbformat.write(submission, notebook)
                answer = next(c for c in submission.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
                answer_words = max(re.split(r"[`*_\[\]\n]", answer.source), key=len).strip()[:40]  # plain words
                shoot(page, "02-assignment-list-fetched")
                # ... opens it from the panel's link: JupyterLab shows the notebook with the answer in it ...
                fetched.locator(".assignment-notebooks-link").click()  # unfolds the assignment's notebooks
                fetched.locator(f".nested_list_item a:has-text('{ASSIGNMENT}')").click()
                shown = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
                expect(shown).to_contain_text("Problem set 1: Provenance and citations", timeout=WAIT)
                shoot(page, "03-fetched-notebook-open")
                rendered = shown.locator(".jp-MarkdownCell .jp-RenderedMarkdown", has_text=answer_words)
                rendered.scroll_into_view_if_needed()
                expect(rendered).to_be_visible(timeout=WAIT)
                shoot(page, "04-fetched-notebook-answer")
                # ... and submits it.
                page.locator(".lm-TabBar-tab:has-text('Assignments')").click()
                fetched.locator("button:has-text('Submit')").click()
                submitted = ui.assignment_item(page, "submitted", ASSIGNMENT)
                expect(submitted).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"), timeout=WAIT)
                shoot(page, "05-assignment-list-submitted")

                # 2. The instructor collects and autogrades with the kit's command line (sandboxed).
                collected = course_cli("collect", ASSIGNMENT, class_dir=class_dir)
                assert (class_dir / "submitted" / me / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file(), collected
                graded = course_cli("autograde", ASSIGNMENT, class_dir=class_dir)
                assert "1 graded, 0 failed" in graded and "sandbox on" in graded, graded

                # 3. A manual grade and a comment on a written answer in Formgrader, opened from JupyterLab's menu.
                page.click("li.lm-MenuBar-item:has-text('Nbgrader')")
                page.click("li.lm-Menu-item[data-command='nbgrader:open-formgrader']")
                panel = page.frame_locator(".jp-MainAreaWidget:visible iframe")
                expect(panel.locator(f"td.name[data-order='{ASSIGNMENT}']")).to_be_visible(timeout=WAIT)
                shoot(page, "06-formgrader-panel")
                grader = page.context.new_page()  # the panel's page on its own: reloadable, as in a browser tab
                grader.set_default_timeout(WAIT)
                grader.goto(f"{base}/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}", timeout=WAIT)
                grader.locator("a[href*='/formgrader/submissions/']").first.click()
                box, note = grader.locator(f"input.score#{grade_id}"), grader.locator(f"textarea#{grade_id}-comment")
                box.wait_for(timeout=WAIT)
                grader.wait_for_load_state("networkidle")  # the page binds its fields once the grades API answered
                with grader.expect_response(lambda r: "/formgrader/api/grade/" in r.url and r.request.method == "PUT"):
                    box.fill(f"{manual:g}")
                    box.press("Tab")
                with grader.expect_response(lambda r: "/formgrader/api/comment/" in r.url and r.request.method == "PUT"):
                    note.fill(comment)
                    note.press("Tab")
                note.scroll_into_view_if_needed()
                shoot(grader, "07-formgrader-grade-and-comment-entered")
                grader.reload(timeout=WAIT)
                box.wait_for(timeout=WAIT)
                expect(box).to_have_value(f"{manual:g}", timeout=WAIT)
                expect(note).to_have_value(comment, timeout=WAIT)
                note.scroll_into_view_if_needed()
                shoot(grader, "08-formgrader-after-reload")
                with Gradebook(f"sqlite:///{class_dir / 'gradebook.db'}", course_id=COURSE_ID) as book:
                    grade = book.find_grade(grade_id, ASSIGNMENT, ASSIGNMENT, me)
                    assert grade.manual_score == pytest.approx(manual) and not grade.needs_manual_grade
                    assert book.find_comment(grade_id, ASSIGNMENT, ASSIGNMENT, me).manual_comment == comment

                # 4. Feedback: generated and released in Formgrader, fetched and opened by the student.
                grader.goto(f"{base}/formgrader/manage_assignments", timeout=WAIT)
                for number, action in ((9, "generate-feedback"), (10, "release-feedback")):
                    title, text = ui.formgrader_action(grader, ASSIGNMENT, action, timeout=WAIT,
                                                       screenshot=ARTIFACTS / f"{number:02d}-formgrader-{action}.png")
                    assert title == "Success", f"{action}: {text[-1500:]}"
                with Gradebook(f"sqlite:///{class_dir / 'gradebook.db'}", course_id=COURSE_ID) as book:
                    record = book.find_submission(ASSIGNMENT, me)
                    score, max_score = record.score, record.max_score
                assert score >= manual

                page.bring_to_front()
                page.locator(".lm-TabBar-tab:has-text('Assignments')").click()
                ui.refresh_assignment_list(page, timeout=WAIT)
                submitted.locator("button:has-text('Fetch Feedback')").click()
                link = submitted.locator("a:has-text('view feedback')").first
                link.wait_for(timeout=WAIT)
                shoot(page, "11-assignment-list-feedback-fetched")
                link.click()
                page.locator(f".jp-DirListing-item:has-text('{ASSIGNMENT}.html')").dblclick()
                body = page.frame_locator(".jp-HTMLViewer:visible iframe").locator("body")
                expect(body).to_contain_text("Score:", timeout=WAIT)
                seen = body.inner_text()
                shoot(page, "12-feedback-open-in-lab")

                # What the student sees: their total, the grader's comment, none of the hidden tests.
                total = re.search(r"Score:\s*([0-9.]+)\s*/\s*([0-9.]+)", seen)
                assert total and (float(total[1]), float(total[2])) == (pytest.approx(score), pytest.approx(max_score)), seen[:500]
                assert comment in seen
                hidden = hidden_test_lines(source)
                secrets = leaks.secret_lines(source, allowed=leaks.notebook_text(submission))
                hidden_secrets = {line for line in secrets if line in hidden}
                assert len(hidden_secrets) >= 3, "the source notebook has no hidden tests to look for"
                graded_nb = nbformat.read(class_dir / "autograded" / me / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
                assert leaks.find_leaks(leaks.notebook_text(graded_nb), hidden_secrets), "the graded copy ran no hidden test"
                assert leaks.find_leaks(visible_lines(seen), hidden_secrets) == [], "the feedback shows hidden tests"
                with_hidden = [c for c in source.cells if leaks.HIDDEN_BEGIN in c.source]
                assert seen.count(HIDDEN_PLACEHOLDER) == len(with_hidden), "not every hidden-test region is marked as such"
                body.locator(f"text={comment}").scroll_into_view_if_needed()
                shoot(page, "13-feedback-grade-and-comment")
                body.locator(f"text={HIDDEN_PLACEHOLDER}").first.scroll_into_view_if_needed()
                shoot(page, "14-feedback-where-hidden-tests-were")
            finally:
                browser.close()
        assert not stray.exists() or stray_before, f"the Assignment List fetched into the repository ({stray})"
    finally:
        if stray.exists() and not stray_before:
            shutil.rmtree(stray)
    assert "Traceback" not in lab["log"], lab["log"][-3000:]
