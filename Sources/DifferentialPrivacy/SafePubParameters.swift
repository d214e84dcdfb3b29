import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The sampling probability β and the class size k of a differentially private
/// record-level release, derived from (ε, δ) as SafePub does.
///
/// Theorem (Li, Qardaji & Su 2012, "On sampling, anonymization, and differential
/// privacy", Thm. 5; restated as SafePub's Theorem 1 in Bild, Kuhn & Prasser,
/// PETS 2018): drawing every record independently with probability β and then
/// applying a *strongly safe* k-anonymisation (a generalisation chosen without
/// looking at the data, every class with fewer than k sampled records
/// suppressed) satisfies (ε, δ)-differential privacy for any ε ≥ −ln(1 − β) and
///
///     δ = d(k, β, ε) = max_{n ≥ n_m}  Σ_{j > γn}^{n}  f(j; n, β),
///     γ = (e^ε − 1 + β) / e^ε,   n_m = ⌈k/γ − 1⌉,
///
/// where f(j; n, β) = C(n, j) β^j (1 − β)^(n−j) is the binomial probability.
/// SafePub takes the largest β the ε allows, β = 1 − e^(−ε), and the smallest k
/// with d(k, β, ε) ≤ δ.
///
/// Computing the maximum: a_n = Σ_{j > γn} f(j; n, β) is bounded by the Chernoff
/// bound c_n = exp(−n·(γ·ln(γ/β) − (γ − β))), which decreases in n, so the scan
/// over n stops as soon as the running maximum reaches c_n (every later a_n is
/// at most c_n). Only the first n of each run with the same m = n − ⌊γn⌋ needs a
/// look: within a run a_n = P(Bin(n, 1 − β) ≤ m − 1), which falls as n grows, so
/// the scan jumps from run to run (at large ε a run is billions of n long, and a
/// scan over every n would not finish). Binomial terms are summed in log space
/// (lgamma), and a relative margin of 1e-9 is added to every d so rounding can only
/// raise k.
///
/// Finding k: d(k, β, ε) never increases with k (a larger k starts the maximum at a
/// larger n_m), so the smallest k with d ≤ δ is found by doubling and then
/// bisection, about 2·log₂ k evaluations of d (ε = 10, δ = 10⁻⁶ gives k in the
/// hundreds of thousands, found in well under a second).
///
/// ARX's implementation returns one more than this k (its loop increments after
/// the test); both are sound, this one is the paper's definition.
public struct SafePubParameters: Sendable, Equatable {
    /// ε of the sampling and suppression step.
    public let epsilon: Double
    /// The δ the step must meet.
    public let delta: Double
    /// Probability with which each record is drawn.
    public let beta: Double
    /// Classes with fewer sampled records than this are suppressed.
    public let k: Int
    /// d(k, β, ε) for the chosen k (at most `delta`).
    public let achievedDelta: Double

    /// Derives β = 1 − e^(−ε) and the smallest k with d(k, β, ε) ≤ δ.
    ///
    /// - Precondition: ε > 0 and 0 < δ < 1.
    public init(epsilon: Double, delta: Double) {
        self.init(epsilon: epsilon, delta: delta, beta: 1 - exp(-epsilon))
    }

