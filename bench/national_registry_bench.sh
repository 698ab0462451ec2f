#!/usr/bin/env bash
# The national registry benchmark (issue 14, items 3 and 4; not in CI): a synthetic lista
# nominal of national size, imported, looked up, served. See bench/README.md.
#
#   bench/national_registry_bench.sh [path/to/inereg [path/to/registry_lookup_bench]]
#
# 1. `inereg registry generate` of BENCH_ROWS rows (97.5 M: INE's lista nominal, Jan 2024).
# 2. At 1 M rows (the file's first million), BENCH_ROUNDS interleaved rounds of the
#    reference — the sqlite3 CLI's `.import` of the CSV plus the build of the same lookup
#    table (registry_entries, WITHOUT ROWID, keyed by the canonical lookup key) — and of
#    `inereg registry import` (the same file; 1 M rows/s is the target): medians, ratio.
# 3. `inereg registry import` of the whole file under /usr/bin/time -v: wall time,
#    rows/s, peak RSS.
# 4. registry_lookup_bench: BENCH_LOOKUPS lookups through LocalRegistry over the national
#    snapshot (10% credentials it does not hold): p50/p99/p99.9; then again while a second
#    national import runs.
# 5. `inereg serve` with the national snapshot in use (checks of seeded sessions answered
#    from it): VmHWM, VmRSS, RssAnon, RssFile from /proc.
#
# Environment: BENCH_ROWS (97500000), BENCH_ROUNDS (3), BENCH_LOOKUPS (500000),
# BENCH_SESSIONS (2000), BENCH_TMPDIR (default /var/tmp: needs ~12 GB of disk; not
# tmpfs), BENCH_KEEP=1, BENCH_CSV=FILE (reuse a generated file of BENCH_ROWS rows).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
ROWS=${BENCH_ROWS:-97500000}
ROUNDS=${BENCH_ROUNDS:-3}
LOOKUPS=${BENCH_LOOKUPS:-500000}
SESSIONS=${BENCH_SESSIONS:-2000}
BENCH_TMPDIR=${BENCH_TMPDIR:-/var/tmp}

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

require_tools sqlite3 openssl python3 /usr/bin/time
find_inereg "${1:-}"
LOOKUP_BENCH=${2:-$(dirname "$INEREG")/bench/registry_lookup_bench}
[[ -x $LOOKUP_BENCH ]] || die "$LOOKUP_BENCH not found (ninja registry_lookup_bench)"

WORK=$(mktemp -d "$BENCH_TMPDIR/inereg-national-bench.XXXXXX")
SERVE_PID=
IMPORT_PID=
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_process "$SERVE_PID" inereg
  stop_process "$IMPORT_PID" "inereg import"
  finish_cleanup "$status"
}
trap cleanup EXIT INT TERM

export INEREG_MASTER_KEY
INEREG_MASTER_KEY=$(openssl rand -hex 32)
DB=$WORK/inereg.db
CSV=${BENCH_CSV:-$WORK/national.csv}

seconds_of() {  # time -v output file: elapsed wall seconds
  python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text)
parts = [float(p) for p in m.group(1).split(":")]
seconds = 0.0
for p in parts:
    seconds = seconds * 60 + p
