import Foundation
import OperationalStore
import PrivacyPolicy

/// Maps a policy onto the plain ``ReadPlan`` of the minimisation stage
/// (data minimisation, GDPR Art. 5(1)(c)).
///
/// Guarantee: the plan names only columns some output publishes, groups by or
/// measures, the privacy unit's columns (for every output kind: a record file
/// keeps one row per person, k counts people, the ledger charges people), the
/// inputs of derived columns (computed inside SQLite) and the exclusion
/// columns. A `drop` column can be none of these (``PolicyLoader`` rejects a
/// policy that tries), so it is never read.
public enum MinimisationPlanner {
    /// The read plan for `policy` over `window` (all rows when nil).
    public static func plan(for policy: Policy, window: ReleaseWindow?) -> ReadPlan {
        var used: Set<String> = []
        var usedDerived: Set<String> = []
        let derivedNames = Set(policy.derived.map(\.name))
        for output in policy.outputs {
            switch output.kind {
            case let .microdata(spec):
                used.formUnion(spec.columns)
            case let .aggregate(spec):
                used.formUnion(spec.groupBy.map(\.column))
                for column in spec.statistics.compactMap(\.column) {
                    if derivedNames.contains(column) { usedDerived.insert(column) } else { used.insert(column) }
                }
            }
        }
        used.formUnion(policy.privacyUnitColumns)
        // Policy column order, restricted to publishable or unit columns actually used.
        let columns = policy.columns.filter { spec in
            used.contains(spec.name) && spec.treatment != .drop
        }.map(\.name)
        let pseudonymized = Set(policy.columns.filter { $0.treatment == .pseudonymize && used.contains($0.name) }.map(\.name))
        let derived: [(name: String, derivation: ReadPlan.Derivation)] = policy.derived
            .filter { usedDerived.contains($0.name) }
            .map { column in
                switch column.kind {
                case let .secondsBetween(start, end): (column.name, .secondsBetween(start: start, end: end))
                }
            }
        var plan = ReadPlan(table: policy.source.table, columns: columns, pseudonymized: pseudonymized, derived: derived,
                            exclude: policy.exclude.map { ($0.column, $0.values) },
                            window: window.map { (policy.source.windowBy, $0.start, $0.end) })
        plan.naiveZone = TimeZone(identifier: policy.source.timezone)
        return plan
    }
}
