import Foundation
import Testing
@testable import DifferentialPrivacy

@Suite struct BudgetSplitTests {
    static let statistics: [[AggregateStatistic]] = [
        [.count], [.count, .mean(column: "x", low: 0, high: 10)], [.mean(column: "x", low: 0, high: 10)],
        [.count, .sum(column: "x", low: -5, high: 10), .quantile(column: "x", q: 0.9, low: 0, high: 10)],
        [.sum(column: "x", low: 0, high: 1), .mean(column: "y", low: 0, high: 4), .quantile(column: "y", q: 0.5, low: 0, high: 4)],
    ]

    /// Sequential composition needs the shares to add up to the budget: exactly, for any weights.
    @Test func sharesAddUpToExactlyTheBudget() throws {
        let random = SeededRandom(seed: 4)
        for trial in 0..<200 {
            let statistics = Self.statistics[trial % Self.statistics.count]
            let keys: KeySelection = trial % 3 == 0 ? .privateKeys : .publicKeys
            let weights = trial % 2 == 0 ? nil : statistics.map { _ in Double(1 + random.nextWord() % 1000) / 97 }
            let complete: Set<String> = trial % 5 < 2 ? ["x", "y"] : []
            let budget: AggregateBudget = trial % 4 == 1 ? .rho(0.37, delta: 1e-6) : .epsilon(Double(1 + trial) / 7, delta: 1e-7)
            let split = try BudgetSplit(budget: budget, statistics: statistics, keys: keys, weights: weights, complete: complete)
            var total = statistics.indices.map(split.spent(by:)).reduce(Fraction(0), +)
            if !statistics.contains(.count), let count = split.count { total = total + count }
            let stated: Double = switch budget { case let .epsilon(value, _): value; case let .rho(value, _): value }
            #expect(total == Fraction.below(stated).reduced, "trial \(trial): \(total) for \(stated)")
            if let weights {
                // Shares follow the weights (a mean with its own count spends its weight on both).
                let ratios = statistics.indices.map { split.spent(by: $0).doubleValue / Fraction.above(weights[$0]).doubleValue }
                #expect(ratios.allSatisfy { abs($0 - ratios[0]) < 1e-9 * ratios[0] }, "trial \(trial): \(ratios)")
            }
        }
    }

    @Test func aMeanOverACompleteColumnReusesTheCount() throws {
        let statistics: [AggregateStatistic] = [.count, .mean(column: "x", low: 0, high: 10), .quantile(column: "x", q: 0.5, low: 0, high: 10)]
        let reusing = try BudgetSplit(budget: .epsilon(0.9, delta: nil), statistics: statistics, keys: .publicKeys, complete: ["x"])
        #expect(reusing.reusesCount == [false, true, false])
        #expect(reusing.ownCount == [nil, nil, nil])
        #expect(reusing.main == [Fraction(3, 10), Fraction(3, 10), Fraction(3, 10)])
        // Without the promise the mean pays for its own count, at the weight of a count.
        let own = try BudgetSplit(budget: .epsilon(1, delta: nil), statistics: statistics, keys: .publicKeys)
        #expect(own.reusesCount == [false, false, false])
        #expect(own.main == [Fraction(1, 4), Fraction(1, 4), Fraction(1, 4)] && own.ownCount[1] == Fraction(1, 4))
        // No count in the output and public keys: nothing to reuse.
        let alone = try BudgetSplit(budget: .epsilon(1, delta: nil), statistics: [.mean(column: "x", low: 0, high: 10)], keys: .publicKeys,
                                    complete: ["x"])
        #expect(alone.count == nil && alone.main == [Fraction(1, 2)] && alone.ownCount == [Fraction(1, 2)])
    }

    /// The default minimises Σ c_m / ε_m (the total relative error of the derivation in
    /// ``BudgetSplit``): no random split of the same budget does better.
    @Test func theDefaultSplitMinimisesTheTotalRelativeError() throws {
        let random = SeededRandom(seed: 9)
        for statistics in Self.statistics {
            let split = try BudgetSplit(budget: .epsilon(1, delta: nil), statistics: statistics, keys: .publicKeys)
            // Mechanisms and their error coefficients c (counts and sums 1, a q-quantile 2·max(q, 1 − q)).
            var coefficients: [Double] = [], shares: [Double] = []
            for (index, statistic) in statistics.enumerated() {
                if case let .quantile(_, q, _, _) = statistic { coefficients.append(2 * max(q, 1 - q)) } else { coefficients.append(1) }
                shares.append(split.main[index].doubleValue)
                if let own = split.ownCount[index] { coefficients.append(1); shares.append(own.doubleValue) }
            }
            let error = { (shares: [Double]) in zip(coefficients, shares).reduce(0) { $0 + $1.0 / $1.1 } }
            let best = error(shares)
            for _ in 0..<500 {
                let raw = coefficients.map { _ in Double(1 + random.nextWord() % 10_000) }
                let total = raw.reduce(0, +)
                #expect(best <= error(raw.map { $0 / total }) * (1 + 1e-5))
            }
        }
    }

    @Test func badWeightsAreRefused() {
        #expect(throws: DPError.self) {
            try BudgetSplit(budget: .epsilon(1, delta: nil), statistics: [.count], keys: .publicKeys, weights: [1, 2])
        }
        #expect(throws: DPError.self) {
            try BudgetSplit(budget: .epsilon(1, delta: nil), statistics: [.count], keys: .publicKeys, weights: [0])
        }
        #expect(throws: DPError.self) {
            try BudgetSplit(budget: .epsilon(1, delta: nil), statistics: [.count], keys: .publicKeys, weights: [.nan])
        }
        #expect(throws: DPError.self) {
            try BudgetSplit(budget: .epsilon(1, delta: nil), statistics: [.count, .count], keys: .publicKeys)
        }
    }
}
