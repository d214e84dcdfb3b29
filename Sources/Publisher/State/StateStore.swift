import Foundation
import PublicSite
import GRDB
import PrivacyPolicy
import OperationalStore

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
    /// `done`; `pending` from just before the deletion until its counts are copied here
    /// (a run killed in between is completed by the next one from the store's own record);
    /// `not run` when the deletion never happened.
    public var status: String = "done"
    /// The id under which the store recorded the deletion in the same transaction.
    public var runID: String?

    enum CodingKeys: String, CodingKey {
        case ranAt = "ran_at", dataset, sourceTable = "source_table", policySHA256 = "policy_sha256", rule, cutoff
        case deleted, held, undated, status, runID = "run_id"
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
    ///
    /// A state written by a newer opendata is refused before anything in it is read or changed: its
    /// schema holds changes this version does not know (a newer ledger form, such as charges kept
    /// where this version would not look), and releasing against it could give people budget they
    /// have spent.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the folder cannot be created, or the database cannot
    ///   be opened, made private (mode 0600) or brought to the current schema; ``PublisherError/refused(_:)``
    ///   when a newer opendata wrote it.
    public init(path: String) throws(PublisherError) {
        let folder = (path as NSString).deletingLastPathComponent
        var newer: [String] = []
        do {
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            var configuration = Configuration()
            // Another process holding the database (a backup, `status`) is waited for, not failed on.
            configuration.busyMode = .timeout(15)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            queue = try DatabaseQueue(path: path, configuration: configuration)
            let known = Set(Self.migrator.migrations)
            newer = try queue.read { db in try Self.migrator.appliedIdentifiers(db).subtracting(known).sorted() }
            if newer.isEmpty {
                // Only the publisher may read the ledger and the stored results (SQLite gives its
                // journal files the database file's mode). A refused state keeps its own mode.
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
                try Self.migrator.migrate(queue)
            }
        } catch {
            throw .io(path: path, reason: "cannot open the state database (\(error))")
        }
        guard newer.isEmpty else {
            throw .refused("the state database \(path) was written by a newer opendata (schema changes \(newer.joined(separator: ", ")) are unknown to this version), and releasing with this version could give people budget they have spent: run the newer opendata, or restore a backup this version wrote")
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
            try createResultsTable(db, named: "aggregate_results")
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
            try createResultsTable(db, named: "record_results")
        }
        migrator.registerMigration("v5-person-ledger") { db in
            // Identity of this state database and the key of the ledger's unit ids.
            try db.create(table: "meta") { t in
                t.column("key", .text).primaryKey()
                t.column("value", .blob).notNull()
            }
            // One row per person and population: every charge of theirs (PersonLedger.encode).
            try db.create(table: "person_charges", options: [.withoutRowID]) { t in
                t.column("population", .text).notNull()
                t.column("unit", .blob).notNull()
                t.column("charges", .blob).notNull()
                t.primaryKey(["population", "unit"])
            }
            // Record-level populations: one row per release window.
            try db.create(table: "window_charges") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("population", .text).notNull().indexed()
                t.column("window_start", .datetime).notNull()
                t.column("window_end", .datetime).notNull()
                t.column("epsilon", .double).notNull()
                t.column("delta", .double).notNull()
                t.column("rho", .double).notNull()
                t.column("rho_delta", .double).notNull()
                t.column("dataset", .text).notNull()
                t.column("window", .text).notNull()
                t.column("sequence", .integer).notNull()
            }
            // Who a release left out, so a re-run leaves out the same people.
            try db.create(table: "excluded_units") { t in
                t.column("dataset", .text).notNull()
                t.column("window", .text).notNull()
                t.column("sequence", .integer).notNull()
                t.column("units", .blob).notNull()
                t.primaryKey(["dataset", "window", "sequence"])
            }
            // Every cap a population was released under, so a changed cap is on the record.
            try db.create(table: "cap_history") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("population", .text).notNull()
                t.column("epsilon_cap", .double)
                t.column("delta_cap", .double)
                t.column("dataset", .text).notNull()
                t.column("first_window", .text).notNull()
                t.column("recorded_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v6-retention-write-ahead") { db in
            // Retention writes its audit row before deleting, then completes it (RetentionRun).
            try db.alter(table: "retention_audit") { t in
                t.add(column: "status", .text).notNull().defaults(to: "done")
                t.add(column: "run_id", .text)
            }
        }
        migrator.registerMigration("v7-period-totals") { db in
            // Exact bounded totals of each day of an output with totals_over (private), kept until
            // every period containing the day has been published with noise, then deleted.
            try db.create(table: "period_days", options: [.withoutRowID]) { t in
                t.column("dataset", .text).notNull()
                t.column("output", .text).notNull()
                t.column("day", .text).notNull()
                t.column("totals", .blob).notNull()
                t.primaryKey(["dataset", "output", "day"])
            }
            // Each period's noisy totals, drawn once when the period ends and never again.
            try db.create(table: "period_results", options: [.withoutRowID]) { t in
                t.column("dataset", .text).notNull()
                t.column("output", .text).notNull()
                t.column("period", .text).notNull()
                t.column("window", .text).notNull()
                t.column("result", .blob).notNull()
                t.primaryKey(["dataset", "output", "period"])
            }
        }
        migrator.registerMigration("v8-dataset-populations") { db in
            // Every dataset this state has published, with the population it draws on and what it
            // guarantees, so the publication plan checks a new policy against everything already
            // published over the same people (PublicationPlan).
            try db.create(table: "dataset_populations", options: [.withoutRowID]) { t in
                t.column("dataset", .text).primaryKey()
                t.column("population", .text).notNull()
                t.column("base_table", .text).notNull()
                t.column("unit", .text)
                t.column("guarantee", .text).notNull()
                t.column("plain_records", .boolean).notNull()
                t.column("policy_path", .text).notNull()
                t.column("first_window", .text).notNull()
            }
        }
        migrator.registerMigration("v9-period-settings") { db in
            // The settings each stored day was bounded with; a period keeps them until it ends.
            try db.alter(table: "period_days") { t in
                t.add(column: "settings", .text).notNull().defaults(to: "")
            }
        }
        migrator.registerMigration("v10-rate-periods") { db in
            // Each published equity output's rates with their bootstrap intervals, computed once from its
            // published noisy counts (post-processing) so the dashboards do not redo every past bootstrap.
            try db.create(table: "rate_periods") { t in
                t.column("release", .text).notNull()
                t.column("output", .text).notNull()
                t.column("period", .blob).notNull()
                t.primaryKey(["release", "output"])
            }
        }
        migrator.registerMigration("v11-cumulative-files") { db in
            // Where each output's cumulative file stands, so a night appends its release instead of
            // rebuilding the file from every past release (CumulativeFiles, CumulativeState).
            try db.create(table: "cumulative_files") { t in
                t.column("dataset", .text).notNull()
                t.column("output", .text).notNull()
                t.column("state", .blob).notNull()
                t.primaryKey(["dataset", "output"])
            }
            // Per release: each equity output's noisy counts summed per group over every release up to
            // it, for the dashboards' pooled comparison (post-processing of published values).
            try db.create(table: "equity_totals") { t in
                t.column("dataset", .text).notNull()
                t.column("release", .text).notNull()
                t.column("totals", .blob).notNull()
                t.primaryKey(["dataset", "release"])
            }
            // Per release: its points on the dashboards (trend sums, record files' levels), computed once.
            try db.create(table: "release_summaries") { t in
                t.column("dataset", .text).notNull()
                t.column("release", .text).notNull()
                t.column("summary", .blob).notNull()
                t.primaryKey(["dataset", "release"])
            }
        }
        migrator.registerMigration("v12-ledger-segments") { db in
            // A release charging many people: its charge once, with the sorted ledger ids of everyone
            // it charged (LedgerSegment), instead of a person_charges row each.
            try db.create(table: "person_segments") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("population", .text).notNull().indexed()
                t.column("charge", .blob).notNull()
                t.column("units", .blob).notNull()
                t.column("dataset", .text).notNull()
                t.column("window", .text).notNull()
                t.column("sequence", .integer).notNull()
            }
        }
        return migrator
    }

    /// A random value of `length` bytes stored under `name` in `meta`, created on first use.
    private func metaValue(_ name: String, length: Int) throws(PublisherError) -> [UInt8] {
        do {
            return try queue.write { db in
                if let value = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [name]) {
                    return [UInt8](value)
                }
                var generator = SystemRandomNumberGenerator()
                let value = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?)", arguments: [name, Data(value)])
                return value
            }
        } catch {
            throw .io(path: path, reason: "cannot read the state's identity (\(error))")
        }
    }

    /// The key of the person ledger's unit ids (HMAC-SHA256), 32 random bytes kept here.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the key cannot be read, or stored on first use.
    public func ledgerKey() throws(PublisherError) -> [UInt8] { try metaValue("ledger_key", length: 32) }

    /// Binds this state to the published folder `out` on first use, and refuses another one:
    /// two folders sharing one state would each believe the other's releases were theirs
    /// (a window published in one would be missing, or published twice, in the other).
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when this state is bound to another folder, or `out` already
    ///   holds releases this state did not publish; ``PublisherError/io(path:reason:)`` when the binding
    ///   cannot be read or written.
    public func bindPublishedFolder(_ out: String) throws(PublisherError) {
        let real = URL(fileURLWithPath: out).standardizedFileURL.resolvingSymlinksInPath().path
        do {
            let bound: String? = try queue.write { db in
                if let value = try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'published_folder'") {
                    return String(decoding: value, as: UTF8.self)
                }
                // A folder that already holds releases was published with another state: this one knows
                // nobody's charges, so binding it would start every budget from zero. (Listed only on
                // first use: a bound state does not walk every release folder each night.)
                if let stranger = Self.publishedReleases(in: out).first {
                    throw PublisherError.refused("the published folder \(real) already holds releases this state database (\(path)) did not publish, e.g. \(stranger); a fresh or different state would start everyone's budget from zero. Run with the state that published them (by default \(PublisherPaths(out: out).state)), or restore it from its backup")
                }
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('published_folder', ?)", arguments: [Data(real.utf8)])
                return nil
            }
            if let bound, bound != real {
                throw PublisherError.refused("the state database \(path) keeps the history of the releases in \(bound), not \(real); one state serves one published folder. Publish into \(bound), or give this folder its own state (and its own store)")
            }
        } catch let error as PublisherError {
            throw error
        } catch {
            throw .io(path: path, reason: "cannot read the state's published folder (\(error))")
        }
    }

    /// True when there is no state database at `path`, or one without any release, charge or
    /// retention audit (what a refused first run leaves).
    static func holdsNothing(path: String) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return true }
        guard let queue = try? DatabaseQueue(path: path) else { return false }
        let rows = try? queue.read { db in
            try ["releases", "ledger", "retention_audit"].reduce(0) { total, table in
                try total + (db.tableExists(table) ? Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 1 : 0)
            }
        }
        return rows == 0
    }

    /// Every `<dataset>/<release>` under `out` that holds a manifest (a published release).
    static func publishedReleases(in out: String) -> [String] {
        let files = FileManager.default
        var found: [String] = []
        for dataset in ((try? files.contentsOfDirectory(atPath: out)) ?? []).sorted() where !dataset.hasPrefix(".") && dataset != "catalog" && dataset != "log" {
            let folder = (out as NSString).appendingPathComponent(dataset)
            for release in ((try? files.contentsOfDirectory(atPath: folder)) ?? []).sorted() where !release.hasPrefix(".") {
                let manifest = ((folder as NSString).appendingPathComponent(release) as NSString).appendingPathComponent("manifest.json")
                if files.fileExists(atPath: manifest) { found.append("\(dataset)/\(release)") }
            }
        }
        return found
    }

    /// This state database's random identity, which the store it keeps the ledger of records.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the identity cannot be read, or stored on first use.
    public func identity() throws(PublisherError) -> String {
        try metaValue("state_id", length: 16).map { String(format: "%02x", $0) }.joined()
    }

    /// The ledger ids a release left out.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the excluded units cannot be read.
    public func excludedUnits(dataset: String, window: String, sequence: Int) throws(PublisherError) -> Set<LedgerID> {
        do {
            let blob = try queue.read { db in
                try Data.fetchOne(db, sql: "SELECT units FROM excluded_units WHERE dataset = ? AND window = ? AND sequence = ?",
                                  arguments: [dataset, window, sequence])
            }
            guard let blob else { return [] }
            return Set(LedgerID.unpack(blob))
        } catch {
            throw .io(path: path, reason: "cannot read the excluded units (\(error))")
        }
    }

    /// Records the caps `population` is released under when they differ from the last ones recorded,
    /// or when `dataset` releases from the population for the first time.
    func recordCaps(population: String, budget: BudgetCaps, dataset: String, window: String, at now: Date, in db: Database) throws {
        let last = try Row.fetchOne(db, sql: "SELECT epsilon_cap, delta_cap FROM cap_history WHERE population = ? ORDER BY id DESC LIMIT 1",
                                    arguments: [population])
        let known = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM cap_history WHERE population = ? AND dataset = ?)",
                                      arguments: [population, dataset]) ?? false
        if known, let last, last["epsilon_cap"] as Double? == budget.epsilon, last["delta_cap"] as Double? == budget.delta { return }
        try db.execute(sql: "INSERT INTO cap_history (population, epsilon_cap, delta_cap, dataset, first_window, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [population, budget.epsilon, budget.delta, dataset, window, now])
    }

    /// Records, in the release's commit, that `dataset` publishes from the population of `entry`
    /// (kept from its first release; a later release updates what it guarantees).
    func recordDataset(_ entry: PublicationPlan.PublishedDataset, window: String, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO dataset_populations (dataset, population, base_table, unit, guarantee, plain_records, policy_path, first_window)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (dataset) DO UPDATE SET population = excluded.population, base_table = excluded.base_table,
              unit = excluded.unit, guarantee = excluded.guarantee, plain_records = excluded.plain_records, policy_path = excluded.policy_path
            """, arguments: [entry.dataset, entry.population, entry.table, entry.unit, entry.guarantee.rawValue, entry.plainRecords,
                               entry.policyPath, window])
    }

    /// Every dataset this state has published, with its population and guarantee.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the published datasets cannot be read.
    public func publishedDatasets() throws(PublisherError) -> [PublicationPlan.PublishedDataset] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM dataset_populations ORDER BY dataset").map { row in
                    PublicationPlan.PublishedDataset(dataset: row["dataset"], population: row["population"], table: row["base_table"],
                                                     unit: row["unit"],
                                                     guarantee: ReleaseGuarantee(rawValue: row["guarantee"]) ?? .differentialPrivacy,
                                                     plainRecords: row["plain_records"], policyPath: row["policy_path"])
                }
            }
        } catch {
            throw .io(path: path, reason: "cannot read the published datasets (\(error))")
        }
    }

    /// Every cap recorded for `population`, oldest first.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the cap history cannot be read.
    public func capHistory(population: String) throws(PublisherError) -> [(epsilon: Double?, delta: Double?, dataset: String, firstWindow: String)] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM cap_history WHERE population = ? ORDER BY id", arguments: [population]).map {
                    ($0["epsilon_cap"], $0["delta_cap"], $0["dataset"], $0["first_window"])
                }
            }
        } catch {
            throw .io(path: path, reason: "cannot read the cap history (\(error))")
        }
    }

    /// A table of per-output results of a release (JSON blobs), one row per
    /// (dataset, window, sequence, output).
    static func createResultsTable(_ db: Database, named name: String) throws {
        try db.create(table: name) { t in
            t.column("dataset", .text).notNull()
            t.column("window", .text).notNull()
            t.column("sequence", .integer).notNull()
            t.column("output", .text).notNull()
            t.column("result", .blob).notNull()
            t.primaryKey(["dataset", "window", "sequence", "output"])
        }
    }

    /// One published release, as the history keeps it (``PublicSite/PublishedRelease``).
    public typealias PublishedRelease = PublicSite.PublishedRelease

    /// Records a published release.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the release cannot be written (one with the same
    ///   name or sequence already recorded for the dataset, say).
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

    /// Every release of `dataset` in window order (``PublishedRelease/windowOrder(_:_:)``).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the release history cannot be read.
    public func releasesByWindow(dataset: String) throws(PublisherError) -> [PublishedRelease] {
        // Each window's days split once, not at every comparison.
        try releases(dataset: dataset).map { ($0, $0.days) }.sorted { a, b in
            if a.1.last != b.1.last { return a.1.last < b.1.last }
            if a.1.first != b.1.first { return a.1.first < b.1.first }
            return PublishedRelease.windowOrder(a.0, b.0)
        }.map(\.0)
    }

    /// Every release of `dataset` (of all datasets when nil), in the order they were published.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the release history cannot be read.
    public func releases(dataset: String? = nil) throws(PublisherError) -> [PublishedRelease] {
        do {
            return try queue.read { db in
                // Columns read by position, not by name: a name lookup folds its case on every row,
                // and the whole history is read several times a night.
                let columns = "dataset, release, window, window_sequence, sequence, manifest_sha256, published_at"
                let rows = dataset == nil
                    ? try Row.fetchCursor(db, sql: "SELECT \(columns) FROM releases ORDER BY id")
                    : try Row.fetchCursor(db, sql: "SELECT \(columns) FROM releases WHERE dataset = ? ORDER BY sequence", arguments: [dataset])
                var releases: [PublishedRelease] = []
                while let row = try rows.next() {
                    releases.append(PublishedRelease(dataset: row[0], release: row[1], window: row[2], windowSequence: row[3], sequence: row[4],
                                                     manifestSHA256: row[5], publishedAt: row[6]))
                }
                return releases
            }
        } catch {
            throw .io(path: path, reason: "cannot read the release history (\(error))")
        }
    }

    /// Appends a retention audit entry.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the entry cannot be written.
    public func append(_ entry: RetentionAuditEntry) throws(PublisherError) {
        do {
            try queue.write { db in try entry.insert(db) }
        } catch {
            throw .io(path: path, reason: "cannot record the retention audit entry (\(error))")
        }
    }

    /// Fills in the counts of the pending audit row `runID` (or marks it `not run` when `result` is nil).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the row cannot be updated; it then stays pending
    ///   for the next run.
    public func completeRetention(runID: String, result: RetentionResult?) throws(PublisherError) {
        do {
            try queue.write { db in
                try db.execute(sql: "UPDATE retention_audit SET status = ?, deleted = ?, held = ?, undated = ? WHERE run_id = ?",
                               arguments: [result == nil ? "not run" : "done", result?.deleted ?? 0, result?.held ?? 0,
                                           result?.undated ?? 0, runID])
            }
        } catch {
            throw .io(path: path, reason: "cannot complete the retention audit entry \(runID) (\(error)); the next run completes it")
        }
    }

    /// Every retention audit entry (with `status`, those in that state: `pending`, `done`, `not run`), oldest first.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the retention audit cannot be read.
    public func retentionAudit(status: String? = nil) throws(PublisherError) -> [RetentionAuditEntry] {
        do {
            return try queue.read { db in
                let rows = status.map { RetentionAuditEntry.filter(Column("status") == $0) } ?? RetentionAuditEntry.all()
                return try rows.order(Column("id")).fetchAll(db)
            }
        } catch {
            throw .io(path: path, reason: "cannot read the retention audit (\(error))")
        }
    }
}

/// A population's caps as the cap history keeps them.
struct BudgetCaps: Equatable {
    var epsilon: Double?
    var delta: Double?
}

extension StateStore {
    /// The rates of each equity output of `release` (its latest period's, with intervals), as
    /// ``cacheRatePeriod(_:release:output:)`` stored them; empty when none are.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state database cannot be read.
    func ratePeriods(release: String) throws(PublisherError) -> [String: Data] {
        do {
            let rows = try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT output, period FROM rate_periods WHERE release = ?", arguments: [release])
            }
            return Dictionary(rows.map { ($0["output"] as String, $0["period"] as Data) }, uniquingKeysWith: { first, _ in first })
        } catch {
            throw .io(path: path, reason: "cannot read the stored equity rates (\(error))")
        }
    }

    /// Stores the rates of one equity output of a published release (derived from its published
    /// values only, so it holds nothing private).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state database cannot be written.
    func cacheRatePeriod(_ period: Data, release: String, output: String) throws(PublisherError) {
        do {
            try queue.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO rate_periods (release, output, period) VALUES (?, ?, ?)",
                               arguments: [release, output, period])
            }
        } catch {
            throw .io(path: path, reason: "cannot store the equity rates (\(error))")
        }
    }
}
