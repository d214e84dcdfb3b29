import Foundation

/// What the noise of an aggregate output will cost in accuracy, known before anything is
/// read or spent: each statistic's 95% margin at the output's budget, from the same
/// ``BudgetSplit`` and noise distributions ``AggregateEngine`` draws from (no noise is drawn here).
///
/// A count's and a sum's margins do not depend on the data (a sum published from a normalised
/// sum and a count, ``BudgetSplit/SumForm``, has the 95% point of |X/2 + c·Y|, c the bounds'
/// centre). A mean's does: its error is (X/2 − μ·Y)/n for the normalised sum's noise X, the
/// noise Y of the count it divides by and the bounded mean μ less the bounds' centre, so its
/// margin at a group of n is z(μ)/n, with z(μ) the 95% point of |X/2 − μ·Y| (the engine
/// publishes the same with the published mean for μ). The forecast, made before any data,
/// gives z at the centre of the range and at an edge, and forecasts their geometric mean, which
/// is within √(z_edge/z_centre) of either. It is the whole range for groups of at most
/// ``Statistic/rangeGroupSize`` records.
/// A count and mean pooled into two noisy bin sums (``PooledSums``) use that mechanism's laws.
/// A quantile's margin is in ranks (records), from the exponential mechanism's tail bound, which
/// holds for any data; beside it, the rank error to expect at a group of n records spread over the
/// candidates (``Statistic/rankForecast``), from the mechanism's exact law.
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
        /// For a mean: n times its margin at a group of n when the mean lies at the centre of
        /// the range and at an edge (the forecast margin is their geometric mean over n).
        public var meanSpread: (centre: Double, edge: Double)?
        /// The bounds [L, H] of a sum, mean or quantile.
        public var bounds: ClosedRange<Int>?
        /// True when `margin` counts records (a quantile's rank).
        public var inRanks = false
        /// For a quantile: the 95th percentile of its rank error at a group of `n` records spread
        /// evenly over its candidates (``QuantileMechanism``'s exact law; a forecast, while `margin`
        /// is the bound the engine publishes, which holds for any data).
        public var rankForecast: (@Sendable (Int) -> Double)?
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
        // The count and one mean pooled into two noisy bin sums (``PooledSums``), when the split pools them.
        let pooled = split.pooledMean.flatMap { mean -> PooledSums? in
            guard case let .mean(_, low, high) = statistics[mean], let share = split.pooledShare else { return nil }
            return PooledSums(noise: distribution(g * r * (high - low), 0, share), low: low, high: high)  // ε only: no L2 term
        }
        self.statistics = statistics.enumerated().map { index, statistic in
            var forecast: Statistic
            switch statistic {
            case .count:
                let margin = pooled?.countMargin ?? Double(distribution(g * r, g * r * r, split.main[index]).marginOfError())
                forecast = Statistic(name: statistic.name, margin: margin)
            case let .sum(_, low, high) where pooled != nil && split.sumForms[index].meanIndex == split.pooledMean:
                forecast = Statistic(name: statistic.name, margin: pooled?.sumError.margin() ?? 0, bounds: low...high)
            case let .sum(_, low, high):
                let m = max(abs(low), abs(high)), width = high - low
                let countShare = split.sumForms[index].meanIndex.flatMap { split.ownCount[$0] } ?? split.count ?? Fraction(1)
                // A normalised sum's share is its own, or that of the mean it is derived from.
                let margin = split.sumForms[index] == .plain
                    ? Double(distribution(g * r * m, g * r * r * m * m, split.main[index]).marginOfError())
                    : NoiseCombination(0.5, distribution(g * r * width, g * r * r * width * width,
                                                         split.main[split.sumForms[index].meanIndex ?? index]),
                                       Double(low + high) / 2, distribution(g * r, g * r * r, countShare)).margin()
                forecast = Statistic(name: statistic.name, margin: margin, bounds: low...high)
            case let .mean(_, low, high):
                let width = Double(high - low)
                let sumNoise = distribution(g * r * (high - low), g * r * r * (high - low) * (high - low), split.main[index])
                let countNoise = distribution(g * r, g * r * r, split.ownCount[index] ?? split.count ?? Fraction(1))
                let isPooled = pooled != nil && split.pooledMean == index
                let centre = (isPooled ? pooled?.meanNumerator(distance: 0) : nil)
                    ?? NoiseCombination(0.5, sumNoise, 0, countNoise)
                let edge = (isPooled ? pooled?.meanNumerator(distance: width / 2) : nil)
                    ?? NoiseCombination(0.5, sumNoise, width / 2, countNoise)
                let (centreMargin, edgeMargin) = (centre.margin(), edge.margin())
                let typical = (centreMargin * edgeMargin).squareRoot()
                let margin: @Sendable (Int) -> Double = { n in min(width, typical / Double(max(n, 1))) }
                forecast = Statistic(name: statistic.name, margin: margin(100), meanMargin: margin,
                                     rangeGroupSize: Int((typical / width).rounded(.down)), bounds: low...high)
                forecast.meanSpread = (centreMargin, edgeMargin)
            case let .quantile(_, q, low, high):
                let share = split.isGaussian ? AggregateEngine.rhoToEpsilonShare(split.main[index]) : split.main[index]
                let mechanism = QuantileMechanism(q: q, low: low, high: high, rowsPerUnit: r,
                                                  candidates: logGrids[statistic.name].map { QuantileMechanism.logGrid(low: low, high: high, points: $0) })
                let epsilon = (share / Fraction(g)).doubleValue
                forecast = Statistic(name: statistic.name, margin: mechanism.rankMargin(epsilon: epsilon),
                                     bounds: low...high, inRanks: true)
                forecast.rankForecast = { n in mechanism.rankErrorForecast(size: n, epsilon: epsilon) }
            }
            forecast.fraction = (split.spent(by: index) / split.total).doubleValue
            return forecast
        }
    }
}
