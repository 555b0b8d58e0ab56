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
from course.lessons import labsettings, manifest

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
    labconfig = workspace.config_dir / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    page_config = labconfig / "page_config.json"
    current = json.loads(page_config.read_text(encoding="utf-8")) if page_config.exists() else {}
    current.setdefault("disabledExtensions", {}).update({plugin: True for plugin in STUDENT_DISABLED_PLUGINS})
    page_config.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    # No "get notified about Jupyter news?" pop-up over a corner of every lesson, and no update check: a student's
    # lab is for the lessons (a classroom may have no internet either).
    lab_config = workspace.config_dir / "jupyter_lab_config.json"
    settings = json.loads(lab_config.read_text(encoding="utf-8")) if lab_config.exists() else {}
    settings.setdefault("LabApp", {}).update({"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"})
    lab_config.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    labsettings.write_shortcuts(workspace.settings_dir)
    # The lessons point to data/README.md (what each column means, where each row comes from): a copy the
    # student can open from the file browser, refreshed each time, since it is the kit's, not the student's.
    (workspace.root / "data").mkdir(exist_ok=True)
    shutil.copyfile(paths.data_dir() / "README.md", workspace.root / "data" / "README.md")
    return workspace


def lab_environment(workspace: Workspace, base: dict | None = None) -> dict:
    """The environment JupyterLab runs with: the workspace's config folder first on JUPYTER_CONFIG_PATH."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(p for p in (str(workspace.config_dir), env.get("JUPYTER_CONFIG_PATH", "")) if p)
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
    print(f"Your workspace: {workspace.root}")
    if workspace.copied:
        print(f"  copied {len(workspace.copied)} lesson(s): {', '.join(workspace.copied)}")
    if workspace.kept:
        print(f"  kept your own copies of {len(workspace.kept)} lesson(s) as you left them")
    print("  your written answers are saved in my-answers.json there; nothing in it is tracked by git")
    if not open_lab:
        return 0
    if shutil.which("jupyter") is None and not (Path(sys.executable).parent / "jupyter").exists():
        print("JupyterLab is not installed in this environment: run `make install` first", file=sys.stderr)
        return 1
    return subprocess.call(lab_command(workspace, *extra_args), cwd=workspace.root, env=lab_environment(workspace))
