#!/usr/bin/env python3
"""Share of published values per reliability flag, per dataset, output and statistic.

Reads every release folder under a Releases directory (the `<statistic>_flag` columns of each
aggregate output's CSV) and prints, per output and statistic, how many values were published
with each flag over all releases. Figures for the README ("Reliability flags").

    python3 Benchmarks/flags.py /tmp/city/Releases
"""
import collections
import csv
import gzip
import io
import os
import sys


def main(root: str) -> None:
    shares = collections.defaultdict(collections.Counter)
    for dataset in sorted(os.listdir(root)):
        folder = os.path.join(root, dataset)
        if dataset == "catalog" or not os.path.isdir(folder):
            continue
        for release in sorted(os.listdir(folder)):
            path = os.path.join(folder, release)
            if not os.path.isdir(path) or os.path.islink(path):
                continue
            for name in sorted(os.listdir(path)):
                if not name.endswith(".csv.gz"):
                    continue
                with gzip.open(os.path.join(path, name), "rt", newline="") as handle:
                    rows = list(csv.DictReader(io.StringIO(handle.read())))
                for row in rows:
                    for column, value in row.items():
                        if column.endswith("_flag"):
                            key = (dataset, name[: -len(".csv.gz")], column[: -len("_flag")])
                            shares[key][value] += 1
    print(f"{'dataset / output / statistic':70} {'values':>7}  reliable  low prec.  noise  withheld  unrated")
    for key, counter in sorted(shares.items()):
        total = sum(counter.values())
        cells = [100 * counter[flag] / total for flag in ("reliable", "low precision", "noise", "withheld", "unrated")]
        print(f"{' / '.join(key):70} {total:7d}  " + "  ".join(f"{c:7.1f}%" for c in cells))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Releases")
