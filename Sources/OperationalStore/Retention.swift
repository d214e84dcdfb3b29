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
        let expired = "julianday(\(SQL.quote(rule.measuredFrom))) < julianday(?)"
        let held = rule.keepIf.map { SQL.isTrue($0) } ?? "0"
        let cutoff = ISO8601DateFormatter().string(from: rule.cutoff)
        let count: (Database, String) throws -> Int = { db, condition in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE \(condition)", arguments: [cutoff]) ?? 0
        }
        let undatedCondition = "julianday(\(SQL.quote(rule.measuredFrom))) IS NULL AND ? IS NOT NULL"
        if dryRun {
            return try read { db in
                RetentionResult(deleted: try count(db, "\(expired) AND NOT \(held)"),
                                held: try count(db, "\(expired) AND \(held)"),
                                undated: try count(db, undatedCondition), dryRun: true)
            }
        }
        let result = try write { db in
            let heldCount = try count(db, "\(expired) AND \(held)")
            let undated = try count(db, undatedCondition)
            try db.execute(sql: "DELETE FROM \(table) WHERE \(expired) AND NOT \(held)", arguments: [cutoff])
            return RetentionResult(deleted: db.changesCount, held: heldCount, undated: undated, dryRun: false)
        }
        try checkpoint()
        return result
    }
}
