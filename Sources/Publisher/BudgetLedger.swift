import DifferentialPrivacy
import Foundation
import GRDB

/// One output's spend in one release, as the ledger keeps it.
public struct LedgerEntry: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "ledger"
    public var dataset: String
    public var window: String
    public var windowStart: Date
    public var windowEnd: Date
    public var sequence: Int
    public var output: String
    public var epsilon: Double
    public var delta: Double?
    public var rho: Double?
    public var recordedAt: Date

    enum CodingKeys: String, CodingKey {
        case dataset, window, windowStart = "window_start", windowEnd = "window_end", sequence, output, epsilon, delta, rho
        case recordedAt = "recorded_at"
    }
}

/// The privacy budget ledger in the state database.
///
/// Guarantees: a release's spend is written (one transaction, synchronous)
/// *before* any noise is drawn, so a crash can waste budget but never hide it;
/// a release that would exceed the per-release cap or, for any 365-day span
/// containing its window, the rolling cap per privacy unit, is refused before
/// anything is recorded or drawn. Under sequential composition each unit's
/// total loss over a span is at most the sum of the ε of the releases whose
/// windows overlap it (a unit's records fall in the windows it was active in).
public struct BudgetLedger {
    let state: StateStore

    public init(state: StateStore) {
        self.state = state
    }

    /// Every entry of `dataset`, oldest first.
    public func entries(dataset: String) throws(PublisherError) -> [LedgerEntry] {
        do {
            return try state.queue.read { db in
                try LedgerEntry.filter(Column("dataset") == dataset).order(Column("id")).fetchAll(db)
            }
        } catch {
            throw .io(path: state.path, reason: "cannot read the ledger (\(error))")
        }
    }

    /// The largest total ε over any 365-day span that contains `window`, counting `entries`.
    public static func rollingSpend(_ entries: [LedgerEntry], containing window: ReleaseWindow) -> Double {
        let year: TimeInterval = 365 * 86400
        // The total is piecewise constant in the span's start s ∈ [end − 1 year, start];
        // it can only rise where an entry starts to overlap, just after s = entry.start − 1 year.
        var candidates = [window.end.addingTimeInterval(-year)]
        for entry in entries {
            let s = entry.windowStart.addingTimeInterval(-year + 1)
            if s >= window.end.addingTimeInterval(-year) && s <= window.start { candidates.append(s) }
        }
        return candidates.map { s in
            let e = s.addingTimeInterval(year)
            return entries.filter { $0.windowStart < e && $0.windowEnd > s }.reduce(0) { $0 + $1.epsilon }
        }.max() ?? 0
    }

    /// Checks the caps for spending `outputs` (id, ε, δ, ρ) on `window`, then records the spend.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` naming the cap, what is spent and what remains; nothing is recorded then.
    public func spend(dataset: String, window: ReleaseWindow, sequence: Int,
                      outputs: [(id: String, epsilon: Double, delta: Double?, rho: Double?)],
                      perReleaseCap: Double, rollingCap: Double?, now: Date = Date()) throws(PublisherError) {
        let total = outputs.reduce(0) { $0 + $1.epsilon }
        if total > perReleaseCap + 1e-12 {
            throw .refused("dataset \(dataset): this release needs ε \(format(total)) but the per-release cap is \(format(perReleaseCap)); nothing was published or spent")
        }
        let existing = try entries(dataset: dataset)
        if let rollingCap {
            let spent = Self.rollingSpend(existing, containing: window)
            if spent + total > rollingCap + 1e-12 {
                throw .refused("dataset \(dataset): the rolling 365-day cap per privacy unit is ε \(format(rollingCap)); \(format(spent)) is spent in the busiest year containing \(window.label), \(format(max(rollingCap - spent, 0))) remains and this release needs \(format(total)); nothing was published or spent")
            }
        }
        do {
            try state.queue.write { db in
                for output in outputs {
                    try LedgerEntry(dataset: dataset, window: window.label, windowStart: window.start, windowEnd: window.end,
                                    sequence: sequence, output: output.id, epsilon: output.epsilon, delta: output.delta,
                                    rho: output.rho, recordedAt: now).insert(db)
                }
            }
        } catch {
            throw .io(path: state.path, reason: "cannot record the spend in the ledger (\(error)); nothing was published")
        }
    }

    /// Stored noisy results of `dataset`'s `window` at `sequence`, keyed by output id.
    public func storedResults(dataset: String, window: String, sequence: Int) throws(PublisherError) -> [String: AggregateResult] {
        do {
            let rows = try state.queue.read { db in
                try Row.fetchAll(db, sql: "SELECT output, result FROM aggregate_results WHERE dataset = ? AND window = ? AND sequence = ?",
                                 arguments: [dataset, window, sequence])
            }
            var results: [String: AggregateResult] = [:]
            for row in rows {
                let data: Data = row["result"]
                results[row["output"]] = try JSONDecoder().decode(AggregateResult.self, from: data)
            }
            return results
        } catch {
            throw .io(path: state.path, reason: "cannot read stored results (\(error))")
        }
    }

    /// Stores a noisy result so the same window is never noised twice.
    public func store(_ result: AggregateResult, dataset: String, window: String, sequence: Int, output: String) throws(PublisherError) {
        do {
            let data = try JSONEncoder().encode(result)
            try state.queue.write { db in
                try db.execute(sql: "INSERT INTO aggregate_results (dataset, window, sequence, output, result) VALUES (?, ?, ?, ?, ?)",
                               arguments: [dataset, window, sequence, output, data])
            }
        } catch {
            throw .io(path: state.path, reason: "cannot store the noisy results (\(error))")
        }
    }

    /// Stores a differentially private record file so the same window is never sampled twice.
    public func store(_ records: DPMicrodataRelease.Records, dataset: String, window: String, sequence: Int) throws(PublisherError) {
        do {
            let data = try JSONEncoder().encode(records)
            try state.queue.write { db in
                try db.execute(sql: "INSERT INTO record_results (dataset, window, sequence, output, result) VALUES (?, ?, ?, ?, ?)",
                               arguments: [dataset, window, sequence, records.output, data])
            }
        } catch {
            throw .io(path: state.path, reason: "cannot store the record file (\(error))")
        }
    }

    /// Stored record files of `dataset`'s `window` at `sequence`, keyed by output id.
    public func storedRecords(dataset: String, window: String, sequence: Int) throws(PublisherError) -> [String: DPMicrodataRelease.Records] {
        do {
            let rows = try state.queue.read { db in
                try Row.fetchAll(db, sql: "SELECT output, result FROM record_results WHERE dataset = ? AND window = ? AND sequence = ?",
                                 arguments: [dataset, window, sequence])
            }
            var results: [String: DPMicrodataRelease.Records] = [:]
            for row in rows {
                let data: Data = row["result"]
                results[row["output"]] = try JSONDecoder().decode(DPMicrodataRelease.Records.self, from: data)
            }
            return results
        } catch {
            throw .io(path: state.path, reason: "cannot read stored record files (\(error))")
        }
    }

    /// The highest sequence recorded for `dataset`'s `window`, if any.
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
