import Foundation
import GRDB

/// A retention rule, in plain terms: delete rows of `table` whose
/// `measuredFrom` timestamp is before `cutoff`, unless `keepIf` is true for them.
public struct RetentionRule: Sendable, Equatable {
    public var table: String
    public var measuredFrom: String
    public var keepIf: String?
    public var cutoff: Date
    /// The largest share of the table one run may delete; more is refused with nothing deleted
    /// (``StoreError/massDeletion(table:wouldDelete:rows:maxShare:)``). Nil: no limit.
    public var maxShare: Double?
    /// The zone a timestamp without an offset is local time in (the policy's); nil reads it as UTC.
    public var naiveZone: TimeZone?

    public init(table: String, measuredFrom: String, keepIf: String?, cutoff: Date, maxShare: Double? = nil) {
        self.table = table
        self.measuredFrom = measuredFrom
        self.keepIf = keepIf
        self.cutoff = cutoff
        self.maxShare = maxShare
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

    /// The counts of one run (or dry run) of a retention rule.
    public init(deleted: Int, held: Int, undated: Int, dryRun: Bool) {
        (self.deleted, self.held, self.undated, self.dryRun) = (deleted, held, undated, dryRun)
    }
}

extension OperationalStore {
    /// Applies `rule`: one transaction deletes every expired row that is not
    /// held, then the WAL is checkpointed and truncated.
    ///
    /// Guarantee: with `secure_delete` on (every connection of the store) and
    /// the WAL truncated, the bytes of deleted rows no longer appear in the
    /// database files. Rows with a true `keepIf` are untouched. A dry run only counts.
    /// With `auditID`, the counts are written under that id into the store's
    /// `opendata_retention` table in the same transaction as the deletion, so no
    /// deletion is ever made without its record (``retentionRecord(id:)``).
    ///
    /// - Throws: ``StoreError/noSuchTable(_:)`` when `rule.table` does not exist;
    ///   ``StoreError/noSuchColumn(table:column:)`` when a rule's column is missing or the table has
    ///   a column named `rowid`; ``StoreError/massDeletion(table:wouldDelete:rows:maxShare:)`` when
    ///   the run would delete more than `maxShare` (nothing is deleted);
    ///   ``StoreError/io(path:reason:)`` when a query, the transaction or the checkpoint fails.
    public func applyRetention(_ rule: RetentionRule, dryRun: Bool, auditID: String? = nil) throws(StoreError) -> RetentionResult {
        guard let columns = try columns(of: rule.table) else { throw .noSuchTable(rule.table) }
        for column in [rule.measuredFrom] + (rule.keepIf.map { [$0] } ?? []) where !columns.contains(column) {
            throw .noSuchColumn(table: rule.table, column: column)
        }
        let table = SQL.quote(rule.table)
        let measured = "julianday(\(SQL.quote(rule.measuredFrom)))"
        let held = rule.keepIf.map { SQL.isTrue($0) } ?? "0"
        let cutoff = ISO8601DateFormatter().string(from: rule.cutoff)
        // A naive timestamp is wall-clock time in the policy's zone: it is compared with the cutoff's
        // local wall-clock time (values with an offset with the cutoff instant itself).
        let localCutoff: String = {
            let offset = rule.naiveZone?.secondsFromGMT(for: rule.cutoff) ?? 0
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate]
            return formatter.string(from: rule.cutoff.addingTimeInterval(TimeInterval(offset)))
        }()
        let zoned = SQL.hasZone(rule.measuredFrom)
        // One scan with one date parse per row finds the rows that are past the cutoff
        // or undated ((date >= cutoff) IS NOT 1 holds for both); only those few rows are
        // then classified, and the expired, unheld ones are deleted by rowid.
        let candidates = """
            SELECT rowid, \(measured) IS NULL, \(held) FROM \(table)
            WHERE (\(measured) >= (CASE WHEN \(zoned) THEN julianday(?) ELSE julianday(?) END)) IS NOT 1
            """
        let tally: (Database) throws -> (deletable: [Int64], held: Int, undated: Int) = { db in
            var deletable: [Int64] = [], heldCount = 0, undated = 0
            let rows = try Row.fetchCursor(db, sql: candidates, arguments: [cutoff, localCutoff])
            while let row = try rows.next() {
                if row[1] as Bool? ?? false {
                    undated += 1
                } else if row[2] as Bool? ?? false {
                    heldCount += 1
                } else if let rowid = row[0] as Int64? {
                    deletable.append(rowid)
                }
            }
            return (deletable, heldCount, undated)
        }
        if columns.contains(where: { $0.lowercased() == "rowid" }) {
            throw .noSuchColumn(table: rule.table, column: "rowid (a column may not be called rowid: retention deletes by SQLite rowid)")
        }
        if dryRun {
            return try read { db in
                let found = try tally(db)
                return RetentionResult(deleted: found.deletable.count, held: found.held, undated: found.undated, dryRun: true)
            }
        }
        let result = try write { db in
            let found = try tally(db)
            if let share = rule.maxShare {
                let rows = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
                if Double(found.deletable.count) > share * Double(rows) {
                    throw StoreError.massDeletion(table: rule.table, wouldDelete: found.deletable.count, rows: rows, maxShare: share)
                }
            }
            var deleted = 0
            var start = 0
            while start < found.deletable.count {
                let chunk = Array(found.deletable[start..<min(start + 500, found.deletable.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                try db.execute(sql: "DELETE FROM \(table) WHERE rowid IN (\(marks))", arguments: StatementArguments(chunk))
                deleted += db.changesCount
                start += chunk.count
            }
            // The copy's blocks of the deleted rows went with them (its triggers); the next import rebuilds them.
            if let auditID {
                try db.execute(sql: Self.retentionTable)
                try db.execute(sql: "INSERT INTO opendata_retention (id, deleted, held, undated) VALUES (?, ?, ?, ?)",
                               arguments: [auditID, deleted, found.held, found.undated])
            }
            return RetentionResult(deleted: deleted, held: found.held, undated: found.undated, dryRun: false)
        }
        try checkpoint()
        return result
    }

    static let retentionTable = """
        CREATE TABLE IF NOT EXISTS opendata_retention (id TEXT PRIMARY KEY, deleted INTEGER NOT NULL, held INTEGER NOT NULL, undated INTEGER NOT NULL)
        """

    /// The counts a retention run with `id` committed together with its deletion, or nil
    /// when no such deletion was made.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails.
    public func retentionRecord(id: String) throws(StoreError) -> RetentionResult? {
        try read { db in
            guard try db.tableExists("opendata_retention"),
                  let row = try Row.fetchOne(db, sql: "SELECT deleted, held, undated FROM opendata_retention WHERE id = ?", arguments: [id])
            else { return nil }
            return RetentionResult(deleted: row["deleted"], held: row["held"], undated: row["undated"], dryRun: false)
        }
    }
}
