#!/usr/bin/env bash
# Writes that share fsyncs (issue 14, item 2): POST /v1/sessions and PATCH status=
# submitted against an SQLite file on a real disk (ext4, not tmpfs) with synchronous=FULL,
# 64 connections, for two binaries in the same run: BEFORE (main's) and AFTER (this
# tree's), interleaved round by round so a noisy moment of the shared machine does not
# always hit the same one. Targets (absolute): ≥ 10,000 req/s, p99 ≤ 25 ms, max ≤ 100 ms,
# no failed request. See bench/README.md, "Writes share fsyncs".
#
#   bench/write_bench.sh BEFORE_BINARY [AFTER_BINARY]   # AFTER defaults to build/inereg
#
# Environment: BENCH_DURATION (measured seconds per run, 8), BENCH_WARMUP (2),
# BENCH_ROUNDS (3), BENCH_TMPDIR (default: build/ of this tree, which must not be on
# tmpfs), BENCH_KEEP=1, BENCH_PERF=1 (perf record of AFTER during its last POST run;
# that run's figures are then not comparable). Extra `serve` settings pass through the
# environment (INEREG_*), for both binaries.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
DURATION=${BENCH_DURATION:-8}
WARMUP=${BENCH_WARMUP:-2}
ROUNDS=${BENCH_ROUNDS:-3}
CONNECTIONS=64
THREADS=2

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

