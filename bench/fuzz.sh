#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz) for a given time each, one after the other,
# and prints per target the executions, the rate and the findings.
#
#   bench/fuzz.sh TARGET|all SECONDS
#
# TARGET is a name from tests/fuzz (mrz, http_request, session_body, media_body,
# image_content, upstream_reply, webhook_url, config_toml). Builds them first in
# build-fuzz (clang, -DINEREG_FUZZ=ON: libFuzzer, ASan, UBSan). Each run starts from the
# committed seed corpus plus what earlier runs found (build-fuzz/fuzz-work/TARGET/corpus;
# the committed corpus is never written); a crashing or timing-out input is saved there
# as crash-*/timeout-*/leak-*, which is a finding: fix it at its cause and add the input
# to tests/fuzz/corpus/TARGET. One process per target: the machine's cores are shared.
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_FLAGS (extra libFuzzer flags;
# e.g. FUZZ_FLAGS=-runs=10100000 stops a target at that many executions, SECONDS then
# being the most it may take).
# Prints one line per target (libFuzzer's final stats; S is the run's length):
#   FUZZ target=T seconds=S executions=N exec_per_s=R findings=K
# and exits 1 if any target had a finding.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=$REPO/bench
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

[[ $# -eq 2 ]] || die "usage: bench/fuzz.sh TARGET|all SECONDS"
target_arg=$1
seconds=$2
[[ $seconds =~ ^[0-9]+$ ]] || die "SECONDS must be a whole number"
build=${FUZZ_BUILD_DIR:-$REPO/build-fuzz}
all_targets=(mrz http_request session_body media_body image_content upstream_reply webhook_url config_toml)
if [[ $target_arg == all ]]; then
  targets=("${all_targets[@]}")
else
  [[ -d $REPO/tests/fuzz/corpus/$target_arg ]] || die "no target $target_arg (no tests/fuzz/corpus/$target_arg)"
  targets=("$target_arg")
fi

require_tools clang++ ninja cmake
if [[ ! -f $build/CMakeCache.txt ]]; then
  log "configuring $build (clang, INEREG_FUZZ=ON)"
  # -O1 and line tables only: the usual libFuzzer build, and half the compile time of -O2 -g.
  # ccache when there is one (the machine's cache is shared: base_dir makes the objects
  # of one worktree hits for another).
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  CXX=clang++ cmake -S "$REPO" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" -DINEREG_FUZZ=ON -DINEREG_BENCH=OFF \
    "${launcher[@]}" >/dev/null
fi
ninja -C "$build" -j2 "${targets[@]/%/_fuzz}" >&2

# ASan's defaults record 30 frames of stack at every malloc and free and keep 256 MB of
# freed memory in quarantine. The body targets allocate heavily per input (a signed
# request through the API and the SQLite store), and with those defaults they spent half
# their time there: 1,957 against 3,855 executions/s for session_body in the same 60 s.
# Eight frames still name the caller in a report, a 32 MB quarantine still catches a
# use-after-free of anything freed in the same input, and leak detection stays on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=8:quarantine_size_mb=32}

status=0
for target in "${targets[@]}"; do
  work=$build/fuzz-work/$target
  mkdir -p "$work/corpus"
  log "fuzzing $target for ${seconds}s"
  # -timeout: an input taking 10 s is a finding (the default is 20 minutes);
  # -rss_limit_mb: the service's own limits keep it far below.
  # shellcheck disable=SC2086
  "$build/tests/fuzz/${target}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/" ${FUZZ_FLAGS:-} "$work/corpus" "$REPO/tests/fuzz/corpus/$target" \
    >"$work/log" 2>&1 || true
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  findings=$(find "$work" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'leak-*' -o -name 'oom-*' \) | wc -l)
  executions=${executions:-0}
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  rate=${rate:-0}
  # The run's length as libFuzzer reports it ("Done N runs in S second(s)"): shorter
  # than SECONDS when FUZZ_FLAGS' -runs= ended it first.
  ran=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$work/log" | tail -1)
  ran=${ran:-$seconds}
  echo "FUZZ target=$target seconds=$ran executions=$executions exec_per_s=$rate findings=$findings"
  if [[ $findings -gt 0 ]]; then
    log "$target: findings in $work (log: $work/log)"
    status=1
  fi
done
exit $status
