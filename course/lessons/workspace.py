"""A student's own workspace: copies of the lessons, opened in a JupyterLab set up for students.

``python -m course start`` calls :func:`start`: it creates the workspace (by
default ``my-work/`` in the kit's checkout, or ``~/course-workspace`` when the
kit is installed as a package), copies every lesson of
``notebooks/lessons.toml`` into it with outputs cleared, and starts
JupyterLab there. Running a lesson then changes the student's copy, never the
tracked notebook, and the student's answers (``my-answers.json``, see
:mod:`course.lessons.exercises`) live beside it.

* Git-ignored without touching the kit's ``.gitignore``: the workspace holds
  its own ``.gitignore`` containing ``*``.
* Never overwrites the student's work: a lesson already in the workspace is
  kept as it is; only lessons that are missing are copied
  (:func:`create` returns what it copied and what it kept).
* No nbgrader metadata: lessons are not assignments, so the copies carry no
  ``nbgrader`` cell or notebook metadata.
* nbgrader's instructor panels are hidden for students. JupyterLab reads
  ``labconfig/page_config.json`` from every folder on the Jupyter config path;
  the workspace writes one under ``.jupyter/`` and :func:`lab_command` puts
  that folder on ``JUPYTER_CONFIG_PATH`` (the student's own ``~/.jupyter``
  stays in force). It disables the plugins in :data:`STUDENT_DISABLED_PLUGINS`:
  the Create Assignment sidebar, the Formgrader, the course list, and the
  notebook toolbar's Validate button (which reports "Success! Your notebook
  passes all the tests" on any notebook without tests, a lesson included).
  Graded assignments are still validated from the Assignments panel
  (``@jupyter/nbgrader:assignment-list``), which stays enabled. This is the
  same file ``jupyter labextension disable <plugin>`` writes. The cell toolbar
  is disabled too (Tab reached its buttons; Enter on one duplicated a cell).
* A self-study learner has no course at all: the JupyterLab that ``course
  start`` opens also drops the Assignments panel, the Nbgrader menu and
  nbgrader's server extensions (each of them only says "Error fetching
  courses!" or logs exchange errors without a course's exchange). That goes in
  a second folder, ``.jupyter/self-study/``, put on the config path by
  :func:`lab_environment` for ``course start``'s own launch only; a hub
  student's server (``deploy/bin/course-singleuser``) puts ``.jupyter/`` alone
  on its path, so the exchange the hub configures keeps its panel.
* Keys stay with the widgets: JupyterLab's user settings for the workspace
  (``.jupyter/lab/user-settings``, put on ``JUPYTERLAB_SETTINGS_DIR`` by
  :func:`lab_environment`) hold the notebook shortcuts of
  :mod:`course.lessons.labsettings`, so the arrows move an answer's choice,
  not the notebook's cell selection.
* ``data/README.md``, which the lessons point to, is copied into the workspace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from course import paths
from course.lessons import content, labsettings, manifest

#: Where ``course start`` puts the workspace unless told otherwise (never inside site-packages).
DEFAULT_WORKSPACE = paths.REPO_ROOT / "my-work" if paths.is_checkout() else Path.home() / "course-workspace"

#: nbgrader's lab plugins students should not see (ids from nbgrader 0.9's lab extension).
STUDENT_DISABLED_PLUGINS = (
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:validate-assignment",
    # The cell toolbar (duplicate, move, insert, delete): Tab reached its buttons from a lesson's widgets, and
    # Enter on one duplicated the cell. Lessons are read and answered, not rearranged.
    "@jupyterlab/cell-toolbar-extension:plugin",
)

#: JupyterLab's "get notified about Jupyter news?" pop-up sits over a corner of every lesson: the plugin that asks
#: it (and fetches the news) is off in every workspace. ``LabApp.news_url=None`` alone still asked.
QUIET_PLUGINS = ("@jupyterlab/apputils-extension:announcements",)

#: What a self-study launch (``course start``) also turns off: everything of nbgrader that needs a course's exchange.
SELF_STUDY_DISABLED_PLUGINS = STUDENT_DISABLED_PLUGINS + ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu")
SELF_STUDY_DISABLED_SERVER_EXTENSIONS = tuple(f"nbgrader.server_extensions.{name}" for name in (
    "formgrader", "validate_assignment", "assignment_list", "course_list"))


@dataclass
class Workspace:
    """What :func:`create` did: the folder, the lessons copied now, the lessons kept as the student left them."""

    root: Path
    copied: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def config_dir(self) -> Path:
        return self.root / ".jupyter"

    @property
    def self_study_config_dir(self) -> Path:
        return self.config_dir / "self-study"

    @property
    def settings_dir(self) -> Path:
        """JupyterLab's user settings for the workspace (the shortcuts of :mod:`course.lessons.labsettings`)."""
        return self.config_dir / "lab" / "user-settings"


def student_copy(source: Path, target: Path) -> None:
    """Write a lesson for a student: outputs and execution counts cleared, nbgrader metadata removed."""
    import nbformat

    notebook = nbformat.read(source, as_version=4)
    notebook.metadata.pop("nbgrader", None)
    for cell in notebook.cells:
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(notebook, target)


