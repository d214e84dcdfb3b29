import ArgumentParser
import DifferentialPrivacy
import Foundation
import Tabular
import OperationalStore

/// `opendata bench disparity`: how wide the equity intervals are at a given ε, by group size.
struct BenchDisparityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disparity",
        abstract: "Width of the DP disparity intervals (rate and difference, 95%) by group size, with their coverage.",
        discussion: """
            Two groups of the same size, true rates 30% and 30% (parity); each trial draws the \
            records' outcomes, releases noisy numerators and denominators with the OS CSPRNG, and \
            computes the parametric-bootstrap intervals. Prints the mean width of the rate's and of \
            the difference's interval, how often they cover the truth, and how often the parity was \
            flagged.

            Example:
              opendata bench disparity --epsilon 1 --trials 200
            """
    )

    @Option(help: "ε of the output (numerators and denominators share it).")
    var epsilon: Double = 1

    @Option(help: "Releases per group size.")
    var trials = 200

    @Option(help: ArgumentHelp("With N ≥ 2: also measure family-wise false flags, N groups at parity compared with the overall rate.",
                               discussion: "Each release is one output; it counts as a false flag when any of its N comparisons is flagged."))
    var familyGroups = 0

    @Option(help: "Group size for the family-wise measurement.")
    var familySize = 100

    func run() throws {
        if familyGroups >= 2 { return try family() }
        let random = try SystemRandom()
        let sampler = ExactSampler(random: random)
        var outcomes = SeededGenerator(seed: 11)
        let truth = 0.3
        for size in [100, 1_000, 10_000] {
            var rateWidth = 0.0, differenceWidth = 0.0, covered = 0, differenceCovered = 0, flagged = 0
            let started = Date()
            for _ in 0..<trials {
                let groups = (0..<2).map { _ in
                    var count = 0
                    for _ in 0..<size where Double(outcomes.next() >> 11) / 9_007_199_254_740_992 < truth { count += 1 }
                    return DisparityEstimator.Counts(numerator: count, denominator: size)
                }
                let release = DisparityEstimator.release(groups, epsilon: Fraction.below(epsilon), sensitivity: 1, reference: 0,
                                                         minimumSize: 30, sampler: sampler)
                rateWidth += release.rates[1].high - release.rates[1].low
                if release.rates[1].contains(truth) { covered += 1 }
                if let comparison = release.comparisons.first {
                    differenceWidth += comparison.difference.high - comparison.difference.low
                    if comparison.difference.contains(0) { differenceCovered += 1 }
                    if comparison.finding == .disparity { flagged += 1 }
                }
            }
            let n = Double(trials)
            print(String(format: "groups of %6d at ε %g: rate ±%.4f (covered %.1f%%), difference ±%.4f (covered %.1f%%), parity flagged %.1f%%; %.1f ms a release",
                         size, epsilon, rateWidth / n / 2, 100 * Double(covered) / n, differenceWidth / n / 2,
                         100 * Double(differenceCovered) / n, 100 * Double(flagged) / n, 1000 * Date().timeIntervalSince(started) / n))
        }
    }

    /// Family-wise false flags: outputs of `familyGroups` groups of `familySize` records, every
    /// group at the same true rate, compared with the overall rate; the share of outputs with any
    /// flag, with its 95% Wilson interval.
    func family() throws {
        let sampler = ExactSampler(random: try SystemRandom())
        var outcomes = SeededGenerator(seed: 12)
        let truth = 0.3
        var flaggedOutputs = 0, flags = 0
        let started = Date()
        for _ in 0..<trials {
            let groups = (0..<familyGroups).map { _ in
                var count = 0
                for _ in 0..<familySize where Double(outcomes.next() >> 11) / 9_007_199_254_740_992 < truth { count += 1 }
                return DisparityEstimator.Counts(numerator: count, denominator: familySize)
            }
            let release = DisparityEstimator.release(groups, epsilon: Fraction.below(epsilon), sensitivity: 1, reference: nil,
                                                     minimumSize: 30, sampler: sampler)
            let flagged = release.comparisons.filter { $0.finding == .disparity }.count
            flags += flagged
            if flagged > 0 { flaggedOutputs += 1 }
        }
        let n = Double(trials), p = Double(flaggedOutputs) / n, z = 1.96
        let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / (1 + z * z / n)
        print(String(format: "%d outputs of %d groups of %d at ε %g, all at parity: %.2f%% had a false flag [95%%: %.2f, %.2f]; %d flags in all; %.1f ms an output",
                     trials, familyGroups, familySize, epsilon, 100 * p, 100 * (centre - half), 100 * (centre + half), flags,
                     1000 * Date().timeIntervalSince(started) / n))
    }
}
