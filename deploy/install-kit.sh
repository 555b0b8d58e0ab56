#!/usr/bin/env bash
# Install the course kit once, read-only, for every user of the hub.
#
#   deploy/install-kit.sh [PREFIX]          (default PREFIX: /opt/mali-coup; run as root)
#
# Makes:
#   PREFIX/deploy this recipe (jupyterhub_config.py and the rest), read by the hub
#   PREFIX/kit    a copy of the kit (course/, data/, notebooks/, assignments/, nbgrader_config.py),
#                 owned by root, readable by all, except assignments/ (the source notebooks, with
#                 solutions and hidden tests) and data/ (the full tables and the desk's notes, which
#                 hold the findings graded work assesses): root:$GRADER_GROUP, mode 0750/0640, others nothing.
#   PREFIX/student-data   the student edition of data/ (without the desk's private notes): what students load.
#                 The assessment bank (kit/bank, the findings graded work asks for) is graders-only, like assignments/.
#   $VENV         a Python environment (default PREFIX/venv) with the kit installed (editable: the
#                 package finds data/ beside itself) plus deploy/requirements-hub.txt (JupyterHub, ...).
#
# Environment:
#   GRADER_GROUP  Unix group that may read the source notebooks (the grader account's group).
#                 Without it assignments/ is root-only until setup-course.sh sets the group.
#   VENV          where the environment goes. If it exists and was built from the same
#                 pyproject.toml and requirements-hub.txt, only the kit is re-linked (seconds).
#   PYTHON        the interpreter to build it with (default /usr/bin/python3: the environment must
#                 be readable by every user, so not a Python under /root).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
prefix=${1:-/opt/mali-coup}
venv=${VENV:-$prefix/venv}
python=${PYTHON:-/usr/bin/python3}
kit=$prefix/kit

[ "$(id -u)" = 0 ] || { echo "install-kit: run as root" >&2; exit 1; }
mkdir -p "$prefix"
chmod 755 "$prefix"

# 1. The kit: the tracked files of these folders (as they are in the work tree).
rm -rf "$kit.new"
mkdir -p "$kit.new"
paths=(course data bank notebooks assignments nbgrader_config.py pyproject.toml README.md)
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$src" ls-files -z -- "${paths[@]}" | (cd "$src" && tar --null -T - -cf -) | tar -xf - -C "$kit.new"
else
  (cd "$src" && tar --exclude=__pycache__ -cf - "${paths[@]}") | tar -xf - -C "$kit.new"
fi
rm -rf "$kit"
mv "$kit.new" "$kit"

# The recipe itself (the hub's configuration files are read from PREFIX/deploy).
rm -rf "$prefix/deploy"
(cd "$here" && tar --exclude=__pycache__ -cf - .) | (mkdir -p "$prefix/deploy" && tar -xf - -C "$prefix/deploy")

# 2. The environment.
stamp=$(cat "$src/pyproject.toml" "$here/requirements-hub.txt" "$python" 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.course-hub-stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-hub.txt"
  # The kit's own dependencies, read from its pyproject.toml (the kit itself is linked below).
  mapfile -t deps < <("$venv/bin/python" -c 'import sys, tomllib; print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' "$src/pyproject.toml")
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${deps[@]}"
  echo "$stamp" > "$venv/.course-hub-stamp"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e "$kit"
# Byte-compile the kit now: nobody can write its __pycache__ later, and every server imports it.
"$venv/bin/python" -m compileall -q "$kit/course" "$prefix/deploy" >/dev/null
# Quiet JupyterLab for everyone: no news pop-up, no update check (a closed network never answers).
mkdir -p "$venv/share/jupyter/lab/settings"
cat > "$venv/share/jupyter/lab/settings/overrides.json" <<'JSON'
{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}
JSON

# The data students' servers load (COURSE_DATA_DIR, set for them in jupyterhub_config.d/course.py):
# the student edition, every row graded work assesses held back. COURSE_FEEDBACK_RELEASED (assignment
# ids whose feedback is out) brings theirs back; run this script again after releasing feedback.
rm -rf "$prefix/student-data"
"$venv/bin/python" -m course.evidence.editions "$prefix/student-data" >/dev/null

# 3. Read-only for everyone; for the graders only: the source notebooks (solutions, hidden tests)
#    and the full data package with the desk's notes (the findings graded work assesses).
chown -R root:root "$kit" "$venv" "$prefix/deploy" "$prefix/student-data"
chmod -R u+rwX,go+rX,go-w "$kit" "$venv" "$prefix/deploy" "$prefix/student-data"
for private in "$kit/assignments" "$kit/data" "$kit/bank"; do
  if [ -n "${GRADER_GROUP:-}" ]; then
    chgrp -R "$GRADER_GROUP" "$private"
    chmod -R u=rwX,g=rX,o= "$private"
  else
    chmod -R go= "$private"
  fi
done
echo "install-kit: kit in $kit, environment in $venv"
