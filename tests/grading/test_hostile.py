"""Hostile submissions (course.hostile) against the parallel, sandboxed autograder (course.grading.run.verbs.autograde).

The first tests check the generator on its own (fast). The rest grade one
class ONCE (module fixture): clean demo students (perfect, partial, empty)
beside every hostile case, with ``jobs=2, sandbox="required"``, and a second
class with only the clean students for comparison. Each hostile case must
end as its :class:`~course.hostile.Expectation` says, in the report and in
its feedback, without changing anyone else's grades, the gradebook's
integrity, or any file outside the grader's scratch folders.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

import hostile_cases as hostile
from course import paths
from course.grading import classdir
from course.grading.run import demo
from conftest import free_port

ASSIGNMENT = hostile.ASSIGNMENT
CASES = hostile.hostile_cases()
CASE_NAMES = [case.name for case in CASES]
#: Short deadlines keep the module within a few minutes; the slowest clean cell needs about 3 s. 20 s, not 10:
#: the memory bomb, 1.5 s alone, once ran past 10 s in a full-suite run (two hostile kernels at a time, 2 cores).
CELL_TIMEOUT, NOTEBOOK_TIMEOUT = 20, 90
#: Where the decoy copy of the secrets goes: on the host's disk, outside the repository and /tmp
#: (both of which the sandbox hides anyway), and among the folders the attacks search.
DECOY_BASE = "/var/tmp"

#: Holes the engine does not close yet, per check ("outcome", "feedback", "side"): case name -> what gets
#: through and why. Each is a strict xfail of that one test, so it fails (and the entry must go) once the hole is closed.
KNOWN_HOLES: dict[str, dict[str, str]] = {
    "outcome": {},
    "feedback": {},
    "side": {},
}

#: The brief's list of hostile behaviours, by category: the generator must cover every one.
REQUIRED = {
    "malformed": {"invalid-json", "nbformat-v3", "missing-notebook", "renamed-notebook", "huge-image-output",
                  "big-attachments"},
    "tampered": {"deleted-grade-cell", "duplicated-grade-cell", "retyped-grade-cell", "edited-test-cell", "stripped-metadata",
                 "stripped-metadata-and-ids"},
    "runaway": {"infinite-loop", "long-sleep", "memory-bomb", "fork-bomb", "giant-output", "output-flood", "endless-flood"},
    "crash": {"os-exit", "sys-exit", "segfault", "kernel-kill", "os-exit-between-answers", "segfault-between-answers"},
    "attack": {"read-others-relative", "read-others-absolute", "read-source-notebook", "read-gradebook",
               "delete-gradebook", "rewrite-gradebook", "write-outside-scratch", "network-loopback",
               "always-equal", "redefine-names", "tamper-builtins", "replace-checker", "tamper-guard"},
}


def case_params(check: str, cases=CASES):
    """pytest params with ids = case names; a known hole of this check is a strict xfail."""
    params = []
    for case in cases:
        marks = []
        if case.name in KNOWN_HOLES[check]:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_HOLES[check][case.name]))
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


@pytest.fixture(scope="module")
def notebooks():
    """(source, release) of the assignment; the release made by nbgrader's own preprocessors."""
    return demo.source_and_release(ASSIGNMENT)


@pytest.fixture(scope="module")
def built(notebooks, tmp_path_factory):
    """Every case built once into its own fetched-assignment folder (no grading)."""
    source, release = notebooks
    root = tmp_path_factory.mktemp("built")
    homes = {}
    for case in CASES:
        home = root / case.name / ASSIGNMENT
        home.mkdir(parents=True)
        nbformat.write(release, hostile.notebook_path(home))
        before = copy.deepcopy(release)
        case.build(release, source, home)
        assert release == before, f"{case.name} changed the released notebook it was given"
        homes[case.name] = home
    return homes


# --- the generator ---------------------------------------------------------------------------------------

