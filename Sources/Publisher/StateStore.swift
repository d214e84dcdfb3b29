import Foundation
import GRDB

/// One retention run as recorded in the state database: when, under which
/// policy, which rule, and how many records were deleted or held. Never any
/// record contents.
public struct RetentionAuditEntry: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "retention_audit"
    public var ranAt: Date
    public var dataset: String
    public var sourceTable: String
    public var policySHA256: String
    public var rule: String
    public var cutoff: Date
    public var deleted: Int
    public var held: Int
    public var undated: Int

    enum CodingKeys: String, CodingKey {
        case ranAt = "ran_at", dataset, sourceTable = "source_table", policySHA256 = "policy_sha256", rule, cutoff
        case deleted, held, undated
    }
}

/// The state database (`--state`, default `<out>.private/state.sqlite`, mode 0600): the audit
/// trail of retention runs, the privacy budget ledger (``BudgetLedger``) and the
/// stored noisy results of every window. Writes are transactional and durable
/// (synchronous FULL).
public final class StateStore: Sendable {
    /// Path of the SQLite file.
    public let path: String
    let queue: DatabaseQueue

    /// Opens or creates the state database at `path`, creating its folder.
    public init(path: String) throws(PublisherError) {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            queue = try DatabaseQueue(path: path, configuration: configuration)
            // Only the publisher may read the ledger and the stored results (SQLite gives its
            // journal files the database file's mode).
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            try Self.migrator.migrate(queue)
        } catch {
            throw .io(path: path, reason: "cannot open the state database (\(error))")
        }
        self.path = path
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-retention-audit") { db in
            try db.create(table: "retention_audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("ran_at", .datetime).notNull()
                t.column("dataset", .text).notNull()
                t.column("source_table", .text).notNull()
                t.column("policy_sha256", .text).notNull()
                t.column("rule", .text).notNull()
                t.column("cutoff", .datetime).notNull()
                t.column("deleted", .integer).notNull()
                t.column("held", .integer).notNull()
                t.column("undated", .integer).notNull()
            }
        }
        migrator.registerMigration("v2-ledger") { db in
            try db.create(table: "ledger") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("dataset", .text).notNull()
                t.column("window", .text).notNull()
                t.column("window_start", .datetime).notNull()
                t.column("window_end", .datetime).notNull()
                t.column("sequence", .integer).notNull()
                t.column("output", .text).notNull()
                t.column("epsilon", .double).notNull()
                t.column("delta", .double)
                t.column("rho", .double)
                t.column("recorded_at", .datetime).notNull()
            }
            try db.create(index: "ledger_dataset", on: "ledger", columns: ["dataset", "window"])
            try db.create(table: "aggregate_results") { t in
                t.column("dataset", .text).notNull()
                t.column("window", .text).notNull()
                t.column("sequence", .integer).notNull()
                t.column("output", .text).notNull()
                t.column("result", .blob).notNull()
                t.primaryKey(["dataset", "window", "sequence", "output"])
            }
        }
        migrator.registerMigration("v3-releases") { db in
            try db.create(table: "releases") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("dataset", .text).notNull()
                t.column("release", .text).notNull()
                t.column("window", .text).notNull()
                t.column("window_sequence", .integer).notNull()
                t.column("sequence", .integer).notNull()
                t.column("manifest_sha256", .text).notNull()
                t.column("published_at", .datetime).notNull()
                t.uniqueKey(["dataset", "sequence"])
                t.uniqueKey(["dataset", "release"])
            }
        }
        migrator.registerMigration("v4-record-results") { db in
            // Differentially private record files, kept so a re-run republishes them
            // instead of drawing a fresh sample (which would spend the budget again).
            try db.create(table: "record_results") { t in
                t.column("dataset", .text).notNull()
                t.column("window", .text).notNull()
                t.column("sequence", .integer).notNull()
                t.column("output", .text).notNull()
                t.column("result", .blob).notNull()
                t.primaryKey(["dataset", "window", "sequence", "output"])
            }
        }
        return migrator
    }

    /// One published release, as the history keeps it.
    public struct PublishedRelease: Sendable, Equatable {
        public var dataset: String
        public var release: String
        public var window: String
        public var windowSequence: Int
        public var sequence: Int
        public var manifestSHA256: String
        public var publishedAt: Date
    }

    /// Records a published release.
    public func recordRelease(_ release: PublishedRelease) throws(PublisherError) {
        do {
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO releases (dataset, release, window, window_sequence, sequence, manifest_sha256, published_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [release.dataset, release.release, release.window, release.windowSequence, release.sequence,
                                     release.manifestSHA256, release.publishedAt])
            }
        } catch {
            throw .io(path: path, reason: "cannot record the release (\(error))")
        }
    }

    /// The releases of `dataset` (every dataset when nil), in the order they were published.
    public func releases(dataset: String? = nil) throws(PublisherError) -> [PublishedRelease] {
        do {
            return try queue.read { db in
                let rows = dataset == nil
                    ? try Row.fetchAll(db, sql: "SELECT * FROM releases ORDER BY id")
                    : try Row.fetchAll(db, sql: "SELECT * FROM releases WHERE dataset = ? ORDER BY sequence", arguments: [dataset])
                return rows.map { row in
                    PublishedRelease(dataset: row["dataset"], release: row["release"], window: row["window"],
                                     windowSequence: row["window_sequence"], sequence: row["sequence"],
                                     manifestSHA256: row["manifest_sha256"], publishedAt: row["published_at"])
                }
            }
        } catch {
            throw .io(path: path, reason: "cannot read the release history (\(error))")
        }
    }

    /// Appends a retention audit entry.
    public func append(_ entry: RetentionAuditEntry) throws(PublisherError) {
        do {
            try queue.write { db in try entry.insert(db) }
        } catch {
            throw .io(path: path, reason: "cannot record the retention audit entry (\(error))")
        }
    }

    /// Every retention audit entry, oldest first.
    public func retentionAudit() throws(PublisherError) -> [RetentionAuditEntry] {
        do {
            return try queue.read { db in try RetentionAuditEntry.order(Column("id")).fetchAll(db) }
        } catch {
            throw .io(path: path, reason: "cannot read the retention audit (\(error))")
        }
    }
}
