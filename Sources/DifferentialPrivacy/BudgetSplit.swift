import Foundation

/// How one aggregate output's budget is divided among its noise mechanisms.
///
/// An output runs one mechanism per statistic, except that:
/// - its count is one mechanism, shared by the published `count`, the
///   partition selection of private keys, and every mean over a column that
///   can never be missing (see ``AggregateInput/complete``): such a mean divides
///   its noisy sum by the output's noisy count and needs no count of its own,
///   which is free post-processing (Dwork & Roth 2014, Prop. 2.1);
/// - any other mean runs two, a sum and its own count of the rows with a value;
/// - a sum is published from a normalised sum Σ(2x − (L + H)) and a count of
///   the same rows when the output has them (``SumForm``): beside a mean of the
///   same column and bounds it runs no mechanism at all (the mean's noisy
///   normalised sum and the count it divides by give the sum, PipelineDP's
///   construction), and over a complete column in an output with a count it runs
///   one normalised sum, whose noise is half a plain sum's for bounds [0, H].
///   sum = S̃/2 + (L + H)/2 · Ñ is post-processing of the two noisy values;
/// - under ε, with public keys, the count and the one mean that divides by it run as one
///   mechanism (``pooledMean``, ``PooledSums``): two noisy sums Σ(x − L) and Σ(H − x) at the
///   count's and the mean's shares together, from which the count, the mean and a sum of the
///   same column and bounds are all published. The shares are reported as before; they are
///   spent together.
///
/// Guarantee: the shares are exact rationals that add up to exactly the
/// output's budget (ε rounded down to 10⁻⁶, or ρ), so sequential composition
/// gives the output's ε-DP (Dwork & Roth 2014, Thm 3.16) or ρ-zCDP (Bun &
/// Steinke 2016, Lemma 2.3) whatever the weights are.
///
/// The weights: mechanism m gets budget · w_m / Σ w. A policy may weight each
/// statistic; a mean with its own count splits its weight equally between its
/// sum and its count. The default minimises the total relative error: measure
/// each mechanism's error in records (a count's noise; a sum's noise over the
/// most one record moves it, H − L for a centred mean sum, max(|L|, |H|) for a
/// sum; a quantile's rank error), so that relative to a group of n records every
/// mechanism's expected error is c_m·G·R/(ε_m·n), with c = 1 for counts and sums
/// and c = 2·max(q, 1 − q) for a q-quantile (Laplace scale 2·Δu/ε with Δu =
/// R·max(q, 1 − q), see ``QuantileMechanism``). Minimising Σ c_m/ε_m under
/// Σ ε_m = ε gives ε_m ∝ √c_m (Lagrange): weight 1 per count or sum mechanism,
/// so 2 for a mean with its own count, and √(2·max(q, 1 − q)) for a quantile
/// (1 for the median).
public struct BudgetSplit: Sendable, Equatable {
    /// Whether the shares are of ε (discrete Laplace) or of ρ (discrete Gaussian).
    public let isGaussian: Bool
    /// The whole budget split: ε or ρ rounded down to 10⁻⁶; the shares add up to exactly this.
    public let total: Fraction
    /// δ of the output (partition selection, or the zCDP conversion).
    public let delta: Double?
    /// The share of the output's count, when it has one (published, selecting keys, or reused by means).
    public let count: Fraction?
    /// Per statistic, the share of its own noise: the count's share for `count`, the sum's for a mean.
    public let main: [Fraction]
    /// Per statistic, a mean's own count share; nil for every other statistic and for a mean that reuses the count.
    public let ownCount: [Fraction?]
    /// Per statistic, whether it is a mean that divides its noisy sum by the output's noisy count.
    public let reusesCount: [Bool]
    /// Per statistic, how a sum is computed (``SumForm/plain`` for every other statistic).
    public let sumForms: [SumForm]
    /// The mean whose normalised sum is pooled with the output's count (``PooledSums``): set under ε,
    /// with public keys, when exactly one mean divides by the output's count and no other sum
    /// reads the count (a ``SumForm/normalised`` sum). Its mechanism spends `count` + `main[index]`.
    public let pooledMean: Int?

    /// The pooled mechanism's share: the count's and the pooled mean's together.
    public var pooledShare: Fraction? {
        guard let pooledMean, let count else { return nil }
        return count + main[pooledMean]
    }

    /// How a sum statistic is computed from the output's mechanisms.
    public enum SumForm: Sendable, Equatable {
        /// Its own noisy sum of values clamped to [L, H] (sensitivity G·R·max(|L|, |H|)).
        case plain
        /// Its own noisy normalised sum Σ(2x − (L + H)) (sensitivity G·R·(H − L)) and the
        /// output's noisy count: the column is complete and the output has a count.
        case normalised
        /// No mechanism: the noisy normalised sum and denominator of the mean at this index
        /// (same column and bounds) give it.
        case fromMean(Int)

        /// The mean a ``fromMean`` sum reads.
        public var meanIndex: Int? { if case let .fromMean(index) = self { index } else { nil } }
    }

    /// The form of each sum in `statistics`: from a mean of the same column and bounds, else
    /// normalised when the column is complete and the output counts its rows, else plain.
    public static func sumForms(_ statistics: [AggregateStatistic], keys: KeySelection, complete: Set<String>) -> [SumForm] {
        let hasCount = statistics.contains(.count) || keys == .privateKeys
        return statistics.map { statistic in
            guard case let .sum(column, low, high) = statistic else { return .plain }
            if let mean = statistics.firstIndex(of: .mean(column: column, low: low, high: high)) { return .fromMean(mean) }
            return hasCount && complete.contains(column) ? .normalised : .plain
        }
    }

