import Foundation

/// An output's count and a mean of one column, released together as two noisy sums per group
/// whose noise is half what a separate count and normalised sum need under ε-DP.
///
/// For values clamped to [L, H], W = H − L, each group g releases
/// U_g = Σ(x − L) + Y₁ and V_g = Σ(H − x) + Y₂, with Y₁, Y₂ independent discrete Laplace
/// noises of scale G·R·W/ε. Every published value is post-processing of U and V
/// (Dwork & Roth 2014, Prop. 2.1):
/// - the count Ñ = (U + V)/W, since (x − L) + (H − x) = W for every row, published rounded;
/// - the mean L + W·U/(U + V) = c + (U − V)/(2·Ñ), c = (L + H)/2, clamped to [L, H];
/// - the sum (U − V)/2 + c·Ñ.
///
/// Privacy: a unit's rows (at most G groups, R rows in each) add (x − L) to one U and (H − x)
/// to the same group's V, so removing the unit moves the vector (U_g, V_g)_g by at most
/// Σ over its rows of (x − L) + (H − x) = rows·W ≤ G·R·W in L1 norm. Independent discrete
/// Laplace noise of scale Δ₁/ε on each coordinate is ε-DP for the whole vector (the geometric
/// mechanism, Ghosh, Roughgarden & Sundararajan 2009; Canonne, Kamath & Steinke 2020, §2).
///
/// Why it is better: releasing the count (sensitivity G·R) and the normalised sum Σ(2x − L − H)
/// (sensitivity G·R·W) separately at ε/2 each gives each noise a scale 2·G·R·W/ε in the sum's
/// units; pooled, the same ε covers both with scale G·R·W/ε per coordinate, because each row's
/// two contributions add up to W (its L1 weight is that of one row of a two-bin histogram). The
/// count's noise (Y₁ + Y₂)/W then has √2 less deviation than a count at ε/2, and the sum's
/// (with L = 0, the sum is U) half the variance of S̃/2 + c·Ñ. Under ρ-zCDP (L2 sensitivity) the
/// two constructions are equal, so pooling is used for ε budgets only.
public struct PooledSums: Sendable, Hashable {
    /// The law of each of Y₁ and Y₂.
    public let noise: NoiseDistribution
    /// The clamping bounds [L, H] of the mean's column.
    public let low: Int
    public let high: Int

    /// The pooled mechanism of a mean over [`low`, `high`] whose noises follow `noise`.
    public init(noise: NoiseDistribution, low: Int, high: Int) {
        (self.noise, self.low, self.high) = (noise, low, high)
    }

    /// W = H − L.
    public var width: Int { high - low }

    /// The exact (U, V) of one group from its normalised sum Σ(2x − (L + H)) and its row count:
    /// U = (S + n·W)/2, V = (n·W − S)/2 (both integers: S + n·W = 2·Σ(x − L)).
    public func exact(normalisedSum: Int, rows: Int) -> (u: Int, v: Int) {
        ((normalisedSum + rows * width) / 2, (rows * width - normalisedSum) / 2)
    }

    /// The noisy count (U + V)/W before rounding.
    public func count(u: Int, v: Int) -> Double { Double(u + v) / Double(width) }

    /// The published mean: c + (U − V)/(2·max(Ñ, 1)), clamped to [L, H].
    public func mean(u: Int, v: Int) -> Double {
        let centre = Double(low + high) / 2
        return min(Double(high), max(Double(low), centre + Double(u - v) / 2 / max(count(u: u, v: v), 1)))
    }

    /// The published sum (U − V)/2 + c·Ñ.
    public func sum(u: Int, v: Int) -> Double {
        Double(u - v) / 2 + Double(low + high) / 2 * count(u: u, v: v)
    }

    /// The count's error (Y₁ + Y₂)/W.
    public var countError: NoiseCombination {
        NoiseCombination(1 / Double(width), noise, 1 / Double(width), noise)
    }

    /// The count's 95% margin in whole records. The published count is Ñ rounded, so its error is
    /// round(Z) for Z = (Y₁ + Y₂)/W, a lattice of step 1/W (nearly continuous), and
    /// |round(Z)| ≤ k exactly when |Z| < k + 1/2: the margin is the smallest whole k with
    /// k + 1/2 at or beyond Z's 95% point.
    public var countMargin: Double { max(0, (countError.margin() - 0.5).rounded(.up)) }

    /// The sum's error Y₁·(1/2 + c/W) + Y₂·(c/W − 1/2), whatever the data.
    public var sumError: NoiseCombination {
        let ratio = Double(low + high) / 2 / Double(width)
        return NoiseCombination(0.5 + ratio, noise, ratio - 0.5, noise)
    }

    /// The numerator of a mean's error when the bounded mean lies `distance` from the centre c:
    /// the error is exactly (Y₁·(1/2 − μ/W) − Y₂·(1/2 + μ/W))/Ñ for the bounded mean less c, μ,
    /// before clamping; its spread grows with |μ|.
    public func meanNumerator(distance: Double) -> NoiseCombination {
        let ratio = abs(distance) / Double(width)
        return NoiseCombination(0.5 - ratio, noise, 0.5 + ratio, noise)
    }
}
