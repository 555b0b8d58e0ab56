#!/usr/bin/env bash
# Install JupyterHub's proxy, configurable-http-proxy, from npm (version pinned in deploy/package.json).
#
#   deploy/install-proxy.sh [PREFIX]     -> PREFIX/bin/configurable-http-proxy (default PREFIX: /opt/mali-coup/proxy)
#
# Needs Node.js and npm: installed from Debian's archive (nodejs, npm) when missing (needs root).
# Idempotent: does nothing when the pinned proxy is already there.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prefix=${1:-/opt/mali-coup/proxy}
chp=$prefix/node_modules/.bin/configurable-http-proxy

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "install-proxy: nodejs and npm are missing; run as root (apt-get install nodejs npm)" >&2; exit 1; }
  echo "install-proxy: installing nodejs and npm from Debian's archive" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ -x "$chp" ] && cmp -s "$here/package.json" "$prefix/package.json"; then
  :
else
  mkdir -p "$prefix"
  cp "$here/package.json" "$prefix/package.json"
  (cd "$prefix" && npm install --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
fi
mkdir -p "$prefix/bin"
ln -sfn "$chp" "$prefix/bin/configurable-http-proxy"
chmod -R go+rX "$prefix"
"$prefix/bin/configurable-http-proxy" --version >/dev/null
echo "$prefix/bin/configurable-http-proxy"
