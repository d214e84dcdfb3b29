import DifferentialPrivacy
import Foundation
import GRDB
import PrivacyPolicy
import PublicSite

/// The ledger's table of spends (``PublicSite/LedgerEntry``).
extension LedgerEntry: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "ledger"
}

/// The privacy budget ledger in the state database: what each release of each
/// dataset spent, output by output.
///
/// Guarantees: a release's spend is written in one synchronous transaction
/// together with every person's charge (``PersonLedger``), the people it
/// leaves out, its record files and its noisy results, *before* anything is
/// published; a crash before that commit has spent and shown nothing, and a
/// re-run after it republishes exactly what was committed; a
/// release over the per-release cap is refused before anything is recorded or
/// drawn. The rolling cap is per person, in ``PersonLedger``.
public struct BudgetLedger {
    let state: StateStore

    public init(state: StateStore) {
        self.state = state
    }

    /// Every entry of `dataset`, oldest first.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the ledger cannot be read.
    public func entries(dataset: String) throws(PublisherError) -> [LedgerEntry] {
        do {
            return try state.queue.read { db in
                try LedgerEntry.filter(Column("dataset") == dataset).order(Column("id")).fetchAll(db)
            }
        } catch {
            throw .io(path: state.path, reason: "cannot read the ledger (\(error))")
        }
    }

    /// The spends of `dataset`'s most recently recorded release (the window and sequence of its
    /// last ledger row), in the order they were recorded; empty when it has none.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the ledger cannot be read.
    public func latestEntries(dataset: String) throws(PublisherError) -> [LedgerEntry] {
        do {
            return try state.queue.read { db in
                guard let last = try LedgerEntry.filter(Column("dataset") == dataset).order(Column("id").desc).fetchOne(db) else { return [] }
                return try LedgerEntry.filter(Column("dataset") == dataset && Column("window") == last.window && Column("sequence") == last.sequence)
                    .order(Column("id")).fetchAll(db)
            }
        } catch {
            throw .io(path: state.path, reason: "cannot read the ledger (\(error))")
        }
    }

    /// The spends recorded for `dataset` on any of `windows` (labels), in the order they were recorded.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the ledger cannot be read.
    public func entries(dataset: String, windows: Set<String>) throws(PublisherError) -> [LedgerEntry] {
        do {
            return try state.queue.read { db in
                try LedgerEntry.filter(Column("dataset") == dataset && windows.sorted().contains(Column("window"))).order(Column("id")).fetchAll(db)
            }
        } catch {
            throw .io(path: state.path, reason: "cannot read the ledger (\(error))")
        }
    }

    /// Checks the per-release cap for spending `outputs` (id, ε, δ, ρ) on `window`, then records
    /// the spend and, in the same transaction, whatever `alsoWrite` writes (the people charged).
    ///
    /// - Throws: ``PublisherError/refused(_:)`` naming the cap; nothing is recorded then.
    public func spend(dataset: String, window: ReleaseWindow, sequence: Int,
                      outputs: [(id: String, epsilon: Double, delta: Double?, rho: Double?)], cost: PrivacyCost,
                      perReleaseCap: Double, now: Date = Date(),
                      alsoWrite: ((Database) throws -> Void)? = nil) throws(PublisherError) {
        try checkCap(dataset: dataset, cost: cost, perReleaseCap: perReleaseCap)
        do {
            try state.queue.write { db in
                for output in outputs {
                    try LedgerEntry(dataset: dataset, window: window.label, windowStart: window.start, windowEnd: window.end,
                                    sequence: sequence, output: output.id, epsilon: output.epsilon, delta: output.delta,
                                    rho: output.rho, recordedAt: now).insert(db)
                }
                try alsoWrite?(db)
            }
        } catch {
            throw .io(path: state.path, reason: "cannot record the spend in the ledger (\(error)); nothing was published")
        }
    }

