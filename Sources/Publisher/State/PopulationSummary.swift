import Foundation
import PrivacyPolicy
import PublicSite

extension PopulationSummary {
    /// Every population the state has charged, with the largest yearly charge of any one person
    /// at `now` (``PersonLedger/largestYearlyCharge(population:now:)``), read over the whole ledger:
    /// for the steward (`opendata status`, the metrics file).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the ledger, the cap history or the spends cannot be read.
    public static func all(state: StateStore, now: Date) throws(PublisherError) -> [PopulationSummary] {
        let ledger = PersonLedger(state: state)
        return try summaries(state: state) { population throws(PublisherError) in
            try ledger.largestYearlyCharge(population: population, now: now).converted
        }
    }

    /// Every population the state has charged, without the largest yearly charge of any one person
    /// (nil): what the public index shows, which never includes that exact figure about people, so
    /// a release run does not read the ledger for it.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the ledger, the cap history or the spends cannot be read.
    public static func budgets(state: StateStore) throws(PublisherError) -> [PopulationSummary] {
        try summaries(state: state, largest: nil)
    }

    private static func summaries(state: StateStore, largest: ((String) throws(PublisherError) -> (epsilon: Double, delta: Double))?)
        throws(PublisherError) -> [PopulationSummary] {
        let ledger = PersonLedger(state: state)
        let spends = BudgetLedger(state: state)
        var summaries: [PopulationSummary] = []
        for population in try ledger.populations() {
            let history = try state.capHistory(population: population)
            let datasets = Array(Set(history.map(\.dataset))).sorted()
            var perNight = 0.0
            for dataset in datasets {
                perNight += try spends.latestEntries(dataset: dataset).reduce(0) { $0 + $1.epsilon }
            }
            let figure = try largest?(population)
            summaries.append(PopulationSummary(population: population, datasets: datasets, epsilonCap: history.last?.epsilon,
                                               deltaCap: history.last?.delta, capHistory: history, perNightEpsilon: perNight,
                                               largestEpsilon: figure?.epsilon, largestDelta: figure?.delta))
        }
        return summaries
    }
}
