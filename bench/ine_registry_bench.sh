#!/usr/bin/env bash
# Throughput benchmark of GET /v1/sessions/{id}/decision/ine-registry (issue 14, item 1).
#
#   bench/ine_registry_bench.sh [path/to/inereg]
#
# Seeds a fresh inereg (SQLite in a temp dir) with >= 10,000 submitted sessions through
# the real API, then drives the same wrk script, in interleaved rounds, against three
# servers: nginx answering a fixed body of the same size (the limit: what a fast HTTP
# server costs on this machine), the Node.js peer of bench/peer-node (what an integrator
# would write instead: fastify + better-sqlite3, the same checks, seeded with as many
# sessions) and inereg. Medians over the rounds. PASS when inereg's median requests/s is
# >= BENCH_TARGET_RATIO x nginx's and >= BENCH_TARGET_PEER x the peer's, its median p99
# <= BENCH_TARGET_P99 x nginx's, with no non-200 response and no socket error in any
# round. Everything runs on 127.0.0.1; see bench/README.md.
#
# Environment: BENCH_DURATION (measured seconds per run, default 10), BENCH_ROUNDS (5),
# BENCH_WARMUP (5), BENCH_SESSIONS (10000), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_TARGET_RATIO (0.85), BENCH_TARGET_PEER (3), BENCH_TARGET_P99 (1.5), BENCH_PEER=0
# (leave the Node peer out: it needs `npm install` in bench/peer-node, which builds
# better-sqlite3 with node-gyp, ~4 min the first time), BENCH_TMPDIR (where the temp dir
# goes; default /dev/shm when it is a tmpfs, else $TMPDIR or /tmp), BENCH_KEEP=1 (keep
# the temp dir), BENCH_PERF=1 (record a perf profile of every server during its last measured
# run; that run's figures are then not comparable), BENCH_BASELINE=path/to/inereg (a
# second inereg binary, e.g. main's built with the same flags, served from the same
# database and measured in the same rounds as "before": before/after in one run),
# BENCH_PERF_STAT=1 (CPU, context switches and migrations per request of the server and
# of wrk in every measured run, from perf stat; the server's system calls by name and the
# machine's inter-processor interrupts, per request).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-5}
WARMUP=${BENCH_WARMUP:-5}
SESSIONS=${BENCH_SESSIONS:-10000}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WRK_THREADS=${BENCH_THREADS:-2}
TARGET_RATIO=${BENCH_TARGET_RATIO:-0.85}
TARGET_PEER=${BENCH_TARGET_PEER:-3}
TARGET_P99=${BENCH_TARGET_P99:-1.5}
WITH_PEER=${BENCH_PEER:-1}
REGISTRY_SIZE=20000

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

require_tools wrk nginx openssl python3 curl
if [[ $WITH_PEER != 0 ]]; then
  require_tools node npm
fi
find_inereg "${1:-}"

# The temp dir goes on a RAM-backed file system when there is one: seeding makes ~4
# fsync'd SQLite commits per session (create, submit, check claim, check result), which
# on this machine's disk takes ~100 s for 10,000 sessions instead of ~15 s. The measured
# GETs only read, from the page cache either way. BENCH_TMPDIR overrides the choice.
pick_tmpdir
WORK=$(mktemp -d "$BENCH_TMPDIR/inereg-bench.XXXXXX")
INEREG_PID=
BEFORE_PID=
NGINX_PID=
PEER_PID=

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_process "$NGINX_PID" nginx
  stop_process "$PEER_PID" peer
  stop_process "$INEREG_PID" inereg
  stop_process "$BEFORE_PID" before
  finish_cleanup "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------
# 1. A fresh inereg: integration, registry, server.
export INEREG_MASTER_KEY
INEREG_MASTER_KEY=$(openssl rand -hex 32)
DB="sqlite:$WORK/inereg.db"
started_at=$SECONDS

"$INEREG" integration create --name bench --db "$DB" --json >"$WORK/integration.json" 2>"$WORK/cli.log" ||
  die "integration create failed: $(cat "$WORK/cli.log")"
