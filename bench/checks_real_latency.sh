#!/usr/bin/env bash
# Checks at a real registry's latency (issue 14, item 5): `inereg serve` nodes on one
# PostgreSQL database work off a backlog of submitted sessions through the real HTTP
# connector, against `inereg registry serve-upstream --delay-ms 5000` (INE and the
# aggregators answer in 2–7 s). With the defaults of a real deployment (attempt, lookup
# and lease timeouts, checks.max_in_flight) apart from the in-flight count, which is the
# one knob for throughput at a fixed latency: in-flight / latency = checks/s, so 5,000
# checks/s at 5 s need 25,000 lookups in flight.
#
# A process can hold no more descriptors than its hard RLIMIT_NOFILE (20,000 on the
# machines the figures come from, and not raisable there), and every lookup in flight
# holds a connection: BENCH_NODES nodes (2) share the in-flight total, each with an
# upstream process of its own, as a cluster of nodes would share a registry's load.
#
#   bench/checks_real_latency.sh [path/to/inereg]   # default build-bench/inereg (Release), built if needed
#
# Environment: BENCH_CHECKS (150000), BENCH_DELAY_MS (5000), BENCH_IN_FLIGHT (25000, all
# nodes together), BENCH_NODES (2), BENCH_TARGET (5000 checks/s steady), BENCH_TIMEOUT
# (seconds to wait for the backlog, 300), BENCH_PG_URL (an existing database; else a
# throwaway cluster via scripts/pg-test-server.sh), BENCH_KEEP=1. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
CHECKS=${BENCH_CHECKS:-150000}
DELAY_MS=${BENCH_DELAY_MS:-5000}
IN_FLIGHT=${BENCH_IN_FLIGHT:-25000}
NODES=${BENCH_NODES:-2}
TARGET=${BENCH_TARGET:-5000}
TIMEOUT=${BENCH_TIMEOUT:-300}
UNKNOWN_PERCENT=10 # seed_sessions.py's default: credentials the registry does not hold
REGISTRY_SIZE=$((CHECKS * 2))

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
require_tools openssl python3 curl psql
find_inereg "${1:-}"

