import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import Tabular

/// The aggregate outputs of one dataset's window: ledger first, then noise, stored for good.
public enum AggregateRelease {
    /// What a run produced.
    public struct Outcome: Sendable {
        public var sequence: Int
        /// Results per output id, in policy order.
        public var results: [(output: String, result: AggregateResult, table: Table)]
        /// True when the results were read back from the state database (no new noise).
        public var reused: Bool
    }

    /// Computes (or reads back) every aggregate output of `policy` for `window`.
    ///
    /// Guarantees: refuses a non-cryptographic random source; without
    /// `newSequence`, a window already published returns its stored noisy
    /// results and draws nothing; otherwise the ledger checks both caps and
    /// records the spend before any noise is drawn, and the results are stored
    /// before they are returned.
    public static func run(policy: Policy, window: ReleaseWindow, table: Table, state: StateStore,
                           random: RandomSource, newSequence: Bool) throws(PublisherError) -> Outcome {
        guard random.isCryptographic else {
            throw .refused("releases need the operating system's CSPRNG; a seeded generator is for tests only")
        }
        let ledger = BudgetLedger(state: state)
        let aggregates = policy.outputs.filter { if case .aggregate = $0.kind { true } else { false } }
        let latest = try ledger.latestSequence(dataset: policy.dataset.id, window: window.label)
        if let latest, !newSequence {
            let stored = try ledger.storedResults(dataset: policy.dataset.id, window: window.label, sequence: latest)
            if stored.count == aggregates.count {
                return Outcome(sequence: latest, results: aggregates.compactMap { output in
                    guard let result = stored[output.id], case let .aggregate(spec) = output.kind else { return nil }
                    return (output.id, result, AggregatePlanner.table(result, groupBy: spec.groupBy))
                }, reused: true)
            }
        }
        let sequence = (latest ?? 0) + 1
        var prepared: [(OutputSpec, AggregateSpec, AggregateInput, [AggregateStatistic], KeySelection, ContributionBounds, AggregateBudget)] = []
        for output in aggregates {
            guard case let .aggregate(spec) = output.kind else { continue }
            let plan = try AggregatePlanner.input(for: output, of: policy, table: table, window: window)
            prepared.append((output, spec, plan.input, plan.statistics, plan.keys, plan.bounds, plan.budget))
        }
        try ledger.spend(dataset: policy.dataset.id, window: window, sequence: sequence,
                         outputs: prepared.map { item in
                             var rho: Double?
                             if case let .rho(value, _) = item.6 { rho = value }
                             return (item.0.id, item.6.epsilonEquivalent, item.0.kindDelta, rho)
                         },
                         perReleaseCap: policy.budget.perReleaseEpsilon, rollingCap: policy.budget.rolling365DayEpsilon)
        let sampler = ExactSampler(random: random)
        var results: [(String, AggregateResult, Table)] = []
        for (output, spec, input, statistics, keys, bounds, budget) in prepared {
            let result: AggregateResult
            do {
                result = try AggregateEngine.run(input, statistics: statistics, keys: keys, bounds: bounds, budget: budget,
                                                 sampler: sampler)
            } catch {
                throw .refused("output '\(output.id)': \(error)")
            }
            try ledger.store(result, dataset: policy.dataset.id, window: window.label, sequence: sequence, output: output.id)
            results.append((output.id, result, AggregatePlanner.table(result, groupBy: spec.groupBy)))
        }
        return Outcome(sequence: sequence, results: results, reused: false)
    }
}

extension OutputSpec {
    /// δ of an aggregate output, if any.
    var kindDelta: Double? {
        if case let .aggregate(spec) = kind { return spec.privacy.delta }
        return nil
    }
}
