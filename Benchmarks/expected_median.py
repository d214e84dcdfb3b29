#!/usr/bin/env python3
"""Exact expected median error of opendata's quantile mechanism and of Tumult's on the same rows.

Ten trials of 35 groups leave the measured median errors of `peers.py` within a few percent of
each other either way; this computes each mechanism's exact output distribution per group (no
sampling) at the benchmark's share, epsilon 1/3 over 2 groups per unit, and its expected absolute
error from the exact median:

- opendata (QuantileMechanism): integers 0..7200, utility -max(#below - n/2, #above - n/2, 0),
  sensitivity 1/2;
- Tumult Analytics (tmlt.core NoisyQuantile): intervals between the sorted values and the bounds,
  weight width * exp(-eps |rank - n/2| / (2 * 1/2)), then uniform within the interval.

    python3 Benchmarks/expected_median.py ROWS.csv   # the rows `bench aggregate --data` writes
"""
import sys

import numpy as np

GROUPS, HIGH, EPSILON_PER_GROUP, SENSITIVITY = 35, 7200, 1 / 3 / 2, 0.5


def expected_abs(low, high, median):
    """E|U - median| for U uniform on [low, high]."""
    if median <= low:
        return (low + high) / 2 - median
    if median >= high:
        return median - (low + high) / 2
    return ((median - low) ** 2 + (high - median) ** 2) / (2 * (high - low))


def main():
    data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, dtype=np.int64)
    groups, values = data[:, 1], data[:, 2]
    ours, tumult = [], []
    for group in range(GROUPS):
        chosen = np.sort(values[groups == group])
        n, median = len(chosen), float(np.median(chosen))
        histogram = np.bincount(chosen, minlength=HIGH + 1)
        below = np.concatenate([[0], np.cumsum(histogram)[:-1]])
        above = n - below - histogram
        distance = np.maximum(np.maximum(below - n / 2, above - n / 2), 0)
        weights = np.exp(-EPSILON_PER_GROUP * (distance - distance.min()) / (2 * SENSITIVITY))
        weights /= weights.sum()
        ours.append(float((weights * np.abs(np.arange(HIGH + 1) - median)).sum()))
        points = np.concatenate([[0], chosen, [HIGH]])
        low, high, ranks = points[:-1], points[1:], np.arange(n + 1)
        wide = high > low
        low, high, ranks = low[wide], high[wide], ranks[wide]
        log_weights = np.log(high - low) - EPSILON_PER_GROUP * np.abs(ranks - n / 2) / (2 * SENSITIVITY)
        probabilities = np.exp(log_weights - log_weights.max())
        probabilities /= probabilities.sum()
        tumult.append(sum(p * expected_abs(a, b, median) for p, a, b in zip(probabilities, low, high)))
    print(f"expected median MAE over {GROUPS} groups: opendata {np.mean(ours):.3f}, Tumult's mechanism {np.mean(tumult):.3f}")


if __name__ == "__main__":
    main()
