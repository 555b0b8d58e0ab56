"""A demo class, generated from the source notebooks, that exercises the whole grading round trip.

Eight synthetic students take every assignment. Their submissions are never
edited by hand: each is built from the released notebook and the source
notebook's solutions by one *behaviour*:

================  ================================================================
``perfect``       every answer is the model solution
``partial``       every other code answer solved, the rest left as released; one
                  written answer
``empty``         the released notebook, unchanged
``raises``        the first code answer raises an exception before defining anything
``syntax-error``  the last code answer has a syntax error
``deleted-test``  perfect, but the first autograder test cell deleted
``late``          perfect, submitted after the due date
``gamer``         every answer returns an object whose ``==`` is always True
================  ================================================================

Each submission comes with an :class:`Intent` that records what the behaviour
did (which answers are intact, which test cells were deleted, which written
answers were given and what share of their points the demo grader awards,
when it was submitted). The tests compute the expected scores from the
intents and the source notebooks, never from a previous run.

Students fetch and submit through nbgrader's own exchange classes; only the
timestamp comes from the demo calendar (:data:`DUE`): one student is late.
"""

from __future__ import annotations

import ast
import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.utils import is_solution

from course import paths
from course.grading.keys.answers import (  # noqa: F401 - re-exported: the tests and the hostile suite use them here
    PROFILES,
    _meta,
    defined_names,
    is_code_answer,
    is_rubric_point,
    is_test,
    is_written_answer,
    profile_submission,
    solution_text,
    written_answer,
)
from course.grading.classdir import GradingError, open_api, resolve_assignments

#: The demo term's due date for every assignment (UTC). Fixed, so lateness is reproducible.
DUE = dt.datetime(2025, 3, 14, 17, 0, tzinfo=dt.timezone.utc)
#: Marks a folder as the demo's own, so :func:`run_demo` may clear it.
MARKER = ".course-demo-class"

@dataclass(frozen=True)
class DemoStudent:
    """A synthetic student: an id, a name for the LMS export and a behaviour."""

    student_id: str
    first_name: str
    last_name: str
    behaviour: str



BEHAVIOURS = ("perfect", "partial", "empty", "raises", "syntax-error", "deleted-test", "late", "gamer")
STUDENTS = tuple(
    DemoStudent(f"demo-{behaviour}", behaviour.replace("-", " ").capitalize(), "Demo student", behaviour)
    for behaviour in BEHAVIOURS
)
PROFILE_STUDENTS = tuple(
    DemoStudent(f"demo-{behaviour}", behaviour.replace("-", " ").capitalize(), "Demo student", behaviour)
    for behaviour in PROFILES
)
#: The class `python -m course demo` grades: the eight behaviours, four profiles and the review pair, which makes REVIEW_ITEM
#: (ps2 Q1) discriminate weakly so the report's flag shows: "slip" is perfect but leaves it blank, "guess" answers it only.
REVIEW_ITEM, REVIEW_PAIR = "verdict_K015", {"slip": ("perfect", "empty"), "guess": ("empty", "perfect")}
CLASS = STUDENTS + PROFILE_STUDENTS + tuple(DemoStudent(f"demo-{b}", b.capitalize(), "Demo student", b) for b in REVIEW_PAIR)


@dataclass(frozen=True)
class Intent:
    """What one synthetic submission was built to contain (the tests derive expected scores from it)."""

    student_id: str
    assignment_id: str
    behaviour: str
    correct_answers: frozenset[str]
    deleted_cells: frozenset[str]
    written_answers: frozenset[str]
    written_share: float
    submitted_at: dt.datetime

    @property
    def late(self) -> bool:
        return self.submitted_at > DUE


@dataclass
class DemoResult:
    """What :func:`run_demo` did: the intents, the grade report and how long grading took."""

    class_dir: Path
    intents: list[Intent]
    report: "GradeReport"  # noqa: F821 - course.grading.reports.grades, imported lazily
    feedback_files: list[Path]
    seconds: dict[str, float] = field(default_factory=dict)
    #: The item analysis of the class (course.grading.reports.itemanalysis), run after grades are exported.
    item_report: "ItemReport | None" = None  # noqa: F821 - course.grading.reports.itemanalysis, imported lazily
    #: What :func:`course.grading.run.verbs.autograde` reported (per submission: status, score, reason, seconds).
    autograde_report: "AutogradeReport | None" = None  # noqa: F821 - course.grading.reports.autograde, imported lazily

    @property
    def submissions(self) -> int:
        return len(self.intents)


