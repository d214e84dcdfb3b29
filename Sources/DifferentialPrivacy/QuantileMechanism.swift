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
/// Accuracy: the best utility is 0, so with probability at least 95% the
/// published value has at most m = (2Δu/ε)(ln|H − L + 1| + ln 20) records beyond
/// what a true q-quantile has on either side (McSherry & Talwar 2007, Thm 6):
/// the margin the engine publishes, in records.
struct QuantileMechanism {
    /// Utilities are integers in units of 1/`resolution` records.
    static let resolution = 1_000_000
    let q: Double
    let low: Int
    let high: Int
    /// R: rows a unit may add to the group.
    let rowsPerUnit: Int

    /// q·resolution, the quantile as used.
    var scaledQ: Int { Int((q * Double(Self.resolution)).rounded()) }

    /// Δu in units of 1/`resolution` records: R·max(q', 1 − q')·resolution.
    var scaledSensitivity: Int { rowsPerUnit * max(scaledQ, Self.resolution - scaledQ) }

    /// Δu in records.
    var sensitivity: Double { Double(scaledSensitivity) / Double(Self.resolution) }

    /// −u(x)·resolution for every candidate x = low + offset:
    /// max(B(x)·S − q'·S·n, A(x)·S − (1 − q')·S·n, 0). `values` must already be
    /// clamped to [low, high]; a histogram replaces the sort.
    func distances(_ values: [Int]) -> [Int] {
        let domain = high - low + 1
        let n = values.count
        let belowTarget = scaledQ * n, aboveTarget = (Self.resolution - scaledQ) * n
        var histogram = [Int](repeating: 0, count: domain)
        for value in values { histogram[value - low] += 1 }
        var distances = [Int](repeating: 0, count: domain)
        var below = 0
        for offset in 0..<domain {
            let above = n - below - histogram[offset]
            distances[offset] = max(below * Self.resolution - belowTarget, above * Self.resolution - aboveTarget, 0)
            below += histogram[offset]
        }
        return distances
    }

    /// One draw for a group with `values` (clamped to [low, high]) at `epsilon`.
    func sample(_ values: [Int], epsilon: Fraction, sampler: ExactSampler) -> Int {
        let utilities = distances(values).map { -Int64($0) }
        return low + ExponentialSelection.choose(utilities: utilities, epsilon: epsilon, sensitivity: Int64(scaledSensitivity),
                                                 sampler: sampler)
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
        (2 * sensitivity / epsilon * (log(Double(high - low + 1)) + log(20))).rounded(.up)
    }
}
