#!/usr/bin/env bash
# Sets up, builds and runs every test: unit, component and functional, first in a
# normal build (GCC), then built by clang with AddressSanitizer + UndefinedBehaviorSanitizer
# (clang compiles it in 45-70 % of GCC's time per file, and its warnings are a second
# compiler's; all tests but six volume runs, see below); checks formatting and runs
# clang-tidy. Both builds treat compiler warnings as errors. A throwaway PostgreSQL
# server runs for the PostgreSQL store tests and for a second pass of the component and
# functional tests against PostgreSQL (normal build only). Exits non-zero on the first
# failure.
#
# Tried and not kept: clang-tidy and the clang build in the background at idle priority
# (SCHED_IDLE) while the normal build's tests ran, since those kept only ~25 % of two
# cores busy. The tests slowed down more than the background gained: from a fresh clone
# the SQLite stage took 468 s instead of 206, the PostgreSQL stage 391 s instead of 185,
# and in those 859 s the clang build got through only 150 of its 261 steps.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

jobs=$(nproc)
# Each stage's header says when it started, in seconds since this script did (setup
# included): where CI's time goes, read off its log.
stage() { echo "== $* (at ${SECONDS} s)"; }

stage "format check"
git ls-files -z 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' | xargs -0 clang-format --dry-run -Werror

stage "PostgreSQL for the tests (a throwaway cluster on 127.0.0.1)"
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
stage "build (RelWithDebInfo, line tables only)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINEREG_WERROR=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
stage "clang-tidy (the repo's .clang-tidy; every finding is an error)"
# Over the normal build's compile_commands.json: every file of src/ plus tests/support/
# (and the project headers they include). Not the test files themselves: clang-tidy
# takes ~8 s of CPU per src/ file (measured: 2 to 28 s) and more per test file, which
# parses gtest and Beast too (tests/support/http_client.cpp: 19 s), so on 2 cores
# src/ + tests/support/ is ~5 min and all of tests/ would add roughly 7 more. The
# "N warnings generated" lines count diagnostics suppressed in system headers: noise.
run-clang-tidy -p build -j "$jobs" -quiet -header-filter="$PWD/(src|tests)/" "$PWD/(src|tests/support)/" 2>&1 |
  { grep -v 'warnings\? generated\.' || true; }
ninja -C build -j "$jobs"
stage "tests"
(cd build && ctest --output-on-failure -j "$jobs" --timeout 300)
stage "component and functional tests against PostgreSQL (one database per test)"
(cd build && INEREG_TEST_BACKEND=postgres ctest --output-on-failure -j "$jobs" --timeout 300 -L '^(component|functional)$')

stage "build (clang, ASan + UBSan, sockets through epoll)"
# Without the bench drivers: the normal build compiled them. With epoll instead of
# io_uring (INEREG_IO_URING=OFF, the build for hosts that forbid io_uring): the normal
# build ran every test through io_uring, this one runs them through the other backend.
cmake -S . -B build-asan -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DINEREG_SANITIZE=ON -DINEREG_WERROR=ON \
  -DINEREG_BENCH=OFF -DINEREG_IO_URING=OFF -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" >/dev/null
ninja -C build-asan -j "$jobs"
stage "tests under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Every test but the few that run, at volume, code the others already run under the
# sanitizers: the browser tests (the page's routes are the handlers the component tests
# call), the generated-card OCR runs (tools/cardgen's Python draws most of their time;
# vision_tests read cards through the same reader) and the 1 M-row import (the other
# import tests run its code on a few rows). They took 288 of the 947 s of test time under
# the sanitizers (fresh clone, Dec 6), and the normal build runs them all. The card runs
# carry the label volume where they are declared (tests/vision/CMakeLists.txt).
(cd build-asan && ctest --output-on-failure -j "$jobs" --timeout 600 -LE '^(browser|volume)$' \
  -E '^ImportRegistry\.AMillionRowsAreAllFound$')
stage "all passed"