    /// Refuses (exit 3, nothing recorded) a release whose composed cost (``PrivacyCost``, the figure
    /// `policy check` compares with the same cap) is more than `perReleaseCap`.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` naming the cost and the cap when the cost passes `perReleaseCap`.
    public func checkCap(dataset: String, cost: PrivacyCost, perReleaseCap: Double) throws(PublisherError) {
        let total = cost.converted.epsilon
        if total > perReleaseCap + 1e-12 {
            throw .refused("dataset \(dataset): this release needs ε \(format(total)) but the per-release cap is \(format(perReleaseCap)); nothing was published or spent")
        }
    }

    /// Stored noisy results of `dataset`'s `window` at `sequence`, keyed by output id.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the stored results cannot be read or decoded.
    public func storedResults(dataset: String, window: String, sequence: Int) throws(PublisherError) -> [String: AggregateResult] {
        try stored(AggregateResult.self, table: "aggregate_results", dataset: dataset, window: window, sequence: sequence)
    }

    /// Stores a noisy result inside the release's commit transaction, so the same window is never noised twice.
    func store(_ result: AggregateResult, dataset: String, window: String, sequence: Int, output: String, in db: Database) throws {
        try Self.insert(result, into: "aggregate_results", dataset: dataset, window: window, sequence: sequence, output: output, in: db)
    }

    /// Stores a differentially private record file inside the release's commit transaction
    /// (``spend(dataset:window:sequence:outputs:perReleaseCap:now:alsoWrite:)``), so the same
    /// window is never sampled twice.
    func store(_ records: DPMicrodataRelease.Records, dataset: String, window: String, sequence: Int, in db: Database) throws {
        try Self.insert(records, into: "record_results", dataset: dataset, window: window, sequence: sequence,
                        output: records.output, in: db)
    }

    /// Stored record files of `dataset`'s `window` at `sequence`, keyed by output id.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the stored record files cannot be read or decoded.
    public func storedRecords(dataset: String, window: String, sequence: Int) throws(PublisherError) -> [String: DPMicrodataRelease.Records] {
        try stored(DPMicrodataRelease.Records.self, table: "record_results", dataset: dataset, window: window, sequence: sequence)
    }

    /// Writes one output's result as JSON into `table`, in the caller's transaction.
    private static func insert(_ value: some Encodable, into table: String, dataset: String, window: String, sequence: Int,
                               output: String, in db: Database) throws {
        try db.execute(sql: "INSERT INTO \(table) (dataset, window, sequence, output, result) VALUES (?, ?, ?, ?, ?)",
                       arguments: [dataset, window, sequence, output, try JSONEncoder().encode(value)])
    }

    /// Every output's stored result of a release in `table`, keyed by output id.
    private func stored<T: Decodable>(_ type: T.Type, table: String, dataset: String, window: String,
                                      sequence: Int) throws(PublisherError) -> [String: T] {
        do {
            let rows = try state.queue.read { db in
                try Row.fetchAll(db, sql: "SELECT output, result FROM \(table) WHERE dataset = ? AND window = ? AND sequence = ?",
                                 arguments: [dataset, window, sequence])
            }
            var results: [String: T] = [:]
            for row in rows {
                let data: Data = row["result"]
                results[row["output"]] = try JSONDecoder().decode(T.self, from: data)
            }
            return results
        } catch {
            throw .io(path: state.path, reason: "cannot read stored results from \(table) (\(error))")
        }
    }

    /// The highest sequence recorded for `dataset`'s `window`, if any.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the ledger cannot be read.
    public func latestSequence(dataset: String, window: String) throws(PublisherError) -> Int? {
        do {
            return try state.queue.read { db in
                try Int.fetchOne(db, sql: "SELECT max(sequence) FROM ledger WHERE dataset = ? AND window = ?", arguments: [dataset, window])
            }
        } catch {
            throw .io(path: state.path, reason: "cannot read the ledger (\(error))")
        }
    }

    private func format(_ value: Double) -> String {
        String(format: "%.4g", value)
    }
}
