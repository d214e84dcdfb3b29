import BigInt
import Foundation
import Testing
@testable import DifferentialPrivacy

/// χ² goodness of fit of every sampler against its exact probability mass
/// function, with a tail bin, on at least 100,000 samples; each test also shows
/// the statistic rejects a wrong scale, so it has the power to catch a bug.
@Suite struct GoodnessOfFitTests {
    static let samples = 100_000

    /// Upper 0.1% quantile of χ²(df) (Wilson–Hilferty).
    static func critical(_ df: Int) -> Double {
        let k = Double(df), z = 3.0902
        let term = 1 - 2 / (9 * k) + z * (2 / (9 * k)).squareRoot()
        return k * term * term * term
    }

    /// χ² of integer samples against `pmf`: one bin per value with expectation ≥ 5, the rest pooled in a tail bin.
    static func chiSquare(_ counts: [Int: Int], total: Int, pmf: (Int) -> Double) -> (statistic: Double, df: Int) {
        var statistic = 0.0, bins = 0, inside = 0.0, observedInside = 0
        var z = 0
        var values: [Int] = [0]
        while true {
            z += 1
            if pmf(z) * Double(total) < 5 && pmf(-z) * Double(total) < 5 { break }
            values += [z, -z]
        }
        for value in values where pmf(value) * Double(total) >= 5 {
            let expected = pmf(value) * Double(total)
            let observed = Double(counts[value] ?? 0)
            statistic += (observed - expected) * (observed - expected) / expected
            inside += pmf(value)
            observedInside += counts[value] ?? 0
            bins += 1
        }
        let tailExpected = (1 - inside) * Double(total)
        let tailObserved = Double(total - observedInside)
        if tailExpected > 1e-9 {
            statistic += (tailObserved - tailExpected) * (tailObserved - tailExpected) / tailExpected
            bins += 1
        } else if tailObserved > 0 {
            statistic = .infinity
        }
        return (statistic, bins - 1)
    }

