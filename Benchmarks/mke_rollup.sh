#!/bin/sh
# The real Milwaukee month as 21 nights of DP counts per call type, with and without the roll-up of
# rare types into categories (README: "Records the bounds leave out", no silent drops). Imports each
# local day as that night's export (--append --covers DAY), releases it with $POLICY (default Benchmarks/mke-types.yaml)
# and with the same policy less roll_up, then prints per night the share of calls that appear in a
# published type or category (Benchmarks/rollup.py).
#
#   swift build -c release --product opendata
#   sh Benchmarks/mke_rollup.sh [WORKDIR]        (default /tmp/rollup-mke; run from the repository root)
set -eu
OPENDATA=${OPENDATA:-.build/release/opendata}
CSV=${CSV:-../shared/data/real-police/mke_calls_for_service_2018-05.csv}
WORK=${1:-/tmp/rollup-mke}
POLICY=${POLICY:-Benchmarks/mke-types.yaml}   # another policy with the same output id and roll_up line
rm -rf "$WORK" && mkdir -p "$WORK/nights" "$WORK/before"
awk -F, -v dir="$WORK/nights" 'NR == 1 { header = $0; next }
  { day = substr($2, 1, 10); file = dir "/" day ".csv"
    if (!(file in seen)) { seen[file] = 1; print header > file }
    print >> file }' "$CSV"
# The before policy: the same output with plain private keys (its id and title unchanged).
cp Benchmarks/mke-call-categories.csv "$WORK/before/"
sed "s/nature: {private: true, roll_up:.*/nature: private/" "$POLICY" > "$WORK/before/mke-types.yaml"
"$OPENDATA" keys generate --out "$WORK/release" --unencrypted
for day in $(seq -w 1 21); do
  night=2018-05-$day
  # Two stores: a store is bound to the one state database that releases from it.
  for side in after before; do
    "$OPENDATA" import --store "$WORK/$side.sqlite" --table calls --append --key id --timezone America/Chicago \
      --covers "$night" "$WORK/nights/$night.csv" >/dev/null
  done
  "$OPENDATA" release --store "$WORK/after.sqlite" --key "$WORK/release.key" --policy "$POLICY" \
    --out "$WORK/After" --window "$night" >/dev/null
  "$OPENDATA" release --store "$WORK/before.sqlite" --key "$WORK/release.key" --policy "$WORK/before/mke-types.yaml" \
    --out "$WORK/Before" --window "$night" >/dev/null
done
python3 Benchmarks/rollup.py "$CSV" "$POLICY" "$WORK/Before" "$WORK/After"
