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
    echo "make lab: $class_dir has no exchange/ folder; run \`python -m course release\` on it first" >&2
    exit 2
fi
export COURSE_CLASS_DIR="$class_dir"
export PATH="$venv_bin:$PATH"
echo "JupyterLab on the class in $class_dir" >&2
cd "$here"  # nbgrader reads nbgrader_config.py from the working folder
# Formgrader works only when the course folder is inside the server's root: start the server there.
exec "$venv_bin/jupyter" lab --ServerApp.root_dir="$class_dir" "$@"
