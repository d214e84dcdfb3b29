import Foundation
import Testing
@testable import DifferentialPrivacy

/// The disparity intervals do what they claim on data with known rates: they
/// cover the true rate, find a real 2:1 disparity at realistic sizes and
/// almost never call a true parity a disparity.
@Suite struct DisparityEstimatorTests {
    /// Binomial(n, p) outcomes, drawn record by record from `random`.
    static func outcomes(_ n: Int, _ p: Double, _ random: SeededRandom) -> Int {
        var count = 0
        for _ in 0..<n where Double(random.nextWord() >> 11) / 9_007_199_254_740_992 < p { count += 1 }
        return count
    }

    /// Three groups: A at 20%, B at 40% (a real 2:1 disparity), C at 20% (parity with A), A the reference.
    @Test func intervalsCoverAndFlagsAreHonestOverFiveHundredTrials() {
        let truth = [0.2, 0.4, 0.2]
        let size = 1_000
        let trials = 500
        var covered = [Int](repeating: 0, count: truth.count)
        var differenceCovered = [0, 0]
        var flaggedDisparity = 0, flaggedParity = 0
        for trial in 0..<trials {
            let random = SeededRandom(seed: UInt64(trial) &* 7919 &+ 17)
            let groups = truth.map { DisparityEstimator.Counts(numerator: Self.outcomes(size, $0, random), denominator: size) }
            let release = DisparityEstimator.release(groups, epsilon: Fraction(1), sensitivity: 1, reference: 0, minimumSize: 30,
                                                     sampler: ExactSampler(random: random), replicas: 1000)
            for (group, rate) in truth.enumerated() where release.rates[group].contains(rate) { covered[group] += 1 }
            for comparison in release.comparisons {
                let trueDifference = truth[comparison.group] - truth[0]
                if comparison.difference.contains(trueDifference) { differenceCovered[comparison.group - 1] += 1 }
                if comparison.group == 1, comparison.finding == .disparity { flaggedDisparity += 1 }
                if comparison.group == 2, comparison.finding == .disparity { flaggedParity += 1 }
            }
        }
        for (group, count) in covered.enumerated() {
            #expect(Double(count) >= 0.93 * Double(trials), "group \(group): the rate was covered in \(count) of \(trials) trials")
        }
        for (index, count) in differenceCovered.enumerated() {
            #expect(Double(count) >= 0.93 * Double(trials), "difference \(index + 1): covered in \(count) of \(trials)")
        }
        #expect(Double(flaggedDisparity) >= 0.9 * Double(trials), "the 2:1 disparity was flagged in \(flaggedDisparity) of \(trials)")
        #expect(Double(flaggedParity) <= 0.05 * Double(trials), "the parity was flagged in \(flaggedParity) of \(trials)")
    }

    /// Small or noisy groups are "not enough data", never "no difference"; the intervals widen as groups shrink.
    @Test func smallGroupsAreNotEnoughData() {
        let random = SeededRandom(seed: 4)
        let groups = [DisparityEstimator.Counts(numerator: 200, denominator: 1_000), DisparityEstimator.Counts(numerator: 2, denominator: 8)]
        let release = DisparityEstimator.release(groups, epsilon: Fraction(1), sensitivity: 1, reference: 0, minimumSize: 30,
                                                 sampler: ExactSampler(random: random))
        #expect(release.comparisons.map(\.finding) == [.notEnoughData])
        #expect(release.rates[1].high - release.rates[1].low > release.rates[0].high - release.rates[0].low)
    }

    /// Inference is a function of the published noisy counts alone: the same counts give the same intervals.
    @Test func intervalsAreRecomputableFromThePublishedCounts() {
        let noisy = [DisparityEstimator.NoisyCounts(numerator: 210, denominator: 995), DisparityEstimator.NoisyCounts(numerator: 390, denominator: 1_003)]
        let first = DisparityEstimator.infer(noisy, scale: 2, reference: nil, minimumSize: 30)
        let second = DisparityEstimator.infer(noisy, scale: 2, reference: nil, minimumSize: 30)
        #expect(first == second)
        #expect(first.comparisons.count == 2, "with no reference group every group is compared with the overall rate")
    }
}
