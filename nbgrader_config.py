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
demo, selfcheck) read this same file, so the command line and plain `nbgrader`
commands always agree, and plain ``nbgrader autograde`` runs student code in
the same sandbox. ``python -m course release`` creates ``class/``; nbgrader
itself needs the folder to exist (``mkdir class``) and, when it creates the
gradebook, the environment's ``bin/`` on PATH (it runs ``alembic``), so
activate the environment before plain ``nbgrader`` commands. Environment
overrides:

    COURSE_CLASS_DIR  another class folder (e.g. a term's copy outside the repository)
    COURSE_DB_URL     another gradebook, e.g. postgresql://user@host/course
                      (SQLite must not be shared by several graders; see the nbgrader FAQ)
"""

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLASS_DIR = Path(os.environ.get("COURSE_CLASS_DIR") or HERE / "class").resolve()

c = get_config()  # noqa: F821 -- injected by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "mali-coup-source-evaluation"
c.CourseDirectory.root = str(CLASS_DIR)
# An absolute source folder: nbgrader joins it onto the root, and an absolute
# path wins, so the sources stay in assignments/ whatever the class folder is.
c.CourseDirectory.source_directory = str(HERE / "assignments")
# check_db_url names the installed PostgreSQL driver in a plain postgresql:// URL.
from course.grading.classdir import check_db_url  # noqa: E402

c.CourseDirectory.db_url = check_db_url(os.environ.get("COURSE_DB_URL") or f"sqlite:///{CLASS_DIR / 'gradebook.db'}")

c.Exchange.root = str(CLASS_DIR / "exchange")
c.Exchange.cache = str(CLASS_DIR / "exchange-cache")
c.Exchange.path_includes_course = False

# Everything a student hands in is a stranger's (course/grading/intake/): collect takes an
# entry only from its owner, at the time the file system saw it written, as regular files
# copied without following links; autograde and feedback check the submitted folder the same
# way before nbgrader copies from it, and read timestamp.txt without following or blocking.
c.ExchangeFactory.collect = "course.grading.intake.collect.CourseCollect"
from course.grading.intake.converters import guard_nbgrader  # noqa: E402

guard_nbgrader()

# Feedback never shows hidden tests: the kit's pipeline removes hidden-test
# regions and reduces their tracebacks before nbgrader renders the HTML.
from course.grading.reports.feedback import feedback_preprocessors  # noqa: E402

c.GenerateFeedback.preprocessors = feedback_preprocessors()

# Every submitted file is a stranger's: HTML and script a student writes, prints or puts in cell
# metadata render inert in Formgrader's grading page and in every feedback file, which also
# forbids all script (course/grading/reports/feedback.py, safe_html_config).
from course.grading.reports.feedback import safe_html_config  # noqa: E402

safe_html_config(c)

# Answers are values (`x = None` then the solution region): the released stub is a comment,
# so an unanswered item never stops "Run All" (course/grading/keys/answers.py).
from course.grading.keys.answers import ANSWER_STUB  # noqa: E402

c.ClearSolutions.code_stub = ANSWER_STUB

# A released notebook carries no metadata that locates an answer (course.lookup, course.assesses):
# nbgrader's own generate_assignment steps, then the kit's cut of the `course` metadata.
from course.grading.preprocessors.keep_student_metadata import RELEASE_PREPROCESSORS  # noqa: E402

c.GenerateAssignment.preprocessors = list(RELEASE_PREPROCESSORS)

# Plain `nbgrader autograde` runs student code in the kit's bubblewrap sandbox, as
# `python -m course autograde` does (course/grading/pipeline.py); without
# bubblewrap it refuses. COURSE_UNSANDBOXED_GRADING=I-understand turns that off, loudly.
from course.grading.pipeline import sandbox_plain_autograde  # noqa: E402

sandbox_plain_autograde(c)

# Grading executes each notebook once; a cell stuck for a minute is a bug.
c.Execute.timeout = 60
# The grading kernel runs on this machine; keep its start-up notice about
# unencrypted local TCP out of the grading log.
c.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
