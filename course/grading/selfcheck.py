"""Self-study: grade your own copy of an assignment and see, question by question, what passes.

From a terminal::

    python -m course selfcheck path/to/ps1-provenance-and-citations.ipynb

From a cell inside the notebook itself (save it first: the check reads the
file, not the open editor)::

    from course.grading.selfcheck import check; check()

The check runs the kit's own autograder (the sandbox and all, as the real
grade does) on a copy of the notebook in a temporary class folder with a
scratch gradebook of its own, so nothing is
written to the course's gradebook and nothing is left behind. It reports each
autograded question's points and, for a failed test, a hint (the test's own
message, or a general hint); it never prints solutions or the code of hidden
tests. Written answers are listed as "read by your instructor".
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


@dataclass
class QuestionResult:
    """One graded cell: its id, kind ("auto" or "written"), points, score (None: read by the instructor) and hint."""

    grade_id: str
    kind: str
    points: float
    score: float | None
    hint: str = ""


@dataclass
class SelfCheckResult:
    """The self-check of one notebook."""

    assignment_id: str
    notebook: Path
    questions: list[QuestionResult] = field(default_factory=list)

    @property
    def auto_score(self) -> float:
        return sum(q.score or 0 for q in self.questions if q.kind == "auto")

    @property
    def auto_points(self) -> float:
        return sum(q.points for q in self.questions if q.kind == "auto")

    def table(self) -> str:
        """Per-question lines and a total, as printed by :func:`check`."""
        lines = [f"Self-check of {self.notebook.name} ({self.assignment_id})", ""]
        for q in self.questions:
            if q.kind == "written":
                lines.append(f"  {q.grade_id:<14} {'':>9}  {q.hint}")
                continue
            mark = "passed" if q.score == q.points else "not yet"
            lines.append(f"  {q.grade_id:<14} {q.score or 0:g}/{q.points:g} pts  {mark}" + (f": {q.hint}" if q.hint else ""))
        lines += ["", f"Autograded: {self.auto_score:g} of {self.auto_points:g} points. "
                      "Hidden checks ran too; written answers are read by your instructor."]
        return "\n".join(lines)


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

    known = assignment_ids()
    if notebook.stem in known:
        return notebook.stem
    try:
        ids = grade_ids(nbformat.read(notebook, as_version=4))
    except Exception as exc:
        raise GradingError(f"{notebook} cannot be read as a notebook ({type(exc).__name__})") from None
    best, overlap = None, 0
    for assignment_id in known:
        shared = len(ids & grade_ids(nbformat.read(source_notebook(assignment_id), as_version=4)))
        if shared > overlap:
            best, overlap = assignment_id, shared
    if best is None:
        raise GradingError(f"{notebook.name} matches no assignment; known assignments: {', '.join(known)}")
    return best


def _hint(cell) -> str:
    from course.grading.feedback import hint_for

    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            ename = output.get("ename") or "Error"
            return f"{ename}: {hint_for(ename, output.get('evalue') or '', cell.source)}"
    return ""


def run_selfcheck(notebook: str | os.PathLike) -> SelfCheckResult:
    """Autograde a copy of ``notebook`` in a scratch class and return the per-question results.

    The copy is graded exactly as ``python -m course autograde`` grades a
    submission (:class:`course.grading.worker.GradingWorker`: the same
    sandbox, builtins guard and output caps), so the points match the real grade.
    """
    import dataclasses
    import sys

    import nbformat
    from nbgrader.utils import is_grade, is_solution

    from course.grading.settings import grading_settings, resolve_sandbox
    from course.grading.worker import GradingWorker

    path = find_notebook(notebook)
    assignment_id = assignment_of(path)
    try:
        nbformat.read(path, as_version=4)
    except Exception as exc:
        raise GradingError(f"{path} cannot be read as a notebook ({type(exc).__name__})") from None
    source = nbformat.read(source_notebook(assignment_id), as_version=4)
    result = SelfCheckResult(assignment_id, path)
    mode, warning = resolve_sandbox("auto")
    if warning:
        print(f"WARNING: {warning}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="course-selfcheck-") as scratch:
        root = Path(scratch)
        api = open_api(root, create=True, private_gradebook=True)
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
            raise GradingError(f"the autograder could not run {path.name} ({graded_result.reason}); "
                               "run it top to bottom in Jupyter to see why")
        graded_path = Path(api.coursedir.format_path(api.coursedir.autograded_directory, SELF, assignment_id)) / f"{assignment_id}.ipynb"
        graded = {c.metadata.nbgrader["grade_id"]: c for c in nbformat.read(graded_path, as_version=4).cells if is_grade(c)}
        with api.gradebook as book:
            scores = {g.name: g for g in book.find_submission_notebook(assignment_id, assignment_id, SELF).grades}
        for cell in source.cells:
            if not is_grade(cell):
                continue
            meta = cell.metadata.nbgrader
            grade_id, points = meta["grade_id"], float(meta["points"])
            grade = scores[grade_id]
            if is_solution(cell):
                answered = grade.auto_score is None
                hint = "read by your instructor against the mark scheme" if answered else "no answer yet"
                result.questions.append(QuestionResult(grade_id, "written", points, None, hint))
            elif grade_id not in graded:
                result.questions.append(QuestionResult(grade_id, "auto", points, 0.0,
                                                       "this test cell is missing from your notebook; copy it back from the released notebook"))
            else:
                score = float(grade.auto_score or 0)
                result.questions.append(QuestionResult(grade_id, "auto", points, score, "" if score == points else _hint(graded[grade_id])))
    return result


def check(notebook: str | os.PathLike | None = None) -> None:
    """Self-check the current notebook (or ``notebook``) and print the per-question results.

    Prints instead of returning, so the one-line call shows the table once.
    Does nothing while nbgrader itself runs the notebook (autograde or
    validate), so a ``check()`` left in a submission costs nothing.
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        return
    print(run_selfcheck(find_notebook(notebook)).table())
