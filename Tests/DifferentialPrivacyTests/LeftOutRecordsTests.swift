import Foundation
import Testing
@testable import DifferentialPrivacy

/// The estimate of the records contribution bounding left out: its exact input, its sensitivity
/// against one more person, its budget inside the output's, and its value.
/// False-failure probability: zero (seeded data; the noise at ε 10⁴ is 0 except with probability e⁻⁵⁰⁰⁰).
@Suite struct LeftOutRecordsTests {
    static let statistics: [AggregateStatistic] = [.count, .mean(column: "seconds", low: 0, high: 3600)]

    /// Each unit's rows in published groups beyond what bounding kept, capped at 2·G·R, summed.
    @Test func theExactInputCountsEachPersonsDroppedRowsUpToTheCap() throws {
        // Unit 0: 5 rows in group 0; unit 1: one row in each of 3 groups; unit 2: one row outside every group.
        let units: [Int32] = [0, 0, 0, 0, 0, 1, 1, 1, 2]
        let groups: [Int32] = [0, 0, 0, 0, 0, 0, 1, 2, -1]
        let bounds = ContributionBounds(groupsPerUnit: 1, rowsPerUnitPerGroup: 1)
        let kept = ContributionBounder.bound(units: units, groups: groups, bounds: bounds, sampler: ExactSampler(random: SeededRandom(seed: 1)))
        #expect(kept.count == 2)
        // Unit 0 dropped 4 (capped at 2), unit 1 dropped 2, unit 2 nothing (not in a group).
        #expect(LeftOutRecords.exact(units: units, groups: groups, kept: kept, cap: LeftOutRecords.capPerUnit(bounds)) == 4)
    }

