import Foundation

/// The law of a·X + b·Y for two independent exact noises X and Y of known
/// distributions, and its margin of error: how far a value computed from two
/// noisy releases (a mean from a noisy sum and a noisy count, a sum derived from
/// a normalised sum and a count) can be from the value the same computation
/// gives on the exact inputs.
///
/// Every published interval built from it is post-processing of published
/// values under the published noise laws (Dwork & Roth 2014, Prop. 2.1): it
/// costs no privacy, and a reader can recompute it from the data package. The
/// tail is an exact sum over Y's support, truncated where Y's remaining mass is
/// below 10⁻¹², with X's one-sided tail in closed form (discrete Laplace) or,
/// for a discrete Gaussian of σ ≥ 20, the normal tail with a continuity
/// correction (exact summation below that).
///
/// Two discrete Laplace noises whose Y has more than ``closedFormSupport`` points of mass
/// (scales of about 3,500 and more, the two bin sums of ``PooledSums``) use the closed form of
/// the continuous pair instead, which sums nothing: |a·L₁ + b·L₂| for independent Laplace L₁, L₂
/// of scales α = a·s_X and β = b·s_Y has P(|Z| > t) = (α²e^{−t/α} − β²e^{−t/β})/(α² − β²), and
/// e^{−t/α}(1 + t/(2α)) when α = β (the density is a signed mixture of the two Laplace
/// densities, from the partial fractions of its characteristic function 1/((1 + α²w²)(1 + β²w²))).
/// A discrete Laplace of scale s has P(Y ≥ k) = P(L ≥ k − δ) for its continuous L, with
/// δ = s·ln(2/(1 + e^{−1/s})) < 1/2, so the tail is taken at t = m − (a + b): the margin is at
/// most 2·(a + b) wider than the exact one (a few units against tens of thousands there), never
/// narrower (tested against the exact sum).
public struct NoiseCombination: Sendable {
    /// The weight of X (its sign is irrelevant: X is symmetric).
    public let a: Double
    /// The noise X.
    public let x: NoiseDistribution
    /// The weight of Y (its sign is irrelevant: Y is symmetric).
    public let b: Double
    /// The noise Y.
    public let y: NoiseDistribution

    /// Y's support above which two discrete Laplace noises use the continuous closed form.
    static let closedFormSupport = 200_000

    /// Y's probabilities over −limit…limit, and X's upper tails when it has no closed form.
    private let yMass: [Double]
    private let yLimit: Int
    private let xTails: [Double]?
    /// α = a·s_X and β = b·s_Y when the closed form of two Laplace noises applies.
    private let continuous: (alpha: Double, beta: Double)?

    /// The combination a·X + b·Y.
    public init(_ a: Double, _ x: NoiseDistribution, _ b: Double, _ y: NoiseDistribution) {
        (self.a, self.x, self.b, self.y) = (abs(a), x, abs(b), y)
        yLimit = y.supportLimit
        if case let .discreteLaplace(xScale) = x, case let .discreteLaplace(yScale) = y, 2 * yLimit + 1 > Self.closedFormSupport {
            continuous = (abs(a) * xScale, abs(b) * yScale)
            (yMass, xTails) = ([], nil)
            return
        }
        continuous = nil
        yMass = y.masses(limit: yLimit)
        if case let .discreteGaussian(sigmaSquared) = x, sigmaSquared < 400 {
            // P(X ≥ k) for k = 0…limit + 1, summed from the far end.
            let limit = x.supportLimit
            let mass = x.masses(limit: limit)
            var tails = [Double](repeating: 0, count: limit + 2)
            for k in stride(from: limit, through: 0, by: -1) { tails[k] = tails[k + 1] + mass[k + limit] }
            xTails = tails
        } else {
            xTails = nil
        }
    }

    /// P(X ≥ k).
    private func xUpper(_ k: Int) -> Double {
        guard let xTails else { return x.upperTail(k) }
        if k <= 0 { return 1 - xUpper(1 - k) }
        return k < xTails.count ? xTails[k] : 0
    }

    /// P(|a·X + b·Y| > m) (for the closed form, see the type: at most a + b further out).
    public func tail(_ m: Double) -> Double {
        if let continuous { return Self.laplacePairTail(alpha: continuous.alpha, beta: continuous.beta, t: m - (a + b)) }
        if a == 0 {
            // P(|bY| > m), from Y's masses.
            var inside = 0.0
            for (index, p) in yMass.enumerated() where b * Double(abs(index - yLimit)) <= m { inside += p }
            return max(0, 1 - inside)
        }
        var total = 0.0
        for (index, p) in yMass.enumerated() where p >= 1e-18 {
            let shift = b * Double(index - yLimit)
            // P(aX > m − shift) + P(aX < −m − shift) = P(X > (m − shift)/a) + P(X > (m + shift)/a).
            total += p * (xUpper(Self.above((m - shift) / a)) + xUpper(Self.above((m + shift) / a)))
        }
        return min(1, total)
    }

