#!/usr/bin/env bash
# Writes that share fsyncs (issue 14, item 2): POST /v1/sessions, PATCH status=submitted
# of the created sessions, a media upload (POST /v1/sessions/{id}/media, a face photo) to
# each of those left, then DELETE of each (the allowance off), against an SQLite file on a real disk (ext4, not tmpfs)
# with synchronous=FULL, 64 connections, for two binaries in the same run: BEFORE
# (main's) and AFTER (this tree's), interleaved round by round so a noisy moment of the
# shared machine does not always hit the same one. Targets (absolute, POST and PATCH): ≥ 10,000 req/s,
# p99 ≤ 25 ms, max ≤ 100 ms, no failed request. See bench/README.md, "Writes share
# fsyncs".
#
#   bench/write_bench.sh BEFORE_BINARY [AFTER_BINARY]   # AFTER defaults to build/inereg
#
# The same on PostgreSQL (a throwaway cluster in the temp dir, fsync=on, on the same
# disk), figures beside SQLite's: BENCH_PG=0 leaves it out, BENCH_SQLITE=0 leaves SQLite
# out.
#
# Environment: BENCH_DURATION (measured seconds per run, 8), BENCH_WARMUP (2),
# BENCH_ROUNDS (3), BENCH_TMPDIR (default: build/ of this tree, which must not be on
# tmpfs), BENCH_KEEP=1, BENCH_PERF=1 (perf record of AFTER during its last run on
# BENCH_PERF_BACKEND, sqlite (default) or pg, of BENCH_PERF_WORK, POST (default), UPLOAD,
# DELETE or PATCH; that run's figures are then not comparable; BENCH_PERF_RECORD_FLAGS, default
# DWARF call graphs as the build keeps no frame pointers; BENCH_PERF_SYSTEM=1: the whole
# machine, PostgreSQL's and wrk's CPU too), BENCH_PERF_STAT=1 (fsyncs, context switches
# and CPU per request of each last run, from perf stat), BENCH_PG_SETTINGS (extra
# server settings, e.g. "-c commit_delay=200 -c commit_siblings=5"). Extra `serve`
# settings pass through the environment (INEREG_*), for both binaries.
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
chmod 711 "$WORK"  # the PostgreSQL server runs as `postgres` when we are root
SERVE_PID=
PG_STARTED=
BACKENDS=()
if [[ ${BENCH_SQLITE:-1} != 0 ]]; then
  BACKENDS+=(sqlite)
fi
if [[ ${BENCH_PG:-1} != 0 ]]; then
  BACKENDS+=(pg)
fi
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_process "$SERVE_PID" inereg
  if [[ -n $PG_STARTED ]]; then
    "$REPO/scripts/pg-test-server.sh" stop "$WORK/pg" >/dev/null 2>&1 || true
  fi
  finish_cleanup "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export INEREG_MASTER_KEY
INEREG_MASTER_KEY=$(openssl rand -hex 32)
# The DELETE run measures the path, not Veriff's allowance (5 an hour per integration).
export INEREG_API_DELETE_LIMIT_PER_HOUR=0 INEREG_API_DELETE_LIMIT_PER_DAY=0

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
# A face photo, the upload run's body (after the PATCH run, to sessions it did not
# submit).
printf '{"image":{"context":"face","content":"data:image/jpeg;base64,%s"}}' \
  "$(base64 -w0 "$REPO/tests/data/media/tiny.jpg")" >"$WORK/upload_body.json"

PG_URL=
if [[ ${BENCH_PG:-1} != 0 ]]; then
  # pg-test-server.sh starts the cluster with fsync=off (fine for tests): restart it
  # with fsync=on, same port, with the benchmark's settings.
  PG_URL=$(PG_STATEMENT_STATS=off "$REPO/scripts/pg-test-server.sh" start "$WORK/pg")
  PG_STARTED=1
  pg_bin=${PG_BIN:-$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}
  pg_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
  }
  pg_port=$(cat "$WORK/pg/port")
  pg_as_owner "$pg_bin/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w -t 60 -m fast restart \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories='' -c fsync=on ${BENCH_PG_SETTINGS:-}" \
    >/dev/null || die "PostgreSQL restart failed: $(tail -n 20 "$WORK/pg/server.log")"
  for name in before after; do
    "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "inereg_$name" || die "createdb failed"
  done
  log "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'), fsync=on ${BENCH_PG_SETTINGS:-}"
