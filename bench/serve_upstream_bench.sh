#!/usr/bin/env bash
# Throughput of `inereg registry serve-upstream` with a 200 ms registry delay under wrk:
# the delay is a timer, so requests/s ≈ connections / delay until the server saturates.
# Target: ≥ 2,000 req/s (needs > 400 connections at 200 ms).
#
#   bench/serve_upstream_bench.sh [path/to/inereg]
#   BENCH_CONNECTIONS=800 BENCH_DELAY_MS=200 BENCH_DURATION=10 bench/serve_upstream_bench.sh
#
# Exit 0 = PASS (rps ≥ BENCH_TARGET_RPS), 1 = FAIL, 2 = could not be set up.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"

DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-800}
THREADS=${BENCH_THREADS:-2}
DELAY_MS=${BENCH_DELAY_MS:-200}
TARGET_RPS=${BENCH_TARGET_RPS:-2000}
RECORDS=${BENCH_RECORDS:-20000}

require_tools wrk python3
find_inereg "${1:-}"
pick_tmpdir
WORK=$(mktemp -d "$BENCH_TMPDIR/inereg-upstream-bench-XXXXXX")
UPSTREAM_PID=
cleanup() {
  local status=$?
  stop_process "$UPSTREAM_PID" serve-upstream
  finish_cleanup "$status"
}
trap cleanup EXIT

# More connections than the default soft limit of open files allows otherwise.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

"$INEREG" registry generate --count "$RECORDS" --out "$WORK/registry.csv" --seed 5 2>/dev/null
# Request bodies for every record, in each model's lookup form (docs/UPSTREAM.md).
python3 - "$WORK/registry.csv" "$WORK/bodies.jsonl" <<'PY'
import csv, json, sys
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for row in csv.DictReader(f):
        if row["model"] == "C":
            body = {"form": "C", "claveElector": row["elector_key"], "numeroEmision": row["emission_number"], "ocr": row["ocr"]}
        elif row["model"] == "D":
            body = {"form": "D", "cic": row["cic"], "ocr": row["ocr"]}
        else:
            body = {"form": "EH", "cic": row["cic"], "idCiudadano": row["citizen_id"]}
        out.write(json.dumps(body, separators=(",", ":")) + "\n")
PY

"$INEREG" registry serve-upstream --listen 127.0.0.1:0 --snapshot "$WORK/registry.csv" --delay-ms "$DELAY_MS" \
  --token bench-token 2>"$WORK/upstream.log" &
UPSTREAM_PID=$!
URL=
for _ in $(seq 200); do
  URL=$(sed -n 's/.*serve-upstream listening on \(127\.0\.0\.1:[0-9]*\/[^ ]*\).*/\1/p' "$WORK/upstream.log" | head -n 1)
  [[ -n $URL ]] && break
  kill -0 "$UPSTREAM_PID" 2>/dev/null || die "serve-upstream exited: $(cat "$WORK/upstream.log")"
  sleep 0.05
done
[[ -n $URL ]] || die "serve-upstream did not report its port"

log "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, delay ${DELAY_MS} ms"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s -s "$BENCH_DIR/upstream_lookup.lua" \
  "http://$URL" -- "$WORK/bodies.jsonl" bench-token >"$WORK/wrk.out"
cat "$WORK/wrk.out" >&2
RPS=$(bench_value_of "$WORK/wrk.out" rps)
NON200=$(bench_value_of "$WORK/wrk.out" non200)
log "serve-upstream: $RPS req/s with ${DELAY_MS} ms delay over $CONNECTIONS connections (non-200: $NON200)"
if [[ $NON200 != 0 ]]; then
  log "FAIL: $NON200 non-200 answers"
  exit 1
fi
if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$RPS" "$TARGET_RPS"; then
  log "PASS: $RPS >= $TARGET_RPS req/s"
else
  log "FAIL: $RPS < $TARGET_RPS req/s"
  exit 1
fi
