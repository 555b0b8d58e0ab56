#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the shared-gradebook tests and benchmarks.
#   scripts/pg-test-cluster.sh start [DIR] [PORT]  -> prints the SQLAlchemy URL
#   scripts/pg-test-cluster.sh stop  [DIR]
# Uses Debian's postgresql package (scripts/install-test-deps.sh installs it).
# The server listens on 127.0.0.1 only and runs as the 'postgres' system user
# (PostgreSQL refuses to run as root); trust authentication is confined to loopback.
set -euo pipefail

cmd=${1:?usage: pg-test-cluster.sh start|stop [DIR] [PORT]}
dir=${2:-/tmp/course-pg-test}
port=${3:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$cmd" in
  start)
    if [ ! -s "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = "0" ] && chown postgres:postgres "$dir"
      as_pg "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    if ! as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null
    fi
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -s "$dir/PG_VERSION" ]; then
      as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  *) echo "usage: pg-test-cluster.sh start|stop [DIR] [PORT]" >&2; exit 2 ;;
esac
