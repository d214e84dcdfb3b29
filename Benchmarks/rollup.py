#!/usr/bin/env python3
"""Per night, the share of calls that appear in a published row of a DP count by call type, before
and after the roll-up of rare types into categories (README: "Records the bounds leave out").

Reads the raw export (the truth, never published), the policy's exclusions and its roll-up file, and
two Releases folders of the same nights: one released without roll_up (Before), one with (After).
A call "appears" when its type has a row of its own or, after, when its type's category row counts
it (every category row is published, so every call of an unpublished type does). Also prints how
many types each night publishes, and the noisy category counts against the true number of calls in
unpublished types.

    python3 Benchmarks/rollup.py CSV Benchmarks/mke-types.yaml /tmp/rollup-mke/Before /tmp/rollup-mke/After
"""
import collections
import csv
import gzip
import io
import json
import os
import re
import sys

PREFIX = "category: "


def exclusions(policy: str) -> set:
    text = open(policy, encoding="utf-8").read()
    block = text.split("\nexclude:", 1)[1].split("\noutputs:", 1)[0]
    inside = block[block.index("[") + 1:block.rindex("]")]
    return {value.strip() for value in re.sub(r"#[^\n]*", "", inside).split(",") if value.strip()}


def categories(path: str) -> dict:
    result = {}
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\r\n")
        if line and not line.startswith("#"):
            cells = line.split(";")
            result[cells[0]] = cells[1]
    return result


def releases(root: str):
    """(night, rows of calls-by-type as dicts, the output's privacy-report entry) per release."""
    for dataset in sorted(os.listdir(root)):
        folder = os.path.join(root, dataset)
        if dataset in ("catalog", "log") or not os.path.isdir(folder):
            continue
        for night in sorted(os.listdir(folder)):
            path = os.path.join(folder, night)
            if not os.path.isdir(path) or os.path.islink(path):
                continue
            with gzip.open(os.path.join(path, "calls-by-type.csv.gz")) as raw:
                rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")))
            report = json.load(open(os.path.join(path, "privacy-report.json"), encoding="utf-8"))
            entry = next(a for a in report["aggregates"] if a["output"] == "calls-by-type")
            yield night, rows, entry


def main(export: str, policy: str, before: str, after: str) -> None:
    excluded = exclusions(policy)
    folder = os.path.dirname(policy)
    roll = re.search(r"roll_up:\s*(?:\{\s*file:\s*)?([^\s,}]+)", open(policy, encoding="utf-8").read()).group(1)
    category_of = categories(os.path.join(folder, roll))
    truth = collections.defaultdict(collections.Counter)
    for row in csv.DictReader(open(export, encoding="utf-8")):
        if row["nature"] not in excluded:
            truth[row["time"][:10]][row["nature"]] += 1
    plain = {night: rows for night, rows, _ in releases(before)}
    print("| night | calls | types (of present) before / after | in a published row before | after: own type / type or category | category counts, noisy vs true |")
    print("|---|---|---|---|---|---|")
    totals = collections.Counter()
    ever_before, ever_after, flags = set(), set(), collections.Counter()
    for night, rows, entry in releases(after):
        calls = truth[night]
        total = sum(calls.values())
        own = {r["nature"] for r in rows if not r["nature"].startswith(PREFIX)}
        shown_before = {r["nature"] for r in plain.get(night, [])}
        noisy = {r["nature"][len(PREFIX):]: float(r["count"]) for r in rows if r["nature"].startswith(PREFIX)}
        ever_before |= shown_before
        ever_after |= own
        flags.update(r["count_flag"] for r in rows if r["nature"].startswith(PREFIX))
        in_before = sum(n for t, n in calls.items() if t in shown_before)
        in_own = sum(n for t, n in calls.items() if t in own)
        # After: a call of an unpublished type is in its category's row (every category row is published).
        in_any = sum(n for t, n in calls.items()
                     if t in own or category_of.get(t, "Not in the hierarchy") in noisy)
        rolled_true = total - in_own
        rolled_noisy = sum(noisy.values())
        totals.update(calls=total, before=in_before, own=in_own, any=in_any, true=rolled_true, noisy=rolled_noisy,
                      types=len(calls), nights=1, tb=len(shown_before), ta=len(own))
        print(f"| {night} | {total:,} | {len(shown_before)} / {len(own)} of {len(calls)} | {100 * in_before / total:.1f}% "
              f"| {100 * in_own / total:.1f}% / {100 * in_any / total:.1f}% | {rolled_noisy:,.0f} vs {rolled_true:,} |")
    t = totals
    print(f"\nall {t['nights']} nights: {t['calls']:,} calls; in a published row before {100 * t['before'] / t['calls']:.1f}%, "
          f"after {100 * t['any'] / t['calls']:.1f}% ({100 * t['own'] / t['calls']:.1f}% in their own type's row); "
          f"types a night {t['tb'] / t['nights']:.1f} before, {t['ta'] / t['nights']:.1f} after; "
          f"category rows sum to {t['noisy']:,.0f} against {t['true']:,} true")
    print(f"types ever published: {len(ever_before)} before, {len(ever_after)} after; category rows' count flags: "
          + ", ".join(f"{flag} {n}" for flag, n in sorted(flags.items())))


if __name__ == "__main__":
    main(*sys.argv[1:5])
