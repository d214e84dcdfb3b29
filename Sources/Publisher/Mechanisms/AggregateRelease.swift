import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import Tabular

/// The aggregate outputs of one dataset's window: ledger first, then noise, stored for good.
///
/// A release works in three steps so the expensive one can run beside the
/// microdata: ``stored(policy:window:state:newSequence:)`` reads back a
/// window already published; ``bound(policy:window:table:random:)`` plans
/// and bounds every output (no noise, no budget, nothing written);
/// ``finish(policy:window:bounded:records:people:state:random:newSequence:now:)`` records the
/// spend, draws the noise and stores the results. ``run(policy:window:table:state:random:newSequence:)``
/// does all three in order.
public enum AggregateRelease {
    /// What a run produced.
    public struct Outcome: Sendable {
        public var sequence: Int
        /// Results per output id, in policy order.
        public var results: [(output: String, result: AggregateResult, table: Table)]
        /// True when the results were read back from the state database (no new noise).
        public var reused: Bool
        /// Differentially private record files, per output id.
        public var records: [String: DPMicrodataRelease.Records] = [:]
    }

    /// One output planned and bounded, awaiting its noise.
    public struct Bounded: Sendable {
        let output: OutputSpec
        let spec: AggregateSpec
        let aggregate: BoundedAggregate
    }

    /// Computes (or reads back) every aggregate output of `policy` for `window`.
    ///
    /// Guarantees: refuses a non-cryptographic random source; without
    /// `newSequence`, a window already published returns its stored noisy
    /// results and draws nothing; otherwise the ledger checks both caps and
    /// records the spend before any noise is drawn, and the results are stored
    /// before they are returned.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` for a non-cryptographic random source, an output the engine
    ///   cannot bound or noise, a release over the per-release cap, or a period output whose settings changed
    ///   while its period is open; ``PublisherError/usage(_:)`` or ``PublisherError/invalidPolicy(_:)`` when
    ///   an output cannot be planned on `table` (``AggregatePlanner/input(for:of:table:window:)``);
    ///   ``PublisherError/io(path:reason:)`` when the state cannot be read, or the spend and the results
    ///   cannot be recorded (the whole transaction is then undone).
    public static func run(policy: Policy, window: ReleaseWindow, table: Table, state: StateStore,
                           random: RandomSource, newSequence: Bool) throws(PublisherError) -> Outcome {
        try requireCryptographic(random)
        if let stored = try stored(policy: policy, window: window, state: state, newSequence: newSequence) { return stored }
        let bounded = try bound(policy: policy, window: window, table: table, random: random)
        return try finish(policy: policy, window: window, bounded: bounded, state: state, random: random, newSequence: newSequence)
    }

    /// The stored results of `window` when it is already published and
    /// `newSequence` is false (then nothing may be drawn again), else nil.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the ledger or the stored results cannot be read or
    ///   decoded.
    public static func stored(policy: Policy, window: ReleaseWindow, state: StateStore,
                              newSequence: Bool) throws(PublisherError) -> Outcome? {
        let ledger = BudgetLedger(state: state)
        guard !newSequence, let latest = try ledger.latestSequence(dataset: policy.dataset.id, window: window.label) else {
            return nil
        }
        let aggregates = policy.publishedOutputs.filter { if case .aggregate = $0.kind { true } else { false } }
        let stored = try ledger.storedResults(dataset: policy.dataset.id, window: window.label, sequence: latest)
        // The spend, every record file and every aggregate result are one transaction
        // (``finish(policy:window:bounded:records:people:state:random:newSequence:now:)``).
        let records = try ledger.storedRecords(dataset: policy.dataset.id, window: window.label, sequence: latest)
        guard stored.count == aggregates.count else { return nil }
        return Outcome(sequence: latest, results: aggregates.compactMap { output in
            guard let result = stored[output.id], case let .aggregate(spec) = output.kind else { return nil }
            return (output.id, result, AggregatePlanner.table(result, spec: spec))
        }, reused: true, records: records)
    }

    /// Plans every aggregate output over `table` and bounds each unit's
    /// contribution: exact, private per-group values and no noise. Spends no
    /// budget and writes nothing; the random source is used only for the
    /// bounding's choices. Outputs are bounded one after another, so only one
    /// output's per-row inputs are in memory at a time.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` for a non-cryptographic random source or an output the
    ///   engine cannot bound; ``PublisherError/usage(_:)`` or ``PublisherError/invalidPolicy(_:)`` when an
    ///   output cannot be planned on `table` (``AggregatePlanner/input(for:of:table:window:)``).
    public static func bound(policy: Policy, window: ReleaseWindow, table: Table,
                             random: RandomSource) throws(PublisherError) -> [Bounded] {
        try requireCryptographic(random)
        let sampler = ExactSampler(random: random)
        // Every output of the table bounds the same units: their rows are grouped once.
        var unitRows: UnitRows?
        var bounded: [Bounded] = []
        // Outputs grouping by the same time column and level (calls per day, per type per day…) label it once.
        let timeLabels = TimeLabelCache()
        for output in policy.outputs {
            guard case let .aggregate(spec) = output.kind else { continue }
            let plan = try AggregatePlanner.input(for: output, of: policy, table: table, window: window, timeLabels: timeLabels)
            StageTiming.mark("planner input")
            if unitRows == nil, let units = plan.input.units { unitRows = UnitRows(units: units) }
            StageTiming.mark("unit rows")
            do {
                let parameters = plan.parameters
                bounded.append(Bounded(output: output, spec: spec, aggregate: try AggregateEngine.bound(
                    plan.input, statistics: parameters.statistics, keys: parameters.keys, bounds: parameters.bounds,
                    budget: parameters.budget, weights: parameters.weights, sampler: sampler,
                    unitRows: plan.input.units == nil ? nil : unitRows, disclosure: parameters.disclosure, auto: parameters.auto)))
            } catch {
                throw .refused("output '\(output.id)': \(error)")
            }
        }
        return bounded
    }

