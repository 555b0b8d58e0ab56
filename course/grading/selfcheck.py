"""Self-check: run your own copy of an assignment's visible checks and see which answers are missing or in the wrong form.

From a terminal::

    python -m course selfcheck path/to/ps1-provenance-and-citations.ipynb

From a cell inside the notebook itself (save it first: the check reads the
file, not the open editor)::

    from course.grading.selfcheck import check; check()

Every assignment in ``assignments/`` is graded work, so the self-check is a *form* check, not an oracle
(issue 20). It grades a copy of the notebook against the assignment's source with the hidden-test regions
removed, so only the visible tests (which the student can already read) run, with the kit's own autograder
(sandbox and all) in a temporary class with a scratch gradebook: nothing is written to the course's gradebook
or left behind, and no solution is printed. For each autograded item it says one of: the answer is in the
expected form, it is still missing, or its form is wrong (with the visible test's plain-words hint). A right
answer and a wrong answer of the right form get the same line; the total counts forms, never points.

What it prints is for a learner, often one without an instructor: items named by their question's heading
("Question 3"), never a grade id; sentences from ``notebooks/selfcheck.toml``. A practice set is not graded
work: its self-check is the full feedback instead (:func:`check_practice`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from course.grading.classdir import GradingError, assignment_ids, open_api, source_notebook

#: The student id the scratch class uses for the notebook being checked.
SELF = "self"

#: What the self-check can say about an item. None of them depends on a hidden test.
FORM_OK = "form ok"            # the visible checks pass: an answer is there, in the expected form
MISSING = "answer missing"     # still the released stub (None, or a function body not written yet)
FORM_PROBLEM = "form problem"  # an answer is there but not in the form asked for (or the cell does not run)
WRITTEN = "written"            # a written answer: marked by whoever grades the work, nothing to check here

#: The hint of an item whose check cell the learner deleted (said in plain words by :meth:`SelfCheckResult.line`).
CELL_MISSING = "check cell missing"

#: How a visible test says an answer is still the stub: its own first assertion message
#: ("The answer has not been written yet: replace None …") and the kit's hint for a
#: NotImplementedError both start with these words (course.grading.reports.feedback.ERROR_HINTS).
MISSING_WORDS = "The answer has not been written yet"


def words() -> dict:
    """The self-check's sentences (``notebooks/selfcheck.toml``), parsed once per version of the file."""
    from course import paths

    return paths.read_toml(paths.notebooks_dir() / "selfcheck.toml")


def question_labels(nb) -> dict[str, str]:
    """Each graded cell's name for a learner: its question's heading up to the first ":" or "(" ("Question 3").

    A question with several written boxes names each "Question 7, box 1 of 2".
    """
    import re

    from nbgrader.utils import is_grade

    heading, owner = "", {}
    for cell in nb.cells:
        found = re.search(r"^#{1,6}\s+(.+)$", cell.source, re.M) if cell.cell_type == "markdown" else None
        if found:
            heading = re.split(r"[:(]", found.group(1), maxsplit=1)[0].strip(" *")
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        # A practice set's checks and written boxes carry no points, but the learner reads about them too.
        if grade_id and (is_grade(cell) or grade_id.endswith(("-tests", "-written"))):
            owner[grade_id] = heading or grade_id
    labels, template = {}, words()["graded"]["written_part"]
    for grade_id, question in owner.items():
        boxes = [g for g, q in owner.items() if q == question and not g.endswith("-tests")]
        if len(boxes) > 1 and grade_id in boxes:
            labels[grade_id] = template.format(question=question, part=boxes.index(grade_id) + 1, parts=len(boxes))
        else:
            labels[grade_id] = question
    return labels


@dataclass
class QuestionResult:
    """One graded cell: id, kind ("auto" or "written"), points, status, hint and the learner's name for it.

    ``status`` (:data:`FORM_OK`, :data:`MISSING`, :data:`FORM_PROBLEM`, :data:`WRITTEN`) comes from the visible
    tests only, so a right answer and a wrong answer of the right form are equal here.
    """

    grade_id: str
    kind: str
    points: float
    status: str
    hint: str = ""
    label: str = ""


