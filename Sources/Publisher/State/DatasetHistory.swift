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
            releases.append(Release(release: published, start: start, results: results, records: records))
        }
        return DatasetHistory(releases: releases)
    }
}
