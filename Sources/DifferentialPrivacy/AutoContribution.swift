import Foundation

/// Contribution bounds chosen from the data, privately (`contribution: auto`): G, the groups
/// a person may count in, and R, the rows a person may add to one group, each as a DP
/// ``quantile`` of what people actually contribute, so a policy need not guess them.
///
/// Mechanism: every person with rows in the output's groups gives one value per chosen bound,
/// the number of distinct groups they have rows in and the most rows they have in one group,
/// each clamped to 1…``cap``. The bound is the ``quantile``-quantile of those per-person values
/// by ``QuantileMechanism`` over the integers 1…``cap`` with one value per unit (R = 1): adding
/// or removing one person adds or removes one value, so the utility moves by at most
/// max(q, 1 − q) and each choice is ε_b-DP (McSherry & Talwar 2007, Thm 6), with ε_b the
/// choice's share of the output's budget (``share``, halved when both bounds are chosen;
/// under ρ, ε_b = √(2ρ_b), since ε-DP implies ε²/2-zCDP, Bun & Steinke 2016, Prop. 1.4).
/// The output's statistics and disclosure share the rest, so its stated ε (ρ) is unchanged by
/// sequential composition; the chosen bounds are published with it (a DP output, so the
/// statistics' noise scales, which follow from them, reveal nothing more).
///
/// What it does not cover: the chosen bounds hold for this release only, so the same output's
/// noise can differ from night to night; outputs whose bounds must hold across releases
/// (period totals, equity tables) cannot use it.
public struct AutoContribution: Sendable, Equatable {
    /// Choose G from the data (else the fixed value of the bounds given with it).
    public var groups: Bool
    /// Choose R from the data (else the fixed value).
    public var rows: Bool

    /// The largest bound a choice can give.
    public static let cap = 8
    /// The quantile of per-person contributions a bound keeps whole.
    public static let quantile = 0.9
    /// The share of the output's budget the choices spend.
    public static let share = 0.1

    /// Choose the bounds marked true.
    public init(groups: Bool, rows: Bool) {
        (self.groups, self.rows) = (groups, rows)
    }

    /// Each person's distinct groups and most rows in one group, clamped to 1…``cap``: one value
    /// per person with a row in a group (rows outside every group, −1, are not the output's).
    /// Private: only ``choose(units:groups:fixed:budget:sampler:)`` may use it.
    static func perUnit(units: [Int32], groups: [Int32]) -> (groups: [Int], rows: [Int]) {
        var rowsByPair: [Int64: Int] = [:]
        for (unit, group) in zip(units, groups) where group >= 0 && unit >= 0 {
            rowsByPair[Int64(unit) << 32 | Int64(group), default: 0] += 1
        }
        var groupCount: [Int32: Int] = [:], mostRows: [Int32: Int] = [:]
        for (pair, rows) in rowsByPair {
            let unit = Int32(truncatingIfNeeded: pair >> 32)
            groupCount[unit, default: 0] += 1
            mostRows[unit] = max(mostRows[unit] ?? 0, rows)
        }
        let people = groupCount.keys.sorted()
        return (people.map { min(cap, groupCount[$0] ?? 1) }, people.map { min(cap, mostRows[$0] ?? 1) })
    }

    /// The bounds for this release: the chosen ones by the mechanism above, the others from `fixed`.
    ///
    /// - Parameter budget: the budget of the choices together (the output's ``share``).
    public func choose(units: [Int32], groups: [Int32], fixed: ContributionBounds, budget: AggregateBudget,
                       sampler: ExactSampler) -> ChosenContribution {
        let values = Self.perUnit(units: units, groups: groups)
        let choices = (self.groups ? 1 : 0) + (rows ? 1 : 0)
        let epsilon: Fraction = switch budget {
        case let .epsilon(value, _): Fraction.below(value / Double(max(choices, 1)))
        case let .rho(value, _): Fraction.below((2 * value / Double(max(choices, 1))).squareRoot())
        }
        let mechanism = QuantileMechanism(q: Self.quantile, low: 1, high: Self.cap, rowsPerUnit: 1)
        var bounds = fixed
        if self.groups { bounds.groupsPerUnit = max(1, mechanism.sample(values.groups, epsilon: epsilon, sampler: sampler)) }
        if rows { bounds.rowsPerUnitPerGroup = max(1, mechanism.sample(values.rows, epsilon: epsilon, sampler: sampler)) }
        return ChosenContribution(groupsPerUnit: bounds.groupsPerUnit, rowsPerUnitPerGroup: bounds.rowsPerUnitPerGroup,
                                  chosen: [self.groups ? "groups_per_unit" : nil, rows ? "rows_per_unit_per_group" : nil].compactMap { $0 },
                                  share: budget.amount, epsilonPerChoice: epsilon.doubleValue)
    }
}

extension AggregateBudget {
    /// ε or ρ itself.
    var amount: Double {
        switch self {
        case let .epsilon(value, _): value
        case let .rho(value, _): value
        }
    }
}

/// The contribution bounds ``AutoContribution`` chose for one release, published with it.
public struct ChosenContribution: Sendable, Equatable, Codable {
    /// G used for this release.
    public var groupsPerUnit: Int
    /// R used for this release.
    public var rowsPerUnitPerGroup: Int
    /// Which of the two were chosen from the data (`groups_per_unit`, `rows_per_unit_per_group`).
    public var chosen: [String]
    /// ε (or ρ) spent on the choices together.
    public var share: Double
    /// ε of each choice's exponential mechanism.
    public var epsilonPerChoice: Double

    /// The bounds as the engine takes them.
    public var bounds: ContributionBounds { ContributionBounds(groupsPerUnit: groupsPerUnit, rowsPerUnitPerGroup: rowsPerUnitPerGroup) }
}