fi

db_url() {  # backend name
  if [[ $1 == sqlite ]]; then
    echo "sqlite:$WORK/sqlite-$2/inereg.db"
  else
    echo "${PG_URL%/*}/inereg_$2"
  fi
}

# Sessions submitted and not decided yet: checks still running.
PENDING_SQL="SELECT count(*) FROM sessions WHERE submitted_at IS NOT NULL AND decided_at IS NULL"
# Percentiles by rank, the same statement for both backends.
DECISION_SQL="WITH w AS (SELECT decided_at - submitted_at AS ms, ROW_NUMBER() OVER (ORDER BY decided_at - submitted_at) AS r,
  COUNT(*) OVER () AS n FROM sessions WHERE decided_at IS NOT NULL AND submitted_at IS NOT NULL)
SELECT 'sessions=' || MAX(n) || ' p50=' || MAX(CASE WHEN r = (n + 1) / 2 THEN ms END)
  || ' p99=' || MAX(CASE WHEN r = (n * 99 + 99) / 100 THEN ms END) || ' max=' || MAX(ms) FROM w"
db_query() {  # backend name sql: the first column of the first row
  if [[ $1 == sqlite ]]; then
    python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1], timeout=10).execute(sys.argv[2]).fetchone()[0])' \
      "$WORK/sqlite-$2/inereg.db" "$3"
  else
    "$pg_bin/psql" -qtA -h 127.0.0.1 -p "$pg_port" -U postgres -d "inereg_$2" -c "$3"
  fi
}

# One database per binary and backend, each made by its own binary (main's schema is
# its own).
for backend in "${BACKENDS[@]}"; do
  for name in before after; do
    bin=$BEFORE
    [[ $name == after ]] && bin=$AFTER
    dir=$WORK/$backend-$name
    mkdir -p "$dir"
    db=$(db_url "$backend" "$name")
    "$bin" migrate --db "$db" >>"$dir/cli.log" 2>&1 || die "$backend $name: migrate failed"
    "$bin" integration create --name bench --db "$db" --json >"$dir/integration.json" 2>>"$dir/cli.log" ||
      die "$backend $name: integration create failed"
    use_snapshot_dir "$dir"
    "$bin" registry import "$WORK/registry.csv" --db "$db" >>"$dir/cli.log" 2>&1 || die "$backend $name: import failed"
  done
done
log "data on $BENCH_TMPDIR ($fs_type), load average $(cut -d' ' -f1 /proc/loadavg)"

run_wrk() {  # out script args...
  local out=$1 script=$2
  shift 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/$script" "http://127.0.0.1:$SERVE_PORT" \
    -- "$@" >"$out"
  grep -q '^BENCH ' "$out" || die "wrk failed: $(cat "$out")"
}

PERF_PID=
PERF_WORK=${BENCH_PERF_WORK:-POST}
start_perf() {  # backend name round dir work: perf on the server during the last round's run of `work`
  local backend=$1 name=$2 round=$3 dir=$4 work=$5
  PERF_PID=
  [[ $round == "$ROUNDS" ]] || return 0
  if [[ -n ${BENCH_PERF:-} && $backend == "${BENCH_PERF_BACKEND:-sqlite}" && $name == after && $work == "$PERF_WORK" ]]; then
    local target=(-p "$SERVE_PID")
    [[ ${BENCH_PERF_SYSTEM:-} == 1 ]] && target=(-a)
    # shellcheck disable=SC2086  # the flags are words
    perf record ${BENCH_PERF_RECORD_FLAGS:---call-graph dwarf,32768 -F 499} -o "$WORK/perf.data" "${target[@]}" \
      >/dev/null 2>&1 &
    PERF_PID=$!
  elif [[ -n ${BENCH_PERF_STAT:-} ]]; then
    # fsyncs and context switches per request: what group commit saves, what it costs.
    perf stat -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync,context-switches,task-clock \
      -o "$dir/perf-stat-$work.txt" -p "$SERVE_PID" >/dev/null 2>&1 &
    PERF_PID=$!
  fi
}
stop_perf() {
  if [[ -n $PERF_PID ]]; then
    kill -INT "$PERF_PID"
    wait "$PERF_PID" || true
  fi
  PERF_PID=
}

