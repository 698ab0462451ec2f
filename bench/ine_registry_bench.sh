#!/usr/bin/env bash
# Throughput benchmark of GET /v1/sessions/{id}/decision/ine-registry.
#
#   bench/ine_registry_bench.sh [path/to/inereg]
#
# Seeds a fresh inereg (SQLite in a temp dir) with >= 10,000 submitted sessions through
# the real API, then drives the same wrk script against nginx answering a fixed body of
# the same size (the reference: what a fast HTTP server costs on this machine) and
# against inereg. PASS when inereg reaches half of nginx's requests/s with no non-200
# response and no socket error. Everything runs on 127.0.0.1; see bench/README.md.
#
# Environment: BENCH_DURATION (measured seconds, default 15), BENCH_WARMUP (5),
# BENCH_SESSIONS (10000), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_TARGET_RATIO (0.5), BENCH_TMPDIR (where the temp dir goes; default /dev/shm
# when it is a tmpfs, else $TMPDIR or /tmp), BENCH_KEEP=1 (keep the temp dir),
# BENCH_PERF=1 (record a perf profile of inereg during its measured run; implies that
# run's figures are not comparable).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
DURATION=${BENCH_DURATION:-15}
WARMUP=${BENCH_WARMUP:-5}
SESSIONS=${BENCH_SESSIONS:-10000}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WRK_THREADS=${BENCH_THREADS:-2}
TARGET_RATIO=${BENCH_TARGET_RATIO:-0.5}
REGISTRY_SIZE=20000

# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

require_tools wrk nginx openssl python3 curl
find_inereg "${1:-}"

# The temp dir goes on a RAM-backed file system when there is one: seeding makes ~4
# fsync'd SQLite commits per session (create, submit, check claim, check result), which
# on this machine's disk takes ~100 s for 10,000 sessions instead of ~15 s. The measured
# GETs only read, from the page cache either way. BENCH_TMPDIR overrides the choice.
pick_tmpdir
WORK=$(mktemp -d "$BENCH_TMPDIR/inereg-bench.XXXXXX")
INEREG_PID=
NGINX_PID=

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_process "$NGINX_PID" nginx
  stop_process "$INEREG_PID" inereg
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

# ---------------------------------------------------------------------------------------
# 3 + 5. The same wrk script against both servers: warm-up, then the measured run.
run_wrk() {  # name port
  local name=$1 port=$2
  local url="http://127.0.0.1:$port"
  log "$name: warm-up ${WARMUP}s"
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$BENCH_DIR/ine_registry.lua" "$url" \
    -- "$WORK/sessions.txt" "$API_KEY" >"$WORK/$name-warmup.txt"
  # Other work on the machine skews the comparison: say how busy it was.
  log "$name: measured run ${DURATION}s (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  local perf_pid=
  if [[ -n ${BENCH_PERF:-} && $name == inereg ]]; then
    # Profiling costs CPU on the same cores: the figures of such a run are not comparable.
    perf record -q -F 199 --call-graph dwarf,16384 -p "$INEREG_PID" -o "$WORK/perf.data" -- sleep "$DURATION" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/ine_registry.lua" "$url" \
    -- "$WORK/sessions.txt" "$API_KEY" >"$WORK/$name.txt"
  if [[ -n $perf_pid ]]; then
    wait "$perf_pid" || true
    perf report -i "$WORK/perf.data" --stdio --no-children --percent-limit 0.7 -g none \
      >"$WORK/perf-report.txt" 2>/dev/null || true
    log "perf profile of inereg (BENCH_PERF; top entries, full report in $WORK/perf-report.txt):"
    grep -v '^#' "$WORK/perf-report.txt" | grep -v '^$' | head -n 40 >&2 || true
  fi
  sed 's/^/    /' "$WORK/$name.txt" >&2
}

run_wrk nginx "$NGINX_PORT"
run_wrk inereg "$INEREG_PORT"
kill -0 "$INEREG_PID" 2>/dev/null || die "inereg died during the run: $(tail -n 20 "$WORK/inereg.log")"

# ---------------------------------------------------------------------------------------
# Summary.
python3 - "$WORK" "$TARGET_RATIO" "$SESSIONS" "$CONNECTIONS" "$WRK_THREADS" "$DURATION" <<'EOF'
import re
import sys

work, target, sessions, connections, threads, duration = sys.argv[1:]
target = float(target)


def parse(name):
    with open(f"{work}/{name}.txt") as f:
        line = next(l for l in f if l.startswith("BENCH "))
    return {k: float(v) for k, v in re.findall(r"(\w+)=(\S+)", line)}


nginx, inereg = parse("nginx"), parse("inereg")
ratio = inereg["rps"] / nginx["rps"] if nginx["rps"] else 0.0
ok = ratio >= target and inereg["non200"] == 0 and inereg["socket_errors"] == 0
print()
print(f"GET /v1/sessions/{{id}}/decision/ine-registry?version=v1 — {int(float(sessions))} sessions, "
      f"wrk {threads} threads x {connections} connections, {duration} s measured")
print(f"{'':8} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'requests':>10} {'non-200':>8} {'sock err':>8}")
for name, r in (("nginx", nginx), ("inereg", inereg)):
    print(f"{name:8} {r['rps']:>10.0f} {r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f} {int(r['requests']):>10} "
          f"{int(r['non200']):>8} {int(r['socket_errors']):>8}")
print(f"ratio inereg/nginx: {ratio:.3f} (target >= {target})")
print(f"inereg non-200 responses: {int(inereg['non200'])}, socket errors: {int(inereg['socket_errors'])}")
print("RESULT: " + ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
EOF
