#!/usr/bin/env bash
# What the JupyterHub tests (tests/hub, pytest marker `hub`) need beyond scripts/install-test-deps.sh:
#   - the hub's Python environment (deploy/requirements-hub.txt + the kit's dependencies), built with
#     Debian's /usr/bin/python3 so that the test's Unix users can run it (a Python under /root is not
#     readable by them), in $HUB_TEST_CACHE/venv;
#   - configurable-http-proxy from npm (deploy/install-proxy.sh; nodejs and npm from Debian if missing),
#     in $HUB_TEST_CACHE/proxy;
#   - Debian's python3-venv when `python3 -m venv` is missing, and passwd (useradd, chpasswd).
# Idempotent: a second run with the same pyproject.toml and requirements takes about a second.
# Prints the cache folder. Needs root (tests that create Unix users run as root).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cache=${HUB_TEST_CACHE:-/var/cache/mali-coup-hub-test}
[ "$(id -u)" = 0 ] || { echo "install-hub-deps: run as root (the hub test creates Unix users)" >&2; exit 1; }

"$here/scripts/install-test-deps.sh"
missing=()
/usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v useradd >/dev/null 2>&1 || missing+=(passwd)
command -v runuser >/dev/null 2>&1 || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-hub-deps: installing ${missing[*]} from Debian's archive" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mkdir -p "$cache"
chmod 755 "$cache" "$(dirname "$cache")"
"$here/deploy/install-proxy.sh" "$cache/proxy" >/dev/null
# The environment only (the test installs its own copy of the kit into it with deploy/install-kit.sh).
VENV=$cache/venv "$here/deploy/install-kit.sh" "$cache/kit-build" >/dev/null
rm -rf "$cache/kit-build"
echo "$cache"
