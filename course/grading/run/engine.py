"""course.grading.run.engine: the one way the kit autogrades a submission (autograde, self-check, demo, tests).

Every path runs nbgrader's own :class:`~nbgrader.converters.Autograde`
converter with :class:`~course.grading.preprocessors.sandboxed_execute.SandboxedExecute` in
place of nbgrader's ``Execute`` (:mod:`course.grading.pipeline`), so a self-check
score and the real grade come from the same code: the same sandbox, builtins
guard, output caps and handling of dead kernels. :class:`SandboxedAutograde`
lends the executor a grading process's kernel pool and collects each
notebook's :class:`~course.grading.sandbox.record.ExecutionRecord`, both
through nbgrader's per-notebook ``resources``.
"""

from __future__ import annotations

from nbgrader.converters import Autograde
from nbgrader.utils import capture_log, temp_attrs

from course.grading.preprocessors.restore_metadata import REMATCH_KEY
from course.grading.preprocessors.sandboxed_execute import POOL_KEY
from course.grading.sandbox.record import RECORD_KEY, ExecutionRecord

class SandboxedAutograde(Autograde):
    """nbgrader's Autograde converter that lends ``kernel_pool`` to the executor and keeps each notebook's record."""

    def __init__(self, *, kernel_pool=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.kernel_pool = kernel_pool
        self.records: list[ExecutionRecord] = []
        self.rematched: list[dict] = []
        self.interrupted = False

    def start(self) -> None:
        # nbgrader re-raises Ctrl-C, but capture_log turns every exception into "success: False";
        # remember it, so the caller can stop instead of moving on to the next submission.
        try:
            super().start()
        except KeyboardInterrupt:
            self.interrupted = True
            raise

    def init_single_notebook_resources(self, notebook_filename: str) -> dict:
        resources = super().init_single_notebook_resources(notebook_filename)
        if self.kernel_pool is not None:
            resources[POOL_KEY] = self.kernel_pool
        return resources

    def write_single_notebook(self, output, resources) -> None:
        record = resources.get(RECORD_KEY)
        if isinstance(record, ExecutionRecord):
            self.records.append(record)
        if resources.get(REMATCH_KEY) and self._sanitizing:
            self.rematched.append(resources[REMATCH_KEY])
        super().write_single_notebook(output, resources)


def autograde_submission(api, assignment: str, student: str, *, kernel_pool=None) -> tuple[dict, "SandboxedAutograde"]:
    """``api.autograde(assignment, student, force=True, create=True)``, plus the execution records.

    Returns nbgrader's outcome (``success``, ``log``, ``error``) and the
    converter, whose ``records`` hold one record per notebook executed in the
    sandbox (none with the sandbox off) and ``rematched`` what stripped
    metadata was matched again.
    """
    with temp_attrs(api.coursedir, assignment_id=assignment, student_id=student):
        app = SandboxedAutograde(coursedir=api.coursedir, parent=api, kernel_pool=kernel_pool)
        app.force = True
        app.create_student = True
        outcome = capture_log(app)
    if app.interrupted:
        raise KeyboardInterrupt(f"interrupted while grading {student}/{assignment}")
    return outcome, app
