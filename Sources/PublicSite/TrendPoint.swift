import DifferentialPrivacy
import Foundation

/// One release's point on an aggregate output's trend charts (``Dashboard``): its noisy counts
/// summed over every group and per group of one key (the facet), with the noise's standard
/// deviation, so the page draws each point and its band without the release's whole result.
///
/// Guarantee: post-processing of published values only. Computed once per release and kept, so a
/// night's dashboards cost the same after a thousand releases as after ten.
public struct TrendPoint: Sendable, Codable, Equatable {
    /// Noisy counts summed over groups, and how many groups.
    public struct Sum: Sendable, Codable, Equatable {
        public var sum: Double
        public var cells: Int
    }

    /// Over every group.
    public var total: Sum
    /// Standard deviation of one count's noise.
    public var deviation: Double
    /// The key the facets are by (its index in the group key), nil for none.
    public var facet: Int?
    /// Per value of that key.
    public var facets: [String: Sum]

    /// The point of `result`, faceted by key `facet`; nil when it publishes no counts.
    public init?(_ result: AggregateResult, facet: Int?) {
        guard let column = result.statistics.firstIndex(of: "count"),
              let noise = result.noise.first(where: { $0.statistic == "count" }) else { return nil }
        deviation = noise.standardDeviation
        total = Sum(sum: result.rows.reduce(0) { $0 + $1.values[column] }, cells: result.rows.count)
        self.facet = facet
        var facets: [String: Sum] = [:]
        if let facet {
            for row in result.rows where facet < row.key.count {
                facets[row.key[facet], default: Sum(sum: 0, cells: 0)].sum += row.values[column]
                facets[row.key[facet], default: Sum(sum: 0, cells: 0)].cells += 1
            }
        }
        self.facets = facets
    }
}
