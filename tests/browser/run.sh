#!/usr/bin/env bash
# ctest entry of the browser tests: installs the locked npm packages (playwright-core,
# @veriff/incontext-sdk) when missing, then runs test $1 against the inereg binary $2
# (further arguments go to the test).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/@veriff/incontext-sdk ]; then
  npm ci --no-audit --no-fund >/dev/null
fi
test_script="$1"
shift
exec node "$test_script" "$@"
