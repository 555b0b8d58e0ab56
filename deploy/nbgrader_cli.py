"""The nbgrader command, started a couple of seconds sooner (installed as PREFIX/bin/nbgrader).

The same command-line application as the environment's own `nbgrader`; only the kit's
course.grading.patches.defer_rfc3987_syntax() runs first, which defers a grammar jsonschema builds
at import time (about 1.9 s measured here) for schema formats nbgrader never checks. Students run
`nbgrader submit` and the like in their terminals, the grader account runs `nbgrader collect`,
`generate_feedback` ...; each pays nbgrader's start-up once per command.
"""

import sys

from course.grading.patches import defer_rfc3987_syntax

defer_rfc3987_syntax()

from nbgrader.apps.nbgraderapp import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
