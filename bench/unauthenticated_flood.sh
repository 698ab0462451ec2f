#!/usr/bin/env bash
# Memory under an unauthenticated upload flood (issue: "show RSS stays bounded with 500
# connections each sending a 24 MiB body without credentials"). Runs the functional
# test Flood.* with BENCH_CONNECTIONS clients (500 by default) against a fresh
# `inereg serve` and prints the server's VmHWM before and after. The test fails if the
# server's peak grew by 48 MiB or more (two refused bodies' worth).
#
#   bench/unauthenticated_flood.sh [build-dir]     # default: build
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$REPO/build}
TESTS=$BUILD/tests/functional/functional_tests
[[ -x $TESTS ]] || { echo "build the tests first: ninja -C $BUILD functional_tests inereg" >&2; exit 2; }
INEREG_TEST_FLOOD_CONNECTIONS=${BENCH_CONNECTIONS:-500} "$TESTS" --gtest_filter='Flood.*' | grep -E '^flood:|OK|FAILED'
