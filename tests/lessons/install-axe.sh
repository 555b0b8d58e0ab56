#!/usr/bin/env bash
# Install axe-core (npm) for the accessibility tests, pinned in tests/lessons/axe/package.json
# and package-lock.json. Idempotent and quiet when it is already there; the tests call it.
set -euo pipefail
here="$(cd "$(dirname "$0")/axe" && pwd)"
if [ -f "$here/node_modules/axe-core/axe.min.js" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-axe: npm is missing; install it (Debian: apt-get install -y npm)" >&2
  exit 1
fi
echo "install-axe: installing axe-core from the npm registry into $here" >&2
npm ci --prefix "$here" --no-audit --no-fund --silent
