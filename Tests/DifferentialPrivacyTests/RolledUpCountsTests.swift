import Foundation
import Testing
@testable import DifferentialPrivacy

/// Stage 2 of private keys with a category hierarchy (``RolledUpCounts``): which records it counts,
/// how far one person moves it, and its part of the output's budget.
/// False-failure probability: zero for the seeded data; where a test needs the noise to be 0 it runs
/// at ε 10⁵ (a category count's noise is non-zero with probability below e⁻¹⁰⁰⁰⁰).
@Suite struct RolledUpCountsTests {
    /// 24 groups: group i has about 80/2^i rows (at least one), each row its own unit except that
    /// units 0–9 also have a second row in group 0; group i's category is i mod 3 (three categories).
    static func input(share: Double = 0.25) -> AggregateInput {
        var units: [Int32] = [], groups: [Int32] = []
        for group in 0..<24 {
            for _ in 0..<max(80 >> group, 1) {
                units.append(Int32(units.count))
                groups.append(Int32(group))
            }
        }
        for unit in 0..<10 { units.append(Int32(unit)); groups.append(0) }
        var input = AggregateInput(rowCount: units.count, units: units, groups: groups,
                                   groupKeys: (0..<24).map { ["type \($0)"] }, measures: [:])
        input.rollUp = RollUpInput(categoryOfGroup: (0..<24).map { Int32($0 % 3) },
                                   categoryKeys: [["category: A"], ["category: B"], ["category: C"]], share: share)
        return input
    }

