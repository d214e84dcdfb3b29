import Foundation

/// Where one population's per-person budget stands, for `opendata status` and
/// the public index. The cap, its history and how far the budget goes for
/// someone who is in every nightly release are public (they follow from the
/// policies and the release history alone). The largest total any one person has
/// accrued (``largestEpsilon``) is an exact figure about people: it changes with
/// one person's records, so it is for the steward only (`status`, the metrics
/// file) and never written to a published file.
public struct PopulationSummary: Sendable {
    public var population: String
    /// The datasets that charge it.
    public var datasets: [String]
    /// The current caps, and every cap it was released under (the history of caps is public).
    public var epsilonCap: Double?
    public var deltaCap: Double?
    public var capHistory: [(epsilon: Double?, delta: Double?, dataset: String, firstWindow: String)]
    /// ε a person in every dataset's latest release is charged per night.
    public var perNightEpsilon: Double
    /// The largest (ε, δ) any person accrued over the 365 days before `now`.
    public var largestEpsilon: Double
    public var largestDelta: Double

    /// Nightly releases a person who is in every one can be in over any 365 days.
    public var releasesPerYearForEveryNight: Int? {
        guard let cap = epsilonCap, perNightEpsilon > 0 else { return nil }
        return Int((cap / perNightEpsilon + 1e-9).rounded(.down))
    }

    /// Nightly releases the busiest person can still be in before the cap leaves them out.
    public var releasesLeftForTheBusiest: Int? {
        guard let cap = epsilonCap, perNightEpsilon > 0 else { return nil }
        return max(0, Int(((cap - largestEpsilon) / perNightEpsilon + 1e-9).rounded(.down)))
    }

    /// Every population the state has charged.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the ledger, the cap history or the spends cannot be read.
    public static func all(state: StateStore, now: Date) throws(PublisherError) -> [PopulationSummary] {
        let ledger = PersonLedger(state: state)
        let spends = BudgetLedger(state: state)
        var summaries: [PopulationSummary] = []
        for population in try ledger.populations() {
            let history = try state.capHistory(population: population)
            let datasets = Array(Set(history.map(\.dataset))).sorted()
            var perNight = 0.0
            for dataset in datasets {
                let entries = try spends.entries(dataset: dataset)
                if let last = entries.last {
                    perNight += entries.filter { $0.window == last.window && $0.sequence == last.sequence }.reduce(0) { $0 + $1.epsilon }
                }
            }
            let largest = try ledger.largestYearlyCharge(population: population, now: now).converted
            summaries.append(PopulationSummary(population: population, datasets: datasets, epsilonCap: history.last?.epsilon,
                                               deltaCap: history.last?.delta, capHistory: history, perNightEpsilon: perNight,
                                               largestEpsilon: largest.epsilon, largestDelta: largest.delta))
        }
        return summaries
    }
}
