"""The kit's nbgrader preprocessors, one per file (nbgrader's own habit); their order is in :mod:`course.grading.pipeline`.

``sandboxed_execute`` (autograde: nbgrader's Execute in the sandbox), ``restore_metadata`` and
``cap_attachments`` (sanitize: stripped metadata matched again, pasted pictures capped),
``keep_student_metadata`` (generate_assignment: the released cells keep no locator of an answer),
``hide_hidden_tests`` and ``skill_summary`` (feedback), ``safe_output_metadata`` (every HTMLExporter).
The words they show live in :mod:`course.grading.reports.feedback`. Named, not imported, by the
pipeline: importing one imports nbgrader.
"""
