/// Exact counts and clamped sums per group, after contribution bounding and
/// before any noise: private data, like the records they come from. They exist
/// so that totals over longer periods can be noised once (``AggregateEngine/bound(totals:statistics:bounds:budget:weights:)``)
/// instead of adding up many noisy values; they are kept only in the private
/// state database and never published.
public struct ExactTotals: Sendable, Codable, Equatable {
    /// Group keys, one string per group-by column.
    public var groupKeys: [[String]]
    /// The additive statistics held, by published name (`count`, `sum_<column>`).
    public var statistics: [String]
    /// Per statistic, the exact value of each group.
    public var values: [[Int]]

    public init(groupKeys: [[String]], statistics: [String], values: [[Int]]) {
        self.groupKeys = groupKeys
        self.statistics = statistics
        self.values = values
    }

    /// The totals of the groups whose key maps to the same new key: `rekey` returns
    /// each group's new key, or nil to leave the group out. New keys are in first-seen order.
    public func regrouped(_ rekey: ([String]) -> [String]?) -> ExactTotals {
        var index: [[String]: Int] = [:]
        var keys: [[String]] = []
        var sums = statistics.map { _ in [Int]() }
        for (group, key) in groupKeys.enumerated() {
            guard let newKey = rekey(key) else { continue }
            let slot: Int
            if let existing = index[newKey] { slot = existing } else {
                slot = keys.count
                index[newKey] = slot
                keys.append(newKey)
                for statistic in sums.indices { sums[statistic].append(0) }
            }
            for statistic in sums.indices { sums[statistic][slot] += values[statistic][group] }
        }
        return ExactTotals(groupKeys: keys, statistics: statistics, values: sums)
    }

    /// These groups followed by `other`'s (same statistics); regroup to add up equal keys.
    public func appending(_ other: ExactTotals) -> ExactTotals {
        ExactTotals(groupKeys: groupKeys + other.groupKeys, statistics: statistics,
                    values: zip(values, other.values).map { $0 + $1 })
    }
}

extension BoundedAggregate {
    /// The exact counts and sums of this output's count and sum statistics (private).
    public var additiveTotals: ExactTotals {
        var names: [String] = [], values: [[Int]] = []
        // Σx from a normalised sum Σ(2x − (L + H)) over n records: (that + (L + H)·n) / 2, exactly.
        func plain(_ doubled: [Int], _ present: [Int], _ low: Int, _ high: Int) -> [Int] {
            zip(doubled, present).map { ($0 + (low + high) * $1) / 2 }
        }
        for (index, (statistic, exact)) in zip(statistics, exact).enumerated() {
            switch (statistic, exact) {
            case (.count, _): names.append(statistic.name); values.append(counts)
            case let (.sum(_, low, high), .sum(sums)):
                names.append(statistic.name)
                values.append(split.sumForms[index] == .normalised ? plain(sums, counts, low, high) : sums)
            case let (.sum(_, low, high), .derived):
                guard let mean = split.sumForms[index].meanIndex, case let .mean(doubled, present) = self.exact[mean] else { continue }
                names.append(statistic.name)
                values.append(plain(doubled, present, low, high))
            default: continue
            }
        }
        return ExactTotals(groupKeys: groupKeys, statistics: names, values: values)
    }
}

extension AggregateEngine {
    /// A period total ready for ``release(_:sampler:nonNegative:)``: `totals` adds up
    /// the bounded values of several releases (for example the days of a month), and
    /// `statistics` (counts and sums only) get noise as if they were one release's.
    ///
    /// Guarantee: each day's values come from rows bounded to G groups × R rows per unit,
    /// so a unit present on k days moves a period's count by at most k·G·R and its
    /// privacy loss is k times the period's share (linearity of the Laplace and Gaussian
    /// losses in the sensitivity; Dwork & Roth 2014, Thm 2.2 for group privacy). The
    /// release charges the daily output's whole ε, period shares included, to every unit
    /// present each night, so a unit's k nights have paid for exactly that loss in advance
    /// (the hierarchical method of Dwork, Naor, Pitassi & Rothblum 2010 and Chan, Shi &
    /// Song 2011, on calendar periods).
    ///
    /// - Throws: ``DPError/invalidParameters(_:)`` when there is no statistic, `totals` lacks one,
    ///   one is a mean or a quantile, or ``BudgetSplit`` refuses the budget or weights.
    public static func bound(totals: ExactTotals, statistics: [AggregateStatistic], bounds: ContributionBounds,
                             budget: AggregateBudget, weights: [Double]? = nil) throws(DPError) -> BoundedAggregate {
        guard !statistics.isEmpty else { throw .invalidParameters("a period total needs a count or a sum") }
        var exact: [BoundedAggregate.Exact] = []
        var counts = [Int](repeating: 0, count: totals.groupKeys.count)
        for statistic in statistics {
            guard let index = totals.statistics.firstIndex(of: statistic.name) else {
                throw .invalidParameters("no exact totals for \(statistic.name)")
            }
            switch statistic {
            case .count:
                counts = totals.values[index]
                exact.append(.count)
            case .sum:
                exact.append(.sum(totals.values[index]))
            case .mean, .quantile:
                throw .invalidParameters("\(statistic.name) does not add up over periods; only counts and sums do")
            }
        }
        let split = try BudgetSplit(budget: budget, statistics: statistics, keys: .publicKeys, weights: weights)
        return BoundedAggregate(groupKeys: totals.groupKeys, statistics: statistics, keys: .publicKeys, bounds: bounds,
                                budget: budget, split: split, counts: counts, exact: exact, rowsAfterBounding: 0, leftOut: nil)
    }
}