    /// As above with a given β ≤ 1 − e^(−ε) (the sampler's exact β, see ``sampleRate(epsilon:)``).
    public init(epsilon: Double, delta: Double, beta: Double) {
        precondition(epsilon > 0 && delta > 0 && delta < 1 && beta > 0 && beta <= 1 - exp(-epsilon) + 1e-15)
        self.epsilon = epsilon
        self.delta = delta
        self.beta = beta
        // The smallest k with d(k) ≤ δ, d non-increasing in k: double until it holds, then bisect.
        var low = 0, high = 1
        var achieved = Self.d(k: high, beta: beta, epsilon: epsilon)
        while achieved > delta {
            low = high
            high *= 2
            achieved = Self.d(k: high, beta: beta, epsilon: epsilon)
        }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            let value = Self.d(k: middle, beta: beta, epsilon: epsilon)
            if value <= delta {
                high = middle
                achieved = value
            } else {
                low = middle
            }
        }
        self.k = high
        achievedDelta = achieved
    }

    /// The exact Bernoulli(β) the release samples with: β = 1 − e^(−ε′) where
    /// ε′ is ε rounded down to a multiple of 10⁻⁶ (so ε ≥ −ln(1 − β) holds exactly).
    public static func sampleRate(epsilon: Double) -> (beta: Double, exponent: Fraction) {
        let exponent = Fraction.below(epsilon)
        return (1 - exp(-exponent.doubleValue), exponent)
    }

    /// γ = (e^ε − 1 + β) / e^ε.
    static func gamma(beta: Double, epsilon: Double) -> Double {
        (exp(epsilon) - 1 + beta) / exp(epsilon)
    }

    /// d(k, β, ε) as in the theorem above.
    public static func d(k: Int, beta: Double, epsilon: Double) -> Double {
        let gamma = gamma(beta: beta, epsilon: epsilon)
        let start = max(Int((Double(k) / gamma - 1).rounded(.up)), 1)
        let exponent = gamma * log(gamma / beta) - (gamma - beta)
        var maximum = 0.0
        var n = start
        while true {
            let floor = Int((gamma * Double(n)).rounded(.down))
            maximum = max(maximum, upperTail(n: n, above: floor, beta: beta))
            // The next n whose m = n − ⌊γn⌋ is larger: a_n only falls until then.
            let m = n - floor
            let next = nextRun(after: n, m: m, gamma: gamma)
            let bound = exp(-Double(next) * exponent)
            if maximum >= bound || exponent <= 0 || next > 1 << 52 { break }
            n = next
        }
        return maximum * (1 + 1e-9)
    }

    /// The first n′ > n with n′ − ⌊γn′⌋ > m (m = n − ⌊γn⌋), by bisection: that count never falls
    /// as n grows, is at most (1 − γ)n + 1 and at least (1 − γ)n.
    static func nextRun(after n: Int, m: Int, gamma: Double) -> Int {
        func count(_ x: Int) -> Int { x - Int((gamma * Double(x)).rounded(.down)) }
        let rate = 1 - gamma
        guard rate > 0 else { return n + 1 }
        var low = max(n, Int((Double(m - 1) / rate).rounded(.down)))   // count(low) ≤ m
        var high = max(low + 1, Int((Double(m + 1) / rate).rounded(.up)) + 1)
        if count(low) > m { low = n }
        while count(high) <= m { high *= 2 }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if count(middle) > m { high = middle } else { low = middle }
        }
        return high
    }

    /// Σ_{j = from+1}^{n} C(n, j) β^j (1 − β)^(n−j). The first term comes from lgamma; each next
    /// one is the previous times (n − j)/(j + 1) · β/(1 − β). Past the mode ((n + 1)β) the terms
    /// fall, faster than geometrically, so the sum stops once they no longer change it; before
    /// the mode (from + 1 < (n + 1)β, which γ > β makes rare) every term is added.
    static func upperTail(n: Int, above from: Int, beta: Double) -> Double {
        guard from < n else { return 0 }
        func logGamma(_ x: Double) -> Double {
            var sign: Int32 = 0
            return lgamma_r(x, &sign)
        }
        let j0 = from + 1
        let logBeta = log(beta), logRest = log1p(-beta)
        var term = exp(logGamma(Double(n) + 1) - logGamma(Double(j0) + 1) - logGamma(Double(n - j0) + 1)
                       + Double(j0) * logBeta + Double(n - j0) * logRest)
        let odds = beta / (1 - beta)
        let mode = Double(n + 1) * beta
        var sum = 0.0
        var j = j0
        while true {
            sum += term
            if j == n { break }
            term *= Double(n - j) / Double(j + 1) * odds
            j += 1
            if Double(j) > mode && (term == 0 || term < sum * 1e-18) { break }
        }
        return sum
    }
}
