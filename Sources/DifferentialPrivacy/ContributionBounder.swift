/// Contribution bounding per privacy unit (Wilson et al. 2020, "Differentially
/// Private SQL with Bounded User Contribution", §3).
///
/// Guarantee: after bounding, each unit has rows in at most `groupsPerUnit`
/// groups and at most `rowsPerUnitPerGroup` rows in each; which groups and rows
/// survive is chosen uniformly at random with the given sampler (never
/// first-come, which an attacker could steer by timing). Adding or removing one
/// unit therefore changes each group's count by at most `rowsPerUnitPerGroup`
/// and at most `groupsPerUnit` groups, which is what the mechanisms' sensitivity assumes.
public struct ContributionBounds: Sendable, Equatable {
    public var groupsPerUnit: Int
    public var rowsPerUnitPerGroup: Int

    public init(groupsPerUnit: Int, rowsPerUnitPerGroup: Int) {
        self.groupsPerUnit = groupsPerUnit
        self.rowsPerUnitPerGroup = rowsPerUnitPerGroup
    }

    /// Each record is its own unit and counts once in one group.
    public static let recordLevel = ContributionBounds(groupsPerUnit: 1, rowsPerUnitPerGroup: 1)
}

enum ContributionBounder {
    /// The rows kept: at most `bounds.groupsPerUnit` groups per unit, at most
    /// `bounds.rowsPerUnitPerGroup` rows per unit and group, chosen at random.
    /// Rows whose group is negative (outside the key set) are dropped first.
    static func bound(units: [Int32]?, groups: [Int32], bounds: ContributionBounds, sampler: ExactSampler) -> [Int] {
        let eligible = groups.indices.filter { groups[$0] >= 0 }
        guard let units else {
            // Record-level privacy: each row is a unit with one row in one group.
            return eligible
        }
        // Rows of each unit, then of each (unit, group).
        var byUnit: [Int32: [Int]] = [:]
        for row in eligible { byUnit[units[row], default: []].append(row) }
        var kept: [Int] = []
        kept.reserveCapacity(eligible.count)
        for unit in byUnit.keys.sorted() {
            guard let rows = byUnit[unit] else { continue }
            var byGroup: [Int32: [Int]] = [:]
            for row in rows { byGroup[groups[row], default: []].append(row) }
            var chosenGroups = byGroup.keys.sorted()
            shuffleFront(&chosenGroups, keeping: bounds.groupsPerUnit, sampler)
            for group in chosenGroups.prefix(bounds.groupsPerUnit) {
                var groupRows = byGroup[group] ?? []
                shuffleFront(&groupRows, keeping: bounds.rowsPerUnitPerGroup, sampler)
                kept.append(contentsOf: groupRows.prefix(bounds.rowsPerUnitPerGroup))
            }
        }
        return kept.sorted()
    }

    /// Moves a uniformly random `keeping`-subset to the front (partial Fisher–Yates).
    static func shuffleFront<T>(_ items: inout [T], keeping: Int, _ sampler: ExactSampler) {
        guard items.count > keeping else { return }
        for i in 0..<keeping {
            let j = i + Int(sampler.uniform(below: UInt64(items.count - i)))
            items.swapAt(i, j)
        }
    }
}
