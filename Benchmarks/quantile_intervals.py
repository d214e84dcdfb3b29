#!/usr/bin/env python3
"""Why opendata publishes a quantile's margin in ranks, not an interval in the value's unit.

A quantile comes from the exponential mechanism (QuantileMechanism): candidate x is drawn with
probability proportional to exp(-eps d(x) / (2 R max(q, 1 - q))), d(x) = max(#below - q n,
#above - (1 - q) n, 0). How far the draw lands in seconds depends on how the records lie around
the quantile and on the empty stretches of the bounds, which no published value says. The one
construction that turns the mechanism's own law into an interval in the value's unit draws two
more quantiles, at ranks r below and r above the target, and publishes [lower, upper]: the
interval misses the true quantile only when a bracket lands more than r ranks past its target.

This script measures that construction against the data shapes a police export has, from the
mechanism's exact output distribution (no opendata code: the law is sampled with numpy), on the
integers of [0, 3600], for groups of 100 and 1,000 records:

- "point": the published quantile at the quantile's whole epsilon (what opendata publishes);
- "brackets, typical r": the quantile's epsilon split in thirds (point and two brackets),
  r = (2 D / eps_b) ln 20, the realised 95% rank error when records spread over the candidates;
- "brackets, bound r": the same split with r = (2 D / eps_b)(ln |C| + ln 40), from the tail bound
  that holds for any data, so that each bracket misses with probability at most 2.5%.

It prints each construction's coverage of the true quantile (the target is 94-97%), its median
half-width over the 95th percentile of the whole-epsilon point's error (the target is at most
1.3), and how much worse the point at a third of epsilon is. The interval is widened to hold the
point, as it would be published.

It then measures the other way to an interval in the value's unit, a noisy CDF: the quantile
tree of Google's differential-privacy library (branching 16; here 3 levels cover the 3,601
candidates), every node a count with discrete Laplace noise of scale levels * R / eps (a row is
in one node per level), so the whole tree costs the quantile's epsilon. The point is the first
candidate whose noisy CDF (the sum of the nodes that tile [LOW, x]) reaches q times the noisy
total, and an interval needs no more budget: with D(x) = noisy CDF(x) - q * noisy total and c(x)
the normal 97.5% point of D's noise at x (known from the nodes that tile [LOW, x]), it is
[first x with D(x) >= -c(x), last x with D(x) <= c(x)], which misses only when the noise at the
true quantile passes c. The tree is sampled (Monte Carlo, exact discrete Laplace as a difference
of two geometric draws), not computed from its law. It prints the tree's point error over the
exponential mechanism's, and the interval's coverage and half-width over the tree's own point
error.

    python3 Benchmarks/quantile_intervals.py [--trials 2000] [--epsilon 0.25]  # about 20 s
"""
import argparse

import numpy as np

LOW, HIGH = 0, 3600
CANDIDATES = np.arange(LOW, HIGH + 1)


def shapes(rng):
    """Record values of a group of n, by shape."""
    return {
        "spread (uniform, 1,200 s wide)": lambda n: np.round(1800 + (rng.random(n) - 0.5) * 1200),
        "skewed (lognormal)": lambda n: np.round(rng.lognormal(5.5, 0.9, n)),
        "tied (exponential, whole minutes)": lambda n: np.round(rng.exponential(600, n) / 60) * 60,
        "two modes": lambda n: np.round(np.where(rng.random(n) < 0.5, rng.normal(300, 50, n), rng.normal(2500, 200, n))),
    }


def distances(values, q, shift=0.0):
    """d(x) for every candidate, the target rank moved down by `shift` records."""
    n = len(values)
    below = np.searchsorted(values, CANDIDATES, side="left")
    above = n - np.searchsorted(values, CANDIDATES, side="right")
    return np.maximum(np.maximum(below - (q * n - shift), above - ((1 - q) * n + shift)), 0)


def law(values, q, epsilon, rows, shift=0.0):
    d = distances(values, q, shift)
    weights = np.exp(-epsilon * (d - d.min()) / (2 * rows * max(q, 1 - q)))
    return weights / weights.sum()


def error(draws, true_set):
    """Distance in seconds from each draw to the set of true q-quantiles [low, high]."""
    low, high = true_set
    return np.where(draws < low, low - draws, np.where(draws > high, draws - high, 0))


BRANCHING = 16
LEVELS = int(np.ceil(np.log(len(CANDIDATES)) / np.log(BRANCHING)))
LEAVES = BRANCHING ** LEVELS


def discrete_laplace(rng, scale, size):
    """Exact discrete Laplace of the given scale: the difference of two geometric draws."""
    p = 1 - np.exp(-1 / scale)
    return rng.geometric(p, size) - rng.geometric(p, size)


