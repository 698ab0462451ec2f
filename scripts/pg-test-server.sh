#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the PostgreSQL store tests. No system service.
#
#   scripts/pg-test-server.sh start DIR   # initdb + start on 127.0.0.1, prints the URL
#   scripts/pg-test-server.sh stop DIR    # stops it (DIR is left for the caller to remove)
#
# The cluster trusts loopback connections only and listens on 127.0.0.1 alone, on
# PGPORT if set, otherwise on a free port. Run as root, the server runs as the
# `postgres` OS user (PostgreSQL refuses to run as root).
#
# The server loads pg_stat_statements: the store tests count the statements a batch
# costs with it (tests/store/completion_cost_store_test.cpp). Benches start it with
# PG_STATEMENT_STATS=off, so that their figures carry no bookkeeping of the tests'.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
command="$1"
dir="$2"

pg_bin="${PG_BIN:-}"
if [[ -z "$pg_bin" ]]; then
  if command -v pg_ctl >/dev/null 2>&1; then
    pg_bin="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
  else
    pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  fi
fi
[[ -x "$pg_bin/pg_ctl" ]] || { echo "pg_ctl not found (set PG_BIN)" >&2; exit 1; }

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

case "$command" in
  start)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    data="$dir/data"
    if [[ "$(id -u)" -eq 0 ]]; then
      chown postgres: "$dir"
    fi
    port="${PGPORT:-$(free_port)}"
    as_owner "$pg_bin/initdb" -D "$data" -U postgres --auth=trust --no-instructions -E UTF8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    # Loopback only: no local socket in a shared directory, no other host.
    cat >"$data/pg_hba.conf" <<HBA
host all all 127.0.0.1/32 trust
HBA
    preload="-c shared_preload_libraries=pg_stat_statements"
    [[ ${PG_STATEMENT_STATS:-on} == off ]] && preload=
    as_owner "$pg_bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' -c fsync=off $preload" start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    as_owner "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres inereg_test
    echo "postgresql://postgres@127.0.0.1:$port/inereg_test"
    ;;
  stop)
    data="$dir/data"
    [[ -d "$data" ]] || { echo "no cluster in $dir" >&2; exit 1; }
    as_owner "$pg_bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    ;;
  *)
    usage
    ;;
esac
