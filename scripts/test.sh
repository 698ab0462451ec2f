#!/usr/bin/env bash
# Sets up, builds and runs every test: unit, component and functional, first in a
# normal build (GCC), then built by clang with AddressSanitizer + UndefinedBehaviorSanitizer
# (clang compiles it in 45-70 % of GCC's time per file, and its warnings are a second
# compiler's); checks formatting and runs clang-tidy. Both builds treat compiler warnings
# as errors. A throwaway PostgreSQL server runs for the PostgreSQL store tests and for a
# second pass of the component and functional tests against PostgreSQL (normal build
# only). Exits non-zero on the first failure.
#
# The tests mostly wait (timers, sockets, other processes): the normal build's two test
# stages kept ~25 % of two cores busy (measured: 90 s of CPU in 206 s, 92 s in 161 s).
# So the clang build and clang-tidy run meanwhile, in the background at idle priority
# (SCHED_IDLE: they get a core only when no test wants it), and their output is shown
# when they are waited for.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

jobs=$(nproc)

echo "== format check"
git ls-files -z 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' | xargs -0 clang-format --dry-run -Werror

echo "== PostgreSQL for the tests (a throwaway cluster on 127.0.0.1)"
pg_dir=$(mktemp -d)
stop_postgres() {
  scripts/pg-test-server.sh stop "$pg_dir" >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_postgres EXIT
INEREG_TEST_POSTGRES_URL=$(scripts/pg-test-server.sh start "$pg_dir")
export INEREG_TEST_POSTGRES_URL
echo "PostgreSQL at $INEREG_TEST_POSTGRES_URL"

# Both builds carry line tables only (-g1): enough for sanitizer reports and backtraces,
# and the full debug info of -g made each test file's compile ~60 % slower (measured on
# tests/component/media_test.cpp: 25 s of CPU at -O2 -g, 15.5 s at -O2 -g1).
echo "== build (RelWithDebInfo, line tables only)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINEREG_WERROR=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
ninja -C build -j "$jobs"

# Idle priority where the system allows it, else the lowest nice level.
idle=(chrt --idle 0)
"${idle[@]}" true 2>/dev/null || idle=(nice -n 19)
background_logs=$(mktemp -d)
declare -A background_pids=()
stop_background() {
  local pid
  for pid in "${background_pids[@]}"; do
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
  done
  rm -rf "$background_logs"
  stop_postgres
}
trap stop_background EXIT
# Runs "$@" in the background at idle priority in a session of its own (so that it can
# be stopped whole), as job $1.
start_background() {
  local name=$1
  shift
  setsid --wait "${idle[@]}" "$@" >"$background_logs/$name.log" 2>&1 &
  background_pids[$name]=$!
}
# Waits for job $1; shows its output, only the last $2 lines when it succeeded (all
# when $2 is empty); fails when the job failed.
wait_background() {
  local name=$1 lines=${2:-} status=0
  wait "${background_pids[$name]}" || status=$?
  unset "background_pids[$name]"
  if [[ $status -eq 0 && -n $lines ]]; then
    tail -n "$lines" "$background_logs/$name.log"
  else
    cat "$background_logs/$name.log"
  fi
  return "$status"
}

echo "== clang-tidy and the clang ASan + UBSan build start in the background (shown when done)"
# clang-tidy: the repo's .clang-tidy, every finding an error, over the normal build's
# compile_commands.json: every file of src/ plus tests/support/ (and the project headers
# they include). Not the test files themselves: clang-tidy takes ~8 s of CPU per src/
# file (measured: 2 to 28 s) and more per test file, which parses gtest and Beast too
# (tests/support/http_client.cpp: 19 s), so src/ + tests/support/ is ~10 min of CPU and
# all of tests/ would add roughly 14 more. The "N warnings generated" lines count
# diagnostics suppressed in system headers: noise.
# shellcheck disable=SC2016  # expanded by the inner bash
start_background clang-tidy bash -o pipefail -c \
  'run-clang-tidy -p build -j "$1" -quiet -header-filter="$PWD/(src|tests)/" "$PWD/(src|tests/support)/" 2>&1 |
     { grep -v "warnings\? generated\." || true; }' clang-tidy "$jobs"
# The sanitizer build needs no benchmark drivers: the normal build compiled them.
cmake -S . -B build-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DINEREG_SANITIZE=ON \
  -DINEREG_WERROR=ON -DINEREG_BENCH=OFF -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" >/dev/null
start_background asan-build ninja -C build-asan -j "$jobs"

echo "== tests"
(cd build && ctest --output-on-failure -j "$jobs" --timeout 300)
echo "== component and functional tests against PostgreSQL (one database per test)"
(cd build && INEREG_TEST_BACKEND=postgres ctest --output-on-failure -j "$jobs" --timeout 300 -L '^(component|functional)$')

echo "== build (clang, ASan + UBSan): waiting for the background build"
wait_background asan-build 3
echo "== tests under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j "$jobs" --timeout 600)

echo "== clang-tidy: waiting for it"
wait_background clang-tidy
