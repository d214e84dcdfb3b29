import Tabular

/// Quasi-identifiers a generalisation emptied: published as `*` (removed) for more
/// than half of the records. Full-domain generalisation can throw a whole column
/// away to reach k on real data; the steward and the report's readers must be told,
/// with what would bring it back.
public enum LostColumns {
    /// A column and the share of records in which it is `*`.
    public struct Finding: Sendable, Equatable {
        public var column: String
        public var share: Double
    }

    /// The `columns` of `table` that are `*` in more than `threshold` of its rows.
    public static func find(in table: Table, columns: [String], threshold: Double = 0.5) -> [Finding] {
        guard table.rowCount > 0 else { return [] }
        return columns.compactMap { name in
            guard let column = table.column(named: name), let star = column.dictionary.firstIndex(of: "*") else { return nil }
            let code = Int32(star)
            let count = column.codes.reduce(0) { $0 + ($1 == code ? 1 : 0) }
            let share = Double(count) / Double(table.rowCount)
            return share > threshold ? Finding(column: name, share: share) : nil
        }
    }

    /// What can bring a lost column back, besides a lower k, a coarser other column or a larger window.
    public enum Remedy: Sendable {
        /// A plain k-anonymous file: local recoding keeps the column for the records that can have it.
        case localRecoding
        /// Local recoding is already on.
        case alreadyLocal
        /// A differentially private record file: one generalisation for every record is part of its guarantee.
        case none
    }

    /// One sentence for a log or a report.
    public static func sentence(_ finding: Finding, k: Int, remedy: Remedy) -> String {
        let base = "column \(finding.column) lost its value: it is * (removed) in \(Int((finding.share * 100).rounded()))% of the records to reach k = \(k); a lower k, a coarser level of another column (e.g. time by week instead of day) or a larger window would restore it"
        switch remedy {
        case .localRecoding: return base + ", and so would local recoding (recoding: local in the output, --recoding local for anonymize), which keeps it for the records that can have it"
        case .alreadyLocal: return base + " (local recoding is already on)"
        case .none: return base + " (a differentially private record file uses one generalisation for every record, as its guarantee requires)"
        }
    }
}
