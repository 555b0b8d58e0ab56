"""The course on a real JupyterHub, end to end, as its people would use it (issue #15).

One instructor and three students are real Unix users with real passwords, logging in through PAM.
The hub (deploy/jupyterhub_config.py, configurable-http-proxy from npm) listens on 127.0.0.1; the
course's Formgrader runs as a hub-managed service under the grader account; the gradebook is
PostgreSQL with password authentication. In Debian's Chromium:

* the instructor generates and releases ps1 in Formgrader;
* each student logs in, lands in their own copy of the lessons, fetches ps1 in the Assignment List,
  answers (perfect, partial, blank: built from the source notebook by course.grading.run.demo), submits;
* the instructor collects in Formgrader; the grader account autogrades with the kit's sandboxed
  parallel autograder (`course-grader autograde`, command line); the instructor enters one written
  answer's grade in Formgrader, generates and releases feedback;
* each student fetches feedback in the Assignment List: it shows their own score and no hidden test.

Then file permissions are checked as each user. Expected scores come from what each answer was built
to contain and the source notebook's points, never from a previous run.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import nbformat
import pytest

import hubbrowser as ui
from harness import close_deployment, new_deployment
from hubfixtures import hub_cache  # noqa: F401 -- a fixture
from hubload import auto_points
from course.grading.run import demo
from course.grading.classdir import check_db_url

ASSIGNMENT = "ps1-provenance-and-citations"
#: Appended to the perfect student's first written answer: none of it may run where the instructor reads it.
HUB_PAYLOAD = ('HUB-PAYLOAD-TEXT <script>window.__pwned_hub = 1; alert(1)</script> '
               '<img src="x" onerror="window.__pwned_hub = 1; alert(2)">')
BEHAVIOURS = {"s1": "perfect", "s2": "partial", "s3": "empty"}
pytestmark = [pytest.mark.hub, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: What the test learnt along the way, for the permission checks and the sizing figures.
STATE: dict = {}


@pytest.fixture(scope="module")
def hub(hub_cache):
    started = time.monotonic()
    deployment = new_deployment(hub_cache, students=list(BEHAVIOURS), instructors=["inst"])
    STATE["setup_seconds"] = time.monotonic() - started
    yield deployment
    close_deployment(deployment)


def student(hub, short: str) -> str:
    return hub.student_users[list(BEHAVIOURS).index(short)]



def hidden_test_lines(source) -> list[str]:
    """The non-trivial lines inside the source's hidden-test regions (none may reach a student)."""
    lines = []
    for cell in source.cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) > 12:
                lines.append(line.strip())
    return lines


def gradebook(hub):
    from nbgrader.api import Gradebook

    return Gradebook(check_db_url(hub.gradebook_url), course_id=hub.course_id)


def server_memory_mb(hub, user: str) -> float:
    """Resident memory of every process running as ``user`` (their JupyterLab server), in MB."""
    import psutil
    import pwd

    uid = pwd.getpwnam(user).pw_uid
    total = 0
    for proc in psutil.process_iter(["uids", "memory_info"]):
        try:
            if proc.info["uids"] and proc.info["uids"].real == uid:
                total += proc.info["memory_info"].rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total / 2**20