    static let bounds = ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 1)

    /// Nearly noiseless, every bounded record of an unpublished group is in its category's row and
    /// no record of a published group is.
    @Test func everyRecordOfAnUnpublishedGroupIsInItsCategoryAndNoneOfAPublishedOne() throws {
        let input = Self.input()
        let bounded = try AggregateEngine.bound(input, statistics: [.count], keys: .privateKeys, bounds: Self.bounds,
                                                budget: .epsilon(100_000, delta: 1e-6), sampler: ExactSampler(random: SeededRandom(seed: 1)),
                                                disclosure: 0.1)
        let result = AggregateEngine.release(bounded, sampler: ExactSampler(random: SeededRandom(seed: 2)))
        let noise = try #require(result.rollUp)
        let published = Set(result.groupRows.map { $0.key[0] })
        // At ε 10⁵ the threshold is 2: groups of two or more bounded rows are published, the single rows are not.
        #expect(published == Set((0..<6).map { "type \($0)" }), "\(published.sorted())")
        #expect(result.categoryRows.map(\.key) == [["category: A"], ["category: B"], ["category: C"]])
        var expected = [0, 0, 0]
        for (group, count) in bounded.counts.enumerated() where !published.contains("type \(group)") { expected[group % 3] += count }
        #expect(expected == [6, 6, 6], "groups 6–23 hold one row each")
        #expect(result.categoryRows.map { Int($0.values[0]) } == expected)
        // Every bounded record is in exactly one published row.
        #expect(result.rows.reduce(0) { $0 + Int($1.values[0]) } == bounded.rowsAfterBounding)
        #expect(noise.firstRow == published.count)
        #expect(noise.sensitivity == 2)
    }

    /// A group the roll-up keeps in its category (a raw value that reads as a category row) is never
    /// published on its own, however large, and its records are in its category's row.
    @Test func aGroupKeptInItsCategoryIsCountedThereAndNeverAlone() throws {
        var input = Self.input()
        input.rollUp?.onlyInCategory = (0..<24).map { $0 == 1 }
        let bounded = try AggregateEngine.bound(input, statistics: [.count], keys: .privateKeys, bounds: Self.bounds,
                                                budget: .epsilon(100_000, delta: 1e-6), sampler: ExactSampler(random: SeededRandom(seed: 1)),
                                                disclosure: 0.1)
        let result = AggregateEngine.release(bounded, sampler: ExactSampler(random: SeededRandom(seed: 2)))
        let published = Set(result.groupRows.map { $0.key[0] })
        #expect(published == Set([0, 2, 3, 4, 5].map { "type \($0)" }), "\(published.sorted())")
        // Group 1 (40 rows, category B) is in B's row with the single rows of B.
        #expect(bounded.counts[1] == 40)
        #expect(result.categoryRows.map { Int($0.values[0]) } == [6, 46, 6])
        #expect(result.rows.reduce(0) { $0 + Int($1.values[0]) } == bounded.rowsAfterBounding)
    }

    /// For any fixed published set, one more person (any number of rows) moves the category counts
    /// by at most G·R together: the sensitivity the noise is calibrated to.
    @Test(arguments: [1, 2, 7, 300])
    func onePersonMovesTheCategoryCountsByAtMostGR(_ extra: Int) throws {
        let input = Self.input()
        var neighbour = input
        let random = SeededRandom(seed: UInt64(extra))
        let person = Int32(input.rowCount + 1)
        for _ in 0..<extra {
            neighbour.units?.append(person)
            neighbour.groups.append(Int32(random.nextWord() % 24))
        }
        neighbour.rowCount += extra
        func counts(_ input: AggregateInput) throws -> [Int] {
            try AggregateEngine.bound(input, statistics: [.count], keys: .privateKeys, bounds: Self.bounds,
                                      budget: .epsilon(1, delta: 1e-6), sampler: ExactSampler(random: SeededRandom(seed: 3))).counts
        }
        let rollUp = try #require(input.rollUp)
        for published in [[], [0, 1, 2], Array(0..<24)] {
            let before = RolledUpCounts.exact(counts: try counts(input), published: published, input: rollUp)
            let after = RolledUpCounts.exact(counts: try counts(neighbour), published: published, input: rollUp)
            let moved = zip(before, after).reduce(0) { $0 + abs($1.1 - $1.0) }
            #expect(moved <= Self.bounds.groupsPerUnit * Self.bounds.rowsPerUnitPerGroup, "moved by \(moved) with \(published.count) published")
        }
    }

    /// The selection's count, the disclosure and the category counts are parts of the output's
    /// budget that add up to it (sequential composition); the output states its whole ε.
    @Test(arguments: [AggregateBudget.epsilon(1, delta: 1e-6), .epsilon(0.3, delta: 1e-7), .rho(0.5, delta: 1e-6)])
    func theStagesShareTheOutputsBudget(_ budget: AggregateBudget) throws {
        let bounded = try AggregateEngine.bound(Self.input(share: 0.25), statistics: [.count], keys: .privateKeys, bounds: Self.bounds,
                                                budget: budget, sampler: ExactSampler(random: SeededRandom(seed: 4)), disclosure: 0.1)
        let result = AggregateEngine.release(bounded, sampler: ExactSampler(random: SeededRandom(seed: 5)))
        let total: Double
        switch budget {
        case let .epsilon(epsilon, _): total = epsilon
        case let .rho(rho, _): total = rho
        }
        let rollUp = try #require(result.rollUp), leftOut = try #require(result.leftOut)
        let spent = result.noise.reduce(0) { $0 + $1.share } + leftOut.share + rollUp.share
        #expect(spent <= total + 1e-12 && spent >= total - 3e-6, "spent \(spent) of \(total)")
        #expect(abs(rollUp.share - total * 0.25) < 1e-5)
        #expect(abs(result.noise[0].share - total * 0.65) < 1e-5, "selection and counts get what is left")
        #expect(result.leftOut?.countedTotal == nil, "the published rows add up to the counted total themselves")
        // Private keys: under ρ the selection takes δ/2 and ρ is stated at the other half.
        #expect(result.epsilon == budget.epsilonEquivalent(privateKeys: true), "the output still states its whole budget")
        #expect(result.delta == budget.delta)
    }

    @Test func aRollUpNeedsPrivateKeysACountOnlyAndRoomInTheBudget() {
        let sampler = ExactSampler(random: SeededRandom(seed: 6))
        #expect(throws: DPError.self) {
            try AggregateEngine.bound(Self.input(), statistics: [.count], keys: .publicKeys, bounds: Self.bounds,
                                      budget: .epsilon(1, delta: 1e-6), sampler: sampler)
        }
        #expect(throws: DPError.self) {
            try AggregateEngine.bound(Self.input(), statistics: [.count, .sum(column: "x", low: 0, high: 1)], keys: .privateKeys,
                                      bounds: Self.bounds, budget: .epsilon(1, delta: 1e-6), sampler: sampler)
        }
        #expect(throws: DPError.self) {
            try AggregateEngine.bound(Self.input(share: 0.95), statistics: [.count], keys: .privateKeys, bounds: Self.bounds,
                                      budget: .epsilon(1, delta: 1e-6), sampler: sampler, disclosure: 0.1)
        }
    }

    /// Results stored before roll-ups decode without one, and every row is a group row.
    @Test func olderStoredResultsDecode() throws {
        let result = AggregateResult(statistics: ["count"], rows: [AggregateRow(key: ["a"], values: [3], margins: [1])], noise: [],
                                     epsilon: 1, delta: nil, rho: nil, threshold: nil, rowsAfterBounding: 0)
        let data = try JSONEncoder().encode(result)
        #expect(!String(decoding: data, as: UTF8.self).contains("rollUp"))
        let decoded = try JSONDecoder().decode(AggregateResult.self, from: data)
        #expect(decoded.rollUp == nil && decoded.groupRows.count == 1 && decoded.categoryRows.isEmpty)
    }
}
