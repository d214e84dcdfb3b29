import ArgumentParser
import Foundation
import Publisher

/// `opendata status`: where each dataset stands.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per dataset: last release, sequence, budget spent in the last 365 days, next window due.",
        discussion: "Example:\n  opendata status --state Releases.private/state.sqlite"
    )

    @Option(help: "State database.")
    var state = "Releases.private/state.sqlite"

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        guard FileManager.default.fileExists(atPath: state) else {
            console.error("\(state): no state database; nothing has been released with it yet")
            throw ExitCode(4)
        }
        do {
            let store = try StateStore(path: state)
            let releases = try store.releases()
            if releases.isEmpty { console.info("no releases yet") }
            let ledger = BudgetLedger(state: store)
            for dataset in Set(releases.map(\.dataset)).sorted() {
                guard let last = releases.last(where: { $0.dataset == dataset }) else { continue }
                let entries = try ledger.entries(dataset: dataset)
                let yearAgo = Date().addingTimeInterval(-365 * 86400)
                let spent = entries.filter { $0.windowEnd > yearAgo }.reduce(0) { $0 + $1.epsilon }
                let lastEnd = entries.filter { $0.window == last.window }.map(\.windowEnd).max()
                let next = lastEnd.map { ISO8601DateFormatter().string(from: $0).prefix(10) } ?? "?"
                console.info("\(dataset): last release \(last.release) (sequence \(last.sequence)), ε spent in the last 365 days \(String(format: "%.2f", spent)), next window \(next)",
                             ["dataset": dataset, "release": last.release, "sequence": String(last.sequence),
                              "epsilon_365": String(spent), "next_window": String(next)])
            }
        } catch {
            throw Failure.report(error, console)
        }
    }
}
