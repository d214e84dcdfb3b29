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

        public init(release: PublishedRelease, start: Date?, results: [String: AggregateResult],
                    records: [String: (count: Int, levels: [String: Int])]) {
            (self.release, self.start, self.results, self.records) = (release, start, results, records)
        }
    }

    public var releases: [Release]

    public init(releases: [Release] = []) {
        self.releases = releases
    }
}
