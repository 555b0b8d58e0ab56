#!/usr/bin/env bash
# Open JupyterLab on the class: the real one (class/, or $COURSE_CLASS_DIR) when it has a
# gradebook, else the demo class `make demo` builds (class/demo). Usage: scripts/lab.sh [jupyter lab options]
# (make lab LAB_ARGS="--port 8899 --no-browser --ServerApp.token=secret").
#
# Why a launcher: nbgrader_config.py reads COURSE_CLASS_DIR, so Formgrader and the
# Assignment List must be started on the folder the class lives in (without it they
# look in class/, find no exchange, and Formgrader creates an empty class/gradebook.db);
# and nbgrader runs `alembic` when it opens a gradebook, which is only on PATH when the
# environment's bin/ is.
#
# The server runs in the class folder, its root: the Assignment List fetches into the
# server's working folder and links the notebooks relative to its root, so a server run
# anywhere else fetches where JupyterLab cannot open the notebook (from the repository
# it fetched into the checkout). nbgrader still finds the repository's nbgrader_config.py:
# the repository goes first on JUPYTER_CONFIG_PATH, one of the places nbgrader looks.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv_bin="$here/.venv/bin"
if [[ -n "${COURSE_CLASS_DIR:-}" ]]; then
    class_dir="$COURSE_CLASS_DIR"
elif [[ -f "$here/class/gradebook.db" ]]; then
    class_dir="$here/class"
elif [[ -f "$here/class/demo/gradebook.db" ]]; then
    class_dir="$here/class/demo"
else
    echo "make lab: no class to open: run \`make demo\` (the demo class) or \`python -m course release\` first" >&2
    exit 2
fi
if [[ ! -d "$class_dir/exchange" ]]; then
    if [[ "$class_dir" == "$here/class" && -f "$here/class/demo/gradebook.db" ]]; then
        # Formgrader makes an empty class/gradebook.db when JupyterLab is started outside make lab.
        echo "make lab: class/ has a gradebook but no exchange/ folder (an empty one Formgrader made?):" \
             "remove class/gradebook.db to open the demo class, or run \`python -m course release\` for a real class" >&2
    else
        echo "make lab: $class_dir has no exchange/ folder; run \`python -m course release\` on it first" >&2
    fi
    exit 2
fi
class_dir="$(cd "$class_dir" && pwd -P)"  # absolute: the server and nbgrader_config.py run in another folder
export COURSE_CLASS_DIR="$class_dir"
export PATH="$venv_bin:$PATH"
# deploy/jupyter-config: the Content-Security-Policy every page of the server carries (student HTML
# is sanitized first; the policy is the second line, see that file for what it can and cannot forbid).
export JUPYTER_CONFIG_PATH="$here:$here/deploy/jupyter-config${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"
echo "JupyterLab on the class in $class_dir" >&2
# Formgrader works only when the course folder is inside the server's root, and the
# Assignment List fetches into the working folder: start the server in the class folder.
cd "$class_dir"
exec "$venv_bin/jupyter" lab --ServerApp.root_dir="$class_dir" "$@"
