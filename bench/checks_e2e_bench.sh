#!/usr/bin/env bash
# End-to-end check throughput: `inereg serve` with `registry.kind = "http"` working off a
# backlog of submitted sessions through the real HTTP connector, against
# `inereg registry serve-upstream` answering every lookup after 200 ms. Reports completed
# checks/s (overall from serve start, and steady 10%..90%), the peak RSS of inereg, and
# GET ine-registry latency measured with wrk on the same server while the checks run.
# pipeline_bench.sh measures the pipeline with an in-process upstream; this one adds the
# connector, HTTP/1.1 to the upstream and the whole serve process.
#
#   bench/checks_e2e_bench.sh [BUILD_DIR]   # default build-bench (Release), built if needed
#
# Environment: BENCH_CHECKS (20000), BENCH_DELAY_MS (200), BENCH_MAX_IN_FLIGHT (1024, both
# checks.max_in_flight and registry.max_in_flight), BENCH_UPSTREAM_THREADS (2),
# BENCH_TARGET (1000 checks/s), BENCH_TIMEOUT (seconds to wait for the backlog, 300),
# BENCH_TMPDIR (the measured database's dir; default $TMPDIR or /tmp: a real disk, because
# every result commit's fsync is part of the cost), BENCH_KEEP=1. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BUILD=${1:-$REPO/build-bench}
CHECKS=${BENCH_CHECKS:-20000}
DELAY_MS=${BENCH_DELAY_MS:-200}
MAX_IN_FLIGHT=${BENCH_MAX_IN_FLIGHT:-1024}
UPSTREAM_THREADS=${BENCH_UPSTREAM_THREADS:-2}
TARGET=${BENCH_TARGET:-1000}
TIMEOUT=${BENCH_TIMEOUT:-300}
UNKNOWN_PERCENT=10 # seed_sessions.py's default: credentials the registry does not hold
# Twice as many records as sessions: seed_sessions.py needs 90% of the sessions' worth of
# vigente records.
REGISTRY_SIZE=$((CHECKS * 2))
MEASURE_TMPDIR=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
require_tools wrk openssl python3 curl sqlite3
if [[ ! -x $BUILD/inereg ]]; then
  log "building $BUILD (Release)"
  cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DINEREG_TESTS=OFF >/dev/null
  ninja -C "$BUILD" -j2 inereg
fi
INEREG=$BUILD/inereg

# Seeding goes through the API (2 fsync'd commits per session): on a RAM-backed file
# system when there is one, then the database file is copied to the measured dir.
BENCH_TMPDIR=
pick_tmpdir
SEED_WORK=$(mktemp -d "$BENCH_TMPDIR/inereg-e2e-seed.XXXXXX")
WORK=$(mktemp -d "$MEASURE_TMPDIR/inereg-e2e-bench.XXXXXX")
SERVE_PID=
UPSTREAM_PID=
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_process "$SERVE_PID" inereg
  stop_process "$UPSTREAM_PID" serve-upstream
  rm -rf "$SEED_WORK"
  finish_cleanup "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Over a thousand upstream connections plus wrk's.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

export INEREG_MASTER_KEY
INEREG_MASTER_KEY=$(openssl rand -hex 32)
SEED_DB="sqlite:$SEED_WORK/inereg.db"
started_at=$SECONDS

# ---------------------------------------------------------------------------------------
# 1. The registry and the fake upstream answering from it after DELAY_MS.
"$INEREG" registry generate --count "$REGISTRY_SIZE" --seed 20260101 --out "$WORK/registry.csv" >"$WORK/cli.log" 2>&1 ||
  die "registry generate failed: $(cat "$WORK/cli.log")"
UPSTREAM_TOKEN=$(openssl rand -hex 16)
"$INEREG" registry serve-upstream --listen 127.0.0.1:0 --snapshot "$WORK/registry.csv" --delay-ms "$DELAY_MS" \
  --threads "$UPSTREAM_THREADS" --token "$UPSTREAM_TOKEN" 2>"$WORK/upstream.log" &