API_KEY=$(json_field "$WORK/integration.json" apiKey)
SECRET=$(json_field "$WORK/integration.json" sharedSecret)
"$INEREG" registry generate --count "$REGISTRY_SIZE" --seed 20260101 --out "$WORK/registry.csv" >>"$WORK/cli.log" 2>&1 ||
  die "registry generate failed: $(cat "$WORK/cli.log")"
"$INEREG" registry import "$WORK/registry.csv" --db "$DB" >>"$WORK/cli.log" 2>&1 ||
  die "registry import failed: $(cat "$WORK/cli.log")"
log "$(tail -n 1 "$WORK/cli.log")"

# Two IO threads (start_serve's default): the same as nginx's two workers.
start_serve "$DB" "$WORK/inereg.log"
INEREG_PID=$SERVE_PID
INEREG_PORT=$SERVE_PORT
log "inereg $INEREG (pid $INEREG_PID) on 127.0.0.1:$INEREG_PORT"

# ---------------------------------------------------------------------------------------
# 2. Sessions, created and submitted through the API; waits for every check.
python3 "$BENCH_DIR/seed_sessions.py" --port "$INEREG_PORT" --api-key "$API_KEY" --secret "$SECRET" \
  --registry "$WORK/registry.csv" --count "$SESSIONS" --out "$WORK/sessions.txt" \
  --sample-body "$WORK/body.json"
log "$(wc -l <"$WORK/sessions.txt") sessions ready after $((SECONDS - started_at)) s"

# 3. The baseline binary, if any: a second node on the same (now seeded) database.
BEFORE_PORT=
if [[ -n ${BENCH_BASELINE:-} ]]; then
  [[ -x $BENCH_BASELINE ]] || die "BENCH_BASELINE is not an executable: $BENCH_BASELINE"
  INEREG_UNDER_TEST=$INEREG
  INEREG=$BENCH_BASELINE
  start_serve "$DB" "$WORK/before.log"
  INEREG=$INEREG_UNDER_TEST
  BEFORE_PID=$SERVE_PID
  BEFORE_PORT=$SERVE_PORT
  log "baseline $BENCH_BASELINE (pid $BEFORE_PID) on 127.0.0.1:$BEFORE_PORT, measured as \"before\""
fi

# ---------------------------------------------------------------------------------------
# 4. nginx answering the same route with a real 200 body and headers of the same size.
BODY=$(cat "$WORK/body.json")
BODY_SIGNATURE=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/.* //')
# The body goes into a single-quoted nginx string, where ' \ and $ would need escaping.
# shellcheck disable=SC1003  # '\' is a literal backslash here
case $BODY in
  *"'"* | *'\'* | *'$'*) die "sample body needs nginx escaping: $BODY" ;;
esac
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
temp_paths="client_body_temp_path $WORK/nginx/client_body;"
nginx_build=$(nginx -V 2>&1)
for module in proxy fastcgi uwsgi scgi; do
  if [[ $nginx_build != *"--without-http_${module}_module"* ]]; then
    temp_paths+=$'\n'"  ${module}_temp_path $WORK/nginx/$module;"
  fi
done
cat >"$WORK/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events {
  worker_connections 1024;
}
http {
  access_log off;
  server_tokens off;
  keepalive_timeout 75s;
  keepalive_requests 10000000;
  $temp_paths
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location ~ ^/v1/sessions/[^/]+/decision/ine-registry\$ {
      default_type application/json;
      add_header X-AUTH-CLIENT $API_KEY;
      add_header X-HMAC-SIGNATURE $BODY_SIGNATURE;
      return 200 '$BODY';
    }
    location / {
      return 404;
    }
  }
}
EOF
nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx.conf" &
NGINX_PID=$!