def test_release_fetch_submit_grade_feedback_through_the_hub(hub):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    source, _ = demo.source_and_release(ASSIGNMENT)
    started = time.monotonic()
    intents, pages = {}, {}
    lessons = sorted(p.name for p in (hub.kit / "notebooks").glob("*.ipynb"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=ui.CHROMIUM, args=ui.CHROMIUM_ARGS)
        try:
            # 1. The instructor generates and releases the assignment in Formgrader.
            instructor = hub.instructor_users[0]
            teacher = ui.login(browser, hub.base, instructor, hub.passwords[instructor])
            ui.manage_assignments(teacher, hub.base, hub.course_id)
            title, text = ui.formgrader_action(teacher, ASSIGNMENT, "assign")
            assert title == "Success", text
            title, text = ui.formgrader_action(teacher, ASSIGNMENT, "release")
            assert title == "Success", text
            ui.manage_assignments(teacher, hub.base, hub.course_id)
            status = teacher.locator(f"tr:has(td.name[data-order='{ASSIGNMENT}']) td.status").inner_text()
            assert status.strip() == "released"

            # 2. Each student: log in, land in the course workspace, fetch, answer, submit.
            memory = {}
            for short, behaviour in BEHAVIOURS.items():
                user = student(hub, short)
                page = ui.login(browser, hub.base, user, hub.passwords[user])
                ui.open_lab(page)
                assert page.url.split("?")[0].endswith(f"/user/{user}/lab/tree/course-workspace"), page.url
                listed = page.locator(".jp-DirListing-itemText").all_inner_texts()
                assert set(lessons) <= set(listed), f"{user}'s workspace lists {listed}"
                copied = hub.run_as(user, ["ls", str(hub.home(user) / "course-workspace")]).stdout.split()
                assert set(lessons) <= set(copied), copied  # the user's own copies (the test reads them as the user)
                assert not hub.run_as(user, ["test", "-w", str(hub.kit / "notebooks" / lessons[0])], check=False).returncode == 0
                ui.open_assignment_list(page)
                ui.assignment_item(page, "released", ASSIGNMENT).locator("button:has-text('Fetch')").click()
                ui.assignment_item(page, "fetched", ASSIGNMENT).wait_for(timeout=ui.LONG)
                fetched_path = hub.home(user) / hub.course_id / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
                fetched = nbformat.read(fetched_path, as_version=4)
                assert not hidden_test_lines_in(fetched, source), "the released notebook holds hidden tests"
                submission, correct, _, written, share = demo.build_submission(source, fetched, behaviour)
                if short == "s1":  # script in a written answer must stay text in the instructor's Formgrader (#19)
                    answer = next(c for c in submission.cells if demo.is_written_answer(c))
                    answer.source += f"\n\n{HUB_PAYLOAD}\n"
                hub.run_as(user, ["tee", str(fetched_path)], input=nbformat.writes(submission))
                intents[user] = {"behaviour": behaviour, "correct": correct, "written": written}
                ui.assignment_item(page, "fetched", ASSIGNMENT).locator("button:has-text('Submit')").click()
                ui.assignment_item(page, "submitted", ASSIGNMENT).wait_for(timeout=ui.LONG)
                memory[user] = server_memory_mb(hub, user)
                pages[user] = page
            STATE["server_memory_mb"] = memory
            STATE["submitted"] = True
            pages[student(hub, "s1")].screenshot(path=str(ARTIFACTS / "hub-student-assignment-list.png"))

            # 3. The instructor collects in Formgrader.
            ui.manage_assignments(teacher, hub.base, hub.course_id)
            title, text = ui.formgrader_action(teacher, ASSIGNMENT, "collect")
            assert title == "Success", text
            for user in intents:
                assert f"Collecting submission: {user} {ASSIGNMENT}" in text

            # 4. The grader account autogrades with the kit's sandboxed parallel autograder.
            graded = hub.grader_run(["course-grader", "autograde", ASSIGNMENT], timeout=900)
            assert "3 graded, 0 failed" in graded.stdout and "sandbox on" in graded.stdout, graded.stdout
            book = gradebook(hub)
            try:
                for user, intent in intents.items():
                    submission = book.find_submission(ASSIGNMENT, user)
                    expected = auto_points(source, intent["correct"])
                    assert submission.code_score == pytest.approx(expected), (user, intent["behaviour"])
                scores = {u: book.find_submission(ASSIGNMENT, u).code_score for u in intents}
            finally:
                book.close()
            perfect, partial, blank = (student(hub, s) for s in ("s1", "s2", "s3"))
            assert scores[perfect] > scores[partial] > scores[blank] == 0

            # 5. The instructor grades one written answer in Formgrader (perfect student, first written answer).
            written_cell = next(c for c in source.cells if demo.is_written_answer(c))
            grade_id, points = written_cell.metadata.nbgrader.grade_id, written_cell.metadata.nbgrader.points
            teacher.goto(f"{hub.base}/services/{hub.course_id}/formgrader/gradebook/{ASSIGNMENT}/{ASSIGNMENT}",
                         timeout=ui.LONG)
            teacher.locator(f"tr:has-text('{perfect}') a").first.click()
            dialogs = []
            teacher.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            box = teacher.locator(f"input.score#{grade_id}")
            box.wait_for(timeout=ui.LONG)
            teacher.wait_for_load_state("networkidle")  # the page binds its grade fields once the grades API answered
            assert teacher.evaluate("window.__pwned_hub === undefined") and not dialogs, dialogs
            assert teacher.get_by_text("HUB-PAYLOAD-TEXT").count() >= 1  # shown to the grader, as text
            box.fill(str(points))
            box.press("Tab")
            manual = wait_for_manual_score(hub, perfect, grade_id)
            assert manual == pytest.approx(points)

            # 6. The instructor generates and releases feedback in Formgrader.
            ui.manage_assignments(teacher, hub.base, hub.course_id)
            title, text = ui.formgrader_action(teacher, ASSIGNMENT, "generate-feedback")
            assert title == "Success", text
            title, text = ui.formgrader_action(teacher, ASSIGNMENT, "release-feedback")
            assert title == "Success", text

            # 7. Each student fetches feedback in the Assignment List: their own score, no hidden test.
            book = gradebook(hub)
            try:
                totals = {u: (book.find_submission(ASSIGNMENT, u).score, book.find_submission(ASSIGNMENT, u).max_score)
                          for u in intents}
            finally:
                book.close()
            assert totals[perfect][0] == pytest.approx(scores[perfect] + points)
            hidden = hidden_test_lines(source)
            assert hidden, "the source notebook has no hidden tests to look for"
            for user, page in pages.items():
                ui.refresh_assignment_list(page)
                item = ui.assignment_item(page, "submitted", ASSIGNMENT)
                item.locator("button:has-text('Fetch Feedback')").click()
                item.locator("a:has-text('view feedback')").first.wait_for(timeout=ui.LONG)
                found = hub.run_as(user, ["find", str(hub.home(user) / hub.course_id / ASSIGNMENT / "feedback"),
                                          "-name", f"{ASSIGNMENT}.html"]).stdout.splitlines()
                assert len(found) == 1, found  # feedback/<timestamp with spaces>/<assignment>.html
                html = hub.run_as(user, ["cat", found[0]]).stdout
                score, max_score = totals[user]
                assert feedback_score(html) == (pytest.approx(score), pytest.approx(max_score)), user
                leaked = [line for line in hidden if line in html]
                assert not leaked, f"{user}'s feedback shows hidden tests: {leaked[:3]}"
                STATE.setdefault("feedback", {})[user] = found[0]
            # The perfect student opens their feedback in JupyterLab, from the Assignment List's link.
            page = pages[perfect]
            ui.assignment_item(page, "submitted", ASSIGNMENT).locator("a:has-text('view feedback')").first.click()
            page.locator(f".jp-DirListing-item:has-text('{ASSIGNMENT}.html')").dblclick()
            shown = page.frame_locator(".jp-HTMLViewer iframe").locator("body")
            shown.locator("text=Score:").first.wait_for(timeout=ui.LONG)
            score, max_score = totals[perfect]
            assert feedback_score(shown.inner_text()) == (pytest.approx(score), pytest.approx(max_score))
            page.screenshot(path=str(ARTIFACTS / "hub-student-feedback.png"))

            # Formgrader's own Autograde button runs plain nbgrader: with a kit that sandboxes plain
            # nbgrader it grades in the sandbox (same score); otherwise the deployment refuses it.
            sandboxed_plain = (hub.kit / "course" / "grading" / "pipeline.py").is_file()
            teacher.goto(f"{hub.base}/services/{hub.course_id}/formgrader/manage_submissions/{ASSIGNMENT}", timeout=ui.LONG)
            teacher.locator(f"tr:has(td.student-id:has-text('{blank}')) td.autograde a").click()
            dialog = teacher.locator(".modal-dialog")
            dialog.locator(".modal-title").wait_for(timeout=ui.LONG)
            title, body = dialog.locator(".modal-title").inner_text().strip(), dialog.locator(".modal-body").text_content()
            dialog.locator(".modal-footer button").last.click()
            if sandboxed_plain:
                assert title == "Success", body[-1500:]
                book = gradebook(hub)
                try:
                    assert book.find_submission(ASSIGNMENT, blank).code_score == 0
                finally:
                    book.close()
            else:
                assert title == "Error" and "use-course-grader-autograde-not-plain-nbgrader" in body, body[-1500:]
            STATE["round_trip_seconds"] = time.monotonic() - started

            # Sizing: the perfect student's server while a lesson runs (JupyterLab + one lesson kernel).
            lesson = next(name for name in lessons if name.startswith("01-"))
            page.goto(f"{hub.base}/user/{perfect}/lab/tree/course-workspace/{lesson}?reset", timeout=ui.LONG)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=ui.LONG)
            page.wait_for_selector(".jp-StatusBar-TextItem:has-text('| Idle')", timeout=ui.LONG)
            ui.run_all(page)
            try:
                page.wait_for_selector(".jp-InputArea-prompt:has-text('[1]')", timeout=20_000)
            except Exception:  # Run All occasionally does nothing right after load (browser notes): once more
                ui.run_all(page)
            page.wait_for_selector(".course-document-reader", timeout=ui.LONG)
            page.wait_for_selector(".jp-StatusBar-TextItem:has-text('| Idle')", timeout=ui.LONG)
            STATE["server_with_lesson_kernel_mb"] = {perfect: server_memory_mb(hub, perfect)}
        finally:
            browser.close()
    (ARTIFACTS / "hub-roundtrip.json").write_text(json.dumps(
        {k: STATE[k] for k in ("setup_seconds", "round_trip_seconds", "server_memory_mb",
                               "server_with_lesson_kernel_mb") if k in STATE}, indent=2))


