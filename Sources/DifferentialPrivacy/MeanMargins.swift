import Foundation
import Synchronization

/// A mean's published value and its 95% margin, from published values only.
///
/// The engine publishes a mean over [L, H] as m = clamp(c + S̃/(2·Ñ), L, H), with c = (L + H)/2,
/// S̃ = S + X the noisy normalised sum Σ(2x − (L + H)) and Ñ = N + Y the noisy count it divides by
/// (at least 1). Before clamping its error is exactly (X/2 − μ·Y)/Ñ, μ the bounded mean less c,
/// and clamping only brings it closer. So P(|error| ≤ z(μ)/Ñ) ≥ 95% when z(μ) is the 95% point of
/// |X/2 − μ·Y| (``NoiseCombination``): the interval's coverage is exact when μ is known. The
/// published margin puts the published d = m − c in μ's place, rounded away from 0 to a multiple
/// of 1/``gridSteps`` of the range (z grows with |d|, so rounding only widens it, and a release
/// computes at most ``gridSteps``/2 + 1 tails), and caps it at the range H − L.
///
/// A mean pooled with the output's count (``PooledSums``) has the error
/// (Y₁·(1/2 − μ/W) − Y₂·(1/2 + μ/W))/Ñ instead, and the same construction with that numerator.
///
/// Post-processing of published values under the published noise laws (Dwork & Roth 2014,
/// Prop. 2.1): it costs no privacy and a reader recomputes it from the data package.
public struct MeanMargins: Sendable {
    /// The range is divided into this many steps for the centred mean the margin uses.
    public static let gridSteps = 256

    let sumNoise: NoiseDistribution
    let denominatorNoise: NoiseDistribution
    let low: Int, high: Int
    /// Set for a mean pooled with the count: its numerator is ``PooledSums/meanNumerator(distance:)``.
    let pooled: PooledSums?
    private var numerators: [Int: Double] = [:]

    /// The numerators every mean statistic of this process has computed, by noise laws, bounds and
    /// grid index: the same output released again (a study, a backfill of many days) reuses them.
    /// They are functions of public parameters only. Emptied when it holds 100,000.
    private struct Key: Hashable {
        let sumNoise: NoiseDistribution, denominatorNoise: NoiseDistribution, low: Int, high: Int, index: Int, pooled: Bool
    }
    private static let shared = Mutex<[Key: Double]>([:])

    /// The margins of one mean statistic: X's and Y's laws and the bounds.
    public init(sumNoise: NoiseDistribution, denominatorNoise: NoiseDistribution, low: Int, high: Int) {
        (self.sumNoise, self.denominatorNoise, self.low, self.high, pooled) = (sumNoise, denominatorNoise, low, high, nil)
    }

    /// The margins of a mean pooled with the output's count.
    public init(pooled: PooledSums) {
        (sumNoise, denominatorNoise, low, high, self.pooled) = (pooled.noise, pooled.noise, pooled.low, pooled.high, pooled)
    }

    /// The published mean of a noisy normalised sum over a noisy count.
    public static func mean(noisySum: Int, noisyCount: Int, low: Int, high: Int) -> Double {
        let centre = Double(low + high) / 2
        return min(Double(high), max(Double(low), centre + Double(noisySum) / 2 / Double(max(noisyCount, 1))))
    }

    /// The 95% margin of a published `mean` whose denominator was `noisyCount`.
    public mutating func margin(mean: Double, noisyCount: Int) -> Double {
        let width = Double(high - low)
        let step = width / Double(Self.gridSteps)
        let index = Int((abs(mean - Double(low + high) / 2) / step).rounded(.up))
        let numerator = numerators[index] ?? {
            let key = Key(sumNoise: sumNoise, denominatorNoise: denominatorNoise, low: low, high: high, index: index,
                          pooled: pooled != nil)
            let distance = Double(index) * step
            let value = Self.shared.withLock { $0[key] }
                ?? (pooled?.meanNumerator(distance: distance) ?? NoiseCombination(0.5, sumNoise, distance, denominatorNoise)).margin()
            numerators[index] = value
            Self.shared.withLock { cache in
                if cache.count >= 100_000 { cache.removeAll() }
                cache[key] = value
            }
            return value
        }()
        return min(width, numerator / Double(max(noisyCount, 1)))
    }
}