first_id=$(head -n 1 "$WORK/sessions.txt" | cut -d' ' -f1)
first_signature=$(head -n 1 "$WORK/sessions.txt" | cut -d' ' -f2)
probe() {  # port -> "status header_bytes body_bytes"
  curl -s -o /dev/null -w '%{http_code} %{size_header} %{size_download}' \
    -H "X-AUTH-CLIENT: $API_KEY" -H "X-HMAC-SIGNATURE: $first_signature" \
    "http://127.0.0.1:$1/v1/sessions/$first_id/decision/ine-registry?version=v1" || true
}
nginx_probe=
for _ in $(seq 100); do
  nginx_probe=$(probe "$NGINX_PORT")
  [[ $nginx_probe == 200\ * ]] && break
  kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited: $(cat "$WORK/nginx/error.log")"
  sleep 0.05
done
[[ $nginx_probe == 200\ * ]] || die "nginx does not answer on $NGINX_PORT: $(cat "$WORK/nginx/error.log")"
inereg_probe=$(probe "$INEREG_PORT")
log "response bytes (status, headers, body): nginx $nginx_probe, inereg $inereg_probe"
if [[ -n $BEFORE_PORT ]]; then
  before_probe=$(probe "$BEFORE_PORT")
  [[ $before_probe == 200\ * ]] || die "the baseline does not answer 200: $before_probe"
  log "response bytes of the baseline: $before_probe"
fi

# ---------------------------------------------------------------------------------------
# 5. The Node.js peer (bench/peer-node), seeded with as many sessions, 2 workers like
#    nginx and inereg, and a session file signed with its own secret.
PEER_PORT=
if [[ $WITH_PEER != 0 ]]; then
  PEER_DIR="$BENCH_DIR/peer-node"
  if [[ ! -d $PEER_DIR/node_modules/better-sqlite3/build/Release ]]; then
    log "installing the Node peer's packages (npm install in bench/peer-node; builds better-sqlite3)"
    # One make job: node-gyp's parallel make failed here with "wait: No child processes".
    (cd "$PEER_DIR" && JOBS=1 npm install --no-audit --no-fund >"$WORK/npm.log" 2>&1) ||
      die "npm install failed in $PEER_DIR: $(tail -n 20 "$WORK/npm.log")"
  fi
  DB="$WORK/peer.db" node "$PEER_DIR/server.js" seed "$SESSIONS" >"$WORK/peer-seed.log" 2>&1 ||
    die "peer seed failed: $(cat "$WORK/peer-seed.log")"
  python3 -c '
import hashlib, hmac, sqlite3, sys
ids = [row[0] for row in sqlite3.connect(sys.argv[1]).execute("SELECT id FROM sessions")]
with open(sys.argv[2], "w") as out:
    for i in ids:
        out.write(i + " " + hmac.new(b"bench-secret", i.encode(), hashlib.sha256).hexdigest() + "\n")
' "$WORK/peer.db" "$WORK/peer-sessions.txt"
  PEER_PORT=$(free_port)
  DB="$WORK/peer.db" WORKERS=2 PORT=$PEER_PORT node "$PEER_DIR/server.js" >"$WORK/peer.log" 2>&1 &
  PEER_PID=$!
  peer_id=$(head -n 1 "$WORK/peer-sessions.txt" | cut -d' ' -f1)
  peer_signature=$(head -n 1 "$WORK/peer-sessions.txt" | cut -d' ' -f2)
  peer_probe=
  for _ in $(seq 200); do
    peer_probe=$(curl -s -o /dev/null -w '%{http_code} %{size_header} %{size_download}' \
      -H "X-AUTH-CLIENT: bench-key" -H "X-HMAC-SIGNATURE: $peer_signature" \
      "http://127.0.0.1:$PEER_PORT/v1/sessions/$peer_id/decision/ine-registry?version=v1" || true)
    [[ $peer_probe == 200\ * ]] && break
    kill -0 "$PEER_PID" 2>/dev/null || die "the Node peer exited: $(cat "$WORK/peer.log")"
    sleep 0.05
  done
  [[ $peer_probe == 200\ * ]] || die "the Node peer does not answer on $PEER_PORT: $(cat "$WORK/peer.log")"
  log "Node peer (pid $PEER_PID) on 127.0.0.1:$PEER_PORT, response bytes: $peer_probe"
