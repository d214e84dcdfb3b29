import Foundation
import Testing
@testable import DifferentialPrivacy

/// `contribution: auto`: bounds chosen per release as a DP quantile of what people contribute.
/// False-failure probability: zero (seeded data; at ε 10⁴ the exponential mechanism picks a
/// candidate other than the best with probability below e⁻¹⁰⁰⁰).
@Suite struct AutoContributionTests {
    /// `people` persons, each with `groups` distinct groups of `rows` rows, plus `heavy` persons with
    /// 8 groups of 8 rows (above the 90th percentile when fewer than a tenth).
    static func input(people: Int, groups: Int, rows: Int, heavy: Int) -> AggregateInput {
        var units: [Int32] = [], groupOf: [Int32] = [], values: [Double?] = []
        for person in 0..<(people + heavy) {
            let (g, r) = person < people ? (groups, rows) : (8, 8)
            for group in 0..<g {
                for _ in 0..<r {
                    units.append(Int32(person))
                    groupOf.append(Int32((person + group) % 10))
                    values.append(Double(person % 100))
                }
            }
        }
        return AggregateInput(rowCount: units.count, units: units, groups: groupOf, groupKeys: (0..<10).map { ["g\($0)"] },
                              measures: ["seconds": MeasureColumn(values)])
    }

    /// One value per person with rows in the output's groups, for each bound: so one more person adds
    /// exactly one value to each, and the quantile mechanism's sensitivity max(q, 1 − q) at R = 1 holds.
    @Test func everyPersonGivesOneValuePerBound() {
        let input = Self.input(people: 50, groups: 3, rows: 2, heavy: 2)
        let values = AutoContribution.perUnit(units: input.units ?? [], groups: input.groups)
        #expect(values.groups.count == 52 && values.rows.count == 52)
        #expect(values.groups.filter { $0 == 3 }.count == 50 && values.groups.filter { $0 == 8 }.count == 2)
        #expect(values.rows.filter { $0 == 2 }.count == 50 && values.rows.filter { $0 == 8 }.count == 2)
        // A neighbour with one more person (with 20 groups: clamped to the cap) and a row outside every group.
        var units = input.units ?? [], groups = input.groups
        for group in 0..<20 { units.append(52); groups.append(Int32(group % 10)) }
        units.append(53); groups.append(-1)
        let more = AutoContribution.perUnit(units: units, groups: groups)
        #expect(more.groups.count == 53 && more.rows.count == 53 && more.groups.max() == AutoContribution.cap)
    }

    /// The chosen bounds are the 90th percentile of contributions; the output then bounds, noises
    /// and discloses with them, and its statistics get what the choice and the disclosure leave.
    @Test func theOutputUsesTheBoundsItChose() throws {
        let input = Self.input(people: 900, groups: 3, rows: 2, heavy: 50)
        let budget = AggregateBudget.epsilon(10_000, delta: nil)
        let result = try AggregateEngine.run(input, statistics: [.count], keys: .publicKeys,
                                             bounds: ContributionBounds(groupsPerUnit: 8, rowsPerUnitPerGroup: 8), budget: budget,
                                             sampler: ExactSampler(random: SeededRandom(seed: 2)))
        #expect(result.chosenBounds == nil, "no auto, no choice")
        let bounded = try AggregateEngine.bound(input, statistics: [.count], keys: .publicKeys,
                                                bounds: ContributionBounds(groupsPerUnit: 8, rowsPerUnitPerGroup: 8), budget: budget,
                                                sampler: ExactSampler(random: SeededRandom(seed: 2)), disclosure: 0.1,
                                                auto: AutoContribution(groups: true, rows: true))
        let chosen = try #require(bounded.chosenBounds)
        #expect(chosen.groupsPerUnit == 3 && chosen.rowsPerUnitPerGroup == 2, "\(chosen)")
        #expect(chosen.share == 1_000 && chosen.epsilonPerChoice == 500)
        #expect(bounded.bounds == ContributionBounds(groupsPerUnit: 3, rowsPerUnitPerGroup: 2))
        // 900 people keep all 6 rows; the 50 heavy ones keep 3 × 2 of their 64.
        #expect(bounded.rowsAfterBounding == 950 * 6)
        #expect(bounded.leftOut?.cap == 12)
        #expect(bounded.split.total == Fraction.below(8_000), "ε less 10% for the choice and 10% for the disclosure")
        let released = AggregateEngine.release(bounded, sampler: ExactSampler(random: SeededRandom(seed: 3)))
        #expect(released.chosenBounds == chosen)
        #expect(released.noise[0].distribution == .discreteLaplace(scale: 6.0 / 8_000), "Δ = G·R = 6 at ε 8,000")
        // Only one bound chosen: the other is the policy's, and the choice gets the whole share.
        let rowsOnly = try AggregateEngine.bound(input, statistics: [.count], keys: .publicKeys,
                                                 bounds: ContributionBounds(groupsPerUnit: 1, rowsPerUnitPerGroup: 8), budget: budget,
                                                 sampler: ExactSampler(random: SeededRandom(seed: 2)), auto: AutoContribution(groups: false, rows: true))
        #expect(rowsOnly.bounds == ContributionBounds(groupsPerUnit: 1, rowsPerUnitPerGroup: 2))
        #expect(rowsOnly.chosenBounds?.epsilonPerChoice == 1_000 && rowsOnly.split.total == Fraction.below(9_000))
    }

    /// Record-level outputs have nothing to choose: no choice, no share.
    @Test func recordLevelOutputsChooseNothing() throws {
        var input = Self.input(people: 100, groups: 1, rows: 1, heavy: 0)
        input.units = nil
        let bounded = try AggregateEngine.bound(input, statistics: [.count], keys: .publicKeys, bounds: .recordLevel,
                                                budget: .epsilon(1, delta: nil), sampler: ExactSampler(random: SeededRandom(seed: 2)),
                                                auto: AutoContribution(groups: true, rows: true))
        #expect(bounded.chosenBounds == nil && bounded.split.total == Fraction.below(1))
    }
}
