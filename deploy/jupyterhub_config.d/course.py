"""The course's part of the JupyterHub configuration: groups, roles, the Formgrader service, the
student servers. Works on its own hub (loaded by deploy/jupyterhub_config.py) and on The Littlest
JupyterHub (copy it to /opt/tljh/config/jupyterhub_config.d/; TLJH loads every .py file there after
its own configuration, so the authenticator, spawner and proxy stay TLJH's).

Everything course-specific comes from one JSON settings file (deploy/course-hub.example.json),
$COURSE_HUB_SETTINGS or /opt/mali-coup/etc/course-hub.json. Follows nbgrader's "Using nbgrader with
JupyterHub" guide (multiple-classes layout: groups named formgrade-<course_id> and
nbgrader-<course_id>, the course's Formgrader as a hub-managed service running as the grader account).
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 -- injected by traitlets

_settings_path = Path(os.environ.get("COURSE_HUB_SETTINGS", "/opt/mali-coup/etc/course-hub.json"))
course = json.loads(_settings_path.read_text())
course_id = course["course_id"]
prefix = Path(course["prefix"])
venv = Path(course["venv"])
grader = course["grader"]
instructors = list(course.get("instructors", []))
students = list(course.get("students", []))


def _current(section, name, empty):
    """A value set earlier (by TLJH's own configuration, say), or ``empty``: never a lazy placeholder."""
    return section[name] if name in section else empty


# --- who may log in, and the two groups nbgrader's guide names ------------------------------------------
c.Authenticator.allowed_users = set(_current(c.Authenticator, "allowed_users", set())) | set(instructors) | set(students) | {grader}
c.Authenticator.admin_users = set(_current(c.Authenticator, "admin_users", set())) | set(course.get("hub_admins", []))
groups = dict(_current(c.JupyterHub, "load_groups", {}))
# Instructors (and the grader account, as in nbgrader's demo) reach the Formgrader service.
groups[f"formgrade-{course_id}"] = {"users": sorted(set(instructors) | {grader})}
# Students (and instructors, who may look at the student view) take the course.
groups[f"nbgrader-{course_id}"] = {"users": sorted(set(students) | set(instructors))}
c.JupyterHub.load_groups = groups

# --- roles: what each group's members (and each user's server) may do ---------------------------------
roles = list(_current(c.JupyterHub, "load_roles", []))
roles += [
    {
        "name": f"formgrade-{course_id}",
        "description": f"use the {course_id} Formgrader (the grader account's server)",
        "groups": [f"formgrade-{course_id}"],
        "scopes": [f"access:services!service={course_id}"],
    },
    {
        "name": f"nbgrader-{course_id}",
        "description": f"see that the {course_id} course exists",
        "groups": [f"nbgrader-{course_id}"],
        "scopes": ["list:services", f"read:services!service={course_id}"],
    },
    {
        # The Formgrader's own token: nbgrader (JupyterHubAuthPlugin) asks the hub which groups a
        # user is in, and adds a student to nbgrader-<course_id> when Formgrader adds one.
        "name": f"{course_id}-formgrader",
        "description": f"the {course_id} Formgrader reads users' groups and manages its students' group",
        "services": [course_id],
        "scopes": ["read:users:name", "read:users:groups", "list:groups",
                   f"groups!group=nbgrader-{course_id}"],
    },
    {
        # A user's server token: JupyterHub's defaults, plus reading its owner's groups, which the
        # Assignment List (nbgrader.auth.JupyterHubAuthPlugin) asks the hub for. Narrower than the
        # guide's 'inherit', which hands the server every permission its owner has.
        "name": "server",
        "scopes": ["users:activity!user", "access:servers!server", "read:users:groups!user", "read:users:name!user"],
    },
]
c.JupyterHub.load_roles = roles

# --- the course's Formgrader: the grader account's JupyterLab, run by the hub as a service -------------
environment = {
    "JUPYTER_CONFIG_PATH": str(prefix / "etc" / "jupyter"),
    "COURSE_HUB_SETTINGS": str(_settings_path),
    "COURSE_KIT": course["kit"],
    "COURSE_VENV": str(venv),
    "COURSE_DEPLOY": str(prefix / "deploy"),
    "PATH": f"{prefix / 'bin'}:{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
}
services = list(_current(c.JupyterHub, "services", []))
services.append({
    "name": course_id,
    "display": True,
    "url": f"http://127.0.0.1:{course.get('service_port', 9999)}",
    # jupyterhub-singleuser, started sooner (deploy/singleuser.py): the hub exits if a managed
    # service does not answer within about ten seconds.
    "command": [str(venv / "bin" / "python"), str(prefix / "deploy" / "singleuser.py"), "--ServerApp.ip=127.0.0.1"],
    "user": grader,
    "cwd": course["grader_home"],
    "environment": dict(environment, JUPYTERHUB_DEFAULT_URL="/lab"),
    "oauth_no_confirm": True,
})
c.JupyterHub.services = services

# --- students' servers: the kit's environment, opening on their own copy of the lessons -----------------
c.Spawner.cmd = [str(prefix / "bin" / "course-singleuser")]
c.Spawner.default_url = "/lab/tree/course-workspace"
c.Spawner.notebook_dir = "~"
c.Spawner.args = ["--ServerApp.ip=127.0.0.1"]
# Students load the student edition (deploy/install-kit.sh writes it; the full data/ is the graders' only).
c.Spawner.environment = dict(_current(c.Spawner, "environment", {}), **environment,
                             COURSE_DATA_DIR=str(prefix / "student-data"))
# Sizing: see deploy/README.md (measured memory per student server). Spawners that can enforce these
# (SystemdSpawner on TLJH) use them; LocalProcessSpawner cannot.
c.Spawner.mem_limit = course.get("mem_limit", "1G")
c.Spawner.cpu_limit = course.get("cpu_limit", 1.0)
