"""nbgrader configuration for everyone on the hub (students, instructors, the grader account).

Installed by deploy/setup_course.py as PREFIX/etc/jupyter/nbgrader_config.py; every server the hub
starts has PREFIX/etc/jupyter on JUPYTER_CONFIG_PATH (on a hub that puts it in /etc/jupyter, copy it
there). It follows nbgrader's "Using nbgrader with JupyterHub" guide for one or more courses on one
machine: the filesystem exchange in one shared folder, the course in the exchange path, and
JupyterHub groups deciding who takes which course (nbgrader-<course_id>).
"""

import json
from pathlib import Path

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821 -- injected by traitlets

_settings = json.loads((Path(__file__).resolve().parent.parent / "course-hub.json").read_text())

c.CourseDirectory.course_id = _settings["course_id"]
c.Exchange.root = _settings["exchange"]
c.Exchange.path_includes_course = True
# Students see (fetch, submit to) only the courses whose nbgrader-<course_id> group they are in.
c.Authenticator.plugin_class = JupyterHubAuthPlugin
