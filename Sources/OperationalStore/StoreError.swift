/// Errors of the operational store. Each prints as one actionable line and
/// carries the file, line and column where input is at fault.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// A CSV file is malformed at `line` (and `column`, the 1-based field number, when known).
    case malformedCSV(file: String, line: Int, column: Int?, reason: String)
    /// The store or a file could not be opened, read or written.
    case io(path: String, reason: String)
    /// A named table does not exist.
    case noSuchTable(String)
    /// A table to be created already exists.
    case tableExists(String)
    /// A column a plan needs is missing from its table.
    case noSuchColumn(table: String, column: String)
    /// The pseudonymisation secret is missing or too short.
    case pseudonymKey(String)
    /// An argument is out of range.
    case invalidArgument(String)
    /// Retention would delete more than the share of the table it may delete in one run; nothing was deleted.
    case massDeletion(table: String, wouldDelete: Int, rows: Int, maxShare: Double)

    public var description: String {
        switch self {
        case let .malformedCSV(file, line, column, reason):
            // Line 0: the file as a whole (a damaged gzip stream), named without a place.
            "\(file)\(line > 0 ? ":\(line)" + (column.map { ":\($0)" } ?? "") : ""): \(reason); nothing was imported"
        case let .io(path, reason): "\(path): \(reason)"
        case let .noSuchTable(name): "table '\(name)' does not exist in the store; import it or check the name"
        case let .tableExists(name): "table '\(name)' already exists in the store; add the next export to it with --append (and --key COLUMN to skip or replace rows already there), or import into a new table name"
        case let .noSuchColumn(table, column): "table '\(table)' has no column '\(column)'; the policy and the store disagree (run opendata policy check --store)"
        case let .pseudonymKey(reason): "pseudonymisation key: \(reason)"
        case let .invalidArgument(reason): reason
        case let .massDeletion(table, would, rows, share):
            "retention would delete \(would) of \(rows) rows of \(table) (\(String(format: "%.1f", 100 * Double(would) / Double(max(rows, 1))))%), more than its max_share_per_run of \(String(format: "%g", 100 * share))%; nothing was deleted. Check the rule, the clock and the timestamps (opendata retention --dry-run); if this is expected (a first run on an old store, a changed rule), run again with --confirm-mass-deletion"
        }
    }
}