# Writes the disk still owes before a run starts: the setup's (migrations, imports,
# PostgreSQL's cluster) and the previous run's. Left to the kernel's write-back (30 s
# later) and PostgreSQL's checkpointer, they landed in the next measured run's fsyncs:
# the first round's POST stalls (p99 ~100-200 ms, one request 374 ms) of earlier runs.
settle_disk() {
  if [[ -n $PG_STARTED ]]; then
    "$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c CHECKPOINT >/dev/null ||
      die "PostgreSQL CHECKPOINT failed"
  fi
  sync
}

one_round() {  # backend name round
  local backend=$1 name=$2 round=$3 bin=$BEFORE dir=$WORK/$1-$2
  [[ $name == after ]] && bin=$AFTER
  settle_disk
  local api_key secret create_sig submit_sig upload_sig ids=$dir/ids-$round
  api_key=$(json_field "$dir/integration.json" apiKey)
  secret=$(json_field "$dir/integration.json" sharedSecret)
  create_sig=$(openssl dgst -sha256 -hmac "$secret" <"$WORK/create_body.json" | sed 's/.* //')
  submit_sig=$(openssl dgst -sha256 -hmac "$secret" <"$WORK/submit_body.json" | sed 's/.* //')
  upload_sig=$(openssl dgst -sha256 -hmac "$secret" <"$WORK/upload_body.json" | sed 's/.* //')
  mkdir -p "$ids"
  use_snapshot_dir "$dir"
  INEREG=$bin start_serve "$(db_url "$backend" "$name")" "$dir/serve-$round.log"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$BENCH_DIR/create_session.lua" "http://127.0.0.1:$SERVE_PORT" \
    -- "$WORK/create_body.json" "$api_key" "$create_sig" "$ids" >"$dir/post-warmup-$round.txt"
  start_perf "$backend" "$name" "$round" "$dir" POST
  run_wrk "$dir/post-$round.txt" create_session.lua "$WORK/create_body.json" "$api_key" "$create_sig" "$ids"
  stop_perf
  start_perf "$backend" "$name" "$round" "$dir" PATCH
  run_wrk "$dir/patch-$round.txt" session_request.lua "$ids" "$api_key" "$submit_sig" "$THREADS" \
    PATCH "" "$WORK/submit_body.json" 200
  stop_perf
  # Every submitted session decided before the server stops: a check carried over to the
  # next round would count the restart in its submit-to-decision time.
  local waited=0
  while [[ $(db_query "$backend" "$name" "$PENDING_SQL") != 0 ]]; do
    ((waited++ < 600)) || die "$backend $name: checks still pending 60 s after the PATCH run"
    sleep 0.1
  done
  # Uploads last, so that POST and PATCH run as in earlier sessions' figures: one face
  # photo to each of the sessions the PATCH run did not reach, newest first.
  settle_disk
  start_perf "$backend" "$name" "$round" "$dir" UPLOAD
  run_wrk "$dir/upload-$round.txt" session_request.lua "$ids" "$api_key" "$upload_sig" "$THREADS" \
    POST /media "$WORK/upload_body.json" 200 newest
  stop_perf
  # Then deletes, in creation order: each DELETE is signed with its own id.
  mkdir -p "$dir/signed-ids-$round"
  python3 - "$secret" "$dir/signed-ids-$round/ids-0.txt" "$ids"/ids-*.txt <<'PY'
import hashlib, hmac, sys
secret, out = sys.argv[1].encode(), sys.argv[2]
with open(out, "w") as signed:
    for path in sys.argv[3:]:
        for line in open(path):
            if line.strip():
                session = line.strip()
                signed.write(f"{session} {hmac.new(secret, session.encode(), hashlib.sha256).hexdigest()}\n")
PY
  settle_disk
  start_perf "$backend" "$name" "$round" "$dir" DELETE
  run_wrk "$dir/delete-$round.txt" session_request.lua "$dir/signed-ids-$round" "$api_key" per-id "$THREADS" \
    DELETE "" /dev/null 200
  stop_perf
  stop_process "$SERVE_PID" inereg
  SERVE_PID=
  log "round $round $backend $name: POST $(bench_value_of "$dir/post-$round.txt" rps)/s p99 $(bench_value_of "$dir/post-$round.txt" p99_ms) ms;" \
    "PATCH $(bench_value_of "$dir/patch-$round.txt" rps)/s p99 $(bench_value_of "$dir/patch-$round.txt" p99_ms) ms;" \
    "upload $(bench_value_of "$dir/upload-$round.txt" rps)/s p99 $(bench_value_of "$dir/upload-$round.txt" p99_ms) ms;" \
    "DELETE $(bench_value_of "$dir/delete-$round.txt" rps)/s p99 $(bench_value_of "$dir/delete-$round.txt" p99_ms) ms"
}

