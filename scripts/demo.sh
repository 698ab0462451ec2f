#!/usr/bin/env bash
# Sets up, builds and runs inereg on its embedded SQLite store with demo data:
# a demo integration, a generated registry, and signed curl commands to paste.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DINEREG_TESTS=OFF >/dev/null
ninja -C build-release inereg
exec build-release/inereg serve --demo "$@"