    /// One more person, with any number of rows, moves the exact input by at most the cap: the
    /// sensitivity the noise is calibrated to.
    @Test(arguments: [1, 3, 40, 500])
    func onePersonMovesItByAtMostTheCap(_ extra: Int) throws {
        let input = AggregateEngineTests.dataset(seed: 4, units: 300, rows: 2_000, groups: 12)
        let bounds = ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 2)
        let neighbour = AggregateEngineTests.neighbour(of: input, extra: extra, seed: 9)
        func exact(_ input: AggregateInput) throws -> Int {
            let bounded = try AggregateEngine.bound(input, statistics: Self.statistics, keys: .publicKeys, bounds: bounds,
                                                    budget: .epsilon(1, delta: nil), sampler: ExactSampler(random: SeededRandom(seed: 5)),
                                                    disclosure: 0.1)
            return try #require(bounded.leftOut).exact
        }
        let moved = try exact(neighbour) - exact(input)
        #expect(moved >= 0 && moved <= LeftOutRecords.capPerUnit(bounds), "moved by \(moved)")
        #expect(extra <= 4 || moved == LeftOutRecords.capPerUnit(bounds), "a person with many rows adds the whole cap")
    }

    /// The statistics and the estimate share the output's ε: their shares add up to it (sequential
    /// composition), so disclosing costs the output nothing beyond its stated ε.
    @Test(arguments: [AggregateBudget.epsilon(1, delta: nil), .epsilon(0.3, delta: nil), .rho(0.5, delta: 1e-6)])
    func theEstimateSpendsPartOfTheOutputsBudget(_ budget: AggregateBudget) throws {
        let input = AggregateEngineTests.dataset(seed: 2, units: 200, rows: 1_500, groups: 8)
        let bounded = try AggregateEngine.bound(input, statistics: Self.statistics, keys: .publicKeys,
                                                bounds: ContributionBounds(groupsPerUnit: 1, rowsPerUnitPerGroup: 1), budget: budget,
                                                sampler: ExactSampler(random: SeededRandom(seed: 3)), disclosure: 0.1)
        let result = AggregateEngine.release(bounded, sampler: ExactSampler(random: SeededRandom(seed: 4)))
        let leftOut = try #require(result.leftOut)
        let total: Double
        switch budget {
        case let .epsilon(epsilon, _): total = epsilon
        case let .rho(rho, _): total = rho
        }
        let spent = result.noise.reduce(0) { $0 + $1.share } + leftOut.share
        #expect(spent <= total + 1e-12 && spent >= total - 1e-5, "spent \(spent) of \(total)")
        #expect(abs(leftOut.share - total * 0.1) < 1e-5)
        #expect(result.epsilon == budget.epsilonEquivalent, "the output still states its whole budget")
    }

    /// Nearly noiseless (ε 10⁴), the estimate is the exact input; without units there is none.
    @Test func theEstimateIsTheLeftOutRecordsAndRecordLevelOutputsHaveNone() throws {
        let input = AggregateEngineTests.dataset(seed: 6, units: 100, rows: 1_000, groups: 5)
        let bounds = ContributionBounds(groupsPerUnit: 1, rowsPerUnitPerGroup: 1)
        let bounded = try AggregateEngine.bound(input, statistics: [.count], keys: .publicKeys, bounds: bounds,
                                                budget: .epsilon(100_000, delta: nil), sampler: ExactSampler(random: SeededRandom(seed: 7)),
                                                disclosure: 0.1)
        let result = AggregateEngine.release(bounded, sampler: ExactSampler(random: SeededRandom(seed: 8)))
        let exact = try #require(bounded.leftOut).exact
        #expect(exact > 0)
        #expect(result.leftOut?.estimate == Double(exact))
        var recordLevel = input
        recordLevel.units = nil
        let none = try AggregateEngine.bound(recordLevel, statistics: [.count], keys: .publicKeys, bounds: bounds,
                                             budget: .epsilon(1, delta: nil), sampler: ExactSampler(random: SeededRandom(seed: 7)),
                                             disclosure: 0.1)
        #expect(none.leftOut == nil)
        #expect(AggregateEngine.release(none, sampler: ExactSampler(random: SeededRandom(seed: 8))).leftOut == nil)
    }

    /// With private keys the disclosure also counts every counted record (half of its share each),
    /// so the records in groups too small to publish show; with public keys there is no such count.
    @Test func privateKeysAlsoCountEveryCountedRecord() throws {
        let input = AggregateEngineTests.dataset(seed: 10, units: 400, rows: 3_000, groups: 40)
        let bounds = ContributionBounds(groupsPerUnit: 2, rowsPerUnitPerGroup: 1)
        let bounded = try AggregateEngine.bound(input, statistics: [.count], keys: .privateKeys, bounds: bounds,
                                                budget: .epsilon(100_000, delta: 1e-6), sampler: ExactSampler(random: SeededRandom(seed: 11)),
                                                disclosure: 0.1)
        let result = AggregateEngine.release(bounded, sampler: ExactSampler(random: SeededRandom(seed: 12)))
        let leftOut = try #require(result.leftOut)
        #expect(leftOut.countedTotal == Double(bounded.rowsAfterBounding), "nearly noiseless, the count is every bounded row")
        #expect(abs(leftOut.share - 10_000) < 1e-3, "both figures together spend the disclosure's share")
        let public_ = try AggregateEngine.bound(input, statistics: [.count], keys: .publicKeys, bounds: bounds,
                                                budget: .epsilon(1, delta: nil), sampler: ExactSampler(random: SeededRandom(seed: 11)),
                                                disclosure: 0.1)
        #expect(AggregateEngine.release(public_, sampler: ExactSampler(random: SeededRandom(seed: 12))).leftOut?.countedTotal == nil)
    }

    /// A record-level output with private keys leaves nothing out by bounding (0, no noise, cap 0)
    /// and spends the disclosure's whole share on the count of counted records.
    @Test func recordLevelPrivateKeysDiscloseOnlyWhatSelectionDrops() throws {
        var input = AggregateEngineTests.dataset(seed: 13, units: 400, rows: 2_000, groups: 60)
        input.units = nil
        let bounded = try AggregateEngine.bound(input, statistics: [.count], keys: .privateKeys, bounds: .recordLevel,
                                                budget: .epsilon(100_000, delta: 1e-6), sampler: ExactSampler(random: SeededRandom(seed: 14)),
                                                disclosure: 0.1)
        let leftOut = try #require(AggregateEngine.release(bounded, sampler: ExactSampler(random: SeededRandom(seed: 15))).leftOut)
        #expect(leftOut.estimate == 0 && leftOut.margin == 0 && leftOut.capPerUnit == 0)
        #expect(leftOut.countedTotal == Double(bounded.rowsAfterBounding))
    }
}
