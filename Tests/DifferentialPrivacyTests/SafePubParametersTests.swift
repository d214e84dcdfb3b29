import Foundation
import Testing
import TestSupport
@testable import DifferentialPrivacy

/// β and k of a differentially private record file, checked against an
/// independent computation of SafePub's formulas (Python, exact binomial
/// coefficients, a plain scan of n), and the exponential mechanism's distribution.
@Suite struct SafePubParametersTests {
    /// An independent implementation in Python: math.comb for the binomial terms,
    /// a scan of n far past the Chernoff bound instead of the early stop.
    static let independent = #"""
    import math, sys, json
    def pmf(n, j, beta):
        return math.exp(math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1)
                        + j * math.log(beta) + (n - j) * math.log1p(-beta))
    def d(k, beta, eps):
        gamma = (math.exp(eps) - 1 + beta) / math.exp(eps)
        n_m = max(math.ceil(k / gamma - 1), 1)
        # a plain scan of n well past where the Chernoff bound falls under any δ tested
        return max(math.fsum(pmf(n, j, beta) for j in range(math.floor(gamma * n) + 1, n + 1))
                   for n in range(n_m, n_m + 400))
    out = []
    for eps, delta in json.loads(sys.argv[1]):
        beta = 1 - math.exp(-eps)
        low, high = 1, 4096          # bisection: d(k) falls as k grows
        while low < high:
            mid = (low + high) // 2
            if d(mid, beta, eps) <= delta: high = mid
            else: low = mid + 1
        out.append([beta, low])
    print(json.dumps(out))
    """#

    @Test(OutsideTool.needed("python3")) func derivedParametersMatchAnIndependentComputation() throws {
        guard OutsideTool.available("python3") else { return }
        let cases: [(Double, Double)] = [(0.45, 1e-6), (1.0, 1e-5), (2.0, 1e-6), (0.9, 1e-4), (3.0, 1e-7)]
        let arguments = "[" + cases.map { "[\($0.0), \($0.1)]" }.joined(separator: ",") + "]"
        let (status, output) = try OutsideTool.run("python3", ["-c", Self.independent, arguments])
        #expect(status == 0, "\(output)")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[Double]])
        for ((epsilon, delta), reference) in zip(cases, expected) {
            let parameters = SafePubParameters(epsilon: epsilon, delta: delta)
            #expect(abs(parameters.beta - reference[0]) < 1e-12, "β for ε = \(epsilon)")
            #expect(parameters.k == Int(reference[1]), "k for ε = \(epsilon), δ = \(delta): \(parameters.k) vs \(reference[1])")
            #expect(parameters.achievedDelta <= delta)
            #expect(SafePubParameters.d(k: parameters.k - 1, beta: parameters.beta, epsilon: epsilon) > delta,
                    "k is the smallest that meets δ")
        }
    }

    /// Every ε a policy may give a record file (0.01 to 10) derives k quickly, and k is the
    /// smallest that meets δ. At ε = 10 a run of equal n − ⌊γn⌋ is about 5·10⁸ long and k is in
    /// the hundreds of thousands; a scan of every n and every k did not finish in a minute.
    @Test func everyAcceptedEpsilonDerivesTheSmallestKQuickly() {
        for epsilon in [0.01, 0.5, 2.0, 5.0, 7.5, 10.0] {
            for delta in [1e-4, 1e-6, 1e-9] {
                let started = Date()
                let parameters = SafePubParameters(epsilon: epsilon, delta: delta)
                #expect(Date().timeIntervalSince(started) < 1, "ε = \(epsilon), δ = \(delta) took \(Date().timeIntervalSince(started)) s")
                #expect(parameters.achievedDelta <= delta)
                #expect(parameters.k == 1 || SafePubParameters.d(k: parameters.k - 1, beta: parameters.beta, epsilon: epsilon) > delta,
                        "k = \(parameters.k) is the smallest for ε = \(epsilon), δ = \(delta)")
            }
        }
        // Where every n below 1/(1 − γ) lets no record be missing, d(k) = β^(n_m): k follows in closed form.
        let beta = 1 - exp(-10.0)
        let gamma = (exp(10.0) - 1 + beta) / exp(10.0)
        let parameters = SafePubParameters(epsilon: 10, delta: 1e-6)
        let expected = Int((log(1e-6) / log(beta)).rounded(.up))
        #expect(abs(Double(parameters.k) / gamma - 1 - Double(expected)) <= 2, "k \(parameters.k) against β^n ≤ δ at n = \(expected)")
    }

    @Test func exactSampleRateNeverExceedsWhatEpsilonAllows() {
        for epsilon in [0.01, 0.45, 1.0, 2.7] {
            let (beta, exponent) = SafePubParameters.sampleRate(epsilon: epsilon)
            #expect(exponent.doubleValue <= epsilon)
            #expect(-log(1 - beta) <= epsilon + 1e-12)
        }
    }

    @Test func exponentialSelectionHasTheMechanismsDistribution() throws {
        // Three candidates with utilities 0, −2, −4, sensitivity 1, ε = 1: P ∝ e^(u/2).
        let sampler = ExactSampler(random: try SystemRandom())
        let utilities: [Int64] = [0, -2, -4]
        var counts = [0, 0, 0]
        let trials = 60_000
        for _ in 0..<trials {
            counts[ExponentialSelection.choose(utilities: utilities, epsilon: Fraction(1), sensitivity: 1, sampler: sampler)] += 1
        }
        let weights = utilities.map { exp(Double($0) / 2) }
        let total = weights.reduce(0, +)
        var chiSquare = 0.0
        for (count, weight) in zip(counts, weights) {
            let expected = Double(trials) * weight / total
            chiSquare += (Double(count) - expected) * (Double(count) - expected) / expected
        }
        // χ² with 2 degrees of freedom: P(> 32.2) = 10⁻⁷ (the suite's false-failure bound); an ε 10% off
        // gives about 235 with these draws.
        #expect(chiSquare < 32.2, "counts \(counts)")
    }
}
