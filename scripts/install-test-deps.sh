#!/usr/bin/env bash
# Install the system packages the test suite needs, from Debian's archive:
#   chromium      real-browser test of the lessons in JupyterLab (Playwright drives it)
#   bubblewrap    sandbox for student code during autograding
#   postgresql    the shared-gradebook tests
#   fonts-hosny-amiri  Amiri, a font with Arabic letters and the sign U+FDFA that the document uses
#                 (without one, Chromium draws that sign as a box in the lessons' screenshots)
# Idempotent and quiet when everything is already there. Needs root (sessions and CI run as root).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
[ -n "$(fc-list ':charset=fdfa' family 2>/dev/null)" ] || missing+=(fonts-hosny-amiri)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "install-test-deps: missing ${missing[*]}; run as root (or: sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "install-test-deps: installing ${missing[*]} from Debian's archive" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
