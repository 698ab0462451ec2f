#!/usr/bin/env bash
# Store benchmark: the same API load on SQLite (1 node), PostgreSQL (1 node) and
# PostgreSQL (2 nodes on one database), in one run, one table at the end.
#
#   bench/store_bench.sh [path/to/inereg]
#
# Per configuration: GET /v1/sessions/{id}/decision/ine-registry (ine_registry.lua over
# seeded sessions) with the in-memory result cache on (the default, 5 s TTL) and off
# (INEREG_API_RESULT_CACHE_MS=0: every GET reads the store), then POST /v1/sessions
# (create_session.lua: every request inserts a session). wrk with 64 connections in all:
# one wrk -t2 -c64 against a single node; for 2 nodes one wrk -t1 -c32 per node, run
# concurrently, requests/s summed, p99 = the higher of the two. Everything on 127.0.0.1,
# in a temp dir on tmpfs when there is one (see README), PostgreSQL a throwaway cluster
# (scripts/pg-test-server.sh) restarted with fsync=on. See bench/README.md.
#
# Environment: BENCH_DURATION (measured seconds per run, default 8), BENCH_WARMUP (2),
# BENCH_SESSIONS (5000), BENCH_TMPDIR, BENCH_KEEP=1 (keep the temp dir and its logs),
# BENCH_PG_FSYNC (on|off, default on).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
DURATION=${BENCH_DURATION:-8}
WARMUP=${BENCH_WARMUP:-2}
SESSIONS=${BENCH_SESSIONS:-5000}
PG_FSYNC=${BENCH_PG_FSYNC:-on}
CONNECTIONS=64
REGISTRY_SIZE=20000

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

require_tools wrk openssl python3
find_inereg "${1:-}"
pick_tmpdir

WORK=$(mktemp -d "$BENCH_TMPDIR/inereg-store-bench.XXXXXX")
# The PostgreSQL server runs as the `postgres` user when we are root: it must be able
# to reach its data directory inside the temp dir.
chmod 711 "$WORK"
PG_DIR=$WORK/pg
PG_STARTED=
NODE_PIDS=()

stop_nodes() {
  local pid
  for pid in "${NODE_PIDS[@]}"; do
    stop_process "$pid" inereg
  done
  NODE_PIDS=()
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_nodes
  if [[ -n $PG_STARTED ]]; then
    "$REPO/scripts/pg-test-server.sh" stop "$PG_DIR" >/dev/null 2>&1 || true
  fi
  finish_cleanup "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export INEREG_MASTER_KEY
INEREG_MASTER_KEY=$(openssl rand -hex 32)
started_at=$SECONDS

# ---------------------------------------------------------------------------------------
# PostgreSQL: a throwaway cluster in the temp dir. pg-test-server.sh starts it with
# fsync=off (fine for tests); restart it with the benchmark's setting, same port.
PG_URL=$(PG_STATEMENT_STATS=off "$REPO/scripts/pg-test-server.sh" start "$PG_DIR")
PG_STARTED=1
# The same server binaries pg-test-server.sh found (PG_BIN, pg_ctl on PATH, or the
# newest /usr/lib/postgresql/*/bin).
pg_bin=${PG_BIN:-}
if [[ -z $pg_bin ]]; then
  if command -v pg_ctl >/dev/null 2>&1; then
    pg_bin=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
  else
    pg_bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
fi
pg_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}
pg_as_owner "$pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 -m fast restart \
  -o "-c listen_addresses=127.0.0.1 -p $(cat "$PG_DIR/port") -c unix_socket_directories='' -c fsync=$PG_FSYNC" \
  >/dev/null || die "PostgreSQL restart failed: $(tail -n 20 "$PG_DIR/server.log")"
PG_VERSION=$("$pg_bin/postgres" --version | awk '{print $3}')
log "PostgreSQL $PG_VERSION at $PG_URL (fsync=$PG_FSYNC, data in $PG_DIR)"