def quantile_tree(rng, values, q, eps, rows, trials):
    """Point and interval of the quantile tree, `trials` independent trees of one group."""
    histogram = np.zeros(LEAVES)
    histogram[: len(CANDIDATES)] = np.bincount((values - LOW).astype(int), minlength=len(CANDIDATES))
    scale = LEVELS * rows / eps
    ends = np.arange(1, LEAVES + 1)
    cdf = np.zeros((trials, LEAVES))
    top_nodes = np.zeros(LEAVES)     # level-1 nodes inside [LOW, x]
    lower_nodes = np.zeros(LEAVES)   # nodes of the other levels inside [LOW, x]
    for level in range(1, LEVELS + 1):
        width = BRANCHING ** (LEVELS - level)
        counts = histogram.reshape(-1, width).sum(1)
        noisy = counts[None, :] + discrete_laplace(rng, scale, (trials, len(counts)))
        running = np.concatenate([np.zeros((trials, 1)), np.cumsum(noisy, 1)], 1)
        last, first = ends // width, (ends // (width * BRANCHING)) * BRANCHING
        cdf += running[:, last] - running[:, first]
        (top_nodes if level == 1 else lower_nodes)[:] += last - first
    cdf, top_nodes, lower_nodes = cdf[:, : len(CANDIDATES)], top_nodes[: len(CANDIDATES)], lower_nodes[: len(CANDIDATES)]
    gap = cdf - q * cdf[:, -1:]      # the total is the level-1 nodes' sum
    # D's noise: (1 - q) times the level-1 nodes inside, 1 times the others inside, -q times the level-1 nodes outside.
    variance = 2 * scale ** 2 * ((1 - q) ** 2 * top_nodes + lower_nodes + q ** 2 * (BRANCHING - top_nodes))
    margin = 1.96 * np.sqrt(variance)[None, :]
    point = CANDIDATES[np.argmax(gap >= 0, axis=1)]
    low = CANDIDATES[np.argmax(gap >= -margin, axis=1)]
    high = CANDIDATES[len(CANDIDATES) - 1 - np.argmax((gap <= margin)[:, ::-1], axis=1)]
    return point, np.minimum(low, point), np.maximum(high, point)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--epsilon", type=float, default=0.25, help="the quantile's epsilon per group")
    parser.add_argument("--rows", type=int, default=1, help="R, rows one person may add to a group")
    arguments = parser.parse_args()
    rng = np.random.default_rng(7)
    eps, rows, trials = arguments.epsilon, arguments.rows, arguments.trials
    print(f"quantile's epsilon per group {eps}, R = {rows}, {trials} draws per cell; "
          "coverage / median half-width over the whole-epsilon point's p95 error")
    print(f"{'q':>4} {'n':>5}  {'shape':34} {'point p95 s':>11} {'brackets, typical r':>22} {'brackets, bound r':>22} {'point at eps/3':>15}"
          f" {'tree point':>10} {'tree interval':>16}")
    for q in (0.5, 0.9):
        for n in (100, 1000):
            for name, draw in shapes(rng).items():
                values = np.sort(np.clip(draw(n), LOW, HIGH))
                zero = CANDIDATES[distances(values, q) == 0]
                true_set = (zero.min(), zero.max())
                full = rng.choice(CANDIDATES, trials, p=law(values, q, eps, rows))
                reference = max(np.quantile(error(full, true_set), 0.95), 1.0)
                point_eps, bracket_eps = eps / 3, eps / 3
                point = rng.choice(CANDIDATES, trials, p=law(values, q, point_eps, rows))
                spread = 2 * rows * max(q, 1 - q) / bracket_eps
                cells = []
                for r in (spread * np.log(20), spread * (np.log(len(CANDIDATES)) + np.log(40))):
                    lower = rng.choice(CANDIDATES, trials, p=law(values, q, bracket_eps, rows, shift=r))
                    upper = rng.choice(CANDIDATES, trials, p=law(values, q, bracket_eps, rows, shift=-r))
                    low = np.minimum(np.minimum(lower, upper), point)
                    high = np.maximum(np.maximum(lower, upper), point)
                    covered = np.mean((low <= true_set[1]) & (high >= true_set[0]))
                    cells.append(f"{covered:6.1%}, {np.median((high - low) / 2) / reference:5.2f}x")
                worse = max(np.quantile(error(point, true_set), 0.95), 1.0) / reference
                tree, low, high = quantile_tree(rng, values, q, eps, rows, min(trials, 1000))
                tree_error = max(np.quantile(error(tree, true_set), 0.95), 1.0)
                covered = np.mean((low <= true_set[1]) & (high >= true_set[0]))
                half = np.median((high - low) / 2) / tree_error
                print(f"{q:>4} {n:>5}  {name:34} {reference:>11.0f} {cells[0]:>22} {cells[1]:>22} {worse:>14.1f}x"
                      f" {tree_error / reference:>9.1f}x {covered:>7.1%}, {half:5.2f}x")


if __name__ == "__main__":
    main()