UPSTREAM_PID=$!
UPSTREAM_URL=
for _ in $(seq 200); do
  UPSTREAM_URL=$(sed -n 's/.*serve-upstream listening on \(127\.0\.0\.1:[0-9]*\/[^ ]*\).*/\1/p' "$WORK/upstream.log" | head -n 1)
  [[ -n $UPSTREAM_URL ]] && break
  kill -0 "$UPSTREAM_PID" 2>/dev/null || die "serve-upstream exited: $(cat "$WORK/upstream.log")"
  sleep 0.05
done
[[ -n $UPSTREAM_URL ]] || die "serve-upstream did not report its address"
log "upstream http://$UPSTREAM_URL, $REGISTRY_SIZE records, delay $DELAY_MS ms"

# ---------------------------------------------------------------------------------------
# 2. Submitted sessions with pending checks, through the API of a server that runs no
#    checks (checks.workers = 0 accepts and queues them).
"$INEREG" integration create --name bench --db "$SEED_DB" --json >"$WORK/integration.json" 2>>"$WORK/cli.log" ||
  die "integration create failed: $(cat "$WORK/cli.log")"
API_KEY=$(json_field "$WORK/integration.json" apiKey)
SECRET=$(json_field "$WORK/integration.json" sharedSecret)
INEREG_CHECKS_WORKERS=0 start_serve "$SEED_DB" "$WORK/seed-serve.log"
python3 "$BENCH_DIR/seed_sessions.py" --port "$SERVE_PORT" --api-key "$API_KEY" --secret "$SECRET" \
  --registry "$WORK/registry.csv" --count "$CHECKS" --unknown-percent "$UNKNOWN_PERCENT" \
  --out "$WORK/sessions.txt" --no-wait
stop_process "$SERVE_PID" inereg
SERVE_PID=
# The server has stopped: the file (and any WAL beside it) is consistent to copy.
cp "$SEED_WORK"/inereg.db* "$WORK/"
rm -rf "$SEED_WORK"
DB_FILE=$WORK/inereg.db
pending=$(sqlite3 "$DB_FILE" "SELECT COUNT(*) FROM check_jobs WHERE state = 'pending'")
[[ $pending == "$CHECKS" ]] || die "seeded $pending pending checks, expected $CHECKS"
log "$CHECKS sessions submitted, $pending checks pending, after $((SECONDS - started_at)) s; database on $MEASURE_TMPDIR"

# ---------------------------------------------------------------------------------------
# 3. The real server with the HTTP registry connector works the backlog off.
export INEREG_REGISTRY_KIND=http INEREG_REGISTRY_URL="http://$UPSTREAM_URL"
export INEREG_REGISTRY_AUTH_VALUE="Bearer $UPSTREAM_TOKEN"
export INEREG_REGISTRY_MAX_IN_FLIGHT=$MAX_IN_FLIGHT INEREG_CHECKS_MAX_IN_FLIGHT=$MAX_IN_FLIGHT
serve_started=$(date +%s.%N)
start_serve "sqlite:$DB_FILE" "$WORK/serve.log"

# 4. Completed checks from GET /metrics (outcome counters, live) every 50 ms, in the
#    background; meanwhile wrk reads decisions for 8 s.
python3 - "$SERVE_PORT" "$serve_started" "$CHECKS" "$TIMEOUT" >"$WORK/progress.txt" <<'PY' &
import re
import sys
import time
import urllib.request

port, started, total, timeout = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
pattern = re.compile(r'^inereg_check_outcomes_total\{outcome="(active|inactive)"\} (\S+)$', re.M)
marks = {}
done = 0
while time.time() - started < timeout:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    now = time.time() - started
    done = int(sum(float(v) for _, v in pattern.findall(text)))
    for name, share in (("t10", 0.1), ("t90", 0.9), ("t100", 1.0)):
        if name not in marks and done >= share * total:
            marks[name] = now
    if "t100" in marks:
        break
    time.sleep(0.05)
print(" ".join(f"{k}={v:.3f}" for k, v in marks.items()), f"done={done}")
sys.exit(0 if "t100" in marks else 1)
PY
progress_pid=$!
wrk -t1 -c16 -d8s --latency -s "$BENCH_DIR/ine_registry.lua" "http://127.0.0.1:$SERVE_PORT" -- \
  "$WORK/sessions.txt" "$API_KEY" >"$WORK/get-during.txt" 2>&1 || true
