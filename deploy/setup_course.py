#!/usr/bin/env python3
"""Set up the course on the hub machine (run as root, after install-kit.sh and install-proxy.sh).

    /usr/bin/python3 deploy/setup_course.py SETTINGS.json  < gradebook-url

SETTINGS.json: see deploy/course-hub.example.json. The gradebook URL (postgresql://grader:PASSWORD@
127.0.0.1:5432/gradebook) is read from standard input, never from the command line (which every user
can see in `ps`). The grader account must exist. Idempotent. Standard library only.

What it makes (nbgrader's "Using nbgrader with JupyterHub" guide, and the kit's grading rules):
  PREFIX/etc/course-hub.json           the settings, readable by all (no secrets in it)
  PREFIX/etc/jupyter/nbgrader_config.py  everyone's nbgrader config (exchange, course, groups)
  PREFIX/etc/grader_nbgrader_config.py   the grader account's (the kit's config + the exchange)
  PREFIX/bin/course-singleuser         the student server's start-up (copies the lessons)
  PREFIX/bin/course-grader             the grader's entry to `python -m course` (sandboxed autograde)
  PREFIX/bin/nbgrader                  nbgrader's command, started sooner (first on the servers' PATH)
  EXCHANGE                             nbgrader's filesystem exchange: mode 1777 (everyone may write,
                                       as nbgrader requires; the sticky bit keeps users from removing
                                       what others made); nbgrader sets the modes below it
  CLASS_DIR (in the grader's home)     the course folder: grader only (0700), home 0700 too
  ~grader/.jupyter/nbgrader_config.py  loads PREFIX/etc/grader_nbgrader_config.py
  GRADEBOOK_URL_FILE                   the gradebook URL with its password, grader only (0600)
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write(path: Path, text: str, mode: int, owner: pwd.struct_passwd | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.chmod(mode)
    if owner is not None:
        os.chown(tmp, owner.pw_uid, owner.pw_gid)
    tmp.replace(path)


def main(argv: list[str]) -> int:
    if os.geteuid() != 0:
        print("setup_course: run as root", file=sys.stderr)
        return 1
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    settings = json.loads(Path(argv[1]).read_text())
    prefix = Path(settings["prefix"])
    grader = pwd.getpwnam(settings["grader"])
    settings.setdefault("grader_home", grader.pw_dir)
    settings.setdefault("class_dir", str(Path(grader.pw_dir) / settings["course_id"]))
    settings.setdefault("gradebook_url_file", str(Path(grader.pw_dir) / ".course-gradebook-url"))
    settings.setdefault("kit", str(prefix / "kit"))
    settings.setdefault("venv", str(prefix / "venv"))
    url = sys.stdin.read().strip()
    if not url.startswith("postgresql://"):
        print("setup_course: expected a postgresql:// gradebook URL on standard input", file=sys.stderr)
        return 2

    etc = prefix / "etc"
    settings_path = etc / "course-hub.json"
    write(settings_path, json.dumps(settings, indent=2) + "\n", 0o644)
    write(etc / "jupyter" / "nbgrader_config.py", (HERE / "nbgrader" / "global_nbgrader_config.py").read_text(), 0o644)
    write(etc / "grader_nbgrader_config.py", (HERE / "nbgrader" / "grader_nbgrader_config.py").read_text(), 0o644)
    for script in ("course-singleuser", "course-grader", "nbgrader"):
        text = (HERE / "bin" / script).read_text().replace("/opt/mali-coup/etc/course-hub.json", str(settings_path))
        text = text.replace("@VENV@", settings["venv"]).replace("@DEPLOY@", str(prefix / "deploy"))
        write(prefix / "bin" / script, text, 0o755)
    for folder in (prefix, etc, etc / "jupyter", prefix / "bin"):
        folder.chmod(0o755)

    exchange = Path(settings["exchange"])
    exchange.mkdir(parents=True, exist_ok=True)
    os.chown(exchange, 0, 0)
    exchange.chmod(0o1777)

    home = Path(grader.pw_dir)
    home.chmod(0o700)
    class_dir = Path(settings["class_dir"])
    class_dir.mkdir(parents=True, exist_ok=True)
    os.chown(class_dir, grader.pw_uid, grader.pw_gid)
    class_dir.chmod(0o700)
    jupyter_dir = home / ".jupyter"
    jupyter_dir.mkdir(exist_ok=True)
    os.chown(jupyter_dir, grader.pw_uid, grader.pw_gid)
    write(jupyter_dir / "nbgrader_config.py",
          f'c = get_config()  # noqa: F821\nload_subconfig({str(etc / "grader_nbgrader_config.py")!r})  # noqa: F821\n',
          0o644, grader)
    write(Path(settings["gradebook_url_file"]), url + "\n", 0o600, grader)
    print(f"setup_course: {settings['course_id']} ready; settings in {settings_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
