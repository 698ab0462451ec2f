#!/usr/bin/env bash
# ctest entry of the browser test: installs the locked playwright-core when missing,
# then runs the test against the inereg binary given as $1.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund >/dev/null
fi
exec node cors_sdk_test.mjs "$1"
