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
        public var release: PublishedRelease
        /// Its window's first instant, when the ledger has it.
        public var start: Date?
        /// Stored noisy results per aggregate output id: loaded for the latest release only (older
        /// releases are drawn from their ``trend`` points).
        public var results: [String: AggregateResult]
        /// Per aggregate output id with counts: this release's point on the trend charts.
        public var trend: [String: TrendPoint]
        /// Per record-level output id: the records published and each column's level (from the privacy report).
        public var records: [String: (count: Int, levels: [String: Int])]
        /// Per equity output id: its latest period's rates with their intervals, computed once when
        /// first drawn (``DisparityTable/periods(_:disparity:ratesOnly:)``) and kept, so a dashboard
        /// does not redo every past release's bootstrap each night. Missing ones are computed.
        public var ratePeriods: [String: DisparityTable.Period]

        public init(release: PublishedRelease, start: Date?, results: [String: AggregateResult], trend: [String: TrendPoint] = [:],
                    records: [String: (count: Int, levels: [String: Int])], ratePeriods: [String: DisparityTable.Period] = [:]) {
            (self.release, self.start, self.results, self.records, self.ratePeriods) = (release, start, results, records, ratePeriods)
            self.trend = trend
        }
    }

    /// How many of the latest releases the pages draw release by release: a night's pages cost
    /// the same at release 10 and release 1,000. Every release stays in the cumulative files, and
    /// the equity comparison over all releases uses ``equityTotals``.
    public static let shown = 60

    /// The latest releases (at most ``shown``), in window order.
    public var releases: [Release]
    /// Releases published in all, and the window of the first.
    public var total: Int
    public var firstWindow: String?
    /// Per equity output id: its noisy counts added up over every release so far.
    public var equityTotals: [String: EquityTotals]

    public init(releases: [Release] = [], total: Int? = nil, firstWindow: String? = nil, equityTotals: [String: EquityTotals] = [:]) {
        self.releases = releases
        self.total = total ?? releases.count
        self.firstWindow = firstWindow ?? releases.first?.release.window
        self.equityTotals = equityTotals
    }
}
