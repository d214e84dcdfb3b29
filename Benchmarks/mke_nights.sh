#!/bin/sh
# The real Milwaukee month as 21 nights of a DP record file (README: "The DP record file, night by night").
# Splits the export by local day, imports each day as that night's export (--append --covers DAY)
# and releases the night with Benchmarks/mke-records.yaml, then prints rows and columns per night.
#
#   swift build -c release --product opendata
#   sh Benchmarks/mke_nights.sh [WORKDIR]        (default /tmp/rec-mke; run from the repository root)
set -eu
OPENDATA=${OPENDATA:-.build/release/opendata}
CSV=${CSV:-../shared/data/real-police/mke_calls_for_service_2018-05.csv}
WORK=${1:-/tmp/rec-mke}
rm -rf "$WORK" && mkdir -p "$WORK/nights"
# One file per local day (the time column is the second, never quoted).
awk -F, -v dir="$WORK/nights" 'NR == 1 { header = $0; next }
  { day = substr($2, 1, 10); file = dir "/" day ".csv"
    if (!(file in seen)) { seen[file] = 1; print header > file }
    print >> file }' "$CSV"
"$OPENDATA" keys generate --out "$WORK/release" --unencrypted
for day in $(seq -w 1 21); do
  night=2018-05-$day
  "$OPENDATA" import --store "$WORK/mke.sqlite" --table calls --append --key id --timezone America/Chicago \
    --covers "$night" "$WORK/nights/$night.csv"
  "$OPENDATA" release --store "$WORK/mke.sqlite" --key "$WORK/release.key" --policy Benchmarks/mke-records.yaml \
    --out "$WORK/Releases" --window "$night"
done
python3 Benchmarks/records.py "$WORK/Releases"
