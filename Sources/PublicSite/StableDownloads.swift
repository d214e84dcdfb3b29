import Foundation

/// Where the stable downloads live (`catalog/<dataset>/<output>.all.csv.gz` with every release so
/// far, `<output>.latest.csv.gz` a copy of the newest release's file, each with its Table Schema)
/// and what each cumulative file holds; written by the publisher's `CumulativeFiles`, linked
/// from the catalogs and dashboards here.
public enum StableDownloads {
    /// What one output's cumulative file holds.
    public struct Coverage: Sendable, Equatable {
        public var output: String
        /// Releases included, in window order.
        public var releases: [String]
        /// Window starts and ends of the first and last included release.
        public var start: Date
        public var end: Date

        public init(output: String, releases: [String], start: Date, end: Date) {
            (self.output, self.releases, self.start, self.end) = (output, releases, start, end)
        }
    }

    /// The cumulative file of `output` (relative to the published folder).
    public static func allPath(dataset: String, output: String) -> String { "catalog/\(dataset)/\(output).all.csv.gz" }
    /// The copy of the newest release's file of `output`.
    public static func latestPath(dataset: String, output: String) -> String { "catalog/\(dataset)/\(output).latest.csv.gz" }
    /// The Table Schema beside a file written here (`x.all.csv.gz` → `x.all.schema.json`).
    public static func schemaPath(_ file: String) -> String { String(file.dropLast(".csv.gz".count)) + ".schema.json" }
}
