import Foundation

/// The q-quantile of one group's values by the exponential mechanism over the
/// integers of [L, H] (McSherry & Talwar 2007; for quantiles, Smith 2011 §3),
/// sampled exactly.
///
/// Utility of a candidate x: u(x) = −max(B(x) − q·n, A(x) − (1 − q)·n, 0), with
/// B(x) = #{v < x}, A(x) = #{v > x} and n the group's size: the number of records
/// on the wrong side of x beyond what a q-quantile allows. Every true q-quantile
/// scores 0, the best, also where many records share its value (a utility built
/// on #{v ≤ x} alone prefers the value just below a large tie).
///
/// Sensitivity, for the add/remove neighbouring relation on units: a unit brings
/// at most R rows to the group; b of its a ≤ R rows below x move B(x) − q·n by
/// b − q·a ∈ [−q·R, (1 − q)·R], and likewise A(x) − (1 − q)·n by at most
/// R·max(q, 1 − q); a maximum of such terms and 0 moves no more. So |Δu| ≤
/// R·max(q, 1 − q): R/2 for the median. Choosing x with probability
/// ∝ exp(ε·u(x) / (2·R·max(q, 1 − q))) is ε-DP for the group (McSherry & Talwar
/// 2007, Thm 6); a unit in G groups composes to G·ε.
///
/// q is used as q' = round(q·10⁶)/10⁶ and utilities are integers in units of
/// 10⁻⁶ records, so the sensitivity R·max(q', 1 − q') is exact too. Sampling:
/// ``ExponentialSelection`` (propose x uniformly, accept with
/// Bernoulli(exp(−ε(u* − u(x))/(2Δu)))); no floating point touches a draw.
///
/// Accuracy: the best utility over the candidates is that of the candidate nearest a true
/// q-quantile (0 when one is a candidate), so with probability at least 95% the published
/// value has at most m = (2Δu/ε)(ln|C| + ln 20) records beyond it on either side (McSherry &
/// Talwar 2007, Thm 6), |C| the number of candidates: the margin the engine publishes, in records.
///
/// Candidates: every integer of [L, H], or a grid the policy declares (``logGrid(low:high:points:)``).
/// A grid is fixed by the policy and the bounds, never by the data, so the mechanism's privacy is
/// unchanged; with a few hundred log-spaced points instead of thousands of integers, a small
/// group's draw lands near its quantile far more often (the candidates far from every value are
/// fewer), at the cost of a relative resolution of a few percent.
struct QuantileMechanism {
    /// Utilities are integers in units of 1/`resolution` records.
    static let resolution = 1_000_000
    let q: Double
    let low: Int
    let high: Int
    /// R: rows a unit may add to the group.
    let rowsPerUnit: Int
    /// The candidates, sorted and inside [low, high]; nil for every integer of [low, high].
    var candidates: [Int]? = nil

    /// How many values the mechanism chooses among.
    var candidateCount: Int { candidates?.count ?? (high - low + 1) }

    /// `points` candidates spaced evenly on a log scale over [max(low, 1), high], with `low` itself,
    /// rounded to integers (duplicates merged). For bounds from 0 or more; data-independent.
    static func logGrid(low: Int, high: Int, points: Int) -> [Int] {
        let start = Double(max(low, 1)), end = Double(high)
        guard end > start, points > 1 else { return Array(Set([low, high])).sorted() }
        var grid: Set<Int> = [low, high]
        for index in 0..<points {
            let value = exp(log(start) + (log(end) - log(start)) * Double(index) / Double(points - 1))
            grid.insert(min(high, max(low, Int(value.rounded()))))
        }
        return grid.sorted()
    }

    /// q·resolution, the quantile as used.
    var scaledQ: Int { Int((q * Double(Self.resolution)).rounded()) }

    /// Δu in units of 1/`resolution` records: R·max(q', 1 − q')·resolution.
    var scaledSensitivity: Int { rowsPerUnit * max(scaledQ, Self.resolution - scaledQ) }

    /// Δu in records.
    var sensitivity: Double { Double(scaledSensitivity) / Double(Self.resolution) }

    /// −u(x)·resolution for every candidate x = low + offset:
    /// max(B(x)·S − q'·S·n, A(x)·S − (1 − q')·S·n, 0). `values` must already be
    /// clamped to [low, high]; they are tallied first (``QuantileTally``).
    func distances(_ values: [Int]) -> [Int] { distances(QuantileTally(values)) }

