import ArgumentParser
import Demo
import Foundation
import OperationalStore
import Publisher

/// `opendata demo`: the whole job on a synthetic city, with nothing to set up.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a synthetic city and run the nightly release cycle on it.",
        discussion: """
            Creates WORKDIR/store.sqlite with three tables shaped like real police data \
            (calls_for_service, complaints, engagement_logs: exact addresses, names, phones, \
            narratives, ~1% legal holds), writes the built-in policies to WORKDIR/Policies and a \
            signing key to WORKDIR/keys, then runs 'opendata release' for each of the last --days \
            days: policy check (deny by default), retention, minimisation, k-anonymous microdata, \
            differentially private aggregates, signed packages in WORKDIR/Releases, each verified.

            The city is deterministic for a --seed and --today. Example:
              opendata demo --workdir /tmp/city --records 30000 --days 1 --seed 7
            """
    )

    @Option(help: "Folder for the store, policies and state. Must not already hold a store.")
    var workdir = ".demo"

    @Option(help: "Calls for service to generate (1 to 10,000,000). Complaints are 1% and engagement logs 10% of this.")
    var records = 100_000

    @Option(help: "Days of recent activity, ending yesterday.")
    var days = 3

    @Option(help: "Seed of the deterministic city generator (never used for privacy noise).")
    var seed: UInt64 = 1

    @Option(help: "Pretend today is this date (YYYY-MM-DD, UTC); default: today.")
    var today: String?

    @Option(help: "Use the .yaml policies in this folder instead of the built-in ones.")
    var policies: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        var end = Calendar(identifier: .gregorian).startOfDay(for: Date())
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC") ?? utc.timeZone
        end = utc.startOfDay(for: Date())
        if let today {
            guard let window = ReleaseWindow(day: today, timezone: utc.timeZone) else {
                throw ValidationError("--today must be a date YYYY-MM-DD, got '\(today)'")
            }
            end = window.start
        }
        let options = Demo.Options(workdir: workdir,
                                   city: DemoCityOptions(records: records, days: days, seed: seed, end: end),
                                   policiesFolder: policies)
        let started = Date()
        do {
            let report = try Demo.run(options) { console.info($0) }
            console.info("demo city: \(report.city.calls) calls, \(report.city.complaints) complaints, \(report.city.engagementLogs) engagement contacts, \(report.city.legalHolds) legal holds",
                         ["store": report.storePath])
            for release in report.releases { console.info("  release \(release)") }
            console.info(String(format: "done in %.1f s; store %@, state %@", Date().timeIntervalSince(started),
                                report.storePath, report.statePath))
            console.info("verify a release: opendata verify \(report.releases.first ?? "RELEASE") --key \(report.publicKey)")
        } catch {
            throw Failure.report(error, console)
        }
    }
}
