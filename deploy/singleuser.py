"""jupyterhub-singleuser, started a couple of seconds sooner: the hub's servers and the Formgrader service.

JupyterHub gives a managed service about ten seconds to answer before it gives up and exits
(hard-coded: ten one-second tries), and a student waits for their server. nbgrader's server
extensions import jsonschema, which builds a URI grammar at import time (about 1.9 s measured on
this project's machines) for schema formats nbgrader never checks; the kit's
course.grading.patches.defer_rfc3987_syntax() defers that work until first use. Run as
``$VENV/bin/python PREFIX/deploy/singleuser.py ARGS...`` (deploy/bin/course-singleuser does).
"""

import os
import sys
from pathlib import Path

from course.grading.patches import defer_rfc3987_syntax

# The kit's server settings (a Content-Security-Policy on every page, see jupyter-config/) for the
# students' servers and the Formgrader service alike; last, so the user's own folders still win.
_kit_config = str(Path(__file__).resolve().parent / "jupyter-config")
os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(filter(None, [os.environ.get("JUPYTER_CONFIG_PATH"), _kit_config]))

defer_rfc3987_syntax()

from jupyterhub.singleuser import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
