import Foundation
import ArgumentParser
import OperationalStore
import PostgresStore
import PrivacyPolicy
import Publisher

/// `opendata policy check`: every problem of every policy, compiler style.
struct PolicyCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report every problem in the given policies as PATH:LINE:COL: message.",
        discussion: """
            Finds unknown keys (with a suggestion), wrong types, missing keys, unknown \
            treatments, missing or malformed hierarchy files, outputs that name unpublished \
            columns, and budgets smaller than the outputs' epsilon. With --store it also enforces \
            deny-by-default: every column of the source table must be in the policy, and every \
            column in the policy must be in the table.

            The policies are also checked together, as one publication: every policy over \
            the same table (as the store resolves it: case, schema and views) must name the \
            same population, privacy unit and per-person cap, and plain k-anonymous records \
            of a population are refused beside differentially private datasets of it. With \
            --state, also against every dataset that state has already published.

            Exit code 0 when every policy is valid, 1 otherwise.

            Example:
              opendata policy check Policies/*.yaml --store .demo/store.sqlite
            """
    )

    @Option(help: "Also check the policies against the tables of this operational store.")
    var store: String?

    @Option(help: "Also check the policies against every dataset this state database has published.")
    var state: String?

    @Argument(help: "Policy files.")
    var policies: [String]

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if policies.isEmpty { throw ValidationError("name at least one policy file") }
        if let state, !FileManager.default.fileExists(atPath: state) {
            throw ValidationError("--state \(state): no such state database (it is created by the first release)")
        }
    }

    func run() throws {
        let console = output.console
        do {
            let database = try store.map { path throws(StoreError) in try openRecordSource(path) }
            func report(_ diagnostic: PolicyDiagnostic) {
                console.error(diagnostic.description, ["file": diagnostic.location.file, "line": String(diagnostic.location.line),
                                                       "column": String(diagnostic.location.column)])
            }
            var failed = 0
            var valid: [Policy] = []
            for path in policies {
                let (policy, diagnostics) = try PolicyCheck.check(path: path, store: database, thorough: true)
                diagnostics.forEach(report)
                if let policy {
                    valid.append(policy)
                    console.info("\(path): ok (dataset \(policy.dataset.id), \(policy.columns.count) columns, \(policy.outputs.count) outputs)")
                    let excluded = try database.map { store throws(PublisherError) in
                        try StoreDataCheck.exclusionWarnings(for: policy, store: store) + StoreDataCheck.rollUpWarnings(for: policy, store: store)
                    } ?? []
                    for warning in excluded + PolicyForecast.warnings(for: policy) {
                        console.error("\(warning.location): warning: \(warning.message)",
                                      ["file": warning.location.file, "line": String(warning.location.line), "level_detail": "warning"])
                    }
                    if let database, let preview = try RetentionRun.preview(policy: policy, store: database, now: Date()) {
                        console.info("  " + preview.sentence, typed: ["dataset": .text(policy.dataset.id), "would_delete": .integer(preview.outcome.result.deleted),
                                                                       "rows": .integer(preview.rows)])
                    }
                } else {
                    failed += 1
                }
            }
            // The policies together: one population per table of people, one guarantee across it.
            let published = try state.map { path throws(PublisherError) in try StateStore(path: path).publishedDatasets() } ?? []
            let (_, conflicts) = try PublicationPlan.build(policies: valid, store: database, published: published)
            conflicts.forEach(report)
            if failed > 0 || !conflicts.isEmpty { throw ExitCode(1) }
        } catch let error as StoreError {
            throw Failure.report(error, console)
        } catch let error as PublisherError {
            throw Failure.report(error, console)
        }
    }
}
