import BigInt
import Foundation

/// The q-quantile of one group's values by the exponential mechanism over the
/// integers of [L, H] (McSherry & Talwar 2007; for quantiles, Smith 2011 §3),
/// sampled exactly.
///
/// Utility of a candidate x: u(x) = −|c(x) − q·n|, c(x) = #{v ≤ x}, n the group's size.
///
/// Sensitivity, for the add/remove neighbouring relation on units: a unit brings
/// at most R rows to the group, b of them ≤ x; then c(x) − q·n moves by b − q·a
/// for its a ≤ R rows, which lies in [−q·R, (1 − q)·R]. So |Δu| ≤ R·max(q, 1 − q):
/// R/2 for the median, half the R a rank-count argument would charge. Choosing x
/// with probability ∝ exp(ε·u(x) / (2·R·max(q, 1 − q))) is ε-DP for the group
/// (McSherry & Talwar 2007, Thm 6); a unit in G groups composes to G·ε.
///
/// q is used as q' = round(q·10⁶)/10⁶ and utilities are integers in units of
/// 10⁻⁶ ranks, so the sensitivity R·max(q', 1 − q') is exact too. Sampling:
/// propose x uniformly, accept with Bernoulli(exp(−ε(u* − u(x))/(2Δu))) (see
/// ``ExponentialSelection``); no floating point touches a draw.
///
/// Accuracy: where the values are locally dense, the published value's rank
/// differs from q·n by roughly a Laplace of scale 2·R·max(q, 1 − q)/ε; in the
/// worst case the rank error exceeds (2Δu/ε)(ln|H − L + 1| + ln 20) with
/// probability at most 5% (McSherry & Talwar 2007, Thm 6), which is the margin
/// the engine publishes.
struct QuantileMechanism {
    /// Utilities are integers in units of 1/`resolution` ranks.
    static let resolution = 1_000_000
    let q: Double
    let low: Int
    let high: Int
    /// R: rows a unit may add to the group.
    let rowsPerUnit: Int

    /// q·resolution, the quantile as used.
    var scaledQ: Int { Int((q * Double(Self.resolution)).rounded()) }

    /// Δu in units of 1/`resolution` ranks: R·max(q', 1 − q')·resolution.
    var scaledSensitivity: Int { rowsPerUnit * max(scaledQ, Self.resolution - scaledQ) }

    /// Δu in ranks.
    var sensitivity: Double { Double(scaledSensitivity) / Double(Self.resolution) }

    /// −u(x)·resolution for every candidate x = low + offset: |c(x)·S − q'·S·n|.
    /// `values` must already be clamped to [low, high]; a histogram replaces the sort.
    func distances(_ values: [Int]) -> [Int] {
        let domain = high - low + 1
        let target = scaledQ * values.count
        var distances = [Int](repeating: 0, count: domain)
        for value in values { distances[value - low] += 1 }
        var atMost = 0
        for offset in 0..<domain {
            atMost += distances[offset]
            distances[offset] = abs(atMost * Self.resolution - target)
        }
        return distances
    }

    /// One draw for a group with `values` (clamped to [low, high]) at `epsilon`.
    func sample(_ values: [Int], epsilon: Fraction, sampler: ExactSampler) -> Int {
        let distances = distances(values)
        let best = distances.min() ?? 0
        let denominator = epsilon.denominator * BigUInt(2 * scaledSensitivity)
        while true {
            let candidate = Int(sampler.uniform(below: UInt64(distances.count)))
            let gamma = Fraction(epsilon.numerator * BigUInt(distances[candidate] - best), denominator)
            if sampler.bernoulliExpMinus(gamma) { return low + candidate }
        }
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

    /// The 95% margin in ranks at `epsilon` (see the type's accuracy note).
    func rankMargin(epsilon: Double) -> Double {
        (2 * sensitivity / epsilon * (log(Double(high - low + 1)) + log(20))).rounded(.up)
    }
}
