import Foundation

/// What the noise of an aggregate output will cost in accuracy, known before anything is
/// read or spent: each statistic's 95% margin at the output's budget, from the same shares
/// and noise distributions ``AggregateEngine`` draws from (no noise is drawn here).
///
/// A count's and a sum's margins do not depend on the data. A mean's does, through its
/// group's size n: with a the sum's half-share margin at 97.5% (halved, as the doubled sum
/// is) and b the count's half-share margin at 97.5%, both hold together with probability
/// ≥ 95% and the mean is then within (a + w/2 · b) / (n − b) of the bounded mean, w the range
/// H − L (the engine publishes the same bound per row). It is wider than the whole range
/// for groups of at most ``Statistic/rangeGroupSize`` records, where the mean is noise.
/// A quantile's margin is in ranks (records), from the exponential mechanism's tail.
public struct AccuracyForecast: Sendable {
    /// One statistic's forecast.
    public struct Statistic: Sendable {
        /// The published column (`count`, `mean_response_seconds`, …).
        public var name: String
        /// The 95% margin in the statistic's unit (ranks for a quantile); for a mean, at a group of 100.
        public var margin: Double
        /// For a mean: its margin at a group of `n` records.
        public var meanMargin: (@Sendable (Int) -> Double)?
        /// For a mean: the largest group size whose margin is the whole range [L, H].
        public var rangeGroupSize: Int?
        /// The bounds [L, H] of a sum, mean or quantile.
        public var bounds: ClosedRange<Int>?
        /// True when `margin` counts records (a quantile's rank).
        public var inRanks = false
    }

    public var statistics: [Statistic]

    /// The forecast of an output with `statistics` under `budget` and `bounds`.
    public init(statistics: [AggregateStatistic], keys: KeySelection, bounds: ContributionBounds,
                budget: AggregateBudget) throws(DPError) {
        let (laplace, gaussian, _) = try AggregateEngine.shareOfEachStatistic(budget: budget, statistics: statistics, keys: keys)
        let g = bounds.groupsPerUnit, r = bounds.rowsPerUnitPerGroup
        func distribution(_ l1: Int, _ l2Squared: Int, _ part: Fraction = Fraction(1)) -> NoiseDistribution {
            AggregateEngine.noiseParameters(l1: l1, l2Squared: l2Squared, part: part, laplace: laplace, gaussian: gaussian).distribution
        }
        self.statistics = statistics.map { statistic in
            switch statistic {
            case .count:
                return Statistic(name: statistic.name, margin: Double(distribution(g * r, g * r * r).marginOfError()))
            case let .sum(_, low, high):
                let m = max(abs(low), abs(high))
                return Statistic(name: statistic.name, margin: Double(distribution(g * r * m, g * r * r * m * m).marginOfError()), bounds: low...high)
            case let .mean(_, low, high):
                let width = Double(high - low)
                let half = Fraction(1, 2)
                let a = Double(distribution(g * r * (high - low), g * r * r * (high - low) * (high - low), half).marginOfError(level: 0.975)) / 2
                let b = Double(distribution(g * r, g * r * r, half).marginOfError(level: 0.975))
                let margin: @Sendable (Int) -> Double = { n in
                    AggregateEngine.meanMargin(sumMargin: a, countMargin: b, width: width, size: Double(n))
                }
                let threshold = Int((b + (a + width / 2 * b) / width).rounded(.down))
                return Statistic(name: statistic.name, margin: margin(100), meanMargin: margin, rangeGroupSize: threshold, bounds: low...high)
            case let .quantile(_, _, low, high):
                let share = laplace ?? gaussian.map { AggregateEngine.rhoToEpsilonShare($0) } ?? Fraction(1)
                let rank = AggregateEngine.quantileRankMargin(rows: r, epsilon: (share / Fraction(g)).doubleValue, domain: high - low + 1)
                return Statistic(name: statistic.name, margin: rank, bounds: low...high, inRanks: true)
            }
        }
    }
}
