import Foundation

/// The exact distribution of the noise a mechanism adds, for error bars that
/// users can read: probability mass, tails and the 95% margin of error.
public enum NoiseDistribution: Sendable, Hashable, Codable {
    /// Discrete Laplace of scale b: P(z) = (1 − α)/(1 + α)·α^|z|, α = e^{−1/b}.
    case discreteLaplace(scale: Double)
    /// Discrete Gaussian with variance parameter σ²: P(z) ∝ e^{−z²/(2σ²)}.
    case discreteGaussian(sigmaSquared: Double)

    /// P(Z = z).
    public func probability(_ z: Int) -> Double {
        switch self {
        case let .discreteLaplace(scale):
            let alpha = exp(-1 / scale)
            return (1 - alpha) / (1 + alpha) * pow(alpha, Double(abs(z)))
        case let .discreteGaussian(sigmaSquared):
            return exp(-Double(z * z) / (2 * sigmaSquared)) / gaussianNormalizer(sigmaSquared)
        }
    }

    /// P(|Z| > m) for m ≥ 0.
    public func twoSidedTail(_ m: Int) -> Double {
        switch self {
        case let .discreteLaplace(scale):
            let alpha = exp(-1 / scale)
            return 2 * pow(alpha, Double(m + 1)) / (1 + alpha)
        case .discreteGaussian:
            var inside = probability(0)
            if m > 0 { for z in 1...m { inside += 2 * probability(z) } }
            return max(0, 1 - inside)
        }
    }

    /// The smallest m with P(|Z| ≤ m) ≥ `level`: the published value lies within
    /// ±m of the true value with probability at least `level`.
    public func marginOfError(level: Double = 0.95) -> Int {
        switch self {
        case let .discreteLaplace(scale):
            // P(|Z| > m) = 2α^{m+1}/(1+α) ≤ 1 − level  ⇔  m ≥ ln((1−level)(1+α)/2)/ln α − 1.
            let alpha = exp(-1 / scale)
            guard alpha > 0 else { return 0 }
            var m = max(0, Int((log((1 - level) * (1 + alpha) / 2) / log(alpha) - 1).rounded(.up)))
            while m > 0 && twoSidedTail(m - 1) <= 1 - level { m -= 1 }
            while twoSidedTail(m) > 1 - level { m += 1 }
            return m
        case let .discreteGaussian(sigmaSquared):
            let normalizer = gaussianNormalizer(sigmaSquared)
            var m = 0
            var inside = 1 / normalizer
            let limit = Int(sigmaSquared.squareRoot() * 10) + 10
            while inside < level && m < limit {
                m += 1
                inside += 2 * exp(-Double(m * m) / (2 * sigmaSquared)) / normalizer
            }
            return m
        }
    }

    /// Standard deviation of the noise.
    public var standardDeviation: Double {
        switch self {
        case let .discreteLaplace(scale):
            let alpha = exp(-1 / scale)
            return (2 * alpha).squareRoot() / (1 - alpha)
        case let .discreteGaussian(sigmaSquared):
            let normalizer = gaussianNormalizer(sigmaSquared)
            var variance = 0.0
            let limit = Int(sigmaSquared.squareRoot() * 12) + 12
            for z in 1...limit { variance += 2 * Double(z * z) * exp(-Double(z * z) / (2 * sigmaSquared)) }
            return (variance / normalizer).squareRoot()
        }
    }

    private func gaussianNormalizer(_ sigmaSquared: Double) -> Double {
        let limit = Int(sigmaSquared.squareRoot() * 12) + 12
        var total = 1.0
        for z in 1...limit { total += 2 * exp(-Double(z * z) / (2 * sigmaSquared)) }
        return total
    }
}
