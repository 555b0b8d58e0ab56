"""nbgrader configuration for the course kit (read by every `nbgrader` command run from the repository root).

Everything nbgrader writes lives in one git-ignored folder, ``class/``:

    class/release/      student versions (nbgrader generate_assignment)
    class/submitted/    collected submissions, one folder per student
    class/autograded/   graded copies
    class/feedback/     HTML feedback (hidden tests removed, see course/grading/reports/feedback.py)
    class/exchange/     the exchange students fetch from and submit to
    class/gradebook.db  the SQLite gradebook

The source notebooks stay in ``assignments/`` (tracked in git). The
``python -m course`` verbs (release, collect, autograde, feedback, grades,
demo, selfcheck) build the same configuration (below), so the command line and
plain `nbgrader` commands always agree, and plain ``nbgrader autograde`` runs student code in
the same sandbox (without bubblewrap it refuses; ``COURSE_UNSANDBOXED_GRADING=I-understand``
turns that off, loudly). ``python -m course release`` creates ``class/``; nbgrader
itself needs the folder to exist (``mkdir class``) and, when it creates the
gradebook, the environment's ``bin/`` on PATH (it runs ``alembic``), so
activate the environment before plain ``nbgrader`` commands. Environment
overrides:

    COURSE_CLASS_DIR  another class folder (e.g. a term's copy outside the repository)
    COURSE_DB_URL     another gradebook, e.g. postgresql://user@host/course
                      (SQLite must not be shared by several graders; see the nbgrader FAQ)

Everything is configured in one place, :func:`course.grading.pipeline.configure`,
from settings declared once in ``course/grading/settings.py``; the kit's own
verbs and grading workers call the same function, so this file holds nothing of
its own. To change a setting for plain ``nbgrader`` and the kit alike, change it
there; for a deployment's own changes (another exchange, say), write a file that
loads this one and name it with ``COURSE_NBGRADER_CONFIG`` (see
``deploy/nbgrader/grader_nbgrader_config.py``).
"""

from pathlib import Path

from course.grading.pipeline import configure
from course.grading.settings import plain_nbgrader_settings

# The class is the class/ beside this file unless COURSE_CLASS_DIR names another (traitlets defines __file__).
configure(get_config(), plain_nbgrader_settings(Path(__file__).resolve().parent / "class"))  # noqa: F821 -- get_config is injected by traitlets