"$INEREG" registry generate --count "$REGISTRY_SIZE" --seed 20260101 --out "$WORK/registry.csv" \
  >"$WORK/cli.log" 2>&1 || die "registry generate failed: $(cat "$WORK/cli.log")"

# A create-session body with the INE data of a vigente registry record (model E–H: CIC
# + identificador del ciudadano), the same for every POST.
python3 - "$WORK/registry.csv" "$WORK/create_body.json" <<'EOF'
import csv, json, sys
with open(sys.argv[1], newline="") as f:
    row = next(r for r in csv.DictReader(f) if r["situation"] == "1" and r["model"] in "EFGH")
body = {"verification": {"person": {"firstName": "BENCH", "lastName": "SINTETICO", "ineIdentifier": row["citizen_id"]},
                         "document": {"country": "MX", "type": "ID_CARD", "number": row["cic"]},
                         "vendorData": "bench"}}
with open(sys.argv[2], "w") as f:
    f.write(json.dumps(body, separators=(",", ":")))
EOF

# Per database: schema, one integration, the registry. Writes $dir/integration.json.
prepare_db() {  # name db
  local name=$1 db=$2 dir=$WORK/$1
  mkdir -p "$dir"
  "$INEREG" migrate --db "$db" >>"$dir/cli.log" 2>&1 || die "$name: migrate failed: $(cat "$dir/cli.log")"
  "$INEREG" integration create --name bench --db "$db" --json >"$dir/integration.json" 2>>"$dir/cli.log" ||
    die "$name: integration create failed: $(cat "$dir/cli.log")"
  use_snapshot_dir "$dir"
  "$INEREG" registry import "$WORK/registry.csv" --db "$db" >>"$dir/cli.log" 2>&1 ||
    die "$name: registry import failed: $(cat "$dir/cli.log")"
}

# Starts COUNT nodes on DB; sets NODE_PORTS. RESULT_CACHE_MS: the nodes' result cache
# TTL (empty: inereg's default).
start_nodes() {  # count db log-prefix result-cache-ms
  local count=$1 db=$2 prefix=$3 cache_ms=$4 i
  NODE_PORTS=()
  for ((i = 1; i <= count; i++)); do
    if [[ -n $cache_ms ]]; then
      INEREG_API_RESULT_CACHE_MS=$cache_ms start_serve "$db" "$prefix-node$i.log"
    else
      start_serve "$db" "$prefix-node$i.log"
    fi
    NODE_PIDS+=("$SERVE_PID")
    NODE_PORTS+=("$SERVE_PORT")
  done
}