fi

# ---------------------------------------------------------------------------------------
# 6. The same wrk script against every server: one warm-up each, then ROUNDS rounds in
#    which each server is measured once, the order rotating from round to round so that
#    a noisy moment of the shared machine does not always fall on the same server.
servers=(nginx)
[[ -n $PEER_PORT ]] && servers+=(peer)
[[ -n $BEFORE_PORT ]] && servers+=(before)
servers+=(inereg)
port_of() {
  case $1 in
    nginx) echo "$NGINX_PORT" ;;
    peer) echo "$PEER_PORT" ;;
    before) echo "$BEFORE_PORT" ;;
    inereg) echo "$INEREG_PORT" ;;
  esac
}
sessions_of() { if [[ $1 == peer ]]; then echo "$WORK/peer-sessions.txt"; else echo "$WORK/sessions.txt"; fi; }
key_of() { if [[ $1 == peer ]]; then echo bench-key; else echo "$API_KEY"; fi; }

# The processes that serve `name`: their CPU time is what the server spent.
pids_of() {
  case $1 in
    nginx) echo "$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')" ;;
    peer) echo "$PEER_PID $(pgrep -P "$PEER_PID" | tr '\n' ' ')" ;;
    before) echo "$BEFORE_PID" ;;
    inereg) echo "$INEREG_PID" ;;
  esac
}

# The system calls an HTTP server's loop makes, counted by name under BENCH_PERF_STAT.
SYSCALL_EVENTS=$(printf 'syscalls:sys_enter_%s,' read recvfrom recvmsg write writev sendto sendmsg \
  epoll_wait epoll_pwait epoll_ctl io_uring_enter futex ioctl clock_gettime timerfd_settime accept4 close)
SYSCALL_EVENTS=${SYSCALL_EVENTS%,}

# Rescheduling and function-call interrupts of all CPUs: a wake-up sent to the other
# CPU, costly in a VM (an exit on each side), against one on the waker's own CPU.
ipi_count() {
  awk '$1 == "RES:" || $1 == "CAL:" { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i } END { print n + 0 }' \
    /proc/interrupts
}