    /// −u(x)·resolution at each candidate from a group's tally (values inside [low, high]): over
    /// every integer, B(x) runs up a histogram of the bounds; at declared candidates, B(x) and
    /// A(x) come from the tally's running counts by binary search.
    func distances(_ tally: QuantileTally) -> [Int] {
        let n = tally.total
        let belowTarget = scaledQ * n, aboveTarget = (Self.resolution - scaledQ) * n
        func distance(below: Int, above: Int) -> Int {
            max(below * Self.resolution - belowTarget, above * Self.resolution - aboveTarget, 0)
        }
        guard let candidates else {
            var histogram = [Int](repeating: 0, count: high - low + 1)
            for (value, count) in zip(tally.values, tally.counts) { histogram[value - low] += count }
            var below = 0
            return histogram.map { here in
                defer { below += here }
                return distance(below: below, above: n - below - here)
            }
        }
        // running[i]: the records of the first i values.
        var running = [0]
        running.reserveCapacity(tally.values.count + 1)
        for count in tally.counts { running.append(running[running.count - 1] + count) }
        func firstIndex(where predicate: (Int) -> Bool) -> Int {
            var low = 0, high = tally.values.count
            while low < high {
                let mid = (low + high) / 2
                if predicate(tally.values[mid]) { high = mid } else { low = mid + 1 }
            }
            return low
        }
        return candidates.map { x in
            distance(below: running[firstIndex { $0 >= x }], above: n - running[firstIndex { $0 > x }])
        }
    }

    /// One draw for a group with `values` (clamped to [low, high]) at `epsilon`.
    func sample(_ values: [Int], epsilon: Fraction, sampler: ExactSampler) -> Int {
        sample(QuantileTally(values), epsilon: epsilon, sampler: sampler)
    }

    /// One draw for a group of this tally (values inside [low, high]) at `epsilon`.
    func sample(_ tally: QuantileTally, epsilon: Fraction, sampler: ExactSampler) -> Int {
        let utilities = distances(tally).map { -Int64($0) }
        let index = ExponentialSelection.choose(utilities: utilities, epsilon: epsilon, sensitivity: Int64(scaledSensitivity),
                                                sampler: sampler)
        return candidates.map { $0[index] } ?? low + index
    }

    /// The mechanism's exact output distribution, in floating point: for tests
    /// and error analysis only, never for sampling.
    func probabilities(_ values: [Int], epsilon: Double) -> [Double] {
        let distances = distances(values)
        let best = distances.min() ?? 0
        let weights = distances.map { exp(-epsilon * Double($0 - best) / (2 * Double(scaledSensitivity))) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    /// The 95% margin in records at `epsilon` (see the type's accuracy note).
    func rankMargin(epsilon: Double) -> Double {
        (2 * sensitivity / epsilon * (log(Double(candidateCount)) + log(20))).rounded(.up)
    }

    /// A forecast, not a bound: the rank error (records beyond the published value, as the utility
    /// counts them) a group of `size` records should expect at `epsilon`, from the mechanism's
    /// exact output distribution. Its 95th percentile is computed for the records spread evenly
    /// over all the candidates and over the middle quarter of them, and the forecast is the
    /// geometric mean of the two, within √(ratio) of either.
    ///
    /// ``rankMargin(epsilon:)`` must hold for any data, so it assumes every candidate but one sits
    /// far from the quantile (the ln|C| term); when records are spread over the candidates, the
    /// candidates near the quantile carry most of the probability and the realised error is about
    /// (2Δu/ε)·ln 20, 3–4× less. Records bunched in part of the bounds leave empty candidates
    /// that draw probability at small ε·size (the error then reaches the group's edge), which is
    /// what the second spread covers. Data with large ties err differently again (a tie makes the
    /// rank error jump by its size while the value is exact), so this is what a privacy officer
    /// should expect, never what is published as a margin.
    func rankErrorForecast(size: Int, epsilon: Double) -> Double {
        let spread = percentile95(size: size, epsilon: epsilon, covering: 1)
        let bunched = percentile95(size: size, epsilon: epsilon, covering: 0.25)
        return (spread * bunched).squareRoot().rounded()
    }

    /// The 95th percentile of the rank error for `size` records spread evenly over the middle
    /// `fraction` of the candidates.
    private func percentile95(size: Int, epsilon: Double, covering fraction: Double) -> Double {
        let count = candidateCount, n = max(size, 1)
        let span = max(1.0, Double(count) * fraction), start = (Double(count) - span) / 2
        let values = (0..<n).map { index -> Int in
            let position = min(count - 1, Int(start + (Double(index) + 0.5) * span / Double(n)))
            return candidates.map { $0[position] } ?? low + position
        }
        let errors = distances(values).map { Double($0) / Double(Self.resolution) }
        var mass = 0.0
        for (error, probability) in zip(errors, probabilities(values, epsilon: epsilon)).sorted(by: { $0.0 < $1.0 }) {
            mass += probability
            if mass >= 0.95 { return error }
        }
        return errors.max() ?? 0
    }
}