@dataclass
class SelfCheckResult:
    """The self-check of one notebook."""

    assignment_id: str
    notebook: Path
    questions: list[QuestionResult] = field(default_factory=list)
    title: str = ""

    def count(self, kind: str, status: str) -> int:
        """How many items of ``kind`` ("auto" or "written") have ``status``."""
        return sum(1 for q in self.questions if q.kind == kind and q.status == status)

    def total(self) -> str:
        """The summary lines: counts of forms, never points (points would depend on the hidden tests)."""
        said = words()["graded"]
        auto = sum(1 for q in self.questions if q.kind == "auto")
        written = sum(1 for q in self.questions if q.kind == "written")
        line = said["total"].format(ok=self.count("auto", FORM_OK), auto=auto, missing=self.count("auto", MISSING),
                                    problem=self.count("auto", FORM_PROBLEM))
        if written:
            line += " " + said["total_written"].format(given=self.count("written", WRITTEN), written=written)
        return line

    def line(self, question: QuestionResult) -> str:
        """What the learner reads about one item: its question's name and its form, in plain words."""
        said = words()["graded"]
        if question.kind == "written":
            text = said["written_given"] if question.status == WRITTEN else said["written_missing"]
        elif question.status == FORM_OK:
            text = said["form_ok"]
        elif question.hint == CELL_MISSING:
            text = said["cell_missing"]
        else:
            text = said["missing" if question.status == MISSING else "form_problem"].format(hint=question.hint)
        return f"  {question.label or question.grade_id}: {text}"

    def table(self) -> str:
        """Per-question lines and the summary, as printed by :func:`check` and ``python -m course selfcheck``."""
        said = words()["graded"]
        lines = [said["title"].format(title=self.title or self.assignment_id, file=self.notebook.name), ""]
        lines += [self.line(q) for q in self.questions]
        return "\n".join(lines + ["", self.total(), "", said["footer"]])


@dataclass
class PracticeCheckResult:
    """The self-check of a practice set: what each check cell says (right, not quite, not answered), in full."""

    assignment_id: str
    notebook: Path
    title: str = ""
    feedback: dict[str, str] = field(default_factory=dict)  # grade id -> the check cell's printed feedback
    labels: dict[str, str] = field(default_factory=dict)
    problem: str = ""  # why the notebook could not be run to the end, in plain words
    written: dict[str, bool] = field(default_factory=dict)  # written question's label -> has the learner written

    def count(self, kind: str) -> int:
        from course.grading.keys.practice import outcome

        return sum(1 for text in self.feedback.values() if outcome(text) == kind)

    def table(self) -> str:
        said = words()["practice"]
        lines = [said["title"].format(title=self.title or self.assignment_id, file=self.notebook.name), ""]
        if self.problem:
            return "\n".join(lines + [said["not_run"].format(reason=self.problem)])
        for grade_id, text in self.feedback.items():
            lines += [f"{self.labels.get(grade_id, grade_id)}", *("  " + line for line in text.splitlines()), ""]
        lines.append(said["total"].format(right=self.count("right"), auto=len(self.feedback), wrong=self.count("wrong"),
                                          blank=self.count("blank") + self.count("form")))
        lines += [""] + [said["written_given" if given else "written_missing"].format(question=label)
                         for label, given in self.written.items()]
        return "\n".join(lines + ["", said["footer"]])


def check_practice(path: Path, practice_id: str, title: str = "") -> PracticeCheckResult:
    """Run the learner's practice notebook as Run All would and collect every check cell's full feedback."""
    import nbformat

    from course.grading.keys import practice

    labels = question_labels(nbformat.read(practice.notebook_path(practice_id), as_version=4))
    result = PracticeCheckResult(practice_id, path, title, labels=labels)
    try:
        result.feedback = practice.run_notebook(path, practice_id)
    except ValueError as problem:
        result.problem = str(problem)
    result.written = {labels.get(grade_id, grade_id): given for grade_id, given in practice.written_answers(path).items()}
    return result