wait "$progress_pid" || log "backlog not worked off within $TIMEOUT s: $(cat "$WORK/progress.txt")"
peak_rss_kib=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SERVE_PID/status")
metrics=$(curl -s "http://127.0.0.1:$SERVE_PORT/metrics")
stop_process "$SERVE_PID" inereg
SERVE_PID=

# ---------------------------------------------------------------------------------------
# 5. Every seeded session has its result, the vigente ones active.
results=$(sqlite3 "$DB_FILE" "SELECT COUNT(*) FROM ine_results r JOIN sessions s ON s.id = r.session_id")
active=$(sqlite3 "$DB_FILE" "SELECT COUNT(*) FROM ine_results WHERE active = 1")
pending=$(sqlite3 "$DB_FILE" "SELECT COUNT(*) FROM check_jobs WHERE state = 'pending'")
expected_active=$((CHECKS - CHECKS * UNKNOWN_PERCENT / 100))
metric() {  # name{labels}
  printf '%s\n' "$metrics" | awk -v n="$1" '$1 == n { print $2 }'
}
retries=$(metric inereg_check_retries_total)
unavailable=$(metric 'inereg_check_outcomes_total{outcome="unavailable"}')

read -r t10 t90 t100 < <(python3 -c '
import re, sys
m = dict(re.findall(r"(\w+)=(\S+)", open(sys.argv[1]).read()))
print(m.get("t10", "nan"), m.get("t90", "nan"), m.get("t100", "nan"))' "$WORK/progress.txt")
rate=$(python3 -c 'import sys; t = float(sys.argv[2]); print(f"{int(sys.argv[1]) / t:.0f}" if t == t else "0")' "$CHECKS" "$t100")
steady=$(python3 -c 'import sys; a, b = float(sys.argv[2]), float(sys.argv[3]); print(f"{0.8 * int(sys.argv[1]) / (b - a):.0f}" if b > a else "n/a")' \
  "$CHECKS" "$t10" "$t90")

echo
echo "end to end: $CHECKS checks, inereg serve (registry.kind=http, max_in_flight $MAX_IN_FLIGHT) -> serve-upstream ($DELAY_MS ms per lookup, $UPSTREAM_THREADS threads), SQLite on $MEASURE_TMPDIR"
printf 'checks: %s/s overall (all done %.1f s after serve start), %s/s steady (10%%..90%%), retries %s, unavailable %s\n' \
  "$rate" "$t100" "$steady" "${retries:-?}" "${unavailable:-?}"
printf 'inereg peak RSS: %s MiB\n' "$((peak_rss_kib / 1024))"
f=$WORK/get-during.txt
requests=$(bench_value_of "$f" requests)
not_found=$(bench_value_of "$f" not_found)
non200=$(bench_value_of "$f" non200)
printf 'GET ine-registry during the run (wrk -t1 -c16, 8 s): %s req/s, p50 %s ms, p99 %s ms; 200: %s, 404 (still pending): %s, other non-200: %s, socket errors: %s\n' \
  "$(bench_value_of "$f" rps)" "$(bench_value_of "$f" p50_ms)" "$(bench_value_of "$f" p99_ms)" \
  "$((${requests:-0} - ${non200:-0}))" "${not_found:-?}" "$((${non200:-0} - ${not_found:-0}))" "$(bench_value_of "$f" socket_errors)"
echo "results: $results of $CHECKS sessions ($active active, expected $expected_active), $pending still pending"

ok=1
[[ $results == "$CHECKS" && $pending == 0 && $active == "$expected_active" ]] || ok=0
awk -v r="$rate" -v t="$TARGET" 'BEGIN { exit !(r >= t) }' || ok=0
echo "RESULT: $([[ $ok == 1 ]] && echo "PASS (>= $TARGET checks/s)" || echo "FAIL (target $TARGET checks/s, every session checked)")"
[[ $ok == 1 ]]