def create(root: Path | str | None = None) -> Workspace:
    """Create (or top up) a workspace at ``root``; returns what was copied and what was kept."""
    workspace = Workspace(Path(root or DEFAULT_WORKSPACE).resolve())
    if workspace.root.exists() and not workspace.root.is_dir():
        raise NotADirectoryError(f"{workspace.root} is a file, not a folder: name a folder for your workspace")
    workspace.root.mkdir(parents=True, exist_ok=True)
    (workspace.root / ".gitignore").write_text("# A student's workspace (python -m course start): nothing here is tracked.\n*\n",
                                              encoding="utf-8")
    for item in manifest.lessons():
        target = workspace.root / item.file
        if target.exists():
            workspace.kept.append(item.file)
        else:
            student_copy(item.path, target)
            workspace.copied.append(item.file)
    _disable_plugins(workspace.config_dir, STUDENT_DISABLED_PLUGINS + QUIET_PLUGINS)
    _disable_plugins(workspace.self_study_config_dir, SELF_STUDY_DISABLED_PLUGINS)
    _update_json(workspace.self_study_config_dir / "jupyter_server_config.json", "ServerApp",
                 {"jpserver_extensions": {name: False for name in SELF_STUDY_DISABLED_SERVER_EXTENSIONS}})
    # No "get notified about Jupyter news?" pop-up over a corner of every lesson, and no update check: a student's
    # lab is for the lessons (a classroom may have no internet either).
    _update_json(workspace.config_dir / "jupyter_lab_config.json", "LabApp",
                 {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"})
    labsettings.write_shortcuts(workspace.settings_dir)
    # The lessons point to data/README.md (what each column means, where each row comes from): a copy the
    # student can open from the file browser, refreshed each time, since it is the kit's, not the student's.
    (workspace.root / "data").mkdir(exist_ok=True)
    shutil.copyfile(paths.data_dir() / "README.md", workspace.root / "data" / "README.md")
    return workspace


def _update_json(path: Path, section: str, values: dict) -> None:
    """Set ``values`` in one section of a Jupyter JSON config file, keeping whatever else it holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    settings.setdefault(section, {}).update(values)
    path.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")


def _disable_plugins(config_dir: Path, plugins: tuple[str, ...]) -> None:
    """Disable lab plugins in ``config_dir/labconfig/page_config.json``, keeping whatever else it holds."""
    _update_json(config_dir / "labconfig" / "page_config.json", "disabledExtensions", {plugin: True for plugin in plugins})


def lab_environment(workspace: Workspace, base: dict | None = None, *, self_study: bool = False) -> dict:
    """The environment JupyterLab runs with: the workspace's config folder first on JUPYTER_CONFIG_PATH, and
    before it, for a self-study launch, the folder that turns off what needs a course (see the module's notes)."""
    env = dict(os.environ if base is None else base)
    ours = ([str(workspace.self_study_config_dir)] if self_study else []) + [str(workspace.config_dir)]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in (*ours, env.get("JUPYTER_CONFIG_PATH", "")) if p)
    env["JUPYTERLAB_SETTINGS_DIR"] = str(workspace.settings_dir)
    return env


def lab_command(workspace: Workspace, *extra: str) -> list[str]:
    """The command that opens JupyterLab in the workspace, on the first lesson."""
    first = manifest.lessons()[0].file
    return [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={workspace.root}",
            f"--LabApp.default_url=/lab/tree/{first}", *extra]


def start(root: Path | str | None = None, *, open_lab: bool = True, extra_args: tuple[str, ...] = ()) -> int:
    """Create the workspace, say what happened, and (unless ``open_lab`` is False) run JupyterLab there until it stops."""
    workspace = create(root)
    print(content.text("workspace", "created", folder=workspace.root))
    if workspace.copied:
        print(content.text("workspace", "copied", count=len(workspace.copied), lessons=", ".join(workspace.copied)))
    if workspace.kept:
        print(content.text("workspace", "kept", count=len(workspace.kept)))
    print(content.text("workspace", "answers"))
    if not open_lab:
        return 0
    if shutil.which("jupyter") is None and not (Path(sys.executable).parent / "jupyter").exists():
        print(content.text("workspace", "no_lab"), file=sys.stderr)
        return 1
    return run_until_stopped(lab_command(workspace, *extra_args), cwd=workspace.root, env=lab_environment(workspace, self_study=True))


def run_until_stopped(command: list[str], **popen) -> int:
    """Run ``command`` until it exits; a SIGTERM sent to this process is passed on to it, so it stops too.

    Returns the command's exit status, or 128 + the signal's number if a signal ended it (as a shell reports it).

    Ctrl+C reaches both (one process group); a SIGTERM (a service manager, ``kill``) reaches only this
    process, and without the handler it died and left JupyterLab running.
    """
    import signal

    child = subprocess.Popen(command, **popen)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: child.terminate())
    try:
        while True:
            try:
                status = child.wait()
                return 128 - status if status < 0 else status
            except KeyboardInterrupt:  # JupyterLab asks and shuts down itself on Ctrl+C; wait for it
                continue
    finally:
        signal.signal(signal.SIGTERM, previous)
