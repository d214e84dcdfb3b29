import ArgumentParser
import Foundation
import PublicSite
import Publisher

/// `opendata status`: where each dataset stands.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per dataset: last release, sequence, ε released in the last 365 days, next window due; per population: the per-person cap and how far it goes.",
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
            let datasets = try DatasetStatus.all(state: store, now: Date())
            if datasets.isEmpty { console.info("no releases yet") }
            for status in datasets {
                let (dataset, last, spent, next) = (status.dataset, status.last, status.epsilon365, status.nextWindow ?? "?")
                console.info("\(dataset): last release \(last.release) (sequence \(last.sequence)), ε of its releases in the last 365 days \(String(format: "%.2f", spent)) (a sum over releases; each person is charged only for the releases holding their records, see the population below), next window \(next)",
                             typed: ["dataset": .text(dataset), "release": .text(last.release), "sequence": .integer(last.sequence),
                                     "epsilon_365": .number(spent), "next_window": .text(next)])
            }
            // Per population: the per-person cap, the most anyone accrued over the last 365 days,
            // and how far the budget goes for someone who is in every nightly release.
            for summary in try PopulationSummary.all(state: store, now: Date()) {
                let cap = summary.epsilonCap.map { String(format: "%.4g", $0) } ?? "none"
                // `all(state:now:)` reads the largest charge for every population.
                let largest = summary.largestEpsilon ?? 0, largestDelta = summary.largestDelta ?? 0
                var line = "population \(summary.population) (\(summary.datasets.joined(separator: ", "))): per-person cap ε \(cap) over any 365 days; largest charge of any person in the last 365 days ε \(String(format: "%.4g", largest)) (δ \(String(format: "%.3g", largestDelta))); ε \(String(format: "%.4g", summary.perNightEpsilon)) a night"
                if let perYear = summary.releasesPerYearForEveryNight, let left = summary.releasesLeftForTheBusiest {
                    line += "; someone in every nightly release is in \(perYear) of them per 365 days (the busiest person: \(left) more)"
                }
                if summary.capHistory.count > 1 {
                    line += "; caps so far: " + summary.capHistory.map { "ε \($0.epsilon.map { String(format: "%.4g", $0) } ?? "none") from \($0.dataset) \($0.firstWindow)" }.joined(separator: ", ")
                }
                console.info(line, ["population": summary.population, "epsilon_cap": cap,
                                    "largest_epsilon_365": String(largest), "per_night_epsilon": String(summary.perNightEpsilon),
                                    "releases_left_busiest": summary.releasesLeftForTheBusiest.map(String.init) ?? ""])
            }
        } catch {
            throw Failure.report(error, console)
        }
    }
}
