"""nbgrader configuration of the course's grader account (the Formgrader service and its terminals).

Installed by deploy/setup_course.py as PREFIX/etc/grader_nbgrader_config.py and loaded from the
grader's ~/.jupyter/nbgrader_config.py. It loads the kit's own nbgrader_config.py (source notebooks in
the read-only kit, feedback without hidden tests, execution limits) for the grader's class folder and
the PostgreSQL gradebook, then points the exchange at the hub's shared folder.
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 -- injected by traitlets

_settings = json.loads((Path(__file__).resolve().parent / "course-hub.json").read_text())
# setdefault: a class folder the kit names (`--class-dir`, a self-check's scratch class) must win over the hub's.
os.environ.setdefault("COURSE_CLASS_DIR", _settings["class_dir"])
os.environ.setdefault("COURSE_DB_URL", Path(_settings["gradebook_url_file"]).read_text().strip())
load_subconfig(str(Path(_settings["kit"]) / "nbgrader_config.py"))  # noqa: F821 -- injected by traitlets

c.CourseDirectory.course_id = _settings["course_id"]
c.Exchange.root = _settings["exchange"]
c.Exchange.path_includes_course = True
c.Exchange.cache = str(Path(_settings["class_dir"]) / "exchange-cache")

# Formgrader's own "Autograde" button runs plain nbgrader. Kits whose nbgrader_config.py puts the
# sandboxed executor into plain nbgrader (course/grading/pipeline.py) grade there in the
# sandbox too. With an older kit, student code would run as the grader account, which can read the
# gradebook, the solutions and every submission: then this kernel name, which exists nowhere, makes
# plain autograde fail before it runs any code. `course-grader autograde ASSIGNMENT` is the way either way.
_preprocessors = c.Autograde.autograde_preprocessors if "autograde_preprocessors" in c.Autograde else []
if not any("SandboxedExecute" in str(p) for p in _preprocessors):
    c.Execute.kernel_name = "use-course-grader-autograde-not-plain-nbgrader"
