import DifferentialPrivacy
import PrivacyPolicy

/// The engine parameters of one aggregate output, from the policy alone, never
/// from the data: its statistics, key selection, contribution bounds, budget,
/// the split of that budget (weights) and the columns declared never missing.
/// ``AggregateRelease`` bounds with them and ``PolicyForecast`` forecasts with
/// them, so the forecast is the release's own arithmetic.
public struct AggregateParameters: Sendable {
    /// The statistics in policy order, with integer clamping bounds that contain the policy's.
    public var statistics: [AggregateStatistic]
    /// Public key lists, or DP partition selection when a group-by column has `private` keys.
    public var keys: KeySelection
    /// Each unit's groups and rows per group (one row, one group without a privacy unit).
    public var bounds: ContributionBounds
    /// The budget of this table: the output's, or with `totals_over` the daily table's share.
    public var budget: AggregateBudget
    /// One weight per statistic, or nil for ``BudgetSplit``'s defaults.
    public var weights: [Double]?
    /// Measured columns with `missing: refuse`.
    public var complete: Set<String>
    /// Quantiles whose candidates are a log-spaced grid, by statistic name (the policy's `grid: log`).
    public var logGrids: [String: Int]
    /// The share of ``budget`` spent on the estimate of the records the contribution bounds left
    /// out and, with private keys, of every counted record (``DifferentialPrivacy/LeftOutRecords``): 10% for an
    /// output with a privacy unit or private keys, 0 otherwise (and 0 for a record-level output whose
    /// private keys roll up: its published rows already add up to every counted record).
    public var disclosure: Double

    /// The share every output with a privacy unit spends on disclosing what its bounds left out.
    public static let disclosureShare = 0.1

    /// Bounds each release chooses from the data (`contribution: auto`); nil when the policy fixes
    /// them or the output has no privacy unit. ``bounds`` then holds the largest it may choose.
    public var auto: AutoContribution?

    /// The share of ``budget`` the chosen bounds spend (``DifferentialPrivacy/AutoContribution/share``), or 0.
    public var autoShare: Double { auto == nil ? 0 : AutoContribution.share }

    /// The share of ``budget`` the roll-up's category counts spend (the policy's `roll_up.share`), or 0
    /// without a roll-up (``DifferentialPrivacy/RolledUpCounts``).
    public var rollUpShare: Double = 0

    /// What the statistics share: ``budget`` less the disclosure's part, the chosen bounds' and the roll-up's.
    public var statisticsBudget: AggregateBudget {
        LeftOutRecords.statisticsBudget(budget, disclosure: disclosure + autoShare + rollUpShare)
    }

    /// The parameters of `spec`. A statistic the policy's `weights:` does not name
    /// keeps its default weight. `personLevel` says whether the policy names a privacy unit
    /// (then the bounds can leave records out, and the output discloses how many); nil takes it
    /// from whether the output declares contribution bounds.
    public init(_ spec: AggregateSpec, personLevel: Bool? = nil) {
        // Integer bounds that contain the policy's: clamping never cuts inside them.
        func floor(_ value: Double) -> Int { Int(value.rounded(.down)) }
        func ceil(_ value: Double) -> Int { Int(value.rounded(.up)) }
        statistics = spec.statistics.map { statistic in
            switch statistic {
            case .count: .count
            case let .sum(column, bounds): .sum(column: column, low: floor(bounds.lowerBound), high: ceil(bounds.upperBound))
            case let .mean(column, bounds): .mean(column: column, low: floor(bounds.lowerBound), high: ceil(bounds.upperBound))
            case let .median(column, bounds): .quantile(column: column, q: 0.5, low: floor(bounds.lowerBound), high: ceil(bounds.upperBound))
            case let .quantile(column, q, bounds): .quantile(column: column, q: q, low: floor(bounds.lowerBound), high: ceil(bounds.upperBound))
            }
        }
        keys = spec.groupBy.contains { spec.keys[$0.column] == .private } ? .privateKeys : .publicKeys
        bounds = spec.contribution.map {
            ContributionBounds(groupsPerUnit: $0.groupsPerUnit, rowsPerUnitPerGroup: $0.rowsPerUnitPerGroup)
        } ?? .recordLevel
        // With totals_over, the daily table gets its share only; the period outputs get theirs.
        budget = spec.dailyPrivacy
        complete = spec.complete
        logGrids = spec.logGrids
        // Person-level outputs disclose what bounding leaves out; privately keyed ones also what selection drops.
        rollUpShare = keys == .privateKeys ? spec.rollUp?.share ?? 0 : 0
        // With a roll-up the published rows add up to every counted record: no count of them is disclosed.
        disclosure = (personLevel ?? (spec.contribution != nil)) || (keys == .privateKeys && rollUpShare == 0) ? Self.disclosureShare : 0
        if let contribution = spec.contribution, contribution.isAuto {
            // Without a privacy unit there is nothing to choose: each record counts once.
            if personLevel ?? true {
                auto = AutoContribution(groups: contribution.autoGroups, rows: contribution.autoRows)
            } else {
                bounds = .recordLevel
            }
        }
        if spec.weights.isEmpty {
            weights = nil
        } else {
            let defaults = BudgetSplit.defaultWeights(statistics, meanReusesCount: BudgetSplit.meanReusesCount(statistics, keys: keys, complete: complete))
            weights = zip(spec.statistics, defaults).map { spec.weights[$0.name] ?? $1 }
        }
    }

    /// Everything the noise of a period total depends on besides its sum: contribution bounds,
    /// the statistics with their clamping bounds, and the budget. Stored with each day of a
    /// `totals_over` output, so a change while a period is open is found (``PeriodTotals``).
    var periodSettings: String {
        let named = statistics.map { statistic in
            switch statistic {
            case .count: "count"
            case let .sum(column, low, high): "sum \(column) [\(low), \(high)]"
            case let .mean(column, low, high): "mean \(column) [\(low), \(high)]"
            case let .quantile(column, q, low, high): "q\(q) \(column) [\(low), \(high)]"
            }
        }
        let money = switch budget {
        case let .epsilon(epsilon, delta): "ε \(epsilon)\(delta.map { " δ \($0)" } ?? "")"
        case let .rho(rho, delta): "ρ \(rho) δ \(delta)"
        }
        return "\(bounds.groupsPerUnit) groups × \(bounds.rowsPerUnitPerGroup) rows per person; \(named.joined(separator: ", ")); \(money)"
    }

    /// The output's accuracy forecast (nil when the parameters cannot give a guarantee).
    public var forecast: AccuracyForecast? {
        try? AccuracyForecast(statistics: statistics, keys: keys, bounds: bounds, budget: statisticsBudget, weights: weights, complete: complete,
                              logGrids: logGrids)
    }

    /// The split of the output's budget among its mechanisms.
    public var split: BudgetSplit? {
        try? BudgetSplit(budget: statisticsBudget, statistics: statistics, keys: keys, weights: weights, complete: complete)
    }

}
