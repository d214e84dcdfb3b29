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
    /// The state database is opened before anything is deleted, so a run that
    /// cannot record its audit entry deletes nothing.
    public static func run(policy: Policy, store: OperationalStore, state: StateStore?, now: Date,
                           dryRun: Bool) throws(PublisherError) -> Outcome? {
        guard let retention = policy.retention else { return nil }
        let cutoff = retention.deleteAfter.subtracted(from: now)
        let rule = "delete \(policy.source.table) rows whose \(retention.measuredFrom) is more than \(retention.deleteAfter) old"
            + (retention.keepIf.map { " unless \($0) is true" } ?? "")
        let result: RetentionResult
        do {
            result = try store.applyRetention(
                RetentionRule(table: policy.source.table, measuredFrom: retention.measuredFrom,
                              keepIf: retention.keepIf, cutoff: cutoff),
                dryRun: dryRun)
        } catch {
            throw .store(error)
        }
        if !dryRun, let state {
            try state.append(RetentionAuditEntry(
                ranAt: Date(), dataset: policy.dataset.id, sourceTable: policy.source.table,
                policySHA256: Digest.sha256Hex(policy.bytes), rule: rule, cutoff: cutoff,
                deleted: result.deleted, held: result.held, undated: result.undated))
        }
        return Outcome(dataset: policy.dataset.id, rule: rule, cutoff: cutoff, result: result)
    }
}