def test_at_least_twenty_cases_with_unique_slug_names():
    """Are there 20+ cases, each named by a unique slug that can serve as a student id?"""
    assert len(CASES) >= 20
    assert len(set(CASE_NAMES)) == len(CASE_NAMES)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in CASE_NAMES)
    assert not set(CASE_NAMES) & {s.student_id for s in demo.STUDENTS}


def test_categories_cover_every_hostile_behaviour_asked_for():
    """Does every category exist, and is every behaviour of the brief a case in its category?"""
    by_category = {c: {case.name for case in CASES if case.category == c} for c in hostile.CATEGORIES}
    assert {case.category for case in CASES} == set(hostile.CATEGORIES)
    for category, names in REQUIRED.items():
        assert names <= by_category[category], (category, names - by_category[category])


def test_every_case_builds_a_submission(built):
    """Does every build leave a submission (a notebook, except the missing/renamed ones) in its folder?"""
    for case in CASES:
        files = sorted(p.name for p in built[case.name].iterdir())
        expected_name = f"{ASSIGNMENT}.ipynb"
        if case.name == "missing-notebook":
            assert files == ["notes.txt"]
        elif case.name == "renamed-notebook":
            assert files == [f"{ASSIGNMENT}-final.ipynb"]
        else:
            assert files == [expected_name], case.name


