#!/usr/bin/env bash
# Phone-like photos drawn to fail one way each (tools/cardgen/cardgen.py --phone --fail
# KIND), read by vision::MrzReader through the bench driver: none may be read wrongly, and
# at least MIN of the COUNT photos of each kind must give that kind as the reason
# (vision::ReadFailure), which the verification page words for the person. The seed is
# fixed so a failure reproduces; INEREG_TEST_CARDGEN_SEED picks another set.
#
#   failure_reasons_test.sh path/to/mrz_accuracy
#
# Not every photo of a kind can say so: a card so far away that its MRZ lines run together
# is not found at all (mrz_not_found), and a reflection that hides most of a line leaves
# no MRZ to find. The minimums record what the reader tells today.
set -euo pipefail
driver=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
seed=${INEREG_TEST_CARDGEN_SEED:-7}
count=8
declare -A min=([blurred]=6 [glare]=5 [cut_off]=6 [too_small]=1 [mrz_not_found]=7)

# cardgen needs Pillow and numpy; a python3 earlier in PATH (a virtualenv) may lack them.
python=python3
"$python" -c 'import PIL, numpy' 2>/dev/null || python=/usr/bin/python3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for kind in blurred glare cut_off too_small mrz_not_found; do
  "$python" "$repo/tools/cardgen/cardgen.py" --out "$work/$kind" --count "$count" --seed "$seed" --phone --fail "$kind"
  OMP_THREAD_LIMIT=1 "$driver" "$work/$kind/manifest.tsv" --verbose >"$work/$kind.txt"
  said=$(awk -F '\t' -v kind="$kind" '$2 == "unreadable" && $4 == kind' "$work/$kind.txt" | wc -l)
  wrong=$(grep -c '^card_[0-9]*\.jpg	WRONG' "$work/$kind.txt" || true)
  echo "$kind: $said of $count photos say $kind ($(cut -f4 "$work/$kind.txt" | grep -v '^$' | grep -v '^BENCH' |
    sort | uniq -c | tr -s ' ' | tr '\n' ',')), $wrong wrong"
  if [[ $wrong -ne 0 ]]; then
    echo "FAIL: $kind: $wrong photo(s) read wrongly" >&2
    status=1
  fi
  if (( said < min[$kind] )); then
    echo "FAIL: $kind: fewer than ${min[$kind]} photos say $kind" >&2
    status=1
  fi
done
exit $status
