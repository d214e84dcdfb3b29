#!/usr/bin/env python3
"""Exact expected error of the review query's 90th percentile, opendata's mechanism against OpenDP's.

`peers.py --query review` measures each tool's p90 error over a few trials of 200 groups whose
sizes fall as 1/rank, so small groups dominate and ten trials move the mean absolute error by
several percent. This computes each mechanism's exact output distribution per group (no sampling)
and its expected absolute error from the numpy-interpolated 90th percentile:

- opendata (QuantileMechanism): the integers 0..3600, utility -max(#below - q n, #above - (1 - q) n, 0);
- OpenDP (make_quantile_score_candidates with report-noisy-max): score |(1 - q) #below - q #above|;

both with sensitivity R max(q, 1 - q) = 1.8 (R = 2 rows per group) and epsilon per group the
quantile's share over G = 3 groups, P(x) proportional to exp(-epsilon d(x) / (2 sensitivity)).

    opendata-bench aggregate --query review --rows 1000000 --data /tmp/review.csv
    python3 Benchmarks/expected_p90.py /tmp/review.csv
"""
import sys

import numpy as np

HIGH, Q, GROUPS_PER_PERSON, ROWS_PER_GROUP, GROUPS = 3600, 0.9, 3, 2, 200


def expected_errors(groups, values, quantile_epsilon):
    """Per group, the expected absolute error of both mechanisms at the quantile's share of epsilon."""
    per_group_epsilon = quantile_epsilon / GROUPS_PER_PERSON
    sensitivity = ROWS_PER_GROUP * max(Q, 1 - Q)
    starts = np.searchsorted(groups, np.arange(GROUPS + 1))
    ours, opendp = [], []
    for group in range(GROUPS):
        chosen = values[starts[group]:starts[group + 1]]
        n, exact = len(chosen), float(np.percentile(chosen, 100 * Q))
        histogram = np.bincount(chosen, minlength=HIGH + 1)
        below = np.concatenate([[0], np.cumsum(histogram)[:-1]])
        above = n - below - histogram
        error = np.abs(np.arange(HIGH + 1) - exact)
        for distance, errors in ((np.maximum(np.maximum(below - Q * n, above - (1 - Q) * n), 0), ours),
                                 (np.abs((1 - Q) * below - Q * above), opendp)):
            weights = np.exp(-per_group_epsilon * (distance - distance.min()) / (2 * sensitivity))
            errors.append(float((weights / weights.sum() * error).sum()))
    return np.array(ours), np.array(opendp)


def main():
    data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, dtype=np.int64)
    order = np.argsort(data[:, 1], kind="stable")
    groups, values = data[order, 1], data[order, 2]
    for label, epsilon in (("equal thirds", 1 / 3), ("opendata's default share", 0.4015)):
        ours, opendp = expected_errors(groups, values, epsilon)
        print(f"p90 at epsilon {epsilon:.4f} ({label}): expected MAE opendata {ours.mean():.2f}, "
              f"OpenDP's score {opendp.mean():.2f}, ratio {ours.mean() / opendp.mean():.3f}")


if __name__ == "__main__":
    main()
