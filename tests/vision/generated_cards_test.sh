#!/usr/bin/env bash
# A larger set of card photos than the committed one, drawn at test time by
# tools/cardgen/cardgen.py, read by vision::MrzReader through the bench driver. Every
# reading must be exact or rejected (never wrong), and at least MIN_EXACT_PCT % exact.
# The seed is fixed so a failure reproduces; INEREG_TEST_CARDGEN_SEED picks another set.
#
#   generated_cards_test.sh path/to/mrz_accuracy [flat|phone]
#
# flat: 30 flat photos as today's set (rotation, blur, noise, JPEG/WebP/PNG); phone: 16
# phone-like photos (cardgen.py --phone: perspective, clutter, glare, motion blur, JPEG 45-70).
set -euo pipefail
driver=$1
kind=${2:-flat}
repo=$(cd "$(dirname "$0")/../.." && pwd)
seed=${INEREG_TEST_CARDGEN_SEED:-4242}
min_exact_pct=90
case $kind in
  flat)
    count=${INEREG_TEST_CARDGEN_COUNT:-30}
    options=(--formats jpg,webp,png,jpg)
    ;;
  phone)
    count=${INEREG_TEST_CARDGEN_COUNT:-16}
    options=(--phone)
    ;;
  *)
    echo "usage: $0 path/to/mrz_accuracy [flat|phone]" >&2
    exit 2
    ;;
esac

# cardgen needs Pillow and numpy; a python3 earlier in PATH (a virtualenv) may lack them.
python=python3
"$python" -c 'import PIL, numpy' 2>/dev/null || python=/usr/bin/python3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" "$repo/tools/cardgen/cardgen.py" --out "$work" --count "$count" --seed "$seed" "${options[@]}"
OMP_THREAD_LIMIT=1 "$driver" "$work/manifest.tsv" --verbose | tee "$work/result.txt"

summary=$(grep '^BENCH ' "$work/result.txt")
exact=$(sed -n 's/.* exact=\([0-9]*\) .*/\1/p' <<<"$summary")
wrong=$(sed -n 's/.* wrong=\([0-9]*\) .*/\1/p' <<<"$summary")
echo "$kind set, seed $seed: $exact of $count exact, $wrong wrong"
if [[ $wrong -ne 0 ]]; then
  echo "FAIL: $wrong reading(s) passed every check but differ from the card" >&2
  exit 1
fi
if (( exact * 100 < count * min_exact_pct )); then
  echo "FAIL: fewer than $min_exact_pct % read exactly" >&2
  exit 1
fi
