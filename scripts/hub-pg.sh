#!/usr/bin/env bash
# The hub tests' PostgreSQL gradebook server: like a real course's, not like pg-test-cluster.sh.
#   scripts/hub-pg.sh start DIR PORT ROLE DATABASE < password   -> prints the SQLAlchemy URL (with the password)
#   scripts/hub-pg.sh stop DIR
# Listens on 127.0.0.1 only. Password (scram-sha-256) authentication on TCP for everyone, including
# the superuser, who has no password: only the 'postgres' Unix user reaches it, through the Unix socket
# in DIR (mode 0700, peer authentication). So a student on the machine cannot use the gradebook
# without the grader's password, which lives in a file only the grader account can read.
set -euo pipefail

cmd=${1:?usage: hub-pg.sh start DIR PORT ROLE DATABASE | stop DIR}
dir=${2:?DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { runuser -u postgres -- "$@"; }
[ "$(id -u)" = 0 ] || { echo "hub-pg: run as root" >&2; exit 1; }

case "$cmd" in
  start)
    port=${3:?PORT}; role=${4:?ROLE}; db=${5:?DATABASE}
    password=$(cat)
    [ -n "$password" ] || { echo "hub-pg: no password on standard input" >&2; exit 2; }
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 >/dev/null
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null
    as_pg "$bin/psql" -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres >/dev/null <<SQL
CREATE ROLE "$role" LOGIN PASSWORD '${password//\'/\'\'}';
CREATE DATABASE "$db" OWNER "$role";
REVOKE ALL ON DATABASE "$db" FROM PUBLIC;
SQL
    echo "postgresql://$role:$password@127.0.0.1:$port/$db"
    ;;
  stop)
    if [ -s "$dir/data/PG_VERSION" ]; then
      as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  *) echo "usage: hub-pg.sh start DIR PORT ROLE DATABASE | stop DIR" >&2; exit 2 ;;
esac
