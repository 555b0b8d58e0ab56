"""course.grading.sandbox.record: what happened when one notebook was executed, as a typed record.

:class:`SandboxedExecute <course.grading.preprocessors.sandboxed_execute.SandboxedExecute>`
puts one :class:`ExecutionRecord` per notebook into nbgrader's per-notebook
``resources`` under :data:`RECORD_KEY`; the converter that ran it
(:class:`course.grading.run.engine.SandboxedAutograde`) collects them, and the
grading report explains scores with them. Kept free of heavy imports: the
report and the worker pool read records without importing nbgrader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Where the record travels in nbgrader's resources.
RECORD_KEY = "course_execution"

#: Error names given to cells a dead kernel could not run.
DIED_ENAME = "KernelDied"
NOT_RUN_ENAME = "NotExecuted"
#: The error a test cell gets when the builtins guard is gone: the test scores zero.
GUARD_ENAME = "GraderGuardError"
#: The error nbgrader's Execute gives a cell that ran past its time limit.
TIMEOUT_ENAME = "CellTimeoutError"


@dataclass
class ExecutionRecord:
    """One notebook's execution. Cell numbers are 1-based (as a person counts them)."""

    notebook: str | None = None
    student: str | None = None
    assignment: str | None = None
    sandboxed: bool | None = None
    kernel_died: bool = False
    died_in_cell: int | None = None
    why: str = ""
    kernel_log: str = ""
    timed_out_cells: list[int] = field(default_factory=list)
    #: Cells whose code killed the kernel (skipped on a fresh kernel, which replayed the cells before them).
    crashed_cells: list[int] = field(default_factory=list)
    crash_reasons: list[str] = field(default_factory=list)
    deadline: bool = False
    truncated: int = 0
    builtins_restored: list[str] = field(default_factory=list)
    guard_failures: int = 0
    #: The submission's files could not be copied into the kernel's working folder (past Limits.scratch_bytes, unreadable).
    files_not_copied_in: bool = False
    removed_from_scratch: list[str] = field(default_factory=list)
    sandbox_uid: int | None = None
    exit_status: int | None = None
    seconds: float = 0.0

    @property
    def completed(self) -> bool:
        return not self.kernel_died

    @property
    def timed_out(self) -> bool:
        return bool(self.timed_out_cells) or self.deadline or self.why == IGNORED_TIMEOUT


IGNORED_TIMEOUT = "ignored the cell time limit"


def is_test_cell(cell: Any) -> bool:
    """An nbgrader test cell: a graded code cell that is not also the student's answer."""
    from nbgrader.utils import is_grade, is_solution

    return cell.get("cell_type") == "code" and is_grade(cell) and not is_solution(cell)


def exit_words(km: Any) -> str:
    """How a sandboxed kernel ended, in words: "exit status 3", "SIGSEGV", "CPU time limit", "killed"."""
    from course.grading.sandbox.bwrap import describe_exit

    if km.killed_reason == "notebook_timeout":
        return "notebook deadline"
    if km.killed_reason == "cell_timeout":
        return IGNORED_TIMEOUT
    described = describe_exit(km.exit_status) or "no exit status"
    kind, _, detail = described.partition(":")
    if kind == "exit":
        return f"exit status {detail}"
    if kind == "signal":
        return "killed" if detail == "SIGKILL" else detail
    if kind == "killed":
        return "killed by the grader"
    return "CPU time limit" if described == "cpu_time_limit" else described


def execution_reasons(records: list[ExecutionRecord], notebook_timeout: float) -> tuple[list[str], bool, bool]:
    """Reasons (in words), kernel_died and timed_out for a submission, from its notebooks' records."""
    reasons, died, timed_out = [], False, False
    several = len({r.notebook for r in records}) > 1
    for record in records:
        prefix = f"{record.notebook}: " if several else ""
        cell = record.died_in_cell
        if record.deadline:
            reasons.append(f"{prefix}notebook deadline of {notebook_timeout:g} s reached in cell {cell}; later cells not run")
            died = timed_out = True
        elif record.kernel_died and record.why == IGNORED_TIMEOUT:
            reasons.append(f"{prefix}cell {cell} timed out and ignored the interrupt; kernel stopped, later cells not run")
            died = timed_out = True
        elif record.kernel_died:
            where = f"in cell {cell}" if cell else "before any cell ran"
            reasons.append(f"{prefix}kernel died {where} ({record.why}); later cells not run")
            died = True
        for cell_number, why in zip(record.crashed_cells, record.crash_reasons):
            died = True
            reasons.append(f"{prefix}cell {cell_number} stopped the kernel ({why}); a fresh kernel re-ran the cells "
                           "before it and went on after it")
        for index in record.timed_out_cells:
            if index != cell:
                reasons.append(f"{prefix}cell {index} timed out")
                timed_out = True
        if record.builtins_restored:
            reasons.append(f"{prefix}built-in names replaced by the notebook were restored before the tests: "
                           f"{', '.join(record.builtins_restored)}")
        if record.guard_failures:
            reasons.append(f"{prefix}the grader's builtins guard was removed or replaced; "
                           f"{record.guard_failures} test(s) scored 0")
        if record.truncated:
            reasons.append(f"{prefix}{record.truncated} output(s) truncated")
        if record.files_not_copied_in:
            reasons.append(f"{prefix}the submission's files could not be copied into the kernel's working folder "
                           "(too big for it, or unreadable); cells that read them failed")
    return reasons, died, timed_out