def hidden_test_lines_in(notebook, source) -> list[str]:
    text = "\n".join(c.source for c in notebook.cells)
    return [line for line in hidden_test_lines(source) if line in text]


def feedback_score(html: str) -> tuple[float, float]:
    """The total nbgrader's feedback page states, e.g. 'Score: 9.0 / 11.0'."""
    match = re.search(r"Score:\s*([0-9.]+)\s*/\s*([0-9.]+)", re.sub(r"<[^>]+>", " ", html))
    assert match, "the feedback page states no score"
    return float(match.group(1)), float(match.group(2))


def wait_for_manual_score(hub, user: str, grade_id: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        book = gradebook(hub)
        try:
            grade = book.find_grade(grade_id, ASSIGNMENT, ASSIGNMENT, user)
            if grade.manual_score is not None:
                return grade.manual_score
        finally:
            book.close()
        time.sleep(1)
    raise AssertionError(f"Formgrader did not save {user}'s grade for {grade_id} within {timeout:.0f} s")


def test_each_user_reads_only_what_is_theirs(hub):
    """As each user: a student cannot read another student's work, the source notebooks or the gradebook."""
    assert STATE.get("submitted"), "the round trip did not get as far as the submissions"
    s1, s2 = student(hub, "s1"), student(hub, "s2")
    grader, kit = hub.grader, hub.kit
    course_dir = Path(hub.settings["class_dir"])
    mine = hub.home(s1) / hub.course_id / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    collected = course_dir / "submitted" / s1 / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    autograded = course_dir / "autograded" / s1 / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    source_nb = kit / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    desk_notes = next((kit / "data" / "research").glob("*.md"))
    url_file = Path(hub.settings["gradebook_url_file"])
    inbound = hub.exchange / hub.course_id / "inbound"

    def can_read(user, path) -> bool:
        return hub.run_as(user, ["cat", str(path)], check=False).returncode == 0

    # What each path's owner can read (so the refusals below are about permissions, not missing files).
    assert can_read(s1, mine)
    for path in (collected, autograded, source_nb, url_file, desk_notes):
        assert can_read(grader, path), path
    assert can_read(s1, STATE["feedback"][s1])
    # Another student can read none of it.
    for path in (mine, collected, autograded, source_nb, url_file, desk_notes, STATE["feedback"][s1]):
        assert not can_read(s2, path), f"{s2} can read {path}"
    # nor list the exchange's inbound folder (where every submission lands under a random name).
    assert hub.run_as(s2, ["ls", str(inbound)], check=False).returncode != 0
    assert hub.run_as(grader, ["ls", str(inbound)]).stdout.split(), "the grader sees no submissions"
    # nor list the course folder, another student's home, or the kit's assignments.
    for folder in (course_dir, hub.home(s1), kit / "assignments"):
        assert hub.run_as(s2, ["ls", str(folder)], check=False).returncode != 0, folder
    # The gradebook: without the grader's password PostgreSQL refuses, as the gradebook role or the superuser.
    port = str(hub.pg_port)
    for role in (hub.pg_role, "postgres"):
        refused = hub.run_as(s2, ["psql", "-w", "-h", "127.0.0.1", "-p", port, "-U", role, "-d", "gradebook",
                                  "-c", "select count(*) from submitted_assignment"], check=False)
        assert refused.returncode != 0 and "password" in refused.stderr, refused.stderr
    allowed = hub.run_as(grader, ["sh", "-c", f'psql "$(cat {url_file})" -tA -c "select count(*) from submitted_assignment"'])
    assert int(allowed.stdout.strip()) == len(BEHAVIOURS)
    # The assessment bank and the kit's data/ (with the desk's notes) are the graders'; a student's servers load
    # the student edition, which has no assessed row, whatever the environment asks for (issue #20: "one line
    # restores the key"), and the kit's own bank loader finds nothing a student may read.
    for private in (kit / "bank" / "claims.csv", kit / "data" / "claims.csv", kit / "data" / "research" / "cited_reports.jsonl"):
        assert can_read(grader, private) and not can_read(s2, private), private
    probe = ("import os; os.environ['COURSE_DATA_EDITION'] = 'full'; from course.evidence import data, bank; "
             "c = data.claims().set_index('claim_id'); print('K015' in c.index, len(c))\n"
             "try:\n    print(len(bank.full_table('claims')))\nexcept Exception as exc:\n    print(type(exc).__name__)")
    # From the student's home: `python -c` puts the working folder first on sys.path, and the test's own folder
    # is a clone of the kit (with its bank), which is not what a student's server imports.
    seen = hub.run_as(s2, ["python", "-c", probe + "\nimport course; print(course.__file__)"],
                      env={"COURSE_DATA_DIR": str(hub.prefix / "student-data")}, cwd=str(hub.home(s2)))
    found, rows, through_bank, imported = seen.stdout.split()
    assert imported.startswith(str(kit)), imported
    assert found == "False" and int(rows) > 50 and through_bank in (rows, "PermissionError", "BankMissing"), seen.stdout
    # The kit is read-only for everyone but root.
    for user in (s2, grader):
        assert hub.run_as(user, ["touch", str(kit / "course" / "__init__.py")], check=False).returncode != 0


def test_entries_a_student_forges_on_the_shared_exchange_are_refused_and_change_nothing(hub):
    """As a real student account on the shared exchange: an entry named for another student (dated 2099, and
    dated plausibly), a notebook linked to the source notebook, a FIFO for timestamp.txt. The grader's
    collect refuses each in one line, exits non-zero, and every collected submission stays as it was."""
    import datetime as dt
    import hashlib

    assert STATE.get("submitted"), "the round trip did not get as far as the submissions"
    s1, s3 = student(hub, "s1"), student(hub, "s3")
    course_dir = Path(hub.settings["class_dir"])
    inbound = hub.exchange / hub.course_id / "inbound"
    own_notebook = hub.home(s3) / hub.course_id / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    source_nb = hub.kit / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    stamp = "%Y-%m-%d %H:%M:%S.%f UTC"
    now = dt.datetime.now(dt.timezone.utc)

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    collected = {user: course_dir / "submitted" / user / ASSIGNMENT / f"{ASSIGNMENT}.ipynb" for user in (s1, s3)}
    before = {user: digest(path) for user, path in collected.items()}
    plant = 'mkdir "$1" && cp "$2" "$1/{nb}" && printf %s "$3" > "$1/timestamp.txt" && echo s > "$1/submission_secret.txt"'
    plant = plant.format(nb=f"{ASSIGNMENT}.ipynb")
    for named, when, tag in ((s1, dt.datetime(2099, 1, 1), "a"), (s1, now, "b")):
        folder = inbound / f"{named}+{ASSIGNMENT}+{when.strftime(stamp)}+{tag}"
        hub.run_as(s3, ["sh", "-c", plant, "sh", str(folder), str(own_notebook), when.strftime(stamp)])
    linked = inbound / f"{s3}+{ASSIGNMENT}+{now.strftime(stamp)}+c"
    hub.run_as(s3, ["sh", "-c", 'mkdir "$1" && ln -s "$2" "$1/{nb}" && printf %s "$3" > "$1/timestamp.txt"'.format(
        nb=f"{ASSIGNMENT}.ipynb"), "sh", str(linked), str(source_nb), now.strftime(stamp)])
    fifo = inbound / f"{s3}+{ASSIGNMENT}+{now.strftime(stamp)}+d"
    hub.run_as(s3, ["sh", "-c", 'mkdir "$1" && cp "$2" "$1/" && mkfifo "$1/timestamp.txt"', "sh", str(fifo), str(own_notebook)])

    done = hub.grader_run(["course-grader", "collect", ASSIGNMENT], check=False, timeout=300)
    refused = [line for line in done.stderr.splitlines() if line.startswith("REFUSED: ")]
    assert done.returncode == 1 and len(refused) == 4, done.stdout[-2000:] + done.stderr[-2000:]
    assert sum(f"made by the account {s3}" in line for line in refused) == 2, refused
    assert any("is a symbolic link" in line for line in refused) and any("FIFO" in line for line in refused), refused
    assert {user: digest(path) for user, path in collected.items()} == before