    /// The default weight of each statistic (see the type's derivation), given
    /// whether each mean has its own count.
    public static func defaultWeights(_ statistics: [AggregateStatistic], meanReusesCount: [Bool]) -> [Double] {
        statistics.enumerated().map { index, statistic in
            switch statistic {
            case .count, .sum: 1
            case .mean: meanReusesCount[index] ? 1 : 2
            case let .quantile(_, q, _, _): (2 * max(q, 1 - q)).squareRoot()
            }
        }
    }

    /// Whether each statistic is a mean that divides by the output's count:
    /// the output has a count mechanism and the mean's column can never be missing.
    public static func meanReusesCount(_ statistics: [AggregateStatistic], keys: KeySelection, complete: Set<String>) -> [Bool] {
        let hasCount = statistics.contains(.count) || keys == .privateKeys
        return statistics.map { statistic in
            if case let .mean(column, _, _) = statistic { return hasCount && complete.contains(column) }
            return false
        }
    }

    /// Splits `budget` among the mechanisms of `statistics`.
    ///
    /// - Parameters:
    ///   - weights: one positive weight per statistic, or nil for the defaults.
    ///   - complete: measure columns that can never be missing (their means may reuse the count).
    ///   - pool: pool the count with the one mean that divides by it where that is allowed
    ///     (``pooledMean``); false releases them separately, as earlier versions did.
    /// - Throws: ``DPError/invalidParameters(_:)`` when ε or ρ is not positive, δ is outside (0, 1)
    ///   under ρ, the budget rounds down to 0, a statistic appears twice, or the weights are not one
    ///   finite number of at least 10⁻⁶ per statistic.
    public init(budget: AggregateBudget, statistics: [AggregateStatistic], keys: KeySelection,
                weights: [Double]? = nil, complete: Set<String> = [], pool: Bool = true) throws(DPError) {
        let total: Fraction
        switch budget {
        case let .epsilon(epsilon, delta):
            guard epsilon > 0 else { throw .invalidParameters("ε must be positive") }
            (total, isGaussian, self.delta) = (Fraction.below(epsilon), false, delta)
        case let .rho(rho, delta):
            guard rho > 0, delta > 0, delta < 1 else { throw .invalidParameters("ρ must be positive and δ in (0, 1)") }
            // With private keys the selection gets δ/2; ρ converts at the other half (PrivacyParameters.selectionDelta).
            (total, isGaussian, self.delta) = (Fraction.below(rho), true, budget.selectionDelta(privateKeys: keys == .privateKeys) ?? delta)
        }
        guard !total.isZero else { throw .invalidParameters("the budget rounds down to 0 at a resolution of 10⁻⁶") }
        guard Set(statistics.map(\.name)).count == statistics.count else {
            throw .invalidParameters("each statistic may appear once in an output")
        }
        let reuses = Self.meanReusesCount(statistics, keys: keys, complete: complete)
        let forms = Self.sumForms(statistics, keys: keys, complete: complete)
        var weights = weights ?? Self.defaultWeights(statistics, meanReusesCount: reuses)
        guard weights.count == statistics.count else {
            throw .invalidParameters("\(weights.count) weights for \(statistics.count) statistics")
        }
        guard weights.allSatisfy({ $0.isFinite && $0 >= 1e-6 }) else {
            throw .invalidParameters("every weight must be a number of at least 0.000001")
        }
        // A sum published from a mean's mechanisms lends that mean its weight when larger.
        for (index, form) in forms.enumerated() {
            if case let .fromMean(mean) = form { weights[mean] = max(weights[mean], weights[index]) }
        }
        // Mechanism weights as exact rationals; the split is then exact whatever they are. They are
        // relative, so rounding them up (never to 0: 0.000001 is a Double just below 10⁻⁶) changes no guarantee.
        let exact = weights.map { Fraction.above($0) }
        let half = Fraction(1, 2)
        // Private keys with no count statistic: a count of their own for partition selection.
        let selection: Fraction? = keys == .privateKeys && !statistics.contains(.count) ? Fraction(1) : nil
        var mainWeights: [Fraction] = [], ownWeights: [Fraction?] = []
        for (index, statistic) in statistics.enumerated() {
            let weight = exact[index]
            if case .fromMean = forms[index] {
                mainWeights.append(Fraction(0)); ownWeights.append(nil)
            } else if case .mean = statistic, !reuses[index] {
                mainWeights.append(weight * half); ownWeights.append(weight * half)
            } else {
                mainWeights.append(weight); ownWeights.append(nil)
            }
        }
        // Statistics are distinct, so the count statistic's weight is the count mechanism's, counted once.
        let sum = ([selection].compactMap { $0 } + mainWeights + ownWeights.compactMap { $0 }).reduce(Fraction(0), +)
        let share = { (weight: Fraction) in total * weight / sum }
        self.total = total
        count = statistics.firstIndex(of: .count).map { share(mainWeights[$0]) } ?? selection.map(share)
        main = mainWeights.map(share)
        ownCount = ownWeights.map { $0.map(share) }
        reusesCount = reuses
        sumForms = forms
        let reusing = reuses.indices.filter { reuses[$0] }
        pooledMean = pool && !isGaussian && keys == .publicKeys && statistics.contains(.count) && reusing.count == 1
            && !forms.contains(.normalised) ? reusing.first : nil
    }

    /// Everything statistic `index` spends: its own noise and a mean's own count.
    public func spent(by index: Int) -> Fraction { main[index] + (ownCount[index] ?? Fraction(0)) }

}