def test_notebooks_parse_and_their_code_compiles_except_the_broken_file(built):
    """Is every built notebook valid (nbformat 4, or 3 for that case) with code that compiles, and only invalid-json unreadable?"""
    for case in CASES:
        for path in built[case.name].glob("*.ipynb"):
            text = path.read_text(encoding="utf-8")
            if case.name == "invalid-json":
                with pytest.raises(json.JSONDecodeError):
                    json.loads(text)
                continue
            assert json.loads(text)["nbformat"] == (3 if case.name == "nbformat-v3" else 4), case.name
            nb = nbformat.reads(text, as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    compile(cell.source, f"{case.name}:{cell.get('id')}", "exec")



def read(built, name, filename=None):
    return nbformat.read(built[name] / (filename or f"{ASSIGNMENT}.ipynb"), as_version=4)


def grade_ids(nb, predicate):
    return [demo._meta(c).get("grade_id") for c in nb.cells if predicate(c)]


def test_tampered_notebooks_are_tampered_as_their_names_say(built, notebooks):
    """Deleted, duplicated, re-typed, edited, stripped: does each notebook differ from the perfect one exactly so?"""
    source, release = notebooks
    tests = grade_ids(release, demo.is_test)
    assert grade_ids(read(built, "deleted-grade-cell"), demo.is_test) == tests[1:]
    assert grade_ids(read(built, "duplicated-grade-cell"), demo.is_test) == tests + tests[-1:]
    retyped = read(built, "retyped-grade-cell")
    assert grade_ids(retyped, demo.is_test) == tests[1:]
    assert [c.cell_type for c in retyped.cells if demo._meta(c).get("grade_id") == tests[0]] == ["markdown"]
    edited = read(built, "edited-test-cell")
    assert hostile.test_cells(edited)[0].source == "pass\n"
    assert hostile.answer_cells(edited)[0].source == hostile.answer_cells(release)[0].source
    assert all("nbgrader" not in c.metadata for c in read(built, "stripped-metadata").cells)
    renewed = read(built, "stripped-metadata-and-ids")
    assert all("nbgrader" not in c.metadata for c in renewed.cells)
    assert not {c.get("id") for c in renewed.cells} & {c.get("id") for c in release.cells}
    renamed = read(built, "renamed-notebook", f"{ASSIGNMENT}-final.ipynb")
    assert renamed == hostile.perfect(release, source)


def test_huge_image_is_twenty_megabytes_of_saved_output(built):
    """Does the huge-image notebook carry a 20 MB base64 PNG in a saved output?"""
    path = built["huge-image-output"] / f"{ASSIGNMENT}.ipynb"
    assert path.stat().st_size > 20 * 10**6
    outputs = [o for c in nbformat.read(path, as_version=4).cells for o in c.get("outputs", [])]
    assert any(len(o.get("data", {}).get("image/png", "")) > 20 * 10**6 for o in outputs)


def test_runaway_and_crash_code_sits_after_correct_answers(built, notebooks):
    """Are the answers before the last one the model solutions, so a fair grader keeps their points?"""
    source, release = notebooks
    model = [demo.solution_text(c) for c in source.cells if demo.is_code_answer(c)]
    for case in CASES:
        if case.category not in ("runaway", "crash"):
            continue
        nb = read(built, case.name)
        answers = [c.source for c in hostile.answer_cells(nb)]
        if case.name.endswith("-between-answers"):  # every answer intact; the crash is a cell of its own
            first_test = nb.cells.index(hostile.test_cells(nb)[0])
            assert answers == model and "nbgrader" not in nb.cells[first_test + 1].metadata, case.name
            continue
        assert answers[:-1] == model[:-1], case.name
        assert model[-1] in answers[-1] and answers[-1] != model[-1], case.name


def test_attack_notebooks_hold_no_secret_before_grading(built, notebooks):
    """Does an attack submission start from the release, with no solution or hidden-test line of its own?"""
    from course.grading.release.leaks import find_leaks, notebook_text, secret_lines

    source, _ = notebooks
    for case in CASES:
        if case.category == "attack":
            assert find_leaks(notebook_text(read(built, case.name)), secret_lines(source)) == [], case.name


def test_expected_points_follow_from_the_source_notebook(notebooks):
    """Are the expected points sums of the source's test-cell points, never typed in?"""
    source, _ = notebooks
    points = [float(demo._meta(c)["points"]) for c in source.cells if demo.is_test(c)]
    assert hostile.Expectation("graded").points(source) == sum(points)
    assert hostile.Expectation("graded", answers="all-but-last").points(source) == sum(points[:-1])
    assert hostile.Expectation("graded", answers="all-but-first").points(source) == sum(points[1:])
    assert hostile.Expectation("graded", lost_tests="first").points(source) == sum(points[1:])
    assert hostile.Expectation("graded", answers="none").points(source) == 0
    assert hostile.Expectation("zero-with-reason", reason="x").points(source) == 0
    deleted = hostile.case_named("deleted-grade-cell").expectation.reason_regex(source)
    assert deleted.search(f"grade cell '{grade_ids(source, demo.is_test)[0]}' deleted")


def test_bad_expectations_and_unknown_cases_are_refused():
    """Is a misspelt outcome, or a reason-less outcome that needs one, or an unknown case name, a clear error?"""
    with pytest.raises(ValueError, match="outcome 'gradded' is not one of graded"):
        hostile.Expectation("gradded")
    with pytest.raises(ValueError, match="needs a reason"):
        hostile.Expectation("zero-with-reason")
    with pytest.raises(KeyError, match="known: invalid-json"):
        hostile.case_named("no-such-case")


def test_bombs_do_nothing_outside_the_grader(monkeypatch, tmp_path, capsys):
    """Run by a student (not under the autograder), do the fork and memory bombs stay quiet?"""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.chdir(tmp_path)
    for code in (hostile.FORK_BOMB, hostile.MEMORY_BOMB):
        exec(compile(code, "bomb", "exec"), {})
    assert capsys.readouterr().out == ""


def test_cheat_server_hands_out_solutions_and_records_callers(notebooks):
    """Does the loopback cheat server answer with the solutions and remember who called?"""
    source, _ = notebooks
    port = free_port()
    with hostile.CheatServer(port, hostile.CheatServer.solutions_payload(source)) as server:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"hello from a test\n")
            received = b""
            while chunk := conn.recv(65536):
                received += chunk
    cells = json.loads(received)["cells"]
    assert [c["metadata"]["nbgrader"]["grade_id"] for c in cells] == grade_ids(source, demo.is_code_answer)
    assert len(server.connections) == 1 and server.connections[0].endswith("hello from a test")


# --- grading the hostile class ------------------------------------------------------------------------------