# wrk against every node at once, 64 connections split between them. Writes
# $out-nodeN.txt (one BENCH line each).
run_load() {  # out script args...
  local out=$1 script=$2
  shift 2
  local nodes=${#NODE_PORTS[@]}
  local per_node=$((CONNECTIONS / nodes)) threads=$((nodes == 1 ? 2 : 1))
  local pids=() i
  for ((i = 0; i < nodes; i++)); do
    wrk -t"$threads" -c"$per_node" -d"${WARMUP}s" -s "$BENCH_DIR/$script" "http://127.0.0.1:${NODE_PORTS[i]}" \
      -- "$@" >"$out-warmup-node$((i + 1)).txt" &
    pids+=($!)
  done
  wait "${pids[@]}"
  pids=()
  for ((i = 0; i < nodes; i++)); do
    wrk -t"$threads" -c"$per_node" -d"${DURATION}s" --latency -s "$BENCH_DIR/$script" \
      "http://127.0.0.1:${NODE_PORTS[i]}" -- "$@" >"$out-node$((i + 1)).txt" &
    pids+=($!)
  done
  wait "${pids[@]}"
  for ((i = 0; i < nodes; i++)); do
    grep -q '^BENCH ' "$out-node$((i + 1)).txt" || die "wrk failed: $(cat "$out-node$((i + 1)).txt")"
  done
}

# One configuration: seed once (first node), GET with and without the result cache, POST.
bench_config() {  # name db nodes
  local name=$1 db=$2 nodes=$3 dir=$WORK/$1
  local data=$WORK/${4:-$1}  # where the integration and sessions of db live
  local api_key secret
  api_key=$(json_field "$data/integration.json" apiKey)
  secret=$(json_field "$data/integration.json" sharedSecret)
  mkdir -p "$dir"

  use_snapshot_dir "$data"
  start_nodes "$nodes" "$db" "$dir/cached" ""
  if [[ ! -s $data/sessions.txt ]]; then
    python3 "$BENCH_DIR/seed_sessions.py" --port "${NODE_PORTS[0]}" --api-key "$api_key" --secret "$secret" \
      --registry "$WORK/registry.csv" --count "$SESSIONS" --out "$data/sessions.txt"
  fi
  log "$name: GET ine-registry, result cache on (load average $(cut -d' ' -f1 /proc/loadavg))"
  run_load "$dir/get-cached" ine_registry.lua "$data/sessions.txt" "$api_key"
  stop_nodes

  start_nodes "$nodes" "$db" "$dir/uncached" 0
  log "$name: GET ine-registry, result cache off"
  run_load "$dir/get-uncached" ine_registry.lua "$data/sessions.txt" "$api_key"
  local signature
  signature=$(openssl dgst -sha256 -hmac "$secret" <"$WORK/create_body.json" | sed 's/.* //')
  log "$name: POST /v1/sessions"
  run_load "$dir/post" create_session.lua "$WORK/create_body.json" "$api_key" "$signature"
  stop_nodes
}

SQLITE_DB="sqlite:$WORK/sqlite/inereg.db"
prepare_db sqlite "$SQLITE_DB"
prepare_db pgdb "$PG_URL"
log "databases ready after $((SECONDS - started_at)) s"

bench_config sqlite "$SQLITE_DB" 1
bench_config pg1 "$PG_URL" 1 pgdb
bench_config pg2 "$PG_URL" 2 pgdb
log "done after $((SECONDS - started_at)) s"

# ---------------------------------------------------------------------------------------
python3 - "$WORK" "$DURATION" "$SESSIONS" "$PG_FSYNC" "$PG_VERSION" "$BENCH_TMPDIR" <<'EOF'
import glob
import re
import sys

work, duration, sessions, fsync, pg_version, tmpdir = sys.argv[1:]


def runs(config, kind):
    out = []
    for path in sorted(glob.glob(f"{work}/{config}/{kind}-node*.txt")):
        with open(path) as f:
            line = next(l for l in f if l.startswith("BENCH "))
        out.append({k: float(v) for k, v in re.findall(r"(\w+)=(\S+)", line)})
    return out


print()
print(f"inereg store benchmark — wrk 64 connections in all, {duration} s measured per cell, "
      f"{sessions} seeded sessions; PostgreSQL {pg_version} fsync={fsync}; data on {tmpdir}")
print("req/s (summed over nodes) / p99 ms (worst node); bad = non-2xx answers + socket errors")
header = f"{'':22} {'GET cached':>20} {'GET uncached':>20} {'POST /v1/sessions':>20}"
print(header)
ok = True
for config, label in (("sqlite", "SQLite, 1 node"), ("pg1", "PostgreSQL, 1 node"), ("pg2", "PostgreSQL, 2 nodes")):
    cells = []
    for kind in ("get-cached", "get-uncached", "post"):
        r = runs(config, kind)
        rps = sum(x["rps"] for x in r)
        p99 = max(x["p99_ms"] for x in r)
        bad = int(sum(x["non200"] + x["socket_errors"] for x in r))
        ok = ok and bad == 0
        cell = f"{rps:>8.0f} / {p99:>6.2f}"
        cells.append(cell + (f" ({bad} bad)" if bad else ""))
    print(f"{label:22} " + " ".join(f"{c:>20}" for c in cells))
print("RESULT: " + ("OK (no bad answers)" if ok else "some requests failed: see the logs (BENCH_KEEP=1)"))
sys.exit(0 if ok else 1)
EOF
