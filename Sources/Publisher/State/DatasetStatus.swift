import Foundation
import PublicSite

/// Where one dataset stands, for `opendata status`: its newest window's release, the ε its
/// releases charged over the last 365 days (a sum over releases; each person is charged only
/// for the releases holding their records, see ``PopulationSummary``), and the next window due.
public struct DatasetStatus: Sendable {
    public var dataset: String
    /// The release of the newest window (not the newest publication: a night caught up late is not "last").
    public var last: StateStore.PublishedRelease
    /// ε of the dataset's releases whose windows ended in the 365 days before `now`.
    public var epsilon365: Double
    /// The day the next window starts (`YYYY-MM-DD`), when the ledger has the last window's end.
    public var nextWindow: String?

    /// Every dataset the state has released, by id.
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state database cannot be read.
    public static func all(state: StateStore, now: Date) throws(PublisherError) -> [DatasetStatus] {
        let releases = try state.releases()
        let ledger = BudgetLedger(state: state)
        var result: [DatasetStatus] = []
        for dataset in Set(releases.map(\.dataset)).sorted() {
            guard let last = releases.filter({ $0.dataset == dataset }).sorted(by: StateStore.PublishedRelease.windowOrder).last else { continue }
            let entries = try ledger.entries(dataset: dataset)
            let yearAgo = now.addingTimeInterval(-365 * 86400)
            let spent = entries.filter { $0.windowEnd > yearAgo }.reduce(0) { $0 + $1.epsilon }
            let lastEnd = entries.filter { $0.window == last.window }.map(\.windowEnd).max()
            result.append(DatasetStatus(dataset: dataset, last: last, epsilon365: spent,
                                        nextWindow: lastEnd.map { String(ISO8601DateFormatter().string(from: $0).prefix(10)) }))
        }
        return result
    }
}
