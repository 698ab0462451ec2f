#!/usr/bin/env bash
# Check pipeline benchmark: completed checks/s of the real CheckRunner against an
# upstream that answers every lookup after 200 ms, on a real SQLite file (and on
# PostgreSQL when BENCH_PG_URL names a database), with peak RSS; and GET ine-registry
# latency measured with wrk by a separate `inereg serve` on the same database while the
# pipeline runs, against the same wrk run once the pipeline is idle.
#
#   bench/pipeline_bench.sh [BUILD_DIR]     # default build-bench (Release), built if needed
#
# Environment: BENCH_CHECKS (20000), BENCH_DELAY_MS (200), BENCH_MAX_IN_FLIGHT (512),
# BENCH_BATCH (128), BENCH_WORKERS (2), BENCH_TARGET (1000 checks/s), BENCH_PG_URL
# (a database URL whose user may create tables: the run migrates it), BENCH_TMPDIR
# (default $TMPDIR or /tmp: a real disk, because every commit's fsync is what group
# commit saves), BENCH_KEEP=1. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BUILD=${1:-$REPO/build-bench}
CHECKS=${BENCH_CHECKS:-20000}
DELAY_MS=${BENCH_DELAY_MS:-200}
TARGET=${BENCH_TARGET:-1000}
RUN_FLAGS=(--delay-ms "$DELAY_MS" --max-in-flight "${BENCH_MAX_IN_FLIGHT:-512}" --batch "${BENCH_BATCH:-128}"
  --workers "${BENCH_WORKERS:-2}")
BENCH_TMPDIR=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
require_tools wrk openssl
if [[ ! -x $BUILD/bench/pipeline_bench || ! -x $BUILD/inereg ]]; then
  log "building $BUILD (Release)"
  cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DINEREG_TESTS=OFF >/dev/null
  ninja -C "$BUILD" -j2 inereg pipeline_bench
fi
INEREG=$BUILD/inereg
DRIVER=$BUILD/bench/pipeline_bench

WORK=$(mktemp -d "$BENCH_TMPDIR/inereg-pipeline-bench.XXXXXX")
SERVE_PID=
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_process "$SERVE_PID" inereg
  finish_cleanup "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export INEREG_MASTER_KEY
INEREG_MASTER_KEY=$(openssl rand -hex 32)
ok=1

# wrk GET ine-registry for 8 s against the serving node; writes the BENCH line to $1.
measure_get() {  # out
  local key
  key=$(cat "$WORK/sessions.txt.key")
  wrk -t1 -c16 -d8s --latency -s "$BENCH_DIR/ine_registry.lua" "http://127.0.0.1:$SERVE_PORT" -- \
    "$WORK/sessions.txt" "$key" >"$1" 2>&1 || true
}

bench_sqlite() {
  local db="sqlite:$WORK/inereg.db"
  "$DRIVER" seed --db "$db" --checks "$CHECKS" --sessions-out "$WORK/sessions.txt"
  # The GET node serves the API only (checks.workers = 0); the driver runs the pipeline.
  INEREG_CHECKS_WORKERS=0 start_serve "$db" "$WORK/serve.log"
  "$DRIVER" run --db "$db" "${RUN_FLAGS[@]}" >"$WORK/run-sqlite.txt" &
  local driver=$!
  for _ in $(seq 200); do
    grep -q '^RUNNING' "$WORK/run-sqlite.txt" 2>/dev/null && break
    sleep 0.05
  done
  measure_get "$WORK/get-during.txt"
  wait "$driver" || ok=0
  measure_get "$WORK/get-idle.txt"
  stop_process "$SERVE_PID" inereg
  SERVE_PID=
}

bench_postgres() {
  "$INEREG" migrate --db "$BENCH_PG_URL" >/dev/null
  "$DRIVER" seed --db "$BENCH_PG_URL" --checks "$CHECKS"
  "$DRIVER" run --db "$BENCH_PG_URL" "${RUN_FLAGS[@]}" >"$WORK/run-pg.txt" || ok=0
}

log "SQLite on $BENCH_TMPDIR: $CHECKS checks, upstream delay $DELAY_MS ms"
bench_sqlite
if [[ -n ${BENCH_PG_URL:-} ]]; then
  log "PostgreSQL: $CHECKS checks"
  bench_postgres
fi

value() {  # file key
  sed -n "s/^BENCH .*\\b$2=\\([^ ]*\\).*/\\1/p" "$1"
}
echo
echo "check pipeline: $CHECKS checks, every lookup answered after $DELAY_MS ms, ${RUN_FLAGS[*]}"
for backend in sqlite pg; do
  f=$WORK/run-$backend.txt
  [[ -s $f ]] || continue
  rate=$(value "$f" checks_per_s)
  printf '%-8s %8.0f checks/s overall, %8.0f steady (10%%..90%%), peak %s lookups waiting, peak RSS %s MiB, retries %s, lost leases %s\n' \
    "$backend" "$rate" "$(value "$f" steady_checks_per_s)" "$(value "$f" peak_waiting)" \
    "$(value "$f" peak_rss_mib)" "$(value "$f" retries)" "$(value "$f" lost_leases)"
  awk -v r="$rate" -v t="$TARGET" 'BEGIN { exit !(r >= t) }' || ok=0
done
for phase in during idle; do
  f=$WORK/get-$phase.txt
  printf 'GET ine-registry (wrk -t1 -c16, 8 s) pipeline %-6s: %s req/s, p99 %s ms, non-200 %s\n' "$phase" \
    "$(bench_value_of "$f" rps)" "$(bench_value_of "$f" p99_ms)" "$(bench_value_of "$f" non200)"
done
echo "RESULT: $([[ $ok == 1 ]] && echo "PASS (>= $TARGET checks/s)" || echo FAIL)"
[[ $ok == 1 ]]