    /// Draws the noise of `bounded`, then records the spend (checking the
    /// per-release cap) and every result in one transaction before returning them.
    /// `records` are the differentially private record files prepared for the
    /// same release: charged in the same spend and stored right after it.
    /// `people` is who the release charges and leaves out (``PersonLedger/plan(policy:table:window:)``),
    /// written in the same transaction as the spend.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` for a non-cryptographic random source, a release over the
    ///   per-release cap, a period output whose settings changed while its period is open, or a period total
    ///   the engine cannot noise; ``PublisherError/io(path:reason:)`` when the state cannot be read or the
    ///   transaction fails. Nothing is recorded in either case.
    public static func finish(policy: Policy, window: ReleaseWindow, bounded: [Bounded],
                              records: [DPMicrodataRelease.Records] = [], people: PersonLedger.Plan? = nil, state: StateStore,
                              random: RandomSource, newSequence: Bool, now: Date = Date()) throws(PublisherError) -> Outcome {
        try requireCryptographic(random)
        let ledger = BudgetLedger(state: state)
        let sequence = (try ledger.latestSequence(dataset: policy.dataset.id, window: window.label) ?? 0) + 1
        let charges = records.map { (id: $0.output, epsilon: $0.epsilon, delta: Optional($0.delta), rho: Double?.none) }
            + bounded.map { item in
                var rho: Double?
                if case let .rho(value, _) = item.spec.privacy { rho = value }
                // The output's whole budget: with totals_over, the day's share and every period's, paid each night.
                return (id: item.output.id, epsilon: item.output.epsilon, delta: item.output.delta, rho: rho)
            }
        try ledger.checkCap(dataset: policy.dataset.id, cost: policy.releaseCost, perReleaseCap: policy.budget.perReleaseEpsilon)
        // The noise is drawn first, in memory, and written in the same transaction as the spend:
        // one commit point per release. A run killed before it has published nothing and spent
        // nothing (the drawn values are discarded unseen); after it, a re-run finds every result
        // stored and rolls the same release forward: same name, same noise, no second charge.
        let sampler = ExactSampler(random: random)
        var results: [(String, AggregateResult, Table)] = []
        for item in bounded {
            // A disparity's counts stay as drawn (negative ones too): its intervals model exactly that noise.
            var result = AggregateEngine.release(item.aggregate, sampler: sampler, nonNegative: item.spec.disparity == nil)
            // The exact number of bounded rows is a total the state does not need: not stored.
            result.rowsAfterBounding = 0
            results.append((item.output.id, result, AggregatePlanner.table(result, spec: item.spec)))
        }
        StageTiming.mark("noise")
        let periods = try PeriodTotals.plan(policy: policy, window: window, bounded: bounded, state: state, sampler: sampler)
        for (output, spec, result) in periods.results {
            results.append((output.id, result, AggregatePlanner.table(result, spec: spec)))
        }
        // In file order, as ``stored(policy:window:state:newSequence:)`` returns them.
        let order = Dictionary(uniqueKeysWithValues: policy.publishedOutputs.enumerated().map { ($1.id, $0) })
        results.sort { (order[$0.0] ?? 0) < (order[$1.0] ?? 0) }
        try ledger.spend(dataset: policy.dataset.id, window: window, sequence: sequence, outputs: charges, cost: policy.releaseCost,
                         perReleaseCap: policy.budget.perReleaseEpsilon, now: now) { db in
            try state.recordDataset(PublicationPlan.PublishedDataset(policy: policy), window: window.label, in: db)
            if let people {
                try PersonLedger(state: state).record(people, dataset: policy.dataset.id, sequence: sequence, in: db)
                StageTiming.mark("person ledger record")
                try state.recordCaps(population: people.population,
                                     budget: BudgetCaps(epsilon: policy.budget.rolling365DayEpsilon, delta: policy.budget.rolling365DayDelta),
                                     dataset: policy.dataset.id, window: window.label, at: now, in: db)
            }
            for item in records {
                try ledger.store(item, dataset: policy.dataset.id, window: window.label, sequence: sequence, in: db)
            }
            try PeriodTotals.write(periods, dataset: policy.dataset.id, window: window, in: db)
            for (output, result, _) in results {
                try ledger.store(result, dataset: policy.dataset.id, window: window.label, sequence: sequence, output: output, in: db)
            }
        }
        StageTiming.mark("spend committed")
        return Outcome(sequence: sequence, results: results, reused: false,
                       records: Dictionary(uniqueKeysWithValues: records.map { ($0.output, $0) }))
    }

    static func requireCryptographic(_ random: RandomSource) throws(PublisherError) {
        guard random.isCryptographic else {
            throw .refused("releases need the operating system's CSPRNG; a seeded generator is for tests only")
        }
    }
}
