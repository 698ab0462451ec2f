# shellcheck shell=bash
# Shell functions shared by the benchmark scripts (sourced, not run). Expects the caller
# to `set -euo pipefail` and to define BENCH_DIR and REPO.

log() { printf '[bench] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 2
}

require_tools() {  # tool...
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian packages: wrk nginx-light openssl python3 curl)"
  done
}

# The inereg binary: $1 if given, else build-bench/inereg (Release), built when missing.
# Sets INEREG.
find_inereg() {
  if [[ $# -ge 1 && -n $1 ]]; then
    INEREG=$1
    [[ -x $INEREG ]] || die "$INEREG is not an executable"
  else
    INEREG=$REPO/build-bench/inereg
    if [[ ! -x $INEREG ]]; then
      log "building $INEREG (Release)"
      cmake -S "$REPO" -B "$REPO/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DINEREG_TESTS=OFF >/dev/null
      ninja -C "$REPO/build-bench" -j2 inereg
    fi
  fi
}

# The registry snapshot files of one of a run's databases (registry.snapshot_dir), for the
# commands run after it: its import, its nodes. A SQLite database keeps them beside its file;
# on PostgreSQL there is no file to keep them beside, and `registry import` fails without a
# directory named. One directory per database: an import deletes the other snapshot files
# of its directory, so a database sharing one would lose its active file to the other's
# import, and its checks would wait as unavailable (which made write_bench.sh's BEFORE
# database retry every check from its second round on, until Dec 6).
use_snapshot_dir() {  # the database's own directory
  export INEREG_REGISTRY_SNAPSHOT_DIR=$1/snapshots
}

# User + system CPU ticks of the given processes (all their threads); a process gone
# meanwhile counts 0. The command name in /proc/PID/stat may hold spaces: fields are
# counted after its closing parenthesis.
cpu_ticks() {  # pid...
  local total=0 pid fields
  for pid in "$@"; do
    fields=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
    # shellcheck disable=SC2086  # word splitting picks the fields
    set -- $fields
    total=$((total + ${12} + ${13}))  # utime, stime (fields 14 and 15 of stat)
  done
  echo "$total"
}

# The CPU ticks of the children a process has waited for (cutime + cstime): what its
# exited children used.
reaped_cpu_ticks() {  # pid
  local fields
  fields=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  # shellcheck disable=SC2086  # word splitting picks the fields
  set -- $fields
  echo $((${14} + ${15}))  # cutime, cstime (fields 16 and 17 of stat)
}

# Ticks as seconds, one decimal.
ticks_as_seconds() {  # ticks
  awk -v t="$1" -v k="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / k }'
}

# Where temp dirs go: BENCH_TMPDIR, else /dev/shm when it is a tmpfs (seeding makes
# fsync'd commits; see README), else $TMPDIR or /tmp. Sets BENCH_TMPDIR.
pick_tmpdir() {
  if [[ -z ${BENCH_TMPDIR:-} ]]; then
    BENCH_TMPDIR=${TMPDIR:-/tmp}
    if [[ -d /dev/shm && -w /dev/shm ]] && [[ $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs ]]; then
      BENCH_TMPDIR=/dev/shm
    fi
  fi
}

stop_process() {  # pid name: SIGTERM, then SIGKILL if it has not exited within 5 s
  local pid=$1 name=$2
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name ($pid) did not stop on SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

json_field() {  # file field
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# Starts `inereg serve --listen 127.0.0.1:0 --db DB` in the background with its log in
# LOGFILE and waits for its "listening" line. Sets SERVE_PID and SERVE_PORT. The caller
# records SERVE_PID for its cleanup.
start_serve() {  # db logfile
  local db=$1 logfile=$2
  # Two IO threads: one per core on the 2-core machine the figures come from.
  INEREG_HTTP_IO_THREADS=${INEREG_HTTP_IO_THREADS:-2} "$INEREG" serve --listen 127.0.0.1:0 --db "$db" 2>"$logfile" &
  SERVE_PID=$!
  SERVE_PORT=
  for _ in $(seq 200); do
    SERVE_PORT=$(sed -n 's/.*inereg listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$logfile" | head -n 1)
    [[ -n $SERVE_PORT ]] && break
    kill -0 "$SERVE_PID" 2>/dev/null || die "inereg serve exited: $(cat "$logfile")"
    sleep 0.05
  done
  [[ -n $SERVE_PORT ]] || die "inereg did not report its port: $(cat "$logfile")"
}

# The value of KEY in the `BENCH key=value ...` line of a wrk output file.
bench_value_of() {  # file key
  sed -n "s/^BENCH .*\\b$2=\\([^ ]*\\).*/\\1/p" "$1"
}

# The end of every bench script's EXIT trap: stop whatever else this shell started in
# the background, remove (or keep, with BENCH_KEEP) the work dir $WORK, exit with $1.
finish_cleanup() {  # status
  local pid
  for pid in $(jobs -p); do
    kill -TERM "$pid" 2>/dev/null || true
  done
  if [[ -n ${BENCH_KEEP:-} ]]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$1"
}