def digest(root: Path, skip: tuple[str, ...] = ("__pycache__",)) -> dict[str, str]:
    """relative path -> sha256 of every file under root (skipping folders named in skip)."""
    found = {}
    if not root.exists():
        return found
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(part in skip for part in path.relative_to(root).parts):
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def outside_files(class_dir: Path) -> dict[str, dict[str, str]]:
    """Checksums of what grading must not change: the repository's source notebooks and data, and the
    class's release, exchange, submissions and student folders, and the files beside the gradebook.

    (``course/`` is left out: a developer may edit it while the tests run; the sandbox mounts it
    read-only, and the marker search covers it.)"""
    repo = paths.REPO_ROOT
    trees = {f"repo/{name}": repo / name for name in ("assignments", "data")}
    trees.update({f"class/{name}": class_dir / name for name in ("release", "exchange", "submitted", "students")})
    checksums = {label: digest(root) for label, root in trees.items()}
    # Beside the gradebook: nothing may appear or change next to it (it changes itself, by grading).
    checksums["class/ (top-level files but the gradebook)"] = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in class_dir.iterdir()
        if p.is_file() and not p.name.startswith("gradebook.db")}
    return checksums


def marker_files(class_dir: Path) -> list[Path]:
    """Marker files the write attack left anywhere it could reach (the class folder, the repository, homes, /tmp)."""
    found = list(class_dir.rglob(f"{hostile.MARKER_PREFIX}*"))
    for folder in (paths.REPO_ROOT, paths.REPO_ROOT / "assignments", paths.REPO_ROOT / "data",
                   paths.REPO_ROOT / "course", Path("/tmp"), Path("/var/tmp"), Path("/root"), Path.home()):
        found += folder.glob(f"{hostile.MARKER_PREFIX}*")
    return sorted(set(found))


def gradebook_scores(class_dir: Path, students: list[str]) -> dict[str, dict]:
    """student -> {"score", "code_score", "grades": {grade cell: score}} from the gradebook (None: no submission)."""
    from nbgrader.api import MissingEntry

    api = classdir.open_api(class_dir)
    scores = {}
    with api.gradebook as book:
        for student in students:
            try:
                submission = book.find_submission(ASSIGNMENT, student)
            except MissingEntry:
                scores[student] = None
                continue
            grades = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
            scores[student] = {"score": submission.score, "code_score": submission.code_score, "grades": grades}
    return scores


@pytest.fixture(scope="module")
def graded(tmp_path_factory, notebooks):
    """One sandboxed, 2-job autograde of the hostile class, one of a clean class, then feedback for the hostile one."""
    from course.grading.run import verbs
    from course.grading.classdir import GradingError

    source, _ = notebooks
    saved_db = os.environ.pop("COURSE_DB_URL", None)  # never write to a database named in the environment
    root = tmp_path_factory.mktemp("hostile")
    port = free_port()
    cases = hostile.hostile_cases(cheat_port=port)
    hostile_class = hostile.build_class(root / "class", cases)
    clean_class = hostile.build_class(root / "clean", [])
    # Another copy of the secrets elsewhere on the machine, readable by any local user (as a second
    # checkout beside CI's clone would be): the attacks must not find it either.
    decoy_root = Path(tempfile.mkdtemp(prefix="course-decoy-", dir=DECOY_BASE))
    decoy = hostile.plant_decoy(decoy_root, classdir.source_notebook(ASSIGNMENT), hostile_class.class_dir / "gradebook.db")
    options = dict(assignment=ASSIGNMENT, jobs=2, sandbox="required", progress=False,
                   cell_timeout=CELL_TIMEOUT, notebook_timeout=NOTEBOOK_TIMEOUT)
    before = outside_files(hostile_class.class_dir)
    markers_before = marker_files(hostile_class.class_dir)
    error = report = None
    with hostile.CheatServer(port, hostile.CheatServer.solutions_payload(source)) as server:
        try:
            report = verbs.autograde(class_dir=hostile_class.class_dir, **options)
        except Exception as exc:  # recorded: test_the_run_completed reports it
            error = exc
    after = outside_files(hostile_class.class_dir)
    markers = [m for m in marker_files(hostile_class.class_dir) if m not in markers_before]
    for marker in markers:  # never leave them behind, whatever the tests say
        if marker.is_relative_to(paths.REPO_ROOT) or not marker.is_relative_to(hostile_class.class_dir):
            marker.unlink(missing_ok=True)
    clean_report = verbs.autograde(class_dir=clean_class.class_dir, **options)
    feedback_error = None
    try:
        verbs.feedback(ASSIGNMENT, class_dir=hostile_class.class_dir, progress=False)
    except GradingError as exc:  # some feedback withheld or not written: the per-case tests say which
        feedback_error = exc
    result = SimpleNamespace(
        source=source, cases=cases, hostile=hostile_class, clean=clean_class, report=report, error=error,
        clean_report=clean_report, before=before, after=after, markers=markers, connections=list(server.connections),
        feedback_error=feedback_error, integrity=verbs.gradebook_integrity(class_dir=hostile_class.class_dir),
        decoy=decoy, decoy_root=decoy_root,
        scores=gradebook_scores(hostile_class.class_dir, hostile_class.students),
        clean_scores=gradebook_scores(clean_class.class_dir, clean_class.students),
    )
    yield result
    shutil.rmtree(decoy_root, ignore_errors=True)
    if saved_db is not None:
        os.environ["COURSE_DB_URL"] = saved_db


