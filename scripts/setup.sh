#!/usr/bin/env bash
# Installs what inereg needs to build, test and benchmark, from Debian 12's packages.
# Idempotent; run as root or with sudo available.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-context1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  liburing-dev libssl-dev openssl libsqlite3-dev sqlite3 libpq-dev postgresql libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format clang-tidy clang libclang-rt-14-dev
  curl python3 python3-yaml wrk nginx-light
  chromium
  libtesseract-dev libleptonica-dev libpng-dev libwebp-dev tesseract-ocr-eng fonts-ocr-b python3-pil python3-numpy
)

# The webhook tests' receiver runs on Node; Debian's nodejs only when no node is on PATH
# (a newer Node installed otherwise is kept).
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs)
fi
# The browser test installs playwright-core with npm.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
echo "setup: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
