"""course.lessons.workspace: students run lessons in their own copies, with nbgrader's instructor panels hidden."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat

from course.cli import main
from course.lessons import manifest, workspace


def test_start_copies_every_lesson_clean_and_keeps_the_students_work(tmp_path, capsys):
    """Does `course start --no-lab DIR` copy each lesson without outputs or nbgrader metadata, and never overwrite?"""
    root = tmp_path / "ws"
    assert main(["start", str(root), "--no-lab"]) == 0
    assert f"copied {len(manifest.lessons())} lesson(s)" in capsys.readouterr().out
    files = sorted(p.name for p in root.glob("*.ipynb"))
    assert files == sorted(item.file for item in manifest.lessons())
    assert (root / ".gitignore").read_text().strip().endswith("*")
    for name in files:
        notebook = nbformat.read(root / name, as_version=4)
        assert "nbgrader" not in notebook.metadata
        assert all("nbgrader" not in cell.metadata and not cell.get("outputs") for cell in notebook.cells)
    mine = root / files[1]
    mine.write_text(mine.read_text().replace("Meet the document", "Meet the document (my notes)"))
    again = workspace.create(root)
    assert again.copied == [] and len(again.kept) == len(files)
    assert "(my notes)" in mine.read_text()


def test_student_lab_hides_nbgrader_instructor_plugins(tmp_path):
    """Is page_config.json on the config path the lab will use, disabling Create Assignment and the toolbar Validate?"""
    ws = workspace.create(tmp_path / "ws")
    config = json.loads((ws.config_dir / "labconfig" / "page_config.json").read_text())
    disabled = config["disabledExtensions"]
    assert disabled["@jupyter/nbgrader:create-assignment"] and disabled["@jupyter/nbgrader:validate-assignment"]
    assert "@jupyter/nbgrader:assignment-list" not in disabled  # students still fetch, validate and submit assignments
    env = workspace.lab_environment(ws, base={"JUPYTER_CONFIG_PATH": "/elsewhere"})
    assert env["JUPYTER_CONFIG_PATH"].split(":") == [str(ws.config_dir), "/elsewhere"]
    assert f"--ServerApp.root_dir={ws.root}" in workspace.lab_command(ws)


def test_a_self_study_launch_turns_off_what_needs_a_course_and_a_hub_student_keeps_it(tmp_path, monkeypatch):
    """`course start`'s own JupyterLab (self-study: no exchange) loads none of nbgrader's server extensions and
    disables the Assignments panel and the Nbgrader menu; the config path a hub student's server uses
    (deploy/bin/course-singleuser: .jupyter/ alone) keeps them. Read back as JupyterLab and jupyter_server read it."""
    from jupyterlab_server.config import get_page_config

    ws = workspace.create(tmp_path / "ws")
    study = workspace.lab_environment(ws, base={}, self_study=True)["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    hub = workspace.lab_environment(ws, base={})["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert study == [str(ws.self_study_config_dir), str(ws.config_dir)] and hub == [str(ws.config_dir)]
    labextensions = str(Path(sys.prefix) / "share" / "jupyter" / "labextensions")

    def disabled(config_path):
        monkeypatch.setenv("JUPYTER_CONFIG_PATH", os.pathsep.join(config_path))
        return set(get_page_config([labextensions])["disabledExtensions"])  # the names JupyterLab will not load

    assert {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu"} <= disabled(study)
    assert "@jupyter/nbgrader:assignment-list" not in disabled(hub) and "@jupyter/nbgrader:formgrader" in disabled(hub)

    def server_extensions(config_path):
        """nbgrader's server extensions as `jupyter server` resolves them on this config path: name -> on/off."""
        env = dict(os.environ, JUPYTER_CONFIG_PATH=os.pathsep.join(config_path))
        shown = subprocess.run([sys.executable, "-m", "jupyter", "server", "--show-config"], env=env, cwd=tmp_path,
                               capture_output=True, text=True, timeout=120).stdout
        found = re.findall(r"'(nbgrader\.server_extensions\.\w+)': (True|False)", shown)
        assert len(found) == 4, shown[-2000:]
        return {name: on == "True" for name, on in found}

    assert not any(server_extensions(study).values())
    assert all(server_extensions(hub).values())


