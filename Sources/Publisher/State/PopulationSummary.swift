import Foundation
import PrivacyPolicy
import PublicSite

extension PopulationSummary {
    /// Every population the state has charged, with the largest yearly charge of any one person
    /// at `now` (``PersonLedger/largestYearlyCharge(population:now:)``), read over the whole ledger.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the ledger, the cap history or the spends cannot be read.
    public static func all(state: StateStore, now: Date) throws(PublisherError) -> [PopulationSummary] {
        try all(state: state, now: now, scanned: nil, touched: [:])
    }

    /// ``all(state:now:)`` after a run: `scanned` is each population's largest yearly charge as the
    /// run's ledger check found it at `now` (``LedgerSeal/check(_:now:)``) and `touched` everyone the
    /// run's releases may have charged since, so only their rows are read again (the same figure as
    /// a full scan; a population not in `scanned` and not touched, or with more than
    /// ``LedgerTouches/fullScanAbove`` people touched, is scanned in full).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the ledger, the cap history or the spends cannot be read.
    static func all(state: StateStore, now: Date, scanned: [String: PrivacyCost]?,
                    touched: [String: [LedgerID]]) throws(PublisherError) -> [PopulationSummary] {
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
            let largest: (epsilon: Double, delta: Double)
            // A backfill touches millions of people: one streamed scan is then cheaper than a lookup each.
            let touchedCount = touched[population]?.count ?? 0
            if let scanned, scanned[population] != nil || touchedCount > 0, touchedCount <= LedgerTouches.fullScanAbove {
                largest = try ledger.largestYearlyCharge(population: population, now: now, scanned: scanned[population] ?? .zero,
                                                         touched: touched[population] ?? []).converted
            } else {
                largest = try ledger.largestYearlyCharge(population: population, now: now).converted
            }
            summaries.append(PopulationSummary(population: population, datasets: datasets, epsilonCap: history.last?.epsilon,
                                               deltaCap: history.last?.delta, capHistory: history, perNightEpsilon: perNight,
                                               largestEpsilon: largest.epsilon, largestDelta: largest.delta))
        }
        return summaries
    }
}
