import PrivacyPolicy
import Tabular

/// Applies a policy's `publish_only:` lists to the table a release computes on: every row whose
/// value in a listed column is not one of its values (or is missing) is removed before any
/// output sees it, so a category that first appears tonight is withheld, not published.
///
/// The rows removed are counted for the steward's log only (an exact count of protected
/// records never reaches a published file). Removing rows by a rule fixed in the policy is
/// a stable transformation: adding or removing one person changes the remaining table by at
/// most that person's rows, so every guarantee downstream holds as stated.
enum PublishOnly {
    /// `table` without the rows outside `policy`'s lists, and how many were removed per column.
    static func apply(_ policy: Policy, to table: Table) -> (table: Table, withheld: [(column: String, rows: Int)]) {
        guard !policy.publishOnly.isEmpty, table.rowCount > 0 else { return (table, []) }
        var keep = [Bool](repeating: true, count: table.rowCount)
        var withheld: [(String, Int)] = []
        for rule in policy.publishOnly {
            guard let column = table.column(named: rule.column) else { continue }
            let allowed = Set(rule.values)
            let allowedCodes = column.dictionary.map { allowed.contains($0) }
            var removed = 0
            for (row, code) in column.codes.enumerated() where keep[row] {
                if code == Column.nullCode || !allowedCodes[Int(code)] {
                    keep[row] = false
                    removed += 1
                }
            }
            withheld.append((rule.column, removed))
        }
        guard keep.contains(false) else { return (table, withheld) }
        return (Table(columns: table.columns.map { $0.filtered(keeping: keep) }), withheld)
    }
}
