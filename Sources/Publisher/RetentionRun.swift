import Foundation
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
                policySHA256: Digest.sha256Hex(policy.bytes), rule: rule, cutoff: cutoff,
                deleted: 0, held: 0, undated: 0, status: "pending", runID: id))
            runID = id
        }
        let result: RetentionResult
        do {
            result = try store.applyRetention(ruleSpec, dryRun: dryRun, auditID: runID)
        } catch {
            if case .massDeletion = error {
                if let runID, let state { try? state.completeRetention(runID: runID, result: nil) }
                throw .refused("retention of \(policy.dataset.id): \(error.description)")
            }
            if let runID, let state {
                // Whatever the store committed (nothing, if the deletion rolled back) is what the audit says.
                // If the store cannot even be read, the row stays pending for the next run to settle.
                if let record = try? store.retentionRecord(id: runID) as RetentionResult?? {
                    try? state.completeRetention(runID: runID, result: record)
                }
            }
            throw .store(error)
        }
        if let runID, let state { try state.completeRetention(runID: runID, result: result) }
        return Outcome(dataset: policy.dataset.id, rule: rule, cutoff: cutoff, result: result)
    }

    /// Completes the audit rows a killed run left `pending`: from the counts the store
    /// committed with the deletion, or as `not run` when the store has no such deletion.
    public static func reconcile(store: any RecordSource, state: StateStore) throws(PublisherError) {
        for entry in try state.retentionAudit() where entry.status == "pending" {
            guard let runID = entry.runID else { continue }
            let record: RetentionResult?
            do {
                record = try store.retentionRecord(id: runID)
            } catch {
                throw .store(error)
            }
            try state.completeRetention(runID: runID, result: record)
        }
    }
}
