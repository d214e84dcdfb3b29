import DifferentialPrivacy
import Foundation

/// One equity output's published noisy counts added up per group over one or more releases, for
/// the dashboards' comparison "all releases together" (``Dashboard``).
///
/// Guarantee: post-processing of published values only (each release's noisy numerators and
/// denominators, ``DisparityTable``), so it costs no privacy. Each release's totals are computed once
/// and kept; a night adds the stored totals, so it never re-reads a past release's results.
public struct EquityTotals: Sendable, Codable, Equatable {
    /// Groups in the order they first appear.
    public var groups: [String] = []
    /// Per group (same order), the noisy counts summed.
    public var counts: [DisparityEstimator.NoisyCounts] = []
    /// Releases added.
    public var releases = 0
    /// Periods (cells of the output other than the group) over those releases: each adds one noise draw per group.
    public var periods = 0
    /// The first and last window added.
    public var firstWindow: String?
    public var lastWindow: String?

    public init() {}

    /// The totals of one release's result of an equity output.
    public init(_ result: AggregateResult, window: String) {
        var index: [String: Int] = [:]
        for row in result.rows {
            let group = row.key.last ?? ""
            let position: Int
            if let known = index[group] {
                position = known
            } else {
                position = groups.count
                index[group] = position
                groups.append(group)
                counts.append(.init(numerator: 0, denominator: 0))
            }
            let noisy = DisparityTable.counts(row)
            counts[position].numerator += noisy.numerator
            counts[position].denominator += noisy.denominator
        }
        releases = 1
        periods = Set(result.rows.map { $0.key.dropLast() }).count
        (firstWindow, lastWindow) = (window, window)
    }

    /// Adds `other` (later releases) to these totals.
    public mutating func add(_ other: EquityTotals) {
        for (group, noisy) in zip(other.groups, other.counts) {
            if let position = groups.firstIndex(of: group) {
                counts[position].numerator += noisy.numerator
                counts[position].denominator += noisy.denominator
            } else {
                groups.append(group)
                counts.append(noisy)
            }
        }
        releases += other.releases
        periods += other.periods
        if firstWindow == nil { firstWindow = other.firstWindow }
        lastWindow = other.lastWindow ?? lastWindow
    }
}
