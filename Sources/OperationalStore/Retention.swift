import Foundation
import GRDB

/// A retention rule, in plain terms: delete rows of `table` whose
/// `measuredFrom` timestamp is before `cutoff`, unless `keepIf` is true for them.
public struct RetentionRule: Sendable, Equatable {
    public var table: String
    public var measuredFrom: String
    public var keepIf: String?
    public var cutoff: Date

    public init(table: String, measuredFrom: String, keepIf: String?, cutoff: Date) {
        self.table = table
        self.measuredFrom = measuredFrom
        self.keepIf = keepIf
        self.cutoff = cutoff
    }
}

/// What a retention run found and did. Counts only; never record contents.
public struct RetentionResult: Sendable, Equatable {
    /// Rows past the cutoff that were deleted (or would be, in a dry run).
    public var deleted: Int
    /// Rows past the cutoff kept because `keep_if` is true for them.
    public var held: Int
    /// Rows whose timestamp is missing or unreadable; never deleted, reported so someone looks.
    public var undated: Int
    /// True when nothing was changed.
    public var dryRun: Bool
}

extension OperationalStore {
    /// Applies `rule`: one transaction deletes every expired row that is not
    /// held, then the WAL is checkpointed and truncated.
    ///
    /// Guarantee: with `secure_delete` on (every connection of the store) and
    /// the WAL truncated, the bytes of deleted rows no longer appear in the
    /// database files. Rows with a true `keepIf` are untouched. A dry run only counts.
    public func applyRetention(_ rule: RetentionRule, dryRun: Bool) throws(StoreError) -> RetentionResult {
        guard let columns = try columns(of: rule.table) else { throw .noSuchTable(rule.table) }
        for column in [rule.measuredFrom] + (rule.keepIf.map { [$0] } ?? []) where !columns.contains(column) {
            throw .noSuchColumn(table: rule.table, column: column)
        }
        let table = SQL.quote(rule.table)
        let measured = "julianday(\(SQL.quote(rule.measuredFrom)))"
        let expired = "\(measured) < julianday(?)"
        let held = rule.keepIf.map { SQL.isTrue($0) } ?? "0"
        let cutoff = ISO8601DateFormatter().string(from: rule.cutoff)
        // One scan counts what would go, what is held and what has no date.
        let tally = """
            SELECT coalesce(sum(e AND NOT h), 0), coalesce(sum(e AND h), 0), coalesce(sum(u), 0)
            FROM (SELECT \(expired) AS e, \(held) AS h, \(measured) IS NULL AS u FROM \(table))
            """
        let count: (Database) throws -> (deletable: Int, held: Int, undated: Int) = { db in
            let row = try Row.fetchOne(db, sql: tally, arguments: [cutoff])
            return (row?[0] ?? 0, row?[1] ?? 0, row?[2] ?? 0)
        }
        if dryRun {
            return try read { db in
                let counts = try count(db)
                return RetentionResult(deleted: counts.deletable, held: counts.held, undated: counts.undated, dryRun: true)
            }
        }
        let result = try write { db in
            let counts = try count(db)
            var deleted = 0
            if counts.deletable > 0 {
                try db.execute(sql: "DELETE FROM \(table) WHERE \(expired) AND NOT \(held)", arguments: [cutoff])
                deleted = db.changesCount
            }
            return RetentionResult(deleted: deleted, held: counts.held, undated: counts.undated, dryRun: false)
        }
        try checkpoint()
        return result
    }
}
