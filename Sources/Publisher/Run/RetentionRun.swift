import Foundation
import ReleaseFormat
import OperationalStore
import PrivacyPolicy

/// `opendata retention`: applies a policy's retention rule to the store and
/// records an audit entry (counts only) in the state database.
public enum RetentionRun {
    /// The outcome of one run, with the rule in words.
    public struct Outcome: Sendable, Equatable {
        public var dataset: String
        public var rule: String
        public var cutoff: Date
        public var result: RetentionResult
    }

    /// Runs the retention of `policy` as of `now`. A dry run counts only and
    /// records nothing. Returns nil when the policy has no retention section.
    ///
    /// Guarantee (write-ahead audit): the audit row is written to the state as
    /// `pending` before anything is deleted, so a state that cannot be written
    /// (locked, full, read-only) stops the run with nothing deleted; the deletion
    /// and its counts are one transaction in the store; the counts are then
    /// copied into the audit row. A run killed between those steps is completed
    /// by the next one from the store's record (``reconcile(store:state:)``).
    ///
    /// A run that would delete more than the policy's `max_share_per_run` of the table
    /// (default 10%) is refused with nothing deleted unless `confirmMassDeletion`.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when the run would delete more than `max_share_per_run`
    ///   (nothing is deleted); ``PublisherError/store(_:)`` when the store cannot apply the rule (its table
    ///   or a column it names is missing, or a query fails); ``PublisherError/io(path:reason:)`` when the
    ///   audit row cannot be read, written or completed in `state`.
    public static func run(policy: Policy, store: any RecordSource, state: StateStore?, now: Date,
                           dryRun: Bool, confirmMassDeletion: Bool = false) throws(PublisherError) -> Outcome? {
        guard let retention = policy.retention else { return nil }
        let cutoff = retention.deleteAfter.subtracted(from: now)
        let rule = "delete \(policy.source.table) rows whose \(retention.measuredFrom) is more than \(retention.deleteAfter) old"
            + (retention.keepIf.map { " unless \($0) is true" } ?? "")
        // The share limit is checked inside the deletion's own transaction (one scan, nothing deleted when refused).
        var ruleSpec = RetentionRule(table: policy.source.table, measuredFrom: retention.measuredFrom,
                                     keepIf: retention.keepIf, cutoff: cutoff,
                                     maxShare: dryRun || confirmMassDeletion ? nil : retention.maxSharePerRun)
        ruleSpec.naiveZone = TimeZone(identifier: policy.source.timezone)
        var runID: String?
        if !dryRun, let state {
            try reconcile(store: store, state: state)
            let id = UUID().uuidString
            try state.append(RetentionAuditEntry(
                ranAt: Date(), dataset: policy.dataset.id, sourceTable: policy.source.table,
                policySHA256: StreamingDigest.sha256Hex(policy.bytes), rule: rule, cutoff: cutoff,
                deleted: 0, held: 0, undated: 0, status: "pending", runID: id))
            runID = id
        }
        let result: RetentionResult
        do {
            result = try store.applyRetention(ruleSpec, dryRun: dryRun, auditID: runID)
        } catch {
            // Whatever the store committed (nothing, if the deletion rolled back or was refused) is what
            // the audit says; if that cannot be settled now, the row stays pending for the next run.
            if let runID, let state { try? settle(runID, store: store, state: state) }
            if case .massDeletion = error { throw .refused("retention of \(policy.dataset.id): \(error.description)") }
            throw .store(error)
        }
        if let runID, let state { try state.completeRetention(runID: runID, result: result) }
        return Outcome(dataset: policy.dataset.id, rule: rule, cutoff: cutoff, result: result)
    }

    /// What the retention of `policy` would delete at `now`, changing nothing: the counts, the
    /// table's rows, and the sentence `policy check --store` and `release --dry-run` print
    /// (naming a share over `max_share_per_run`). Nil when the policy has no retention section.
    ///
    /// - Throws: ``PublisherError/store(_:)`` when the store cannot count the rows, or the table or a column
    ///   the rule names is missing.
    public static func preview(policy: Policy, store: any RecordSource,
                               now: Date) throws(PublisherError) -> (outcome: Outcome, rows: Int, sentence: String)? {
        guard let outcome = try run(policy: policy, store: store, state: nil, now: now, dryRun: true) else { return nil }
        let rows: Int
        do {
            rows = try store.rowCount(of: policy.source.table)
        } catch {
            throw .store(error)
        }
        let result = outcome.result
        let tooMany = rows > 0 && Double(result.deleted) > (policy.retention?.maxSharePerRun ?? 1) * Double(rows)
        let sentence = "retention would delete \(result.deleted) of \(rows) rows of \(policy.source.table) now (\(result.held) held, \(result.undated) undated)"
            + (tooMany ? ", more than max_share_per_run: the real run would be refused without --confirm-mass-deletion" : "")
        return (outcome, rows, sentence)
    }

    /// Completes the audit rows a killed run left `pending`: from the counts the store
    /// committed with the deletion, or as `not run` when the store has no such deletion.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the audit cannot be read or a row cannot be
    ///   completed; ``PublisherError/store(_:)`` when the store's record of a deletion cannot be queried.
    public static func reconcile(store: any RecordSource, state: StateStore) throws(PublisherError) {
        for entry in try state.retentionAudit(status: "pending") {
            if let runID = entry.runID { try settle(runID, store: store, state: state) }
        }
    }

    /// Copies into the audit row `runID` the counts the store committed with that deletion,
    /// or marks it `not run` when the store has none.
    static func settle(_ runID: String, store: any RecordSource, state: StateStore) throws(PublisherError) {
        let record: RetentionResult?
        do {
            record = try store.retentionRecord(id: runID)
        } catch {
            throw .store(error)
        }
        try state.completeRetention(runID: runID, result: record)
    }
}