for ((round = 1; round <= ROUNDS; round++)); do
  for backend in "${BACKENDS[@]}"; do
    if ((round % 2)); then
      one_round "$backend" before "$round"
      one_round "$backend" after "$round"
    else
      one_round "$backend" after "$round"
      one_round "$backend" before "$round"
    fi
  done
done

if [[ -n ${BENCH_PERF_STAT:-} ]]; then
  for dir in "$WORK"/*-before "$WORK"/*-after; do
    for work in POST PATCH UPLOAD DELETE; do
      [[ -f $dir/perf-stat-$work.txt ]] || continue
      requests=$(bench_value_of "$dir/${work,,}-$ROUNDS.txt" requests)
      awk -v r="$requests" -v d="$(basename "$dir") $work" '
        /fdatasync|fsync|context-switches/ { gsub(",", "", $1); printf "%s: %s per request %.3f\n", d, $2, $1 / r }
        /task-clock/ { gsub(",", "", $1); printf "%s: CPU ms per request %.3f\n", d, $1 / r }' "$dir/perf-stat-$work.txt"
    done
  done
fi
# How long a submitted session waited for its decision: from the submit's transaction
# (sessions.submitted_at) to the one that recorded the check's result (decided_at), for
# every session of every PATCH run, at the PATCH runs' load.
echo
echo "submit to decision (decided_at - submitted_at, every submitted session, ms)"
for backend in "${BACKENDS[@]}"; do
  for name in before after; do
    echo "$backend $name: $(db_query "$backend" "$name" "$DECISION_SQL" | tr '|' ' ')"
  done
done
if [[ -n ${BENCH_PERF:-} ]]; then
  perf report -i "$WORK/perf.data" --no-children --stdio --percent-limit 1.5 2>/dev/null | grep -v '^$' | head -60 || true
fi

python3 - "$WORK" "$ROUNDS" "$DURATION" "$fs_type" "${BACKENDS[@]}" <<'PY'
import re, statistics, sys
work, rounds, duration, fs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
backends = sys.argv[5:]

def bench(path):
    with open(path) as f:
        line = next(l for l in f if l.startswith("BENCH "))
    return {k: float(v) for k, v in re.findall(r"(\w+)=(\S+)", line)}

print(f"\nwrites on {fs} (SQLite synchronous=FULL; PostgreSQL fsync=on), wrk -t2 -c64, {duration} s per run, "
      f"{rounds} rounds; medians (max: the worst round's)")
print(f"{'':16} {'work':6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'bad':>5}   rounds req/s")
ok = True
for backend, name in [(b, n) for b in backends for n in ("before", "after")]:
    for kind, label in (("post", "POST"), ("patch", "PATCH"), ("upload", "upload"), ("delete", "DELETE")):
        runs = [bench(f"{work}/{backend}-{name}/{kind}-{r}.txt") for r in range(1, rounds + 1)]
        rps = statistics.median(r["rps"] for r in runs)
        p50 = statistics.median(r["p50_ms"] for r in runs)
        p99 = statistics.median(r["p99_ms"] for r in runs)
        worst = max(r["max_ms"] for r in runs)
        bad = int(sum(r["non200"] + r["socket_errors"] for r in runs))
        print(f"{backend + ' ' + name:16} {label:6} {rps:9.0f} {p50:8.2f} {p99:8.2f} {worst:8.1f} {bad:5d}   "
              + " ".join(f"{r['rps']:.0f}" for r in runs))
        if backend == "sqlite" and name == "after":
            # The issue's targets are POST's and PATCH's; an upload or delete only must not fail.
            targets = kind in ("upload", "delete") or (rps >= 10000 and p99 <= 25 and worst <= 100)
            ok = ok and targets and bad == 0
if "sqlite" not in backends:
    print("RESULT: none (the targets are SQLite's; BENCH_SQLITE=0 left it out)")
    sys.exit(0)
print("RESULT: " + ("PASS" if ok else "FAIL")
      + " (SQLite after: POST and PATCH >= 10,000/s, p99 <= 25 ms, max <= 100 ms; no bad answer)")
sys.exit(0 if ok else 1)
PY
