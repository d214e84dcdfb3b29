import Foundation
import PublicSite

extension PopulationSummary {
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
                perNight += try spends.latestEntries(dataset: dataset).reduce(0) { $0 + $1.epsilon }
            }
            let largest = try ledger.largestYearlyCharge(population: population, now: now).converted
            summaries.append(PopulationSummary(population: population, datasets: datasets, epsilonCap: history.last?.epsilon,
                                               deltaCap: history.last?.delta, capHistory: history, perNightEpsilon: perNight,
                                               largestEpsilon: largest.epsilon, largestDelta: largest.delta))
        }
        return summaries
    }
}