def test_a_workspace_path_that_is_a_file_is_a_one_line_error(tmp_path):
    """`course start FILE` printed a FileExistsError traceback; it says what is wrong and changes nothing."""
    import subprocess
    import sys

    target = tmp_path / "notes.txt"
    target.write_text("my notes")
    done = subprocess.run([sys.executable, "-m", "course", "start", str(target), "--no-lab"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip() == f"course start: error: {target} is a file, not a folder: name a folder for your workspace"
    assert target.read_text() == "my notes"


def test_the_students_lab_asks_no_news_question_and_checks_no_updates(tmp_path):
    """The "get notified about Jupyter news?" pop-up covered a corner of every screen: the workspace's own
    configuration turns news and update checks off, and JupyterLab reads it (asked with --show-config)."""
    import subprocess

    ws = workspace.create(tmp_path / "ws")
    shown = subprocess.run(workspace.lab_command(ws, "--show-config"), env=workspace.lab_environment(ws),
                           capture_output=True, text=True, timeout=120)
    text = shown.stdout + shown.stderr
    assert ".news_url = None" in text and "NeverCheckForUpdate" in text, text[-2000:]


def test_start_passes_no_browser_and_a_port_to_jupyterlab(monkeypatch, tmp_path):
    from course import cli

    seen = {}
    monkeypatch.setattr(workspace, "start", lambda root, open_lab, extra_args=(): seen.update(extra=extra_args) or 0)
    assert cli.main(["start", str(tmp_path / "ws"), "--no-browser", "--port", "8899"]) == 0
    assert seen["extra"] == ("--no-browser", "--ServerApp.port=8899")


def test_the_students_lab_keeps_keys_on_the_widgets_and_has_no_cell_toolbar(tmp_path):
    """Arrow keys on an answer moved the notebook's cell selection, and Tab reached the cell toolbar (Enter on it
    duplicated a cell). The workspace's lab has every notebook binding that fired on any focused element rebound
    to leave cell outputs alone, the originals disabled, and the cell toolbar off (the browser test presses the keys)."""
    from course.lessons import labsettings

    ws = workspace.create(tmp_path / "ws")
    assert json.loads((ws.config_dir / "labconfig" / "page_config.json").read_text())["disabledExtensions"][
        "@jupyterlab/cell-toolbar-extension:plugin"]
    assert workspace.lab_environment(ws, base={})["JUPYTERLAB_SETTINGS_DIR"] == str(ws.settings_dir)
    shortcuts = json.loads((ws.settings_dir / labsettings.SHORTCUTS_FILE).read_text())["shortcuts"]
    down = [s for s in shortcuts if s["command"] == "notebook:move-cursor-down" and s["keys"] == ["ArrowDown"]]
    assert [s.get("disabled", False) for s in down] == [True, False]
    assert down[1]["selector"] == down[0]["selector"] + ":not(.jp-OutputArea-output *)"
    restart = [s for s in shortcuts if s["command"] == "kernelmenu:restart"]  # 0,0 on an answer restarted the kernel
    assert restart and all(s.get("disabled") or "jp-OutputArea-output" in s["selector"] for s in restart)


def test_the_shortcuts_keep_the_students_own_and_are_not_written_twice(tmp_path):
    from course.lessons import labsettings

    path = labsettings.write_shortcuts(tmp_path)
    first = json.loads(path.read_text())["shortcuts"]
    mine = {"command": "notebook:run-cell", "keys": ["Ctrl R"], "selector": ".jp-Notebook"}
    path.write_text(json.dumps({"shortcuts": first + [mine]}))
    labsettings.write_shortcuts(tmp_path)
    again = json.loads(path.read_text())["shortcuts"]
    assert mine in again and len(again) == len(first) + 1


def test_the_workspace_holds_the_data_readme_the_lessons_point_to(tmp_path):
    from course import paths

    ws = workspace.create(tmp_path / "ws")
    assert (ws.root / "data" / "README.md").read_text() == (paths.data_dir() / "README.md").read_text()


def test_a_sigterm_to_course_start_stops_its_jupyterlab_too(tmp_path):
    """`course start` stopped with SIGTERM (kill, a service manager) left JupyterLab running; Ctrl+C reached both.
    A stand-in for JupyterLab (a process that sleeps) is run the way `start` runs it, then the parent gets SIGTERM."""
    import os
    import signal
    import sys
    import time

    pid_file = tmp_path / "child.pid"
    child = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    parent = subprocess.Popen([sys.executable, "-c", "import sys; from course.lessons.workspace import run_until_stopped; "
                               f"sys.exit(run_until_stopped([sys.executable, '-c', {child!r}]))"], start_new_session=True)
    deadline = time.monotonic() + 60
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    child_pid = int(pid_file.read_text())
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=30) == 128 + signal.SIGTERM  # the child's status: it was terminated
    time.sleep(0.5)
    try:
        os.kill(child_pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive, "the stand-in for JupyterLab outlived course start"
