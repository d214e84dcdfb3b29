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
        /// Stored noisy results per aggregate output id.
        public var results: [String: AggregateResult]
        /// Per record-level output id: the records published and each column's level (from the privacy report).
        public var records: [String: (count: Int, levels: [String: Int])]
        /// Per equity output id: its latest period's rates with their intervals, computed once when
        /// first drawn (``DisparityTable/periods(_:disparity:ratesOnly:)``) and kept, so a dashboard
        /// does not redo every past release's bootstrap each night. Missing ones are computed.
        public var ratePeriods: [String: DisparityTable.Period]

        public init(release: PublishedRelease, start: Date?, results: [String: AggregateResult],
                    records: [String: (count: Int, levels: [String: Int])], ratePeriods: [String: DisparityTable.Period] = [:]) {
            (self.release, self.start, self.results, self.records, self.ratePeriods) = (release, start, results, records, ratePeriods)
        }
    }

    public var releases: [Release]

    public init(releases: [Release] = []) {
        self.releases = releases
    }
}