def find_notebook(path: str | os.PathLike | None = None) -> Path:
    """The notebook to check: ``path`` if given, else the notebook this kernel was started for.

    Jupyter sets ``JPY_SESSION_NAME`` in the kernel's environment (and VS Code
    sets ``__vsc_ipynb_file__``); when neither names an existing file, pass the path.
    """
    candidates = []
    if path is not None:
        candidates.append(Path(path))
    else:
        session = os.environ.get("JPY_SESSION_NAME", "")
        if session:
            candidates += [Path(session), Path.cwd() / Path(session).name]
        try:
            from IPython import get_ipython

            shell = get_ipython()
            if shell is not None and shell.user_ns.get("__vsc_ipynb_file__"):
                candidates.append(Path(shell.user_ns["__vsc_ipynb_file__"]))
        except ImportError:  # pragma: no cover - IPython ships with Jupyter
            pass
    for candidate in candidates:
        if candidate.is_file() and candidate.suffix == ".ipynb":
            return candidate.resolve()
    if path is not None:
        raise GradingError(f"notebook {path} not found (give the path of a saved .ipynb file)")
    raise GradingError("could not tell which notebook this is; pass its path, e.g. check('ps1-provenance-and-citations.ipynb')")


def grade_ids(nb) -> set[str]:
    """The grade ids of a notebook's graded cells."""
    from nbgrader.utils import is_grade

    return {cell.metadata.nbgrader.get("grade_id") for cell in nb.cells if is_grade(cell)} - {None}


def assignment_of(notebook: Path) -> str:
    """Which assignment a notebook belongs to: by its file name, else by its graded cell ids."""
    import nbformat

    from course.grading.keys.practice import notebook_path, practice_ids

    practice = practice_ids()
    known = assignment_ids() + practice
    if notebook.stem in known:
        return notebook.stem
    try:
        ids = grade_ids(nbformat.read(notebook, as_version=4))
    except Exception:
        raise GradingError(f"{notebook} cannot be read as a notebook: is it a saved .ipynb file?") from None
    best, overlap = None, 0
    for assignment_id in known:
        source = notebook_path(assignment_id) if assignment_id in practice else source_notebook(assignment_id)
        shared = len(ids & grade_ids(nbformat.read(source, as_version=4)))
        if shared > overlap:
            best, overlap = assignment_id, shared
    if best is None:
        raise GradingError(f"{notebook.name} matches no assignment; known assignments: {', '.join(known)}")
    return best


def _hint(cell) -> str:
    """The plain-words hint for a failed visible test ("" when it passed); never a hidden test's words.

    ``cell`` comes from the visible-only grade, so an assertion message is kept
    only when it is written in the visible test code the student already has.
    """
    from course.grading.reports.feedback import hint_for

    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return hint_for(output.get("ename") or "Error", output.get("evalue") or "", cell.source)
    return ""


def form_status(cell) -> tuple[str, str]:
    """(status, hint) of one autograded item from its visible test's outcome."""
    hint = _hint(cell)
    if not hint:
        return FORM_OK, ""
    return (MISSING if hint.startswith(MISSING_WORDS) else FORM_PROBLEM), hint


def visible_only(source, config):
    """A copy of the source notebook with every hidden-test region removed: what the scratch class grades against.

    nbgrader's own ClearHiddenTests (the step that makes the release, with the
    class's delimiters) does the removal. The check afterwards uses the
    feedback's recognition of a hidden region, so that a notebook whose regions
    were not removed (an unclosed delimiter, another spelling) is refused
    instead of quietly turning the self-check back into an oracle.
    """
    import copy

    from nbgrader.preprocessors import ClearHiddenTests

    from course.grading.preprocessors.hide_hidden_tests import has_hidden_tests

    clearer = ClearHiddenTests(config=config)
    stripped, _ = clearer.preprocess(copy.deepcopy(source), {})
    if any(has_hidden_tests(cell.source, clearer.begin_test_delimeter) for cell in stripped.cells if cell.cell_type == "code"):
        raise GradingError("the self-check could not remove the hidden tests from the assignment; it will not run them")
    return stripped


