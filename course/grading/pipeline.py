"""course.grading.pipeline: the one list of nbgrader preprocessors, and :func:`configure`, which builds the configuration.

:func:`configure` turns a :class:`~course.grading.settings.GradingSettings`
into nbgrader configuration: where the class lives, the exchange's collect
step, the release, autograde and feedback pipelines, the sandbox's settings
and the inert-HTML rendering. It is the only place that writes them, and
every nbgrader run of the kit goes through it:

* plain ``nbgrader`` commands, Formgrader and the Jupyter server read
  ``nbgrader_config.py``, which calls ``configure(c, plain_nbgrader_settings())``,
  so an instructor who types ``nbgrader autograde`` gets the same sandbox as
  ``python -m course autograde`` (without bubblewrap the executor refuses to
  run student code; ``COURSE_UNSANDBOXED_GRADING=I-understand`` turns the
  sandbox off, loudly);
* the kit's verbs build their configuration with it
  (:func:`course.grading.classdir.nbgrader_config`);
* each grading worker builds its own from the settings it was handed
  (:class:`course.grading.run.worker.GradingWorker`): no file is read again
  and no environment variable carries anything.

Kept light (``nbgrader_config.py`` is read by every nbgrader command and by
the Jupyter server): the preprocessors are named, not imported; the lists are
nbgrader 0.9.6's own with the kit's steps in place
(``tests/grading/test_pipeline.py`` checks them against the installed nbgrader).
"""

from __future__ import annotations

from pathlib import Path

from course.grading.settings import KERNEL_ARGUMENTS, GradingSettings

_PRE = "course.grading.preprocessors."
SANDBOXED_EXECUTE = _PRE + "sandboxed_execute.SandboxedExecute"

#: nbgrader's Autograde.autograde_preprocessors with Execute replaced by the sandboxed executor.
SANDBOXED_AUTOGRADE_PREPROCESSORS = [
    SANDBOXED_EXECUTE,
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
#: nbgrader's own, for the sandbox mode "off" (stock execution, as the grader).
STOCK_AUTOGRADE_PREPROCESSORS = ["nbgrader.preprocessors.Execute", *SANDBOXED_AUTOGRADE_PREPROCESSORS[1:]]

#: nbgrader's Autograde.sanitize_preprocessors, with stripped metadata matched again and attachments capped first.
REMATCHING_SANITIZE_PREPROCESSORS = [
    _PRE + "restore_metadata.RestoreStrippedMetadata",
    _PRE + "cap_attachments.CapAttachments",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

#: nbgrader's GenerateAssignment.preprocessors, then the kit's cut of the ``course`` metadata: a released
#: notebook carries nothing that locates an answer (course.lookup, course.assesses).
RELEASE_PREPROCESSORS = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
    _PRE + "keep_student_metadata.KeepStudentMetadata",
]

#: Feedback never shows hidden tests. The order matters: GetGrades reads grades by cell id from the
#: gradebook first, then HideHiddenTests edits sources and outputs, then the skills table, then the header.
FEEDBACK_PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    _PRE + "hide_hidden_tests.HideHiddenTests",
    _PRE + "skill_summary.SkillSummary",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

_FEEDBACK = "course.grading.reports.feedback."


def configure(c, settings: GradingSettings) -> None:
    """Write into the traitlets config ``c`` everything nbgrader needs to work on the class ``settings`` describe."""
    from course.grading.intake.converters import guard_nbgrader
    from course.grading.keys.answers import ANSWER_STUB

    class_dir = Path(settings.class_dir)
    c.CourseDirectory.course_id = settings.course_id
    c.CourseDirectory.root = str(class_dir)
    # An absolute source folder: nbgrader joins it onto the root, and an absolute path wins.
    c.CourseDirectory.source_directory = settings.source_dir
    c.CourseDirectory.db_url = settings.db_url
    c.Exchange.root = str(class_dir / "exchange")
    c.Exchange.cache = str(class_dir / "exchange-cache")
    c.Exchange.path_includes_course = False

    # Everything a student hands in is a stranger's (course/grading/intake/): collect takes an entry only from
    # its owner, at the time the file system saw it written, as regular files copied without following links;
    # autograde and feedback check the submitted folder the same way before nbgrader copies from it.
    c.ExchangeFactory.collect = "course.grading.intake.collect.CourseCollect"
    guard_nbgrader()

    # Answers are values (`x = None` then the solution region): the released stub is a comment,
    # so an unanswered item never stops "Run All" (course/grading/keys/answers.py).
    c.ClearSolutions.code_stub = ANSWER_STUB
    c.GenerateAssignment.preprocessors = list(RELEASE_PREPROCESSORS)
    c.GenerateFeedback.preprocessors = list(FEEDBACK_PREPROCESSORS)
    _inert_html(c)

    c.Execute.timeout = settings.cell_timeout
    c.Execute.extra_arguments = list(KERNEL_ARGUMENTS)
    c.Autograde.sanitize_preprocessors = list(REMATCHING_SANITIZE_PREPROCESSORS)
    if settings.sandbox == "off":
        c.Autograde.autograde_preprocessors = list(STOCK_AUTOGRADE_PREPROCESSORS)
        return
    c.Autograde.autograde_preprocessors = list(SANDBOXED_AUTOGRADE_PREPROCESSORS)
    c.SandboxedExecute.notebook_timeout = settings.notebook_timeout
    c.SandboxedExecute.limits = settings.limits
    c.SandboxedExecute.hidden_paths = list(settings.hidden_paths)
    c.SandboxedExecute.readonly_paths = list(settings.readonly_paths)
    c.SandboxedExecute.allow_unsandboxed = settings.sandbox == "rlimits"


def _inert_html(c) -> None:
    """Every HTMLExporter nbgrader builds from ``c`` renders student HTML inert (see course.grading.reports.feedback).

    Formgrader's grading page and ``generate_feedback`` alike: markdown and HTML outputs go through the
    kit's cleaner, image metadata is checked, and every feedback file forbids all script.
    """
    c.HTMLExporter.sanitize_html = True  # text/html and text/markdown outputs cleaned; Javascript, widgets dropped
    # nbgrader's feedback and formgrade templates render markdown cells without nbconvert's
    # cleaner, and that cleaner escapes headings and table heads: both replaced by the kit's.
    c.HTMLExporter.filters = {"markdown2html": _FEEDBACK + "safe_markdown2html", "clean_html": _FEEDBACK + "sanitize_html"}
    # Formgrader's grading page (nbgrader builds a plain HTMLExporter for it) shows the written answers first;
    # feedback keeps the notebook's order, so its exporter has its own list.
    c.HTMLExporter.preprocessors = [_PRE + "safe_output_metadata.SafeOutputMetadata", _PRE + "written_first.WrittenFirst"]
    c.FeedbackExporter.preprocessors = [_PRE + "safe_output_metadata.SafeOutputMetadata"]
    c.GenerateFeedback.exporter_class = _FEEDBACK + "FeedbackExporter"