run_wrk() {  # name round|warmup
  local name=$1 round=$2
  local url
  url="http://127.0.0.1:$(port_of "$name")"
  local seconds=$DURATION latency=--latency
  if [[ $round == warmup ]]; then
    seconds=$WARMUP
    latency=
  fi
  local perf_pid=
  if [[ -n ${BENCH_PERF:-} && $round == "$ROUNDS" ]]; then
    # Profiling costs CPU on the same cores: the figures of such a run are not comparable.
    # Every server is profiled, the references too: where inereg spends more than nginx.
    perf record -q -F 199 --call-graph dwarf,16384 -p "$(pids_of "$name" | xargs | tr ' ' ',')" \
      -o "$WORK/perf-$name.data" -- sleep "$DURATION" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  # Other work on the machine skews the comparison: say how busy it was.
  log "$name: run $round, ${seconds}s (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  local pids ticks_before ticks_after
  pids=$(pids_of "$name")
  # shellcheck disable=SC2086  # one pid per word
  ticks_before=$(cpu_ticks $pids)
  local stat_pid= wrk_stat=()
  if [[ -n ${BENCH_PERF_STAT:-} && $round != warmup ]]; then
    # Each side's CPU and context switches per request: a server that answers later
    # finds wrk asleep more often, and every such answer costs a wake-up on both sides.
    # The server's system calls by name too: what it asks of the kernel per request.
    perf stat -e "task-clock,context-switches,cpu-migrations,$SYSCALL_EVENTS" -x, \
      -o "$WORK/stat-$name-$round-server.txt" -p "$(echo "$pids" | xargs | tr ' ' ',')" >/dev/null 2>&1 &
    stat_pid=$!
    wrk_stat=(perf stat -e task-clock,context-switches,cpu-migrations -x, -o "$WORK/stat-$name-$round-wrk.txt" --)
  fi
  local ipis_before
  ipis_before=$(ipi_count)
  # shellcheck disable=SC2086  # $latency is one flag or none
  "${wrk_stat[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${seconds}s" $latency -s "$BENCH_DIR/ine_registry.lua" "$url" \
    -- "$(sessions_of "$name")" "$(key_of "$name")" >"$WORK/$name-$round.txt"
  if [[ -n $stat_pid ]]; then
    kill -INT "$stat_pid"
    wait "$stat_pid" || true
  fi
  local ipis=$(($(ipi_count) - ipis_before))
  # shellcheck disable=SC2086  # one pid per word
  ticks_after=$(cpu_ticks $pids)
  # CPU per request: robust to how busy the shared machine is, unlike requests/s.
  local requests
  requests=$(bench_value_of "$WORK/$name-$round.txt" requests)
  if [[ -n $requests && $requests != 0 ]]; then
    echo "CPU cpu_us_per_req=$(((ticks_after - ticks_before) * 1000000 / $(getconf CLK_TCK) / requests))" \
      >>"$WORK/$name-$round.txt"
  fi
  if [[ -n $stat_pid && -n $requests && $requests != 0 ]]; then
    local side
    for side in server wrk; do
      awk -F, -v r="$requests" -v side="$side" '
        $3 == "task-clock" { cpu = $1 * 1000 / r }
        $3 == "context-switches" { cs = $1 / r }
        $3 == "cpu-migrations" { mig = $1 / r }
        END { printf "STAT %s_cpu_us_per_req=%.2f %s_switches_per_req=%.3f %s_migrations_per_req=%.4f\n", side, cpu, side, cs, side, mig }' \
        "$WORK/stat-$name-$round-$side.txt" >>"$WORK/$name-$round.txt"
    done
    awk -F, -v r="$requests" '
      $3 ~ /^syscalls:sys_enter_/ && $1 + 0 > 0 {
        sub(/^syscalls:sys_enter_/, "", $3); line = line sprintf(" %s=%.3f", $3, $1 / r); total += $1 }
      END { printf "SYSCALLS per_req=%.3f%s\n", total / r, line }' \
      "$WORK/stat-$name-$round-server.txt" >>"$WORK/$name-$round.txt"
    echo "IPIS per_req=$(awk -v i="$ipis" -v r="$requests" 'BEGIN { printf "%.4f", i / r }')" >>"$WORK/$name-$round.txt"
  fi
  if [[ -n $perf_pid ]]; then
    wait "$perf_pid" || true
    perf report -i "$WORK/perf-$name.data" --stdio --no-children --percent-limit 0.7 -g none \
      >"$WORK/perf-report-$name.txt" 2>/dev/null || true
    log "perf profile of $name (BENCH_PERF; top entries, full report in $WORK/perf-report-$name.txt):"
    grep -v '^#' "$WORK/perf-report-$name.txt" | grep -v '^$' | head -n 40 >&2 || true
  fi
  if [[ $round != warmup ]]; then
    grep -E '^(BENCH|CPU|STAT|SYSCALLS|IPIS) ' "$WORK/$name-$round.txt" | sed "s/^/    $name: /" >&2
  fi
}

for name in "${servers[@]}"; do
  run_wrk "$name" warmup
done
for round in $(seq "$ROUNDS"); do
  count=${#servers[@]}
  for ((i = 0; i < count; i++)); do
    run_wrk "${servers[(i + round) % count]}" "$round"
  done
  kill -0 "$INEREG_PID" 2>/dev/null || die "inereg died during the run: $(tail -n 20 "$WORK/inereg.log")"
done

# ---------------------------------------------------------------------------------------
# Summary.
python3 "$BENCH_DIR/ine_registry_summary.py" "$WORK" "$ROUNDS" "$TARGET_RATIO" "$TARGET_PEER" "$TARGET_P99" \
  "$SESSIONS" "$CONNECTIONS" "$WRK_THREADS" "$DURATION" "${servers[@]}"