print(f"{seconds:.2f}")
EOF
}
peak_kb_of() { sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$1"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# --- 1. generate -------------------------------------------------------------------------
if [[ -z ${BENCH_CSV:-} ]]; then
  log "generating $ROWS rows"
  /usr/bin/time -v "$INEREG" registry generate --count "$ROWS" --out "$CSV" --seed 20240101 2>"$WORK/generate.time" >/dev/null
  GEN_S=$(seconds_of "$WORK/generate.time")
  log "generate: $GEN_S s, $(du -h "$CSV" | cut -f1), peak RSS $(peak_kb_of "$WORK/generate.time") kB"
else
  GEN_S="(reused $CSV)"
fi

# --- 2. 1 M rows: the reference and inereg, interleaved ----------------------------------
head -n 1000001 "$CSV" >"$WORK/1m.csv"
REFERENCE_SQL="CREATE TABLE registry_entries (lookup_key TEXT PRIMARY KEY, model TEXT NOT NULL,
  situation INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO registry_entries SELECT CASE model WHEN 'C' THEN 'C|' || elector_key || '|' || emission_number || '|' || ocr
  WHEN 'D' THEN 'D|' || cic || '|' || ocr ELSE 'EH|' || cic || '|' || citizen_id END, model, situation FROM staging
  WHERE true ON CONFLICT (lookup_key) DO UPDATE SET model = excluded.model, situation = excluded.situation;"
ref_times=()
ine_times=()
for round in $(seq "$ROUNDS"); do
  order="reference inereg"
  ((round % 2)) || order="inereg reference" # the order alternates from round to round
  for who in $order; do
    if [[ $who == reference ]]; then
      rm -f "$WORK/ref.db"
      start=$(date +%s.%N)
      sqlite3 "$WORK/ref.db" -cmd ".mode csv" ".import $WORK/1m.csv staging" "$REFERENCE_SQL"
      ref_times+=("$(echo "$(date +%s.%N) - $start" | bc)")
    else
      rm -rf "$WORK/one.db"*
      "$INEREG" migrate --db "sqlite:$WORK/one.db" >/dev/null 2>&1
      start=$(date +%s.%N)
      "$INEREG" registry import "$WORK/1m.csv" --db "sqlite:$WORK/one.db" >/dev/null 2>"$WORK/one.err"
      ine_times+=("$(echo "$(date +%s.%N) - $start" | bc)")
    fi
  done
  log "round $round: reference ${ref_times[-1]} s, inereg ${ine_times[-1]} s"
done
REF_1M=$(printf '%s\n' "${ref_times[@]}" | median)
INE_1M=$(printf '%s\n' "${ine_times[@]}" | median)
REF_ROWS=$(sqlite3 "$WORK/ref.db" "SELECT COUNT(*) FROM registry_entries" 2>/dev/null || echo "?")
rm -rf "$WORK/ref.db" "$WORK/one.db"* "$WORK/1m.csv"

# --- 3. the national import ------------------------------------------------------------------
"$INEREG" migrate --db "sqlite:$DB" >/dev/null 2>&1
log "importing $ROWS rows"
/usr/bin/time -v "$INEREG" registry import "$CSV" --db "sqlite:$DB" >"$WORK/import.out" 2>"$WORK/import.time"
IMPORT_S=$(seconds_of "$WORK/import.time")
IMPORT_KB=$(peak_kb_of "$WORK/import.time")
cat "$WORK/import.out" >&2
"$INEREG" registry status --db "sqlite:$DB" >&2

# --- 4. lookups, idle and during an import ---------------------------------------------------
head -n 2000001 "$CSV" >"$WORK/sample.csv"
LOOKUP_IDLE=$("$LOOKUP_BENCH" "sqlite:$DB" "$WORK/sample.csv" "$LOOKUPS" 10)
log "lookups: $LOOKUP_IDLE"
"$INEREG" registry import "$CSV" --db "sqlite:$DB" >/dev/null 2>&1 &
IMPORT_PID=$!
sleep 5
LOOKUP_BUSY=$("$LOOKUP_BENCH" "sqlite:$DB" "$WORK/sample.csv" "$LOOKUPS" 10)
log "lookups during an import: $LOOKUP_BUSY"
wait "$IMPORT_PID" || die "the concurrent import failed"
IMPORT_PID=

# --- 5. serve's memory with the national snapshot in use ------------------------------------
"$INEREG" integration create --name bench --db "sqlite:$DB" --json >"$WORK/integration.json" 2>/dev/null
start_serve "sqlite:$DB" "$WORK/serve.log"
python3 "$BENCH_DIR/seed_sessions.py" --port "$SERVE_PORT" --api-key "$(json_field "$WORK/integration.json" apiKey)" \
  --secret "$(json_field "$WORK/integration.json" sharedSecret)" --registry "$WORK/sample.csv" \
  --count "$SESSIONS" --out "$WORK/sessions.txt" >/dev/null
grep -q "answering from snapshot" "$WORK/serve.log" || die "serve did not answer from the snapshot: $(cat "$WORK/serve.log")"
MEM=$(grep -E '^(VmHWM|VmRSS|RssAnon|RssFile)' "/proc/$SERVE_PID/status" | tr -s ' \t' ' ' | tr '\n' ' ')
stop_process "$SERVE_PID" inereg
SERVE_PID=

cat <<EOF

national registry bench: $ROWS rows, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)
generate:            $GEN_S s
1 M rows, medians of $ROUNDS interleaved rounds:
  reference (sqlite3 .import + table build): $REF_1M s  ($REF_ROWS rows)
  inereg registry import:                    $INE_1M s  ($(echo "scale=2; $REF_1M / $INE_1M" | bc)x the reference's speed)
national import:     $IMPORT_S s, $(echo "$ROWS / $IMPORT_S" | bc) rows/s, peak RSS $IMPORT_KB kB
lookups (idle):      $LOOKUP_IDLE
lookups (importing): $LOOKUP_BUSY
serve, snapshot in use after $SESSIONS checks: $MEM
EOF
