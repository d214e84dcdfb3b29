import Foundation

/// What the noise of an aggregate output will cost in accuracy, known before anything is
/// read or spent: each statistic's 95% margin at the output's budget, from the same
/// ``BudgetSplit`` and noise distributions ``AggregateEngine`` draws from (no noise is drawn here).
///
/// A count's and a sum's margins do not depend on the data. A mean's does, through its
/// group's size n: with a the sum noise's margin at 97.5% (halved, as the doubled sum
/// is) and b the margin at 97.5% of the count it divides by (the output's, or its own),
/// both hold together with probability ≥ 95% and the mean is then within
/// (a + w/2 · b) / (n − b) of the bounded mean, w the range H − L (the engine publishes
/// the same bound per row). It is the whole range for groups of at most
/// ``Statistic/rangeGroupSize`` records, where the mean is noise.
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
        /// The share of the output's budget this statistic spends (0…1).
        public var fraction: Double = 1
    }

    public var statistics: [Statistic]

    /// The forecast of an output with `statistics` under `budget` and `bounds`;
    /// `weights` and `complete` as for ``BudgetSplit``.
    ///
    /// - Throws: ``DPError/invalidParameters(_:)`` when ``BudgetSplit`` refuses the budget,
    ///   statistics or weights.
    public init(statistics: [AggregateStatistic], keys: KeySelection, bounds: ContributionBounds,
                budget: AggregateBudget, weights: [Double]? = nil, complete: Set<String> = [],
                logGrids: [String: Int] = [:]) throws(DPError) {
        let split = try BudgetSplit(budget: budget, statistics: statistics, keys: keys, weights: weights, complete: complete)
        let g = bounds.groupsPerUnit, r = bounds.rowsPerUnitPerGroup
        func distribution(_ l1: Int, _ l2Squared: Int, _ share: Fraction) -> NoiseDistribution {
            AggregateEngine.noiseParameters(l1: l1, l2Squared: l2Squared, share: share, gaussian: split.isGaussian).distribution
        }
        self.statistics = statistics.enumerated().map { index, statistic in
            var forecast: Statistic
            switch statistic {
            case .count:
                forecast = Statistic(name: statistic.name, margin: Double(distribution(g * r, g * r * r, split.main[index]).marginOfError()))
            case let .sum(_, low, high):
                let m = max(abs(low), abs(high))
                forecast = Statistic(name: statistic.name, margin: Double(distribution(g * r * m, g * r * r * m * m, split.main[index]).marginOfError()),
                                     bounds: low...high)
            case let .mean(_, low, high):
                let width = Double(high - low)
                let a = Double(distribution(g * r * (high - low), g * r * r * (high - low) * (high - low), split.main[index])
                    .marginOfError(level: 0.975)) / 2
                let countShare = split.ownCount[index] ?? split.count ?? Fraction(1)
                let b = Double(distribution(g * r, g * r * r, countShare).marginOfError(level: 0.975))
                let margin: @Sendable (Int) -> Double = { n in
                    AggregateEngine.meanMargin(sumMargin: a, countMargin: b, width: width, size: Double(n))
                }
                let threshold = Int((b + (a + width / 2 * b) / width).rounded(.down))
                forecast = Statistic(name: statistic.name, margin: margin(100), meanMargin: margin, rangeGroupSize: threshold, bounds: low...high)
            case let .quantile(_, q, low, high):
                let share = split.isGaussian ? AggregateEngine.rhoToEpsilonShare(split.main[index]) : split.main[index]
                let mechanism = QuantileMechanism(q: q, low: low, high: high, rowsPerUnit: r,
                                                  candidates: logGrids[statistic.name].map { QuantileMechanism.logGrid(low: low, high: high, points: $0) })
                forecast = Statistic(name: statistic.name, margin: mechanism.rankMargin(epsilon: (share / Fraction(g)).doubleValue),
                                     bounds: low...high, inRanks: true)
            }
            forecast.fraction = (split.spent(by: index) / split.total).doubleValue
            return forecast
        }
    }
}