    static func histogram(_ draw: () -> Int) -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for _ in 0..<samples { counts[draw(), default: 0] += 1 }
        return counts
    }

    static func laplacePMF(_ scale: Double) -> (Int) -> Double {
        { NoiseDistribution.discreteLaplace(scale: scale).probability($0) }
    }

    @Test(arguments: [(1, 1), (3, 2), (10, 1), (1, 4)])
    func discreteLaplaceFits(_ scale: (UInt64, UInt64)) {
        let sampler = ExactSampler(random: SeededRandom(seed: 11 + scale.0 * 7 + scale.1))
        let b = Double(scale.0) / Double(scale.1)
        let counts = Self.histogram { Int(sampler.discreteLaplace(scaleNumerator: scale.0, scaleDenominator: scale.1)) }
        let fit = Self.chiSquare(counts, total: Self.samples, pmf: Self.laplacePMF(b))
        #expect(fit.statistic < Self.critical(fit.df), "scale \(b): χ² \(fit.statistic) on \(fit.df) df")
        let wrong = Self.chiSquare(counts, total: Self.samples, pmf: Self.laplacePMF(b * 1.1))
        #expect(wrong.statistic > Self.critical(wrong.df), "scale \(b) ×1.1 not rejected: χ² \(wrong.statistic)")
    }

    @Test func discreteLaplaceBigIntegerPathFits() {
        // Scale 3/2 written with 64-bit-overflowing terms takes the BigUInt path.
        let scale = Fraction(BigUInt(3) << 60, BigUInt(2) << 60)
        let sampler = ExactSampler(random: SeededRandom(seed: 5))
        let counts = Self.histogram { Int(sampler.discreteLaplace(scale: scale)) }
        let fit = Self.chiSquare(counts, total: Self.samples, pmf: Self.laplacePMF(1.5))
        #expect(fit.statistic < Self.critical(fit.df), "χ² \(fit.statistic) on \(fit.df) df")
        let wrong = Self.chiSquare(counts, total: Self.samples, pmf: Self.laplacePMF(1.65))
        #expect(wrong.statistic > Self.critical(wrong.df))
    }

    @Test(arguments: [1, 10, 50])
    func discreteGaussianFits(_ sigmaSquared: Int) {
        let sampler = ExactSampler(random: SeededRandom(seed: UInt64(sigmaSquared)))
        let counts = Self.histogram { Int(sampler.discreteGaussian(sigmaSquared: Fraction(sigmaSquared))) }
        let pmf = { (z: Int) in NoiseDistribution.discreteGaussian(sigmaSquared: Double(sigmaSquared)).probability(z) }
        let fit = Self.chiSquare(counts, total: Self.samples, pmf: pmf)
        #expect(fit.statistic < Self.critical(fit.df), "σ² \(sigmaSquared): χ² \(fit.statistic) on \(fit.df) df")
        let wrongPMF = { (z: Int) in NoiseDistribution.discreteGaussian(sigmaSquared: Double(sigmaSquared) * 1.1).probability(z) }
        let wrong = Self.chiSquare(counts, total: Self.samples, pmf: wrongPMF)
        #expect(wrong.statistic > Self.critical(wrong.df), "σ² \(sigmaSquared)×1.1 not rejected: χ² \(wrong.statistic)")
    }

    @Test(arguments: [(1, 3), (2, 1), (7, 2)])
    func bernoulliExpMinusFits(_ gamma: (UInt64, UInt64)) {
        let sampler = ExactSampler(random: SeededRandom(seed: gamma.0 * 31 + gamma.1))
        var ones = 0
        for _ in 0..<Self.samples where sampler.bernoulliExpMinus(gamma.0, gamma.1) { ones += 1 }
        let p = exp(-Double(gamma.0) / Double(gamma.1))
        let expected = p * Double(Self.samples)
        let statistic = pow(Double(ones) - expected, 2) / expected + pow(Double(Self.samples - ones) - (Double(Self.samples) - expected), 2) / (Double(Self.samples) - expected)
        #expect(statistic < Self.critical(1), "γ \(gamma): χ² \(statistic)")
        let wrongExpected = exp(-Double(gamma.0) / Double(gamma.1) * 1.1) * Double(Self.samples)
        let wrong = pow(Double(ones) - wrongExpected, 2) / wrongExpected + pow(Double(Self.samples - ones) - (Double(Self.samples) - wrongExpected), 2) / (Double(Self.samples) - wrongExpected)
        #expect(wrong > Self.critical(1))
    }

    @Test func geometricAndUniformFit() {
        let sampler = ExactSampler(random: SeededRandom(seed: 77))
        // Geometric with scale 2: P(v) = (1 − e^{−1/2}) e^{−v/2}.
        let counts = Self.histogram { Int(sampler.geometric(scaleNumerator: 2, scaleDenominator: 1)) }
        let alpha = exp(-0.5)
        let fit = Self.chiSquare(counts, total: Self.samples) { $0 < 0 ? 0 : (1 - alpha) * pow(alpha, Double($0)) }
        #expect(fit.statistic < Self.critical(fit.df))
        let wrongAlpha = exp(-0.5 / 1.1)
        let wrong = Self.chiSquare(counts, total: Self.samples) { $0 < 0 ? 0 : (1 - wrongAlpha) * pow(wrongAlpha, Double($0)) }
        #expect(wrong.statistic > Self.critical(wrong.df))
        // Uniform below 7, including values that need Lemire's rejection step.
        let uniform = Self.histogram { Int(sampler.uniform(below: UInt64(7))) }
        let flat = Self.chiSquare(uniform, total: Self.samples) { (0..<7).contains($0) ? 1.0 / 7 : 0 }
        #expect(flat.statistic < Self.critical(flat.df))
        let big = BigUInt(1) << 70
        for _ in 0..<1000 { #expect(sampler.uniform(below: big) < big) }
    }

    @Test func theSystemSourceIsCryptographicAndFits() throws {
        let random = try SystemRandom()
        #expect(random.isCryptographic)
        #expect(!SeededRandom(seed: 1).isCryptographic)
        let sampler = ExactSampler(random: random)
        let counts = Self.histogram { Int(sampler.discreteLaplace(scaleNumerator: 2, scaleDenominator: 1)) }
        let fit = Self.chiSquare(counts, total: Self.samples, pmf: Self.laplacePMF(2))
        #expect(fit.statistic < Self.critical(fit.df) * 1.5)
    }

    @Test func marginsOfErrorAreExactQuantiles() {
        for scale in [0.5, 1, 2, 10, 1000] {
            let distribution = NoiseDistribution.discreteLaplace(scale: scale)
            let m = distribution.marginOfError()
            #expect(distribution.twoSidedTail(m) <= 0.05)
            if m > 0 { #expect(distribution.twoSidedTail(m - 1) > 0.05) }
        }
        let gaussian = NoiseDistribution.discreteGaussian(sigmaSquared: 100)
        #expect(gaussian.marginOfError() == 20) // ≈ 1.96σ for σ = 10
        #expect(abs(gaussian.standardDeviation - 10) < 0.01)
    }
}