def result_of(graded, name):
    assert graded.report is not None, f"autograde raised {graded.error!r}"
    return graded.report.by_student(ASSIGNMENT).get(name)


def graded_notebook(graded, name):
    path = graded.hostile.class_dir / "autograded" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    return nbformat.read(path, as_version=4) if path.is_file() else None


def feedback_text(graded, name) -> str | None:
    from course.grading.release.leaks import html_text

    path = graded.hostile.class_dir / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html"
    return html_text(path.read_text(encoding="utf-8")) if path.is_file() else None


@pytest.mark.slow
def test_the_run_completed_sandboxed_with_two_jobs(graded):
    """Did one autograde call finish, in the sandbox, with 2 workers, and report on every submission?"""
    assert graded.error is None, f"autograde raised {graded.error!r}"
    report = graded.report
    assert report.sandboxed and report.jobs == 2
    assert sorted(r.student for r in report.results) == sorted(graded.hostile.students)
    assert all(r.status in ("graded", "failed") for r in report.results)
    print("\n" + report.table())


@pytest.mark.slow
@pytest.mark.parametrize("case", case_params("outcome"))
def test_each_case_ends_as_expected(graded, case):
    """Did this submission get exactly its expected points (report and gradebook), and a clear reason where one is due?"""
    expectation, source = case.expectation, graded.source
    result = result_of(graded, case.name)
    assert result is not None, f"no result for {case.name}"
    points = expectation.points(source)
    book = graded.scores[case.name]
    reason = expectation.reason_regex(source)
    if expectation.outcome == "zero-with-reason":
        assert result.score in (None, 0), (result.status, result.score, result.reason)
        assert book is None or book["score"] == 0, book
    else:
        assert result.status == "graded", (result.status, result.reason)
        assert (result.score, book and book["score"]) == (points, points), result.reason
    if reason is not None:
        assert reason.search(result.reason or ""), f"reason {result.reason!r} does not match /{reason.pattern}/"


@pytest.mark.slow
@pytest.mark.parametrize("case", case_params("feedback"))
def test_each_case_gets_feedback_with_its_grade_or_reason(graded, case):
    """Does the case's feedback exist and show its score (graded) or the report's reason (not graded)?"""
    result = result_of(graded, case.name)
    text = feedback_text(graded, case.name)
    assert text is not None, f"no feedback for {case.name} ({graded.feedback_error})"
    if result.status == "graded":
        assert re.search(rf"Score: {result.score:.1f} / {result.max_score:.1f}", text), text[:400]
    else:
        assert result.reason and result.reason.split(" (")[0] in text, (result.reason, text[:400])


SIDE_CHECKED = [c for c in CASES if c.expectation.secret_free or c.expectation.output_pattern or c.expectation.max_graded_bytes]


