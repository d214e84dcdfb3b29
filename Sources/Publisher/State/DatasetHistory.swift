import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import ReleaseFormat

/// Everything the public pages draw about one dataset over time: per published release, in
/// order, its noisy aggregate results (as stored in the state database when they were
/// published, which is exactly what the release's files hold) and, from each release's own
/// published privacy report, how its record files were generalised.
///
/// Guarantee: nothing here is new information. The results are the published noisy values; the
/// generalisation levels and record counts are read back from the published reports. Nothing is
/// computed from the operational store, so the pages cost no privacy and draw no noise.
public struct DatasetHistory: Sendable {
    /// One published release.
    public struct Release: Sendable {
        public var release: StateStore.PublishedRelease
        /// Its window's first instant, when the ledger has it.
        public var start: Date?
        /// Stored noisy results per aggregate output id.
        public var results: [String: AggregateResult]
        /// Per record-level output id: the records published and each column's level (from the privacy report).
        public var records: [String: (count: Int, levels: [String: Int])]
    }

    public var releases: [Release]

    public init(releases: [Release] = []) {
        self.releases = releases
    }

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
