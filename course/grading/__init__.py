"""The grading wing: the instructor pipeline on nbgrader, arranged by role, one room per job.

Rooms (folders), from the ground up:

* ``sandbox/`` runs untrusted student notebooks: bubblewrap, resource limits, the kernel pool.
* ``intake/`` takes what students hand in as a stranger's: exchange entries, submitted folders, ids.
* ``keys/`` the answer keys and the one checker every value item's tests call; ``answers.py`` is here
  because it builds answers (the released stub, a submission's values) from the key's metadata.
* ``preprocessors/`` the kit's nbgrader preprocessors, one per file, as nbgrader keeps its own.
* ``gradebook/`` storage, backup and rollback, integrity, claims: what the gradebook holds and keeps.
* ``reports/`` what a run tells people: the autograde summary, feedback words and inert HTML, grade
  and item reports.
* ``release/`` what a student receives and the checks that it gives no answer away: source packets,
  the diagnostic's generated notebooks, the leak scans (``leaks``, ``keyleaks``).
* ``run/`` the verbs (release, collect, autograde, feedback, grades), the parallel workers, the
  autograde engine, the demo class.

Modules at the wing's door, each used by several rooms:

* ``settings.py`` (the bottom floor): :class:`~course.grading.settings.GradingSettings`, every default
  declared once, ``GradingError`` and the gradebook URL check.
* ``pipeline.py``: the one list of each nbgrader pipeline and ``configure(c, settings)``, which
  ``nbgrader_config.py``, the verbs and every worker call.
* ``classdir.py``: where the class lives (the manifest, the assignment ids) and the nbgrader API on it.
* ``patches.py``: every change the kit makes to a library's behaviour, used by the API and the workers.
* ``selfcheck.py``: a student's own check; it stays at the door because students type
  ``from course.grading.selfcheck import check`` in their notebooks.

Only the CLI imports this wing. Kept free of imports: a sandboxed kernel starts as
``python -m course.grading.sandbox.kernel`` and must not pay for nbgrader.
"""