def run_selfcheck(notebook: str | os.PathLike) -> SelfCheckResult | PracticeCheckResult:
    """Grade a copy of ``notebook`` against the visible tests only, in a scratch class; return the per-question results.

    The scratch class is generated from :func:`visible_only` of the source, so
    nbgrader's autograde restores test cells without their hidden regions and
    the hidden tests never run (nothing of them can show, not even as time).
    The copy is graded as ``python -m course autograde`` grades a submission
    (:class:`course.grading.run.worker.GradingWorker`: the same sandbox, builtins
    guard and output caps), so a form check passes here exactly when it
    passes in the real grade.
    """
    import dataclasses
    import sys

    import nbformat
    from nbgrader.utils import is_grade, is_solution

    from course.grading.settings import grading_settings, resolve_sandbox
    from course.grading.run.worker import GradingWorker

    from course.grading.classdir import manifest
    from course.grading.keys import practice

    path = find_notebook(notebook)
    assignment_id = assignment_of(path)
    try:
        nbformat.read(path, as_version=4)
    except Exception:
        raise GradingError(f"{path} cannot be read as a notebook: is it a saved .ipynb file?") from None
    title = next((entry.get("title", "") for entry in manifest() if entry["id"] == assignment_id), "")
    if assignment_id in practice.practice_ids():
        return check_practice(path, assignment_id, title)  # never graded: the full feedback, not a form check
    source = nbformat.read(source_notebook(assignment_id), as_version=4)
    labels = question_labels(source)
    result = SelfCheckResult(assignment_id, path, title=title)
    mode, warning = resolve_sandbox("auto")
    if warning:
        print(f"WARNING: {warning}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="course-selfcheck-") as scratch:
        root = Path(scratch)
        api = open_api(root, create=True, private_gradebook=True)
        # The scratch gradebook is filled from the visible-only source, and autograde
        # restores test cells from the gradebook: that is what keeps the hidden tests out.
        scratch_source = root / "visible-source"
        (scratch_source / assignment_id).mkdir(parents=True)
        nbformat.write(visible_only(source, api.config), scratch_source / assignment_id / f"{assignment_id}.ipynb")
        api.coursedir.source_directory = str(scratch_source)
        outcome = api.generate_assignment(assignment_id, force=True, create=True)
        if not outcome["success"]:
            raise GradingError(f"could not prepare {assignment_id} for checking")
        submitted = Path(api.coursedir.format_path(api.coursedir.submitted_directory, SELF, assignment_id))
        submitted.mkdir(parents=True)
        shutil.copy(path, submitted / f"{assignment_id}.ipynb")
        # No kernel booted ahead: one notebook is graded.
        settings = dataclasses.replace(grading_settings(api.config, mode), prestart=0)
        worker = GradingWorker(settings)
        try:
            graded_result = worker.grade(assignment_id, SELF)
        finally:
            worker.close()
        if graded_result.status != "graded":
            # The learner reads one plain sentence; the grader's reason (exception names and all) goes on its own
            # line for whoever helps them.
            print(words()["graded"]["technical_detail"].format(reason=graded_result.reason), file=sys.stderr, flush=True)
            raise GradingError(words()["graded"]["not_run"].format(file=path.name))
        graded_path = Path(api.coursedir.format_path(api.coursedir.autograded_directory, SELF, assignment_id)) / f"{assignment_id}.ipynb"
        graded = {c.metadata.nbgrader["grade_id"]: c for c in nbformat.read(graded_path, as_version=4).cells if is_grade(c)}
        with api.gradebook as book:
            scores = {g.name: g for g in book.find_submission_notebook(assignment_id, assignment_id, SELF).grades}
        for cell in source.cells:
            if not is_grade(cell):
                continue
            meta = cell.metadata.nbgrader
            grade_id, points = meta["grade_id"], float(meta["points"])
            if is_solution(cell):
                # nbgrader scores an unchanged written answer 0 and leaves a changed one to the instructor.
                answered = scores[grade_id].auto_score is None
                result.questions.append(QuestionResult(grade_id, "written", points, WRITTEN if answered else MISSING,
                                                       label=labels[grade_id]))
            elif grade_id not in graded:
                result.questions.append(QuestionResult(grade_id, "auto", points, FORM_PROBLEM, CELL_MISSING, labels[grade_id]))
            else:
                result.questions.append(QuestionResult(grade_id, "auto", points, *form_status(graded[grade_id]), labels[grade_id]))
    return result


def check(notebook: str | os.PathLike | None = None) -> None:
    """Self-check the current notebook (or ``notebook``) and print the per-question form checks.

    Prints instead of returning, so the one-line call shows the table once.
    Does nothing while nbgrader itself runs the notebook (autograde or
    validate), so a ``check()`` left in a submission costs nothing.
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        return
    print(run_selfcheck(find_notebook(notebook)).table())