require_tools wrk openssl python3
[[ $# -ge 1 ]] || die "usage: bench/write_bench.sh BEFORE_BINARY [AFTER_BINARY]"
BEFORE=$1
AFTER=${2:-$REPO/build/inereg}
[[ -x $BEFORE && -x $AFTER ]] || die "$BEFORE or $AFTER is not an executable"
BENCH_TMPDIR=${BENCH_TMPDIR:-$REPO/build}
fs_type=$(df --output=fstype "$BENCH_TMPDIR" | tail -n 1)
[[ $fs_type != tmpfs ]] || die "$BENCH_TMPDIR is on tmpfs: fsync would cost nothing there"

WORK=$(mktemp -d "$BENCH_TMPDIR/inereg-write-bench.XXXXXX")
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

"$AFTER" registry generate --count 20000 --seed 20260101 --out "$WORK/registry.csv" >"$WORK/cli.log" 2>&1 ||
  die "registry generate failed: $(cat "$WORK/cli.log")"
python3 - "$WORK/registry.csv" "$WORK/create_body.json" <<'PY'
import csv, json, sys
with open(sys.argv[1], newline="") as f:
    row = next(r for r in csv.DictReader(f) if r["situation"] == "1" and r["model"] in "EFGH")
body = {"verification": {"person": {"firstName": "BENCH", "lastName": "SINTETICO", "ineIdentifier": row["citizen_id"]},
                         "document": {"country": "MX", "type": "ID_CARD", "number": row["cic"]},
                         "vendorData": "bench"}}
with open(sys.argv[2], "w") as f:
    f.write(json.dumps(body, separators=(",", ":")))
PY
printf '%s' '{"verification":{"status":"submitted"}}' >"$WORK/submit_body.json"

# One database per binary, each made by its own binary (main's schema is its own).
for name in before after; do
  bin=$BEFORE
  [[ $name == after ]] && bin=$AFTER
  mkdir -p "$WORK/$name"
  db="sqlite:$WORK/$name/inereg.db"
  "$bin" migrate --db "$db" >>"$WORK/$name/cli.log" 2>&1 || die "$name: migrate failed"
  "$bin" integration create --name bench --db "$db" --json >"$WORK/$name/integration.json" 2>>"$WORK/$name/cli.log" ||
    die "$name: integration create failed"
  "$bin" registry import "$WORK/registry.csv" --db "$db" >>"$WORK/$name/cli.log" 2>&1 || die "$name: import failed"
done
log "data on $BENCH_TMPDIR ($fs_type), load average $(cut -d' ' -f1 /proc/loadavg)"

run_wrk() {  # out script args...
  local out=$1 script=$2
  shift 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/$script" "http://127.0.0.1:$SERVE_PORT" \
    -- "$@" >"$out"
  grep -q '^BENCH ' "$out" || die "wrk failed: $(cat "$out")"
}

one_round() {  # name round
  local name=$1 round=$2 bin=$BEFORE dir=$WORK/$1
  [[ $name == after ]] && bin=$AFTER
  local api_key secret create_sig submit_sig ids=$dir/ids-$round
  api_key=$(json_field "$dir/integration.json" apiKey)
  secret=$(json_field "$dir/integration.json" sharedSecret)
  create_sig=$(openssl dgst -sha256 -hmac "$secret" <"$WORK/create_body.json" | sed 's/.* //')
  submit_sig=$(openssl dgst -sha256 -hmac "$secret" <"$WORK/submit_body.json" | sed 's/.* //')
  mkdir -p "$ids"
  INEREG=$bin start_serve "sqlite:$dir/inereg.db" "$dir/serve-$round.log"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$BENCH_DIR/create_session.lua" "http://127.0.0.1:$SERVE_PORT" \
    -- "$WORK/create_body.json" "$api_key" "$create_sig" "$ids" >"$dir/post-warmup-$round.txt"
  local perf_pid=
  if [[ -n ${BENCH_PERF:-} && $name == after && $round == "$ROUNDS" ]]; then
    perf record -g -o "$WORK/perf.data" -p "$SERVE_PID" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  run_wrk "$dir/post-$round.txt" create_session.lua "$WORK/create_body.json" "$api_key" "$create_sig" "$ids"
  if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
  fi
  run_wrk "$dir/patch-$round.txt" submit_session.lua "$ids" "$api_key" "$submit_sig" "$THREADS"
  stop_process "$SERVE_PID" inereg
  SERVE_PID=
  log "round $round $name: POST $(bench_value_of "$dir/post-$round.txt" rps)/s p99 $(bench_value_of "$dir/post-$round.txt" p99_ms) ms;" \
    "PATCH $(bench_value_of "$dir/patch-$round.txt" rps)/s p99 $(bench_value_of "$dir/patch-$round.txt" p99_ms) ms"
}

for ((round = 1; round <= ROUNDS; round++)); do
  if ((round % 2)); then
    one_round before "$round"
    one_round after "$round"
  else
    one_round after "$round"
    one_round before "$round"
  fi
done

if [[ -n ${BENCH_PERF:-} ]]; then
  perf report -i "$WORK/perf.data" --no-children --stdio --percent-limit 1.5 2>/dev/null | grep -v '^$' | head -60 || true
fi

python3 - "$WORK" "$ROUNDS" "$DURATION" "$fs_type" <<'PY'
import re, statistics, sys
work, rounds, duration, fs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def bench(path):
    with open(path) as f:
        line = next(l for l in f if l.startswith("BENCH "))
    return {k: float(v) for k, v in re.findall(r"(\w+)=(\S+)", line)}

print(f"\nwrites on SQLite ({fs}, synchronous=FULL), wrk -t2 -c64, {duration} s per run, {rounds} rounds; medians "
      "(max: the worst round's)")
print(f"{'':8} {'work':6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'bad':>5}   rounds req/s")
ok = True
for name in ("before", "after"):
    for kind, label in (("post", "POST"), ("patch", "PATCH")):
        runs = [bench(f"{work}/{name}/{kind}-{r}.txt") for r in range(1, rounds + 1)]
        rps = statistics.median(r["rps"] for r in runs)
        p50 = statistics.median(r["p50_ms"] for r in runs)
        p99 = statistics.median(r["p99_ms"] for r in runs)
        worst = max(r["max_ms"] for r in runs)
        bad = int(sum(r["non200"] + r["socket_errors"] for r in runs))
        print(f"{name:8} {label:6} {rps:9.0f} {p50:8.2f} {p99:8.2f} {worst:8.1f} {bad:5d}   "
              + " ".join(f"{r['rps']:.0f}" for r in runs))
        if name == "after":
            ok = ok and rps >= 10000 and p99 <= 25 and worst <= 100 and bad == 0
print("RESULT: " + ("PASS" if ok else "FAIL") + " (after: >= 10,000/s, p99 <= 25 ms, max <= 100 ms, no bad answer)")
sys.exit(0 if ok else 1)
PY
