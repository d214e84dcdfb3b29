import BigInt

/// Exact samplers on integers and rationals, following Canonne, Kamath and
/// Steinke 2020, "The Discrete Gaussian for Differential Privacy", §5
/// (Algorithms 1–3). No floating point touches a sample: every decision is a
/// comparison of uniformly random integers, so the output distributions are
/// exactly the stated ones and immune to the floating-point attacks on
/// textbook Laplace noise (Mironov 2012, "On Significance of the Least
/// Significant Bits for Differential Privacy").
///
/// Parameters that fit in 64 bits take a fast path on machine words; larger
/// ones use BigUInt with the same algorithms.
public struct ExactSampler {
    /// Where the random bits come from.
    public let random: RandomSource

    public init(random: RandomSource) {
        self.random = random
    }

    // MARK: Uniform and Bernoulli

    /// Uniform on {0, …, n − 1}, exactly (Lemire 2019, rejection of the biased low range). n ≥ 1.
    @inline(__always)
    public func uniform(below n: UInt64) -> UInt64 {
        precondition(n > 0, "uniform needs n ≥ 1")
        var product = random.nextWord().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold {
                product = random.nextWord().multipliedFullWidth(by: n)
            }
        }
        return product.high
    }

    /// Uniform on {0, …, n − 1} for any n ≥ 1, by rejection on the bit length.
    public func uniform(below n: BigUInt) -> BigUInt {
        precondition(n > 0, "uniform needs n ≥ 1")
        if n.bitWidth <= 64, let small = UInt64(exactly: n) { return BigUInt(uniform(below: small)) }
        let bits = n.bitWidth
        while true {
            var words: [UInt] = []
            var remaining = bits
            while remaining > 0 {
                var word = UInt(truncatingIfNeeded: random.nextWord())
                if remaining < UInt.bitWidth { word &= (1 << UInt(remaining)) - 1 }
                words.append(word)
                remaining -= UInt.bitWidth
            }
            let candidate = BigUInt(words: words)
            if candidate < n { return candidate }
        }
    }

    /// Bernoulli(n/d): true with probability exactly n/d (n ≤ d, d ≥ 1).
    @inline(__always)
    public func bernoulli(_ numerator: UInt64, _ denominator: UInt64) -> Bool {
        uniform(below: denominator) < numerator
    }

    /// Bernoulli(p) for a rational p ≤ 1.
    public func bernoulli(_ p: Fraction) -> Bool {
        if let n = UInt64(exactly: p.numerator), let d = UInt64(exactly: p.denominator) { return bernoulli(n, d) }
        return uniform(below: p.denominator) < p.numerator
    }

    /// Bernoulli(exp(−γ)) for rational γ = n/d ≥ 0 (CKS Algorithm 1).
    public func bernoulliExpMinus(_ numerator: UInt64, _ denominator: UInt64) -> Bool {
        if numerator <= denominator {
            // γ ∈ [0, 1]: count the run of Bernoulli(γ/k) successes; exp(−γ) = P(the run ends at odd k).
            var k: UInt64 = 1
            while true {
                let (scaled, overflow) = denominator.multipliedReportingOverflow(by: k)
                let success = overflow
                    ? bernoulli(Fraction(BigUInt(numerator), BigUInt(denominator) * BigUInt(k)))
                    : bernoulli(numerator, scaled)
                if !success { break }
                k += 1
            }
            return k % 2 == 1
        }
        // γ > 1: exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋)).
        let whole = numerator / denominator
        for _ in 0..<whole where !bernoulliExpMinus(1, 1) { return false }
        return bernoulliExpMinus(numerator % denominator, denominator)
    }

    /// Bernoulli(exp(−γ)) for any rational γ ≥ 0.
    public func bernoulliExpMinus(_ gamma: Fraction) -> Bool {
        if let n = UInt64(exactly: gamma.numerator), let d = UInt64(exactly: gamma.denominator) {
            return bernoulliExpMinus(n, d)
        }
        if gamma.numerator <= gamma.denominator {
            var k = BigUInt(1)
            while bernoulli(Fraction(gamma.numerator, gamma.denominator * k)) { k += 1 }
            return k % 2 == 1
        }
        var whole = gamma.floor
        while whole > 0 {
            if !bernoulliExpMinus(1, 1) { return false }
            whole -= 1
        }
        return bernoulliExpMinus(Fraction(gamma.numerator % gamma.denominator, gamma.denominator))
    }

    // MARK: Geometric, discrete Laplace, discrete Gaussian

    /// Geometric on {0, 1, …} with P(V = v) = (1 − e^{−1/b})·e^{−v/b} for rational b = n/d
    /// (count of Bernoulli(exp(−d/n)) successes before the first failure).
    public func geometric(scaleNumerator n: UInt64, scaleDenominator d: UInt64) -> UInt64 {
        var v: UInt64 = 0
        while bernoulliExpMinus(d, n) { v += 1 }
        return v
    }

    /// Discrete Laplace with scale b = n/d: P(Z = z) ∝ exp(−|z|/b) (CKS Algorithm 2,
    /// with their t = n and s = d). Adding it to an integer query of L1
    /// sensitivity Δ gives ε-DP for b = Δ/ε.
    ///
    /// Requires n < 2⁴⁸; a draw whose intermediate value would overflow 64 bits
    /// (probability below e^{−65536}) is redrawn.
    public func discreteLaplace(scaleNumerator n: UInt64, scaleDenominator d: UInt64) -> Int64 {
        precondition(n > 0 && d > 0 && n < 1 << 48, "the scale must be positive, with numerator below 2^48")
        while true {
            let u = uniform(below: n)
            if !bernoulliExpMinus(u, n) { continue }
            var v: UInt64 = 0
            while bernoulliExpMinus(1, 1) { v += 1 }
            let (tv, overflow1) = n.multipliedReportingOverflow(by: v)
            let (x, overflow2) = u.addingReportingOverflow(tv)
            if overflow1 || overflow2 { continue }
            let y = x / d
            let negative = bernoulli(1, 2)
            if negative && y == 0 { continue }
            return negative ? -Int64(clamping: y) : Int64(clamping: y)
        }
    }

    /// Discrete Laplace with any rational scale b > 0.
    public func discreteLaplace(scale: Fraction) -> BigInt {
        if let n = UInt64(exactly: scale.numerator), let d = UInt64(exactly: scale.denominator), n < 1 << 48 {
            return BigInt(discreteLaplace(scaleNumerator: n, scaleDenominator: d))
        }
        let t = scale.numerator, s = scale.denominator
        while true {
            let u = uniform(below: t)
            if !bernoulliExpMinus(Fraction(u, t)) { continue }
            var v = BigUInt(0)
            while bernoulliExpMinus(1, 1) { v += 1 }
            let y = (u + t * v) / s
            let negative = bernoulli(1, 2)
            if negative && y == 0 { continue }
            return negative ? -BigInt(y) : BigInt(y)
        }
    }

    /// Discrete Gaussian with variance parameter σ² = n/d: P(Z = z) ∝ exp(−z²/(2σ²))
    /// (CKS Algorithm 3: discrete Laplace proposals of scale ⌊σ⌋ + 1, accepted with
    /// Bernoulli(exp(−(|y| − σ²/t)²/(2σ²)))). Adding it to an integer query of L2
    /// sensitivity Δ gives ρ-zCDP for σ² = Δ²/(2ρ).
    public func discreteGaussian(sigmaSquared: Fraction) -> BigInt {
        precondition(!sigmaSquared.isZero, "σ² must be positive")
        let n = sigmaSquared.numerator, d = sigmaSquared.denominator
        let t = (n / d).squareRoot() + 1
        let denominator = 2 * n * d * t * t
        while true {
            let y: BigInt
            if let small = UInt64(exactly: t), small < 1 << 48 {
                y = BigInt(discreteLaplace(scaleNumerator: small, scaleDenominator: 1))
            } else {
                y = discreteLaplace(scale: Fraction(t, 1))
            }
            let a = y.magnitude * t * d
            let difference = a > n ? a - n : n - a
            if bernoulliExpMinus(Fraction(difference * difference, denominator)) { return y }
        }
    }
}
