"""The student's JupyterLab settings: notebook shortcuts that leave the lessons' answer widgets their own keys.

In a notebook's command mode JupyterLab binds single keys to whatever element
has the focus inside the notebook: the arrows and J/K move the cell
selection, A/B insert a cell, D,D deletes one, 0,0 restarts the kernel. An
answer widget (radio buttons, a dropdown, toggle buttons) is such an element,
so a student who pressed the down arrow on an answer moved to the next cell
instead of the next answer. ipywidgets stops the keys of its text boxes from
reaching JupyterLab, but not those of its choice widgets.

Lumino picks a key binding by CSS selector, so each notebook binding whose
selector ends in ``:focus`` is written again here with ``:not(.jp-OutputArea-output *)``
added: the same keys do the same thing everywhere in the notebook except inside
a cell's output, where the widgets live and the browser's own keys work. The
original binding is disabled (the way JupyterLab's own shortcut editor does
it). The bindings are read from the installed JupyterLab's schemas, so a
JupyterLab that adds or changes one is followed without editing this file.
"""

from __future__ import annotations

import json
from pathlib import Path

#: Where cell outputs, and so the lessons' widgets, are drawn.
OUTPUT_AREA = ".jp-OutputArea-output"
#: The shortcut settings file, under a JupyterLab user-settings folder.
SHORTCUTS_FILE = Path("@jupyterlab") / "shortcuts-extension" / "shortcuts.jupyterlab-settings"
_KEY_FIELDS = ("command", "keys", "winKeys", "macKeys", "linuxKeys", "args")


def schemas_dir() -> Path:
    """The installed JupyterLab's settings schemas (``<app dir>/schemas``)."""
    from jupyterlab.commands import get_app_dir

    return Path(get_app_dir()) / "schemas"


def _reaches_widgets(selector: str) -> bool:
    """A binding that fires on any focused element of a notebook or kernel user, widgets included."""
    return selector.endswith((":focus", ":focus:not(:read-write)")) and (".jp-Notebook" in selector or "data-jp-kernel-user" in selector)


def default_shortcuts(schemas: Path | None = None) -> list[dict]:
    """Every key binding the installed JupyterLab's plugins declare (``jupyter.lab.shortcuts``)."""
    found = []
    for path in sorted(Path(schemas or schemas_dir()).glob("*/*/*.json")):
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(schema, dict):
            found += [s for s in schema.get("jupyter.lab.shortcuts", []) if isinstance(s, dict) and "selector" in s]
    return found


def widget_safe_shortcuts(schemas: Path | None = None) -> list[dict]:
    """The user shortcuts that keep notebook bindings away from the widgets in cell outputs."""
    shortcuts = []
    for binding in default_shortcuts(schemas):
        if binding.get("disabled") or not _reaches_widgets(binding["selector"]):
            continue
        keys = {field: binding[field] for field in _KEY_FIELDS if field in binding}
        shortcuts.append({**keys, "selector": binding["selector"], "disabled": True})
        shortcuts.append({**keys, "selector": f"{binding['selector']}:not({OUTPUT_AREA} *)"})
    return shortcuts


def write_shortcuts(settings_dir: Path, schemas: Path | None = None) -> Path:
    """Write the shortcut settings into a JupyterLab user-settings folder; keep any shortcut the student added."""
    path = Path(settings_dir) / SHORTCUTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    ours = widget_safe_shortcuts(schemas)
    theirs = []
    if path.exists():
        try:
            theirs = json.loads(path.read_text(encoding="utf-8")).get("shortcuts", [])
        except (json.JSONDecodeError, AttributeError):
            theirs = []
    kept = [s for s in theirs if not _is_ours(s)]
    path.write_text(json.dumps({"shortcuts": kept + ours}, indent=1) + "\n", encoding="utf-8")
    return path


def _is_ours(shortcut) -> bool:
    """A shortcut this module wrote (an earlier JupyterLab's, perhaps): rewritten each time, never piled up."""
    if not isinstance(shortcut, dict):
        return False
    selector = str(shortcut.get("selector", ""))
    return selector.endswith(f":not({OUTPUT_AREA} *)") or shortcut.get("disabled") is True and _reaches_widgets(selector)