    /// The smallest m (to a relative precision of 10⁻⁷) with P(|a·X + b·Y| ≤ m) ≥ `level`.
    ///
    /// The tail falls as m grows; the search keeps a bracket [low, high] with the tail above
    /// 1 − level at low and not above it at high, and alternates a false-position step (fast
    /// where the tail is smooth) with a bisection (which halves the bracket whatever its shape).
    public func margin(level: Double = 0.95) -> Double {
        let alpha = 1 - level
        var high = max(1e-9, a * Double(x.marginOfError(level: level)) + b * Double(y.marginOfError(level: level)))
        var highTail = tail(high)
        while highTail > alpha { high *= 2; highTail = tail(high) }
        var low = 0.0
        var lowTail = tail(low)
        if lowTail <= alpha { return 0 }
        var bisect = false
        while high - low > 1e-7 * high {
            var middle = (low + high) / 2
            if !bisect {
                // Where the line through the bracket's ends crosses 1 − level, kept inside the bracket.
                let guess = low + (lowTail - alpha) / (lowTail - highTail) * (high - low)
                if guess.isFinite, guess > low, guess < high { middle = guess }
            }
            bisect.toggle()
            let middleTail = tail(middle)
            if middleTail > alpha { (low, lowTail) = (middle, middleTail) } else { (high, highTail) = (middle, middleTail) }
        }
        return high
    }

    /// P(|α·L₁ + β·L₂| > t) for independent standard Laplace L₁, L₂ (scales α, β ≥ 0).
    static func laplacePairTail(alpha: Double, beta: Double, t: Double) -> Double {
        guard t > 0 else { return 1 }
        let (large, small) = (max(alpha, beta), min(alpha, beta))
        guard large > 0 else { return 0 }
        if large - small < large * 1e-4 {
            let scale = (large + small) / 2
            return min(1, exp(-t / scale) * (1 + t / (2 * scale)))
        }
        // small = 0 (a weight of 0) leaves the larger noise's own tail e^{−t/large}.
        let smallTerm = small > 0 ? small * small * exp(-t / small) : 0
        let value = (large * large * exp(-t / large) - smallTerm) / (large * large - small * small)
        return min(1, max(0, value))
    }

    /// The smallest integer k with k > t: X > t ⇔ X ≥ k for an integer X.
    static func above(_ t: Double) -> Int {
        guard t.isFinite else { return t > 0 ? Int.max / 2 : Int.min / 2 }
        let clamped = min(max(t, -1e15), 1e15)
        return Int(clamped.rounded(.down)) + 1
    }
}

extension NoiseDistribution {
    /// P(Z ≥ k): closed form for the discrete Laplace, an exact sum for a discrete Gaussian of
    /// σ < 20 and the normal tail at k − ½ (continuity correction) above.
    public func upperTail(_ k: Int) -> Double {
        if k <= 0 { return 1 - upperTail(1 - k) }
        switch self {
        case let .discreteLaplace(scale):
            let alpha = exp(-1 / scale)
            return exp(-Double(k) / scale) / (1 + alpha)
        case let .discreteGaussian(sigmaSquared):
            let sigma = sigmaSquared.squareRoot()
            if sigma >= 20 { return 0.5 * erfc((Double(k) - 0.5) / (sigma * 2.0.squareRoot())) }
            return max(0, twoSidedTail(k - 1) / 2)
        }
    }

    /// P(Z = z) for z = −limit…limit, normalised once.
    func masses(limit: Int) -> [Double] {
        switch self {
        case .discreteLaplace:
            return (-limit...limit).map { probability($0) }
        case let .discreteGaussian(sigmaSquared):
            let weights = (-limit...limit).map { exp(-Double($0 * $0) / (2 * sigmaSquared)) }
            let total = weights.reduce(0, +)
            return weights.map { $0 / total }
        }
    }

    /// A bound beyond which the distribution's mass on both sides is below 10⁻¹².
    var supportLimit: Int {
        switch self {
        case let .discreteLaplace(scale):
            return Int((scale * log(2e12)).rounded(.up)) + 1
        case let .discreteGaussian(sigmaSquared):
            return Int((sigmaSquared.squareRoot() * 7.5).rounded(.up)) + 1
        }
    }
}
