import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import PublicSite
import ReleaseFormat

extension DatasetHistory {
    /// Loads the history of `policy`'s dataset from `state` and the release folders under `out`.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when `out` or a folder in it cannot be created or opened,
    ///   or the state's history or stored results cannot be read; ``PublisherError/refused(_:)`` when the
    ///   dataset's folder or a release folder is a link.
    public static func load(policy: Policy, state: StateStore, ledger: [LedgerEntry], out: String) throws(PublisherError) -> DatasetHistory {
        let dataset = policy.dataset.id
        let budget = BudgetLedger(state: state)
        let root = try PublicFolder.root(out)
        let folder = root.entryType(dataset) == S_IFDIR ? try root.folder(dataset, create: false) : nil
        var releases: [Release] = []
        for published in try state.releasesByWindow(dataset: dataset) {
            let results = try budget.storedResults(dataset: dataset, window: published.window, sequence: published.windowSequence)
            let start = ledger.first { $0.window == published.window && $0.sequence == published.windowSequence }?.windowStart
            var records: [String: (count: Int, levels: [String: Int])] = [:]
            if let folder, folder.entryType(published.release) == S_IFDIR,
               let report = try folder.folder(published.release, create: false).read("privacy-report.json"),
               let document = try? CanonicalJSON.decode(PrivacyReport.Document.self, from: report, file: "privacy-report.json") {
                for item in document.microdata { records[item.output] = (item.records, item.generalizationLevels) }
            }
            releases.append(Release(release: published, start: start, results: results, records: records,
                                    ratePeriods: try ratePeriods(policy: policy, release: published.release, results: results, state: state)))
        }
        return DatasetHistory(releases: releases)
    }

    /// The latest period's rates of each equity output of one release: stored ones, else computed
    /// from its published noisy counts (``PublicSite/DisparityTable/periods(_:disparity:ratesOnly:)``,
    /// deterministic) and stored for the nights after. A stored value that cannot be decoded is
    /// computed again.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state database cannot be read or written.
    static func ratePeriods(policy: Policy, release: String, results: [String: AggregateResult],
                            state: StateStore) throws(PublisherError) -> [String: DisparityTable.Period] {
        let outputs = policy.publishedOutputs.compactMap { output -> (String, DisparitySpec)? in
            guard case let .aggregate(spec) = output.kind, let disparity = spec.disparity, results[output.id] != nil else { return nil }
            return (output.id, disparity)
        }
        guard !outputs.isEmpty else { return [:] }
        let stored = try state.ratePeriods(release: release)
        var periods: [String: DisparityTable.Period] = [:]
        for (id, disparity) in outputs {
            if let data = stored[id], let period = try? JSONDecoder().decode(DisparityTable.Period.self, from: data) {
                periods[id] = period
            } else if let result = results[id], let period = DisparityTable.periods(result, disparity: disparity, ratesOnly: true).last {
                periods[id] = period
                if let data = try? JSONEncoder().encode(period) { try state.cacheRatePeriod(data, release: release, output: id) }
            }
        }
        return periods
    }
}
