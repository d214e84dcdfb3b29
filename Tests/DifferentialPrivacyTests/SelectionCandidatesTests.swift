import Foundation
import Testing
@testable import DifferentialPrivacy

/// Private key selection only ever considers the groups of the bounded rows (Gopi et al. 2020,
/// "Differentially private set union", and Wilson et al. 2020 assume each unit brings at most G
/// candidate partitions): a group that only a person's dropped rows reach is never published.
/// Found by an adversarial review: groups emptied by bounding were candidates, so one person with
/// K values brought K of them and δ grew with K.
@Suite struct SelectionCandidatesTests {
    /// One person, 1,000 rows in 1,000 distinct values, G = R = 1, ε 1, δ 0.01, with and without a
    /// roll-up. Without them the table is empty and nothing is ever published, so (ε, δ)-DP allows
    /// a published group in at most about δ of the releases. Seeded, so the counts are fixed: no
    /// group whose bounded count is 0 may be published, and at most 15 of 200 releases may publish
    /// a group (a true rate of δ = 1% exceeds 15 of 200 with probability below 10⁻⁹; before the fix
    /// 187 of 200 did).
    @Test(arguments: [false, true]) func groupsEmptiedByBoundingAreNeverPublished(_ rollUp: Bool) throws {
        let k = 1000
        var input = AggregateInput(rowCount: k, units: [Int32](repeating: 0, count: k), groups: (0..<k).map { Int32($0) },
                                   groupKeys: (0..<k).map { ["v\($0)"] }, measures: [:])
        if rollUp {
            input.rollUp = RollUpInput(categoryOfGroup: [Int32](repeating: 0, count: k), categoryKeys: [["category: all"]], share: 0.2)
        }
        let bounds = ContributionBounds(groupsPerUnit: 1, rowsPerUnitPerGroup: 1)
        var releasesWithAGroup = 0, emptyGroupsPublished = 0
        let trials = 200
        for trial in 0..<trials {
            let bounded = try AggregateEngine.bound(input, statistics: [.count], keys: .privateKeys, bounds: bounds,
                                                    budget: .epsilon(1, delta: 0.01),
                                                    sampler: ExactSampler(random: SeededRandom(seed: UInt64(2 * trial + 1))), disclosure: 0.1)
            let result = AggregateEngine.release(bounded, sampler: ExactSampler(random: SeededRandom(seed: UInt64(2 * trial + 2))))
            if !result.groupRows.isEmpty { releasesWithAGroup += 1 }
            let empty = Set(bounded.counts.indices.filter { bounded.counts[$0] == 0 }.map { "v\($0)" })
            emptyGroupsPublished += result.groupRows.filter { empty.contains($0.key[0]) }.count
        }
        #expect(emptyGroupsPublished == 0)
        #expect(releasesWithAGroup <= 15, "\(releasesWithAGroup) of \(trials) releases published a group")
    }
}

/// Under ρ, an output with private keys spends its stated δ twice over unless it is split: the
/// Gaussian threshold needs δ of its own and so does stating ρ as (ε, δ). Found by an adversarial
/// review: both used the whole δ and the ledger charged it once. Now the selection gets δ/2, ρ
/// converts at δ/2, and everything that states or charges the output says (ε, δ) with the stated δ.
@Suite struct RhoSelectionDeltaTests {
    @Test(arguments: [1e-6, 1e-9]) func theStatedDeltaIsTheWholeOutputs(delta: Double) throws {
        let rho = 0.3
        let budget = AggregateBudget.rho(rho, delta: delta)
        let split = try BudgetSplit(budget: budget, statistics: [.count], keys: .privateKeys)
        #expect(split.delta == delta / 2, "the selection's threshold is set at δ/2")
        let expected = rho + 2 * (rho * log(2 / delta)).squareRoot()
        #expect(abs(budget.epsilonEquivalent(privateKeys: true) - expected) < 1e-12)
        #expect(budget.epsilonEquivalent(privateKeys: false) == budget.epsilonEquivalent, "public keys convert at the whole δ")
        // The engine states the output's (ε, δ): ρ at δ/2 plus the selection's δ/2.
        let k = 40
        let input = AggregateInput(rowCount: k, units: (0..<k).map { Int32($0) }, groups: (0..<k).map { Int32($0 % 4) },
                                   groupKeys: (0..<4).map { ["g\($0)"] }, measures: [:])
        let bounded = try AggregateEngine.bound(input, statistics: [.count], keys: .privateKeys,
                                                bounds: ContributionBounds(groupsPerUnit: 1, rowsPerUnitPerGroup: 1),
                                                budget: budget, sampler: ExactSampler(random: SeededRandom(seed: 9)))
        let result = AggregateEngine.release(bounded, sampler: ExactSampler(random: SeededRandom(seed: 10)))
        #expect(result.delta == delta)
        #expect(abs(result.epsilon - expected) < 1e-12)
    }
}