def source_and_release(assignment: str):
    """(source, release) notebooks of ``assignment``: the release made in memory by nbgrader's own
    preprocessors (solutions and hidden tests cleared) and the kit's cut of the cell metadata, as
    ``generate_assignment`` would."""
    import copy

    import nbformat
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    from course.grading.keys.answers import ANSWER_STUB
    from course.grading.classdir import source_notebook
    from course.grading.preprocessors.keep_student_metadata import KeepStudentMetadata

    source = nbformat.read(source_notebook(assignment), as_version=4)
    release = copy.deepcopy(source)
    for preprocessor in (ClearSolutions(code_stub=ANSWER_STUB), ClearHiddenTests(), KeepStudentMetadata()):
        release, _ = preprocessor.preprocess(release, {"language": "python"})
    return source, release


def default_demo_dir() -> Path:
    """``class/demo`` in the repository: the demo never touches the real class folder."""
    return paths.demo_class_dir()


# --- building submissions ---------------------------------------------------------------------------------

GAMING_HEADER = '''class AlwaysEqual:
    """Claims to equal anything, to fool a test that only compares with ==."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__
'''


def gaming_answer(code: str) -> str:
    """Replace every name a code answer defines by an AlwaysEqual (a value) or a function returning one."""
    lines = [GAMING_HEADER]
    functions = {n.name for n in ast.parse(code).body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for name in dict.fromkeys(defined_names(code)):
        if name in functions:
            lines.append(f"\ndef {name}(*args, **kwargs):\n    return AlwaysEqual()\n")
        else:
            lines.append(f"\n{name} = AlwaysEqual()\n")
    return "\n".join(lines)


def build_submission(source_nb, release_nb, behaviour: str):
    """Return (submission notebook, correct answer ids, deleted cell ids, written answer ids, written share).

    ``release_nb`` is what the student fetched; it is copied, never changed.
    """
    import copy

    if behaviour in PROFILES:
        return profile_submission(source_nb, release_nb, behaviour)
    if behaviour in REVIEW_PAIR:  # behaviour -> (base submission, the one REVIEW_ITEM's answer is taken from)
        (own, correct, deleted, written, share), (other, *_) = (build_submission(source_nb, release_nb, b) for b in REVIEW_PAIR[behaviour])
        for mine, theirs in zip(own.cells, other.cells):  # both are the release with answers filled in: cells align
            if is_code_answer(mine) and REVIEW_ITEM in defined_names(theirs.source):
                mine.source, correct = theirs.source, correct ^ {_meta(mine)["grade_id"]}
        return own, correct, deleted, written, share
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown behaviour {behaviour!r}; known: {', '.join(BEHAVIOURS + tuple(PROFILES))}")
    submission = copy.deepcopy(release_nb)
    solutions = {_meta(c)["grade_id"]: c for c in source_nb.cells if is_solution(c)}
    answers = [c for c in submission.cells if is_code_answer(c)]
    written = [c for c in submission.cells if is_written_answer(c)]
    correct: set[str] = set()
    deleted: set[str] = set()
    if behaviour == "empty":
        return submission, frozenset(), frozenset(), frozenset(), 0.0

    for index, cell in enumerate(answers):
        grade_id = _meta(cell)["grade_id"]
        solved = solution_text(solutions[grade_id])
        if behaviour == "gamer":
            cell.source = gaming_answer(solved)
        elif behaviour == "partial" and index % 2 == 1:
            continue  # left as released
        elif behaviour == "raises" and index == 0:
            cell.source = 'raise RuntimeError("demo: this answer stops before it defines anything")\n\n' + solved
        elif behaviour == "syntax-error" and index == len(answers) - 1:
            cell.source = solved + "\n\n\ndef unfinished(:\n    pass\n"
        else:
            cell.source = solved
            correct.add(grade_id)

    answered, share = set(), 0.0
    if behaviour != "gamer":
        chosen = written[:1] if behaviour == "partial" else written
        for cell in chosen:
            cell.source = written_answer(solutions[_meta(cell)["grade_id"]])
            answered.add(_meta(cell)["grade_id"])
        if behaviour != "partial":  # every rubric point of an answered question is marked too
            answered |= {_meta(c)["grade_id"] for c in submission.cells if is_rubric_point(c)}
        share = 0.5 if behaviour == "partial" else 1.0

    first_test = next((c for c in submission.cells if is_test(c)), None)
    if behaviour == "deleted-test" and first_test is not None:  # the final memo has no test cell to delete
        deleted.add(_meta(first_test)["grade_id"])
        submission.cells.remove(first_test)
    return submission, frozenset(correct), frozenset(deleted), frozenset(answered), share


def submitted_at(student: DemoStudent, order: int) -> dt.datetime:
    """The demo calendar: on-time students submit the day before the due date, the late one the morning after."""
    if student.behaviour == "late":
        return DUE + dt.timedelta(hours=16, minutes=30)
    return DUE - dt.timedelta(days=1, hours=order)


# --- the student side of the exchange ----------------------------------------------------------------------

def _scheduled_submit_class():
    from nbgrader.exchange.default import ExchangeSubmit

    class ScheduledSubmit(ExchangeSubmit):
        """nbgrader's submit, with the timestamp taken from the demo calendar instead of the clock."""

        when: dt.datetime = DUE

        def set_timestamp(self):
            self.timestamp = self.when.strftime(self.timestamp_format)

    return ScheduledSubmit


def fetch(api, assignment_id: str, student: DemoStudent, home: Path) -> Path:
    """Fetch the released assignment into a student's folder with nbgrader's exchange; return the notebook path."""
    from nbgrader.utils import capture_log, temp_attrs

    home.mkdir(parents=True, exist_ok=True)
    with temp_attrs(api.coursedir, assignment_id=assignment_id, student_id=student.student_id):
        app = api.exchange.FetchAssignment(coursedir=api.coursedir, authenticator=api.authenticator, parent=api)
        app.assignment_dir = str(home)
        app.replace_missing_files = True
        result = capture_log(app)
    if not result["success"]:
        raise GradingError(f"demo: {student.student_id} could not fetch {assignment_id}: {result.get('error', '').strip().splitlines()[-1:]}")
    return home / assignment_id / f"{assignment_id}.ipynb"


def submit(api, assignment_id: str, student: DemoStudent, home: Path, when: dt.datetime) -> None:
    """Submit a student's folder to the exchange with nbgrader's submit, timestamped ``when``."""
    from nbgrader.utils import capture_log, temp_attrs

    with temp_attrs(api.coursedir, assignment_id=assignment_id, student_id=student.student_id):
        app = _scheduled_submit_class()(coursedir=api.coursedir, authenticator=api.authenticator, parent=api)
        app.assignment_dir = str(home)
        app.when = when
        result = capture_log(app)
    if not result["success"]:
        raise GradingError(f"demo: {student.student_id} could not submit {assignment_id}")


def take_assignment(api, assignment_id: str, source_nb, student: DemoStudent, order: int, homes: Path) -> Intent:
    """One synthetic student fetches, answers (by behaviour) and submits one assignment."""
    import nbformat

    home = homes / student.student_id
    notebook_path = fetch(api, assignment_id, student, home)
    released = nbformat.read(notebook_path, as_version=4)
    submission, correct, deleted, answered, share = build_submission(source_nb, released, student.behaviour)
    nbformat.write(submission, notebook_path)
    when = submitted_at(student, order)
    submit(api, assignment_id, student, home, when)
    return Intent(student.student_id, assignment_id, student.behaviour, correct, deleted, answered, share, when)


# --- the instructor's manual grading -----------------------------------------------------------------------

def grade_written_answers(api, intents: list[Intent]) -> int:
    """Play the grader: score every written answer that needs a manual grade, as each intent says.

    Uses nbgrader's gradebook API (the same records the formgrader edits).
    Returns the number of grades entered.
    """
    entered = 0
    by_key = {(i.assignment_id, i.student_id): i for i in intents}
    with api.gradebook as book:
        for (assignment_id, student_id), intent in by_key.items():
            submission = book.find_submission(assignment_id, student_id)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if not grade.needs_manual_grade or grade.cell.cell_type != "markdown":
                        continue
                    share = intent.written_share if grade.name in intent.written_answers else 0.0
                    grade.manual_score = round(grade.max_score * share * 2) / 2  # whole or half points
                    grade.needs_manual_grade = False  # what the formgrader does when a grader saves a score
                    comment = book.find_comment(grade.name, notebook.name, assignment_id, student_id)
                    comment.manual_comment = "Demo grader: scored against the mark scheme."
                    entered += 1
        book.db.commit()
    return entered


# --- the whole round trip ----------------------------------------------------------------------------------

def prepare_class_dir(class_dir: Path) -> None:
    """Start from an empty demo folder; refuse to clear a folder the demo did not create."""
    if class_dir.exists():
        if not (class_dir / MARKER).is_file():
            raise GradingError(f"{paths.display(class_dir)} exists and is not a demo class folder; choose another --class-dir")
        shutil.rmtree(class_dir)
    class_dir.mkdir(parents=True)
    (class_dir / MARKER).write_text("Generated by `python -m course demo`; cleared and rebuilt on every run.\n", encoding="utf-8")


def build_demo_class(class_dir: Path | None = None, assignment: str | list[str] = "all", *,
                     students: tuple[DemoStudent, ...] = STUDENTS, db_url: str | None = None):
    """Release, fetch, answer, submit and collect: a demo class ready to autograde.

    Returns ``(api, intents)``. ``students`` picks which synthetic students take
    part (all eight by default); ``db_url`` puts the gradebook in another
    database (a PostgreSQL test database, say) instead of the class folder's
    private SQLite file. Used by :func:`run_demo`, and by the tests and
    benchmarks that grade a generated class without the rest of the round trip.
    """
    import nbformat

    from course.grading.run import verbs as grading
    from course.grading.classdir import source_notebook

    class_dir = Path(class_dir).resolve() if class_dir else default_demo_dir()
    ids = resolve_assignments(assignment)
    prepare_class_dir(class_dir)
    # The demo's synthetic students never go into a course database named by COURSE_DB_URL.
    api = open_api(class_dir, create=True, private_gradebook=db_url is None, db_url=db_url)
    grading.release(ids, due=DUE, api=api)
    with api.gradebook as book:
        for student in students:
            book.update_or_create_student(student.student_id, first_name=student.first_name, last_name=student.last_name)
    intents = []
    for assignment_id in ids:
        source_nb = nbformat.read(source_notebook(assignment_id), as_version=4)
        for order, student in enumerate(students):
            intents.append(take_assignment(api, assignment_id, source_nb, student, order, class_dir / "students"))
    grading.collect(ids, api=api, trust_student_timestamps=True)  # the demo calendar, not the clock
    return api, intents


def run_demo(class_dir: Path | None = None, assignment: str = "all", *, progress: bool = True, jobs: int | None = None,
             sandbox: str = "auto", students: tuple[DemoStudent, ...] = STUDENTS) -> DemoResult:
    """Release, fetch, submit, collect, autograde, grade by hand, give feedback and export grades for the demo class.

    ``jobs`` and ``sandbox`` are passed to :func:`course.grading.run.verbs.autograde`.
    """
    from course.grading.run import verbs as grading

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    api, intents = build_demo_class(class_dir, assignment, students=students)
    ids = resolve_assignments(assignment)
    class_dir = Path(api.coursedir.root)
    seconds["students"] = time.perf_counter() - started

    mark = time.perf_counter()
    autograded = grading.autograde(ids, api=api, progress=progress, jobs=jobs, sandbox=sandbox)
    seconds["autograde"] = time.perf_counter() - mark

    grade_written_answers(api, intents)
    mark = time.perf_counter()
    feedback_files = grading.feedback(ids, api=api, progress=progress)
    seconds["feedback"] = time.perf_counter() - mark
    report = grading.grades(ids, api=api)
    from course.grading.reports.itemreport import report as item_analysis

    items = item_analysis(ids, api=api)
    seconds["total"] = time.perf_counter() - started
    return DemoResult(class_dir=class_dir, intents=intents, report=report, feedback_files=feedback_files,
                      seconds=seconds, autograde_report=autograded, item_report=items)