@pytest.mark.slow
@pytest.mark.parametrize("case", case_params("side", SIDE_CHECKED))
def test_each_case_gets_no_secret_and_its_limits_hold(graded, case):
    """Attacks: no solution, hidden test or other student's answer in their outputs; runaways: stopped by a limit, output bounded."""
    expectation = case.expectation
    nb = graded_notebook(graded, case.name)
    path = graded.hostile.class_dir / "autograded" / case.name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert nb is not None, f"no autograded notebook for {case.name}"
    if expectation.secret_free:
        submitted = nbformat.read(graded.hostile.class_dir / "submitted" / case.name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                                  as_version=4)
        assert hostile.leaked_secrets(nb, graded.source, submitted) == []
    if expectation.output_pattern:
        assert re.search(expectation.output_pattern, hostile.own_output_text(nb)), hostile.own_output_text(nb)[-600:]
    if expectation.max_graded_bytes:
        assert path.stat().st_size < expectation.max_graded_bytes


@pytest.mark.slow
def test_clean_students_score_as_in_a_clean_run(graded):
    """Beside every hostile submission, does every clean student get exactly the grades of a run without them?"""
    clean = graded.hostile.clean_students
    assert {s: graded.scores[s] for s in clean} == {s: graded.clean_scores[s] for s in clean}
    assert graded.clean_scores["demo-perfect"]["code_score"] > graded.clean_scores["demo-partial"]["code_score"] > 0
    by_student = graded.report.by_student(ASSIGNMENT)
    assert all(by_student[s].status == "graded" and not by_student[s].reason for s in clean)


@pytest.mark.slow
def test_gradebook_integrity_holds(graded):
    """After deletion and rewrite attempts, does the gradebook pass every integrity check?"""
    assert graded.integrity == []


@pytest.mark.slow
def test_files_outside_the_scratch_folders_are_untouched(graded):
    """Are the repository's assignments and data, and the class's release, exchange and submissions byte-identical,
    and no marker file left anywhere?"""
    for label in graded.before:
        assert graded.after[label] == graded.before[label], label
    assert graded.before["class/submitted"], "the checksums saw no submissions: the check would be vacuous"
    assert graded.markers == []


@pytest.mark.slow
def test_no_submission_reached_the_network(graded):
    """Did the cheat server on the host's loopback stay uncalled?"""
    assert graded.connections == []


@pytest.mark.slow
def test_the_decoy_secrets_were_there_for_the_taking(graded):
    """Was the decoy (solutions, another student's submission, a gradebook) on the host and readable by any
    local user while the attacks ran, where their search looks? Otherwise 'no secret' would prove nothing."""
    assert set(graded.decoy) == {"source", "submission", "gradebook"}
    assert all(hostile.readable_by_anyone(path) for path in graded.decoy.values())
    assert graded.decoy_root.parent == Path(DECOY_BASE) and DECOY_BASE in hostile.ATTACK_HELPERS
    from course.grading.release.leaks import find_leaks, notebook_text, secret_lines

    for role in ("source", "submission"):
        planted = nbformat.read(graded.decoy[role], as_version=4)
        assert find_leaks(notebook_text(planted), secret_lines(graded.source)) != [], role


def test_only_the_notebook_and_the_assignments_files_come_back_from_the_sandbox(graded):
    """Files a submission's code writes (the write attack's markers, say) reach neither autograded/ nor feedback/."""
    declared = {p.name for p in (paths.assignments_dir() / ASSIGNMENT).iterdir() if p.is_file()}
    allowed = declared | {f"{ASSIGNMENT}.ipynb", f"{ASSIGNMENT}.html", "timestamp.txt", "submission_secret.txt"}
    for folder in ("autograded", "feedback"):
        for student_dir in sorted((graded.hostile.class_dir / folder).glob(f"*/{ASSIGNMENT}")):
            extra = sorted(p.name for p in student_dir.rglob("*") if p.is_file() and p.name not in allowed)
            assert extra == [], f"{folder}/{student_dir.parent.name}: {extra}"
