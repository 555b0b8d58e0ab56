"""What one autograde run did, submission by submission: the value :func:`course.grading.run.verbs.autograde` returns.

A :class:`SubmissionResult` says how one (assignment, student) submission
ended: ``graded`` (scores are in the gradebook; a kernel that died or a cell
that timed out is still ``graded``, with the reason), ``failed`` (nbgrader
could not grade it: the reason says why, and the feedback step tells the
student), or ``skipped`` (a resumed run found it already graded since it was
last submitted). :class:`AutogradeReport` gathers them with the run's
settings and prints a one-line-per-submission table.

For callers written against the old return value (the list of graded
``(assignment, student)`` pairs) the report also behaves as that list: it
iterates, counts and compares as the pairs whose grades are current after the
run (graded now, or skipped because they already were).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from course.grading import wording

STATUSES = ("graded", "failed", "skipped")


@dataclass
class SubmissionResult:
    """How one submission was autograded (see the module docstring for the statuses)."""

    assignment: str
    student: str
    status: str
    score: float | None = None
    max_score: float | None = None
    reason: str = ""
    seconds: float = 0.0
    kernel_died: bool = False
    timed_out: bool = False

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; known: {', '.join(STATUSES)}")

    @property
    def key(self) -> tuple[str, str]:
        return (self.assignment, self.student)

    def line(self) -> str:
        """One line for the printed table: student, assignment, status, score, time and reason."""
        if self.score is None or self.max_score is None:
            score = "-"
        else:
            score = f"{self.score:g}/{self.max_score:g}"
        reason = f"  {self.reason}" if self.reason else ""
        return f"{self.student:<24} {self.assignment:<32} {self.status:<8} {score:>9} {self.seconds:6.1f} s{reason}"


def _text(key: str, /, **fields) -> str:
    """A string of notebooks/grading.toml's ``[autograde_report]``."""
    return wording.text("autograde_report", key, **fields)


def __getattr__(name: str):
    # SCRATCH_NOTE: said once per run, the one place the kit's autograde knowingly differs from nbgrader's
    # (docs/grading-at-scale.md); its words are data, looked up on access.
    if name == "SCRATCH_NOTE":
        return _text("scratch_note")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class AutogradeReport:
    """Every submission's :class:`SubmissionResult`, with the run's duration and settings."""

    results: list[SubmissionResult] = field(default_factory=list)
    seconds: float = 0.0
    jobs: int = 1
    sandboxed: bool = False
    backup_path: Path | None = None
    #: Loud notes about the run itself (e.g. "SANDBOX DISABLED: ..."); printed above the table.
    warnings: list[str] = field(default_factory=list)
    #: Folders under submitted/ that were not graded at all (an unsafe student id, a link), one line each.
    refused: list[str] = field(default_factory=list)
    #: Whether notebooks ran in a scratch copy (every mode but ``--sandbox off``): what they wrote is discarded.
    scratch: bool = True

    # --- the contract ------------------------------------------------------------------------------------

    def table(self) -> str:
        """The printed summary: warnings, one line per submission (reasons included), then totals."""
        lines = [_text("warning", warning=w) for w in self.warnings] + [_text("refused", refused=r) for r in self.refused]
        student, assignment, status, score, time = wording.words("autograde_report", "columns")
        header = f"{student:<24} {assignment:<32} {status:<8} {score:>9} {time:>8}"
        lines += [header, "-" * len(header)]
        lines += [r.line() for r in sorted(self.results, key=lambda r: (r.assignment, r.student))]
        counts = ", ".join(_text("status_count", count=sum(r.status == s for r in self.results), status=s) for s in STATUSES)
        graded = [r for r in self.results if r.status == "graded"]
        per = _text("per_submission", seconds=f"{self.seconds / len(graded):.2f}") if graded else ""
        lines.append(_text("totals", submissions=len(self.results), counts=counts, seconds=f"{self.seconds:.1f}", jobs=self.jobs,
                           per=per, sandbox=_text("sandbox_on" if self.sandboxed else "sandbox_off")))
        if self.scratch and graded:
            lines.append(_text("scratch_note"))
        if self.backup_path:
            lines.append(_text("backed_up", path=self.backup_path))
        return "\n".join(lines)

    def by_student(self, assignment: str) -> dict[str, SubmissionResult]:
        """The results of one assignment, keyed by student id."""
        return {r.student: r for r in self.results if r.assignment == assignment}

    # --- conveniences ------------------------------------------------------------------------------------

    def failed(self) -> list[SubmissionResult]:
        return [r for r in self.results if r.status == "failed"]

    def current(self) -> list[tuple[str, str]]:
        """(assignment, student) pairs whose grades are current: graded now or skipped as already graded."""
        return sorted(r.key for r in self.results if r.status != "failed")

    # The old return value of autograde() was this list; keep code written against it working.
    def __iter__(self):
        return iter(self.current())

    def __len__(self) -> int:
        return len(self.current())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple)):
            return self.current() == [tuple(pair) for pair in other]
        if isinstance(other, AutogradeReport):
            return (self.results, self.jobs, self.sandboxed, self.backup_path) == (
                other.results, other.jobs, other.sandboxed, other.backup_path)
        return NotImplemented

    __hash__ = None  # mutable, like the dataclass it is
