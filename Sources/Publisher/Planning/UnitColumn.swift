import Foundation
import PrivacyPolicy
import Tabular

/// Puts a dataset's privacy unit into the table a release computes on, as one
/// column named ``PrivacyPolicy/Policy/privacyUnit``.
///
/// A unit of one column is already there. A unit of several columns (a
/// complainant's name and phone) becomes one column whose value joins the parts,
/// each trimmed and lower-cased so "Ann Lee" and " ann lee" are one person, with
/// a separator that cannot occur in a field (U+001F); the part columns are removed.
/// A row whose parts are all empty names no one (``Column/rowsWithoutUnit()``).
/// The joined value is never published: the ledger and the record selection only
/// see it, and the ledger only as its keyed hash (``LedgerID``).
///
/// What this cannot do: two spellings of one person ("Ann Lee" and "Anne Lee", or a
/// phone given once and not the next time) are two units, so that person can appear
/// twice; the guarantee is per unit as the source records it.
enum UnitColumn {
    /// `table` with the unit of `policy` as one column (unchanged for a single-column unit or none).
    static func attach(to table: Table, policy: Policy) -> Table {
        let parts = policy.privacyUnitColumns
        guard parts.count > 1, let name = policy.privacyUnit else { return table }
        let columns = parts.compactMap { table.column(named: $0) }
        guard columns.count == parts.count else { return table }
        // Each distinct value normalised once (the columns are dictionary-encoded), then joined per row.
        let normal = columns.map { column in column.dictionary.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() } }
        var joined = Column(name: name)
        for row in 0..<table.rowCount {
            let fields = columns.indices.map { index -> String in
                let code = columns[index].codes[row]
                return code == Column.nullCode ? "" : normal[index][Int(code)]
            }
            joined.append(fields.allSatisfy(\.isEmpty) ? nil : fields.joined(separator: "\u{1F}"))
        }
        let partSet = Set(parts)
        return Table(columns: table.columns.filter { !partSet.contains($0.name) } + [joined])
    }
}