pick_tmpdir
WORK=$(mktemp -d "$BENCH_TMPDIR/inereg-latency-bench.XXXXXX")
SERVE_PID=
PG_DIR=
declare -a NODE_PIDS=() NODE_PORTS=() UPSTREAM_PIDS=()
cleanup() {
  local status=$? pid
  trap - EXIT INT TERM
  for pid in "${NODE_PIDS[@]}" "$SERVE_PID"; do
    stop_process "$pid" inereg
  done
  for pid in "${UPSTREAM_PIDS[@]}"; do
    stop_process "$pid" serve-upstream
  done
  if [[ -n $PG_DIR ]]; then
    "$REPO/scripts/pg-test-server.sh" stop "$PG_DIR" >/dev/null 2>&1 || true
  fi
  finish_cleanup "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Each node and each upstream process takes every descriptor it is allowed (soft = hard).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
per_node=$((IN_FLIGHT / NODES))
(( per_node + 1000 < $(ulimit -Hn) )) ||
  die "$per_node connections per node do not fit the descriptor limit $(ulimit -Hn): raise BENCH_NODES"

if [[ -z ${BENCH_PG_URL:-} ]]; then
  PG_DIR=$WORK/pg
  chmod a+rx "$WORK"  # the cluster runs as the postgres user when we are root
  BENCH_PG_URL=$(PG_STATEMENT_STATS=off "$REPO/scripts/pg-test-server.sh" start "$PG_DIR")
fi
DB=$BENCH_PG_URL
export INEREG_MASTER_KEY
INEREG_MASTER_KEY=$(openssl rand -hex 32)
started_at=$SECONDS

# 1. The registry, and one upstream process per node answering from it after DELAY_MS.
"$INEREG" registry generate --count "$REGISTRY_SIZE" --seed 20260101 --out "$WORK/registry.csv" >"$WORK/cli.log" 2>&1 ||
  die "registry generate failed: $(cat "$WORK/cli.log")"
UPSTREAM_TOKEN=$(openssl rand -hex 16)
declare -a UPSTREAM_URLS=()
for node in $(seq "$NODES"); do
  log_file=$WORK/upstream-$node.log
  "$INEREG" registry serve-upstream --listen 127.0.0.1:0 --snapshot "$WORK/registry.csv" --delay-ms "$DELAY_MS" \
    --threads 1 --token "$UPSTREAM_TOKEN" 2>"$log_file" &
  UPSTREAM_PIDS+=($!)
  url=
  for _ in $(seq 400); do
    url=$(sed -n 's/.*serve-upstream listening on \(127\.0\.0\.1:[0-9]*\/[^ ]*\).*/\1/p' "$log_file" | head -n 1)
    [[ -n $url ]] && break
    sleep 0.05
  done
  [[ -n $url ]] || die "serve-upstream did not report its address: $(cat "$log_file")"
  UPSTREAM_URLS+=("http://$url")
done
log "${#UPSTREAM_URLS[@]} upstream processes, $REGISTRY_SIZE records, delay $DELAY_MS ms"

# 2. Submitted sessions with pending checks, through the API of a node that runs none.
"$INEREG" migrate --db "$DB" >/dev/null
"$INEREG" integration create --name bench --db "$DB" --json >"$WORK/integration.json" 2>>"$WORK/cli.log" ||
  die "integration create failed: $(cat "$WORK/cli.log")"
API_KEY=$(json_field "$WORK/integration.json" apiKey)
SECRET=$(json_field "$WORK/integration.json" sharedSecret)
sql() { psql "$DB" -Atq -c "$1"; }
# Seeding is set-up, not the measurement: without waiting for each commit's WAL flush
# (a server setting, restored before the nodes start).
sql "ALTER SYSTEM SET synchronous_commit = off" && sql "SELECT pg_reload_conf()" >/dev/null
INEREG_CHECKS_WORKERS=0 start_serve "$DB" "$WORK/seed-serve.log"
python3 "$BENCH_DIR/seed_sessions.py" --port "$SERVE_PORT" --api-key "$API_KEY" --secret "$SECRET" \
  --registry "$WORK/registry.csv" --count "$CHECKS" --unknown-percent "$UNKNOWN_PERCENT" \
  --out "$WORK/sessions.txt" --no-wait
stop_process "$SERVE_PID" inereg
SERVE_PID=
sql "ALTER SYSTEM RESET synchronous_commit" && sql "SELECT pg_reload_conf()" >/dev/null
pending=$(sql "SELECT COUNT(*) FROM check_jobs WHERE state = 'pending'")
[[ $pending == "$CHECKS" ]] || die "seeded $pending pending checks, expected $CHECKS"
log "$CHECKS sessions submitted after $((SECONDS - started_at)) s"

# 3. The nodes work the backlog off, each through its own upstream process.
export INEREG_REGISTRY_KIND=http INEREG_REGISTRY_AUTH_VALUE="Bearer $UPSTREAM_TOKEN"
export INEREG_REGISTRY_MAX_IN_FLIGHT=$per_node INEREG_CHECKS_MAX_IN_FLIGHT=$per_node
# PostgreSQL's CPU ticks so far: the postmaster's own and its reaped children's, and each
# live backend's (the nodes' pooled connections live through the run).
postgres_ticks() {
  local postmaster
  postmaster=$(head -n 1 "$PG_DIR/data/postmaster.pid")
  # shellcheck disable=SC2046  # one pid per word
  echo $(($(cpu_ticks "$postmaster" $(pgrep -P "$postmaster")) + $(reaped_cpu_ticks "$postmaster")))
}
postgres_ticks_at_start=0
[[ -z $PG_DIR ]] || postgres_ticks_at_start=$(postgres_ticks)
serve_started=$(date +%s.%N)
for node in $(seq "$NODES"); do
  INEREG_REGISTRY_URL=${UPSTREAM_URLS[$((node - 1))]} start_serve "$DB" "$WORK/serve-$node.log"
  NODE_PIDS+=("$SERVE_PID")
  NODE_PORTS+=("$SERVE_PORT")
  SERVE_PID=
done

# 4. Completed checks and lookups in flight, summed over the nodes' /metrics every 250 ms;
#    each node's peak RSS (VmHWM) and anonymous memory (RssAnon) at the peak of the run.
progress_status=0
#    Every sample goes to $WORK/series.txt (seconds since the nodes started, checks done,
#    lookups in flight): with BENCH_KEEP=1, where the rate dipped.
python3 - "$serve_started" "$CHECKS" "$TIMEOUT" "$WORK/series.txt" "${NODE_PIDS[*]}" "${NODE_PORTS[@]}" \
  >"$WORK/progress.txt" <<'PY' || progress_status=$?
import re
import sys
import time
import urllib.request

started, total, timeout = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
series = open(sys.argv[4], "w")
pids, ports = sys.argv[5].split(), sys.argv[6:]
outcome = re.compile(r'^inereg_check_outcomes_total\{outcome="(active|inactive)"\} (\S+)$', re.M)
in_flight = re.compile(r'^inereg_check_lookups_in_flight (\S+)$', re.M)
lookup_sum = re.compile(r'^inereg_check_lookup_duration_seconds_sum (\S+)$', re.M)
lookup_count = re.compile(r'^inereg_check_lookup_duration_seconds_count (\S+)$', re.M)
marks, peak_in_flight, peak_anon = {}, 0, {}
done, last_now, last_done = 0, 0.0, 0
# The steady window (t10..t90) by Little's law: the lookups in flight, averaged over the
# samples in it, and the mean time of the lookups that ended in it.
window_samples, window_flying, window_lookups = 0, 0, {}
def status_kib(pid, key):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
while time.time() - started < timeout:
    done, flying, seconds, lookups = 0, 0, 0.0, 0
    for port in ports:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        done += int(sum(float(v) for _, v in outcome.findall(text)))
        flying += int(sum(float(v) for v in in_flight.findall(text)))
        seconds += sum(float(v) for v in lookup_sum.findall(text))
        lookups += int(sum(float(v) for v in lookup_count.findall(text)))
    if done >= 0.1 * total and done < 0.9 * total:
        window_samples += 1
        window_flying += flying
        window_lookups.setdefault("first", (seconds, lookups))
        window_lookups["last"] = (seconds, lookups)
    peak_in_flight = max(peak_in_flight, flying)
    for pid in pids:
        peak_anon[pid] = max(peak_anon.get(pid, 0), status_kib(pid, "RssAnon"))
    now = time.time() - started
    print(f"{now:.2f} {done} {flying}", file=series)
    for name, share in (("t10", 0.1), ("t90", 0.9), ("t100", 1.0)):
        if name not in marks and done >= share * total:
            # When the count crossed the mark, between this sample and the last: the
            # samples are 250 ms apart (polling costs the CPU being measured).
            crossed = share * total
            marks[name] = now if done == last_done else last_now + (now - last_now) * (crossed - last_done) / (done - last_done)
    if "t100" in marks:
        break
    last_now, last_done = now, done
    time.sleep(0.25)
hwm = [status_kib(pid, "VmHWM") for pid in pids]
steady = []
if window_samples:
    (s0, n0), (s1, n1) = window_lookups["first"], window_lookups["last"]
    steady.append(f"steady_in_flight={window_flying / window_samples:.0f}")
    if n1 > n0:
        steady.append(f"steady_lookup_s={(s1 - s0) / (n1 - n0):.2f}")
print(" ".join(f"{k}={v:.3f}" for k, v in marks.items()), *steady, f"done={done}", f"peak_in_flight={peak_in_flight}",
      "hwm_kib=" + ",".join(map(str, hwm)), "anon_kib=" + ",".join(str(peak_anon[p]) for p in pids))
sys.exit(0 if "t100" in marks else 1)
PY
metrics=""
for port in "${NODE_PORTS[@]}"; do
  metrics+=$(curl -s "http://127.0.0.1:$port/metrics")$'\n'
done
# CPU (user + system) each kind of process used: the nodes and the upstreams started idle
# (the seeding node ran no checks), so their totals are the run's.
node_cpu="$(ticks_as_seconds "$(cpu_ticks "${NODE_PIDS[@]}")") s"
upstream_cpu="$(ticks_as_seconds "$(cpu_ticks "${UPSTREAM_PIDS[@]}")") s"
postgres_cpu="n/a (BENCH_PG_URL)"
[[ -z $PG_DIR ]] || postgres_cpu="$(ticks_as_seconds $(($(postgres_ticks) - postgres_ticks_at_start))) s"
printf '%s' "$metrics" >"$WORK/metrics.txt"
for pid in "${NODE_PIDS[@]}"; do
  stop_process "$pid" inereg
done
NODE_PIDS=()

# 5. Every seeded session has its result, the vigente ones active.
results=$(sql "SELECT COUNT(*) FROM ine_results")
active=$(sql "SELECT COUNT(*) FROM ine_results WHERE active")
pending=$(sql "SELECT COUNT(*) FROM check_jobs WHERE state = 'pending'")
expected_active=$((CHECKS - CHECKS * UNKNOWN_PERCENT / 100))
metric_sum() {  # name{labels}: summed over the nodes
  printf '%s\n' "$metrics" | awk -v n="$1" '$1 == n { s += $2 } END { print s + 0 }'
}
field() {  # key
  sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" "$WORK/progress.txt"
}
t10=$(field t10) t90=$(field t90) t100=$(field t100)
steady=$(python3 -c 'import sys; a, b = float(sys.argv[2] or "nan"), float(sys.argv[3] or "nan"); print(f"{0.8 * int(sys.argv[1]) / (b - a):.0f}" if b > a else "0")' \
  "$CHECKS" "$t10" "$t90")
overall=$(python3 -c 'import sys; t = float(sys.argv[2] or "nan"); print(f"{int(sys.argv[1]) / t:.0f}" if t == t else "0")' "$CHECKS" "$t100")

echo
echo "checks at registry latency: $CHECKS checks, $NODES inereg nodes on PostgreSQL, $IN_FLIGHT lookups in flight in all ($per_node per node) -> serve-upstream ($DELAY_MS ms per lookup, one process per node)"
printf 'checks: %s/s steady (10%%..90%%), %s/s overall (all done %s s after the nodes started); peak lookups in flight %s\n' \
  "$steady" "$overall" "${t100:-never}" "$(field peak_in_flight)"
printf 'retries %s, unavailable %s, refused by the in-flight cap: see retries\n' \
  "$(metric_sum inereg_check_retries_total)" "$(metric_sum 'inereg_check_outcomes_total{outcome="unavailable"}')"
# Little's law's other side: with the in-flight count flat, checks/s = in flight / this.
lookup_count=$(metric_sum inereg_check_lookup_duration_seconds_count)
printf 'lookup time as the nodes saw it: mean %s s over %s lookups (the upstream holds each %s ms)\n' \
  "$(awk -v s="$(metric_sum inereg_check_lookup_duration_seconds_sum)" -v n="$lookup_count" \
     'BEGIN { printf "%.2f", (n > 0 ? s / n : 0) }')" "$lookup_count" "$DELAY_MS"
printf 'steady window (10%%..90%%): %s lookups in flight on average, mean lookup %s s of those that ended in it\n' \
  "$(field steady_in_flight)" "$(field steady_lookup_s)"
printf 'CPU: nodes %s, upstreams %s, PostgreSQL %s\n' "$node_cpu" "$upstream_cpu" "$postgres_cpu"
printf 'per node: VmHWM %s KiB, peak RssAnon %s KiB\n' "$(field hwm_kib)" "$(field anon_kib)"
echo "results: $results of $CHECKS sessions ($active active, expected $expected_active), $pending still pending"

ok=1
[[ $progress_status == 0 && $results == "$CHECKS" && $pending == 0 && $active == "$expected_active" ]] || ok=0
awk -v r="$steady" -v t="$TARGET" 'BEGIN { exit !(r >= t) }' || ok=0
echo "RESULT: $([[ $ok == 1 ]] && echo "PASS (>= $TARGET checks/s steady, every session checked)" || echo "FAIL (target $TARGET checks/s steady, every session checked)")"
[[ $ok == 1 ]]
