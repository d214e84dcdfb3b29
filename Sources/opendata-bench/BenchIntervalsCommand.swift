import ArgumentParser
import DifferentialPrivacy
import Foundation

/// `opendata-bench intervals`: coverage and width of every published 95% margin (``IntervalStudy``).
struct BenchIntervalsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intervals",
        abstract: "Coverage and width of the published 95% margins, per statistic kind.",
        discussion: """
            Releases one synthetic window --trials times with the OS CSPRNG (groups of --min-size to \
            --max-size records, one record per person, bounds G = 2, R = 1, values in [0, 3600]) and \
            compares every published value with its exact value. Prints, per kind, the share of \
            intervals that held the exact value (95% is calibrated) and the median margin over the \
            95th percentile of the realised error (1 is calibrated, above 1 too wide), and the same for \
            the margin the policy check forecasts before any data.

            Example:
              opendata-bench intervals --trials 200 --epsilon 1
            """
    )

    @Option(help: "ε of each output.")
    var epsilon: Double = 1

    @Option(help: "Releases of the window.")
    var trials = 200

    @Option(help: "Groups in the window.")
    var groups = 100

    @Option(help: "Smallest group.")
    var minSize = 100

    @Option(help: "Largest group.")
    var maxSize = 400

    func run() throws {
        guard minSize >= 1, maxSize >= minSize, groups >= 1, trials >= 1 else {
            throw ValidationError("need 1 ≤ --min-size ≤ --max-size, --groups ≥ 1 and --trials ≥ 1")
        }
        let study = IntervalStudy(groups: groups, sizes: minSize...maxSize, budget: .epsilon(epsilon, delta: nil), seed: 7)
        let started = Date()
        let kinds = try study.run(trials: trials, sampler: ExactSampler(random: try SystemRandom()))
        print("ε \(epsilon), \(groups) groups of \(minSize)–\(maxSize) records, \(trials) releases (\(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
        print("kind".padding(toLength: 40, withPad: " ", startingAt: 0) + "values   coverage   median margin   p95 error   ratio   forecast ratio")
        for kind in kinds {
            print(kind.name.padding(toLength: 40, withPad: " ", startingAt: 0)
                  + String(format: "%6d   %7.2f%%   %13.2f   %9.2f   %5.2f   %14.2f", kind.values, kind.coverage * 100,
                           kind.medianMargin, kind.errorP95, kind.widthRatio, kind.forecastRatio))
        }
    }
}
