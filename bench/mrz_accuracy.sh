#!/usr/bin/env bash
# MRZ reading accuracy: generates synthetic card photos with tools/cardgen/cardgen.py and
# runs vision::MrzReader over them (bench/mrz_accuracy.cpp). Prints the share read
# exactly, rejected as unreadable (by reason), read wrongly, time per image (mean, p95) and
# the driver's peak RSS.
#
#   bench/mrz_accuracy.sh                    # flat set: 500 images, seed 1, build-bench/mrz_accuracy
#   BENCH_SET=phone bench/mrz_accuracy.sh    # phone-like set: 1,000 images, seed 1 (cardgen.py --phone)
#   BENCH_IMAGES=1000 BENCH_SEED=7 bench/mrz_accuracy.sh
#   bench/mrz_accuracy.sh path/to/mrz_accuracy
#
# Exit 0 = PASS (exact >= BENCH_TARGET_EXACT % and no wrong read), 1 = FAIL, 2 = setup failed.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=lib.sh
source "$BENCH_DIR/lib.sh"

set_name=${BENCH_SET:-flat}
case $set_name in
  flat) images=${BENCH_IMAGES:-500} ;;
  phone) images=${BENCH_IMAGES:-1000} ;;
  *) die "BENCH_SET must be flat or phone, not $set_name" ;;
esac
seed=${BENCH_SEED:-1}
target=${BENCH_TARGET_EXACT:-97}

if [[ $# -ge 1 && -n $1 ]]; then
  driver=$1
else
  driver=$REPO/build-bench/mrz_accuracy
  if [[ ! -x $driver ]]; then
    log "building $driver (Release)"
    cmake -S "$REPO" -B "$REPO/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DINEREG_TESTS=OFF >/dev/null
    ninja -C "$REPO/build-bench" -j2 mrz_accuracy
  fi
fi
[[ -x $driver ]] || die "$driver is not an executable"

# cardgen needs Pillow and numpy (Debian python3-pil python3-numpy); a python3 earlier in
# PATH (a virtualenv, pyenv) may not have them, so fall back to the system interpreter.
python=python3
if ! "$python" -c 'import PIL, numpy' 2>/dev/null; then
  python=/usr/bin/python3
  "$python" -c 'import PIL, numpy' 2>/dev/null || die "python3 with Pillow and numpy not found (python3-pil python3-numpy)"
fi

pick_tmpdir
work=$(mktemp -d "$BENCH_TMPDIR/mrz-accuracy.XXXXXX")
[[ ${BENCH_KEEP:-0} == 1 ]] || trap 'rm -rf "$work"' EXIT

log "generating $images synthetic $set_name card photos (seed $seed) in $work"
if [[ $set_name == phone ]]; then
  # As a phone takes them: perspective, clutter, shadows, glare, motion blur, JPEG 45-70.
  "$python" "$REPO/tools/cardgen/cardgen.py" --out "$work" --count "$images" --seed "$seed" --phone
else
  # Every format the reader accepts; 1 in 3 clean, the rest with rotation, blur, noise,
  # uneven light, JPEG/WebP compression and an off-centre card of varying size.
  "$python" "$REPO/tools/cardgen/cardgen.py" --out "$work" --count "$images" --seed "$seed" \
    --formats jpg,jpg,webp,jpg,png --width "${BENCH_WIDTH:-1024}"
fi

log "reading them"
# Tesseract's OpenMP threads only contend with each other on a small machine.
OMP_THREAD_LIMIT=1 "$driver" "$work/manifest.tsv" ${BENCH_VERBOSE:+--verbose} | tee "$work/result.txt"

summary=$(grep '^BENCH ' "$work/result.txt")
exact_pct=$(sed -n 's/.* exact_pct=\([0-9.]*\).*/\1/p' <<<"$summary")
wrong=$(sed -n 's/.* wrong=\([0-9]*\) .*/\1/p' <<<"$summary")
if [[ $wrong -eq 0 ]] && awk -v e="$exact_pct" -v t="$target" 'BEGIN { exit !(e >= t) }'; then
  log "PASS: ${exact_pct}% exact (target ${target}%), no wrong reading"
  exit 0
fi
log "FAIL: ${exact_pct}% exact (target ${target}%), $wrong wrong reading(s)"
exit 1
