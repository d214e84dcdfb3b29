import ArgumentParser
import Foundation
import OperationalStore
import PostgresStore
import Publisher

/// `opendata retention`: deletes what a policy says is past retention.
struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Delete records past the policy's retention period, except those held.",
        discussion: """
            Deletes rows whose 'measured_from' time is older than 'delete_after', never rows for \
            which 'keep_if' is true (e.g. a legal hold), in one transaction with SQLite's \
            secure_delete so deleted content is overwritten, then truncates the write-ahead log. \
            Each run appends an audit entry (time, policy sha256, rule, counts; never contents) \
            to the state database. --dry-run only counts.

            Example:
              opendata retention --store .demo/store.sqlite --policy Policies/complaints.yaml --dry-run
            """
    )

    @Option(help: "The operational store (SQLite).")
    var store: String

    @Option(help: "The policy whose retention section applies.")
    var policy: String

    @Option(help: "State database for the audit entry.")
    var state = "Releases.private/state.sqlite"

    @Flag(help: "Count what would be deleted; change nothing.")
    var dryRun = false

    @Flag(help: "Allow deleting more than the policy's max_share_per_run (default 10%) of the table in this run.")
    var confirmMassDeletion = false

    @Option(help: "Measure ages from this date (YYYY-MM-DD, UTC) instead of now.")
    var now: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        var reference = Date()
        if let now {
            guard let day = ReleaseWindow(day: now, timezone: TimeZone(identifier: "UTC") ?? .current) else {
                throw ValidationError("--now must be a date YYYY-MM-DD, got '\(now)'")
            }
            reference = day.start
        }
        do {
            let database = try openRecordSource(store)
            let loaded = try PolicyCheck.require(path: policy, store: database)
            let stateStore = dryRun ? nil : try StateStore(path: state)
            guard let outcome = try RetentionRun.run(policy: loaded, store: database, state: stateStore,
                                                     now: reference, dryRun: dryRun, confirmMassDeletion: confirmMassDeletion) else {
                console.info("\(policy): the policy has no retention section; nothing to do")
                return
            }
            let result = outcome.result
            let verb = dryRun ? "would delete" : "deleted"
            console.info("\(outcome.dataset): \(verb) \(result.deleted) records, held \(result.held), undated \(result.undated)",
                         typed: ["dataset": .text(outcome.dataset), "deleted": .integer(result.deleted), "held": .integer(result.held),
                                 "undated": .integer(result.undated), "dry_run": .flag(dryRun)])
            console.info("  rule: \(outcome.rule); cutoff \(ISO8601DateFormatter().string(from: outcome.cutoff))")
        } catch let error as StoreError {
            throw Failure.report(error, console)
        } catch let error as PublisherError {
            throw Failure.report(error, console)
        }
    }
}
