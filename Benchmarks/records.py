#!/usr/bin/env python3
"""Rows and columns of every record-level file, night by night.

Reads every release folder under a Releases directory: the `microdata` entries of its
`privacy-report.json` (records, generalisation levels, k, the sampling probability β and the
release whose generalisation a DP file keeps) and each record file `<output>.csv.gz`. Prints one
line per night and record-level output: rows in the file, the report's β and k, whether the night
chose its generalisation or kept an earlier night's, the columns that keep values (with their
generalisation level, 0 = as recorded, and the number of distinct values it shows) and the columns removed (every value `*`). Ends with a
summary per output: nights, min/median/max rows and on how many nights each column was kept.
Figures for the README ("Rows and columns of the DP record file, night by night").

The report does not state the noisy count n̂ a choosing night sized its search with, so the
expected sample β·n̂ is not printed.

    python3 Benchmarks/records.py /tmp/rec-demo/Releases
"""
import collections
import csv
import gzip
import json
import os
import statistics
import sys


def read_file(path):
    """The header, per column the number of distinct values other than `*` (counted up to 1,001), and the rows."""
    with gzip.open(path, "rt", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        values = [set() for _ in header]
        rows = 0
        for row in reader:
            if not row:
                continue
            rows += 1
            for i, value in enumerate(row[: len(header)]):
                if value != "*" and len(values[i]) <= 1000:
                    values[i].add(value)
    return header, [len(v) for v in values], rows


def main(root: str) -> None:
    nights = collections.defaultdict(list)  # (dataset, output) -> [(release, rows, kept columns)]
    print(f"{'dataset / output':34} {'release':11} {'rows':>6} {'report':>6} {'β':>6} {'k':>4}  "
          f"{'generalisation':22} columns kept (level; distinct values) | removed")
    for dataset in sorted(os.listdir(root)):
        folder = os.path.join(root, dataset)
        if dataset == "catalog" or not os.path.isdir(folder):
            continue
        for release in sorted(os.listdir(folder)):
            path = os.path.join(folder, release)
            report_path = os.path.join(path, "privacy-report.json")
            if not os.path.isdir(path) or os.path.islink(path) or not os.path.exists(report_path):
                continue
            with open(report_path, encoding="utf-8") as handle:
                report = json.load(handle)
            for entry in report.get("microdata", []):
                output = entry["output"]
                data = os.path.join(path, output + ".csv.gz")
                if not os.path.exists(data):
                    print(f"{dataset + ' / ' + output:34} {release:11} (no {output}.csv.gz)")
                    continue
                header, informative, rows = read_file(data)
                levels = entry.get("generalization_levels", {})
                dp = entry.get("differential_privacy") or {}
                beta = dp.get("sampling_probability")
                if dp.get("generalization_fixed_by_policy"):
                    how = "fixed by policy"
                elif dp.get("generalization_kept_from"):
                    how = "kept from " + dp["generalization_kept_from"]
                elif dp:
                    how = "chosen"
                else:
                    how = "plain k-anonymity"
                # A column keeps its value when some row is not `*` (and the file has rows at all).
                kept = [c for c, n in zip(header, informative) if n]
                removed = [c for c, n in zip(header, informative) if not n]
                distinct = dict(zip(header, informative))
                kept_text = ", ".join(f"{c} ({levels.get(c, '-')}; {distinct[c]} values)" for c in kept) or "-"
                removed_text = ", ".join(removed) or "-"
                beta_text = f"{beta:.3f}" if beta is not None else "-"
                print(f"{dataset + ' / ' + output:34} {release:11} {rows:6d} {entry['records']:6d} {beta_text:>6} "
                      f"{entry['k']:4d}  {how:22} {kept_text} | {removed_text}")
                nights[(dataset, output)].append((release, rows, kept, header))
    for (dataset, output), rows_by_night in sorted(nights.items()):
        counts = [rows for _, rows, _, _ in rows_by_night]
        columns = []
        for _, _, _, header in rows_by_night:
            columns += [c for c in header if c not in columns]
        kept_nights = collections.Counter(c for _, _, kept, _ in rows_by_night for c in kept)
        print()
        print(f"{dataset} / {output}: {len(counts)} nights, rows min {min(counts)}, "
              f"median {statistics.median(counts):g}, max {max(counts)}, total {sum(counts)}; "
              f"nights with 0 rows: {sum(1 for c in counts if c == 0)}")
        print("  nights each column kept: " + ", ".join(f"{c} {kept_nights[c]}/{len(counts)}" for c in columns))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Releases")
