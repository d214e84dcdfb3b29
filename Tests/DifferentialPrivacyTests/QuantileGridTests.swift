import Foundation
import Testing
@testable import DifferentialPrivacy

/// A log-spaced candidate grid for small groups' quantiles, judged by the exact expected error
/// of the mechanism's output distribution (no sampling: false-failure probability zero).
@Suite struct QuantileGridTests {
    /// n response times around 300 s (log-normal, σ = 0.8, deterministic quantiles), clamped to [0, 7200].
    static func responseTimes(_ n: Int) -> [Int] {
        (0..<n).map { index in
            let p = (Double(index) + 0.5) / Double(n)
            // Inverse normal CDF by bisection on erf: deterministic and exact enough for test data.
            var low = -8.0, high = 8.0
            for _ in 0..<60 {
                let mid = (low + high) / 2
                if 0.5 * (1 + erf(mid / 2.0.squareRoot())) < p { low = mid } else { high = mid }
            }
            return min(7200, max(0, Int((300 * exp(0.8 * low)).rounded())))
        }
    }

    /// E|published − true median| under the mechanism's exact output distribution.
    static func expectedError(_ mechanism: QuantileMechanism, _ values: [Int], epsilon: Double) -> Double {
        let sorted = values.sorted()
        let median = Double(sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
        let candidates = mechanism.candidates ?? Array(mechanism.low...mechanism.high)
        return zip(mechanism.probabilities(values, epsilon: epsilon), candidates).reduce(0) { $0 + $1.0 * abs(Double($1.1) - median) }
    }

    @Test func theGridIsFixedByTheBoundsSortedAndInside() {
        let grid = QuantileMechanism.logGrid(low: 0, high: 7200, points: 200)
        #expect(grid.first == 0 && grid.last == 7200)
        #expect(grid == grid.sorted() && Set(grid).count == grid.count)
        #expect(grid.count > 150 && grid.count <= 201)
        // Consecutive candidates above 100 s are within 6% of each other (7200^(1/199) = 1.046, then rounding).
        for (a, b) in zip(grid, grid.dropFirst()) where a >= 100 { #expect(Double(b) / Double(a) < 1.06, "\(a) → \(b)") }
    }

    /// At 20–100 records: where the whole-second mechanism is noise (expected error above a quarter
    /// of the median: small groups at the shares a median gets in the demo's policies), the grid's
    /// expected error is at least 3× smaller; where it is already accurate, the grid is no worse
    /// than its few percent of resolution.
    @Test(arguments: [20, 50, 100])
    func smallGroupsLandNearTheirMedianOnTheGrid(_ n: Int) {
        let values = Self.responseTimes(n)
        for epsilon in [0.1, 0.25, 0.5, 1.0] {
            let integers = QuantileMechanism(q: 0.5, low: 0, high: 7200, rowsPerUnit: 1)
            let grid = QuantileMechanism(q: 0.5, low: 0, high: 7200, rowsPerUnit: 1,
                                         candidates: QuantileMechanism.logGrid(low: 0, high: 7200, points: 200))
            let (a, b) = (Self.expectedError(integers, values, epsilon: epsilon), Self.expectedError(grid, values, epsilon: epsilon))
            print("n \(n) ε \(epsilon): expected error \(Int(a.rounded())) s over integers, \(Int(b.rounded())) s on the grid (\(String(format: "%.1f", a / b))×)")
            let median = Double(values.sorted()[n / 2])
            if a > median / 4 { #expect(a >= 3 * b, "n \(n) ε \(epsilon): \(a) against \(b)") }
            #expect(b <= max(a, 0.05 * median) * 1.05, "n \(n) ε \(epsilon): the grid is worse: \(b) against \(a)")
        }
    }

    /// The published margin shrinks with the number of candidates (ln|C| instead of ln(H − L + 1)).
    @Test func theRankMarginCountsTheCandidates() {
        let integers = QuantileMechanism(q: 0.5, low: 0, high: 7200, rowsPerUnit: 1)
        let grid = QuantileMechanism(q: 0.5, low: 0, high: 7200, rowsPerUnit: 1, candidates: QuantileMechanism.logGrid(low: 0, high: 7200, points: 200))
        #expect(grid.rankMargin(epsilon: 1) < integers.rankMargin(epsilon: 1))
        #expect(grid.rankMargin(epsilon: 1) == (2 * 0.5 / 1 * (log(Double(grid.candidateCount)) + log(20))).rounded(.up))
    }

    /// The rank-error forecast is a typical figure, not the bound: never above the bound nor the
    /// most a group's records allow, shrinking as ε grows, and for a large group well inside the
    /// bounds about (2Δu/ε)·ln 20, the exact law's 95th percentile when candidates near the
    /// quantile carry the probability.
    @Test func theRankForecastIsTheTypicalErrorNotTheBound() {
        for (q, rows, grid) in [0.5, 0.9].flatMap({ q in [1, 2].flatMap { rows in [false, true].map { (q, rows, $0) } } }) {
            let mechanism = QuantileMechanism(q: q, low: 0, high: 3600, rowsPerUnit: rows,
                                              candidates: grid ? QuantileMechanism.logGrid(low: 0, high: 3600, points: 200) : nil)
            var previous = Double.infinity
            for epsilon in [0.05, 0.2, 1, 4] {
                for size in [20, 100, 1000] {
                    let forecast = mechanism.rankErrorForecast(size: size, epsilon: epsilon)
                    #expect(forecast <= mechanism.rankMargin(epsilon: epsilon))
                    #expect(forecast <= Double(size) * max(q, 1 - q))
                    if size == 1000 {
                        #expect(forecast <= previous, "q \(q), R \(rows), ε \(epsilon)")
                        previous = forecast
                    }
                }
            }
            if !grid {
                let typical = 2 * mechanism.sensitivity / 0.5 * log(20)
                let forecast = mechanism.rankErrorForecast(size: 1000, epsilon: 0.5)
                #expect(forecast >= typical / 1.3 && forecast <= typical * 1.3, "q \(q), R \(rows): \(forecast) against \(typical), spread \(mechanism.rankErrorForecast(size: 1000, epsilon: 0.2))")
            }
        }
    }
}
