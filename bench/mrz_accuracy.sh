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
#   BENCH_SET=phone BENCH_SET_DIR=/var/tmp/phone-seed1 bench/mrz_accuracy.sh   # drawn once, reused
#   BENCH_SET=phone BENCH_SET_DIR=... BENCH_FIRST=300 BENCH_IMAGES=100 bench/mrz_accuracy.sh  # #300-399
#
# BENCH_SET_DIR keeps the set: images are drawn there in parts of 100 (part-START/, each
# cardgen.py --start START; BENCH_DRAW_JOBS parts at once, default 1) only where a part is
# missing, so later runs read the same bytes without drawing again (~2 s of a core per
# phone-like photo). BENCH_DRAW_ONLY=1 draws and stops.
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
first=${BENCH_FIRST:-0}
target=${BENCH_TARGET_EXACT:-97}
set_dir=${BENCH_SET_DIR:-}
[[ -z $set_dir || $first -ge 0 ]] || die "BENCH_FIRST must be >= 0"
[[ -n $set_dir || $first -eq 0 ]] || die "BENCH_FIRST needs BENCH_SET_DIR"

if [[ ${BENCH_DRAW_ONLY:-0} == 1 ]]; then
  driver=
elif [[ $# -ge 1 && -n $1 ]]; then
  driver=$1
else
  driver=$REPO/build-bench/mrz_accuracy
  if [[ ! -x $driver ]]; then
    log "building $driver (Release)"
    cmake -S "$REPO" -B "$REPO/build-bench" -G Ninja -DCMAKE_BUILD_TYPE=Release -DINEREG_TESTS=OFF >/dev/null
    ninja -C "$REPO/build-bench" -j2 mrz_accuracy
  fi
fi
[[ -z $driver || -x $driver ]] || die "$driver is not an executable"

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

# The cardgen options of each set.
if [[ $set_name == phone ]]; then
  # As a phone takes them: perspective, clutter, shadows, glare, motion blur, JPEG 45-70.
  options=(--seed "$seed" --phone)
else
  # Every format the reader accepts; 1 in 3 clean, the rest with rotation, blur, noise,
  # uneven light, JPEG/WebP compression and an off-centre card of varying size.
  options=(--seed "$seed" --formats "jpg,jpg,webp,jpg,png" --width "${BENCH_WIDTH:-1024}")
fi

if [[ -z $set_dir ]]; then
  log "generating $images synthetic $set_name card photos (seed $seed) in $work"
  "$python" "$REPO/tools/cardgen/cardgen.py" --out "$work" --count "$images" "${options[@]}"
  manifest=$work/manifest.tsv
else
  # A kept set: one directory per part of 100 images, drawn only when missing. A part is
  # drawn into part-START.tmp and renamed when complete; a lock per part keeps two runs
  # from drawing the same one.
  mkdir -p "$set_dir"
  description="$set_name ${options[*]}"
  if [[ -f $set_dir/set.txt ]]; then
    [[ $(cat "$set_dir/set.txt") == "$description" ]] ||
      die "$set_dir holds another set ($(cat "$set_dir/set.txt")), not: $description"
  else
    echo "$description" >"$set_dir/set.txt"
  fi
  draw_part() {  # start
    local part=$set_dir/part-$1
    (
      flock 9
      [[ -d $part ]] && exit 0
      rm -rf "$part.tmp"
      "$python" "$REPO/tools/cardgen/cardgen.py" --out "$part.tmp" --start "$1" --count 100 "${options[@]}"
      mv "$part.tmp" "$part"
    ) 9>"$part.lock"
  }
  parts=()
  for ((start = first / 100 * 100; start < first + images; start += 100)); do
    parts+=("$start")
  done
  missing=()
  for start in "${parts[@]}"; do
    [[ -d $set_dir/part-$start ]] || missing+=("$start")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "drawing ${#missing[@]} part(s) of 100 $set_name photos (seed $seed) into $set_dir"
    jobs_max=${BENCH_DRAW_JOBS:-1}
    for start in "${missing[@]}"; do
      while [[ $(jobs -rp | wc -l) -ge $jobs_max ]]; do
        wait -n
      done
      draw_part "$start" &
    done
    wait
  fi
  [[ ${BENCH_DRAW_ONLY:-0} == 1 ]] && exit 0
  # Images first .. first + images - 1, their paths absolute (the driver reads them
  # relative to the manifest's directory unless absolute).
  manifest=$work/manifest.tsv
  for start in "${parts[@]}"; do
    [[ -f $set_dir/part-$start/manifest.tsv ]] || die "part $start of $set_dir was not drawn"
    awk -F '\t' -v OFS='\t' -v dir="$set_dir/part-$start/" -v lo="$first" -v hi="$((first + images))" '
      /^#/ { next }
      { n = $1; sub(/^card_0*/, "", n); sub(/\..*$/, "", n); n += 0
        if (n >= lo && n < hi) { $1 = dir $1; print } }' "$set_dir/part-$start/manifest.tsv"
  done >"$manifest"
  log "reading images $first-$((first + images - 1)) of the kept set $set_dir"
fi

log "reading them"
# Tesseract's OpenMP threads only contend with each other on a small machine.
OMP_THREAD_LIMIT=1 "$driver" "$manifest" ${BENCH_VERBOSE:+--verbose} | tee "$work/result.txt"

summary=$(grep '^BENCH ' "$work/result.txt")
exact_pct=$(sed -n 's/.* exact_pct=\([0-9.]*\).*/\1/p' <<<"$summary")
wrong=$(sed -n 's/.* wrong=\([0-9]*\) .*/\1/p' <<<"$summary")
if [[ $wrong -eq 0 ]] && awk -v e="$exact_pct" -v t="$target" 'BEGIN { exit !(e >= t) }'; then
  log "PASS: ${exact_pct}% exact (target ${target}%), no wrong reading"
  exit 0
fi
log "FAIL: ${exact_pct}% exact (target ${target}%), $wrong wrong reading(s)"
exit 1
