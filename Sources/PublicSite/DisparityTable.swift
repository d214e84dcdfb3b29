import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import Synchronization
import Tabular

/// What a disparity output (``DisparitySpec``) publishes, computed from its two stored noisy
/// counts per group only: the rates, the comparisons with the reference and the findings of
/// ``DisparityEstimator/infer(_:scale:reference:minimumSize:replicas:noiseTerms:)``.
///
/// Everything here is post-processing of the noisy counts, which are published beside it, so it
/// costs no privacy, is the same on every re-run (the bootstrap is seeded from the counts) and
/// anyone can recompute it.
public enum DisparityTable {
    /// The label of the row holding the rate of every group together.
    public static let overallLabel = "(all groups)"

    /// One period's comparison: its label (nil without `period`), the groups in public key order
    /// and the estimator's release.
    public struct Period: Sendable, Codable, Equatable {
        public var label: String?
        public var groups: [String]
        public var release: DisparityEstimator.Release
        /// Index of the reference group in ``groups``; nil when groups are compared with the overall rate.
        public var reference: Int?
    }

    /// The noise scale of the counts of `result` (both have the same: half the ε, sensitivity G·R).
    static func scale(_ result: AggregateResult) -> Double {
        if case let .discreteLaplace(scale)? = result.noise.first?.distribution { return scale }
        return 1
    }

    /// The comparisons of `result`, one per period, from its noisy counts.
    /// With `ratesOnly`, each period's rates and their intervals only (for charts of rates).
    public static func periods(_ result: AggregateResult, disparity: DisparitySpec, ratesOnly: Bool = false) -> [Period] {
        var order: [String?] = []
        var rows: [String?: [AggregateRow]] = [:]
        for row in result.rows {
            let label = disparity.period == nil ? nil : row.key.first
            if rows[label] == nil { order.append(label) }
            rows[label, default: []].append(row)
        }
        return order.map { label in
            let members = rows[label] ?? []
            return comparison(label: label, groups: members.map { $0.key.last ?? "" },
                              counts: members.map { counts($0) }, scale: scale(result), noiseTerms: 1, disparity: disparity,
                              ratesOnly: ratesOnly)
        }
    }

    /// The comparison of counts pooled over several releases (their sum, with `noiseTerms` noise
    /// draws in each count): what the dashboard shows for all releases so far.
    public static func comparison(label: String?, groups: [String], counts: [DisparityEstimator.NoisyCounts], scale: Double,
                                  noiseTerms: Int, disparity: DisparitySpec, ratesOnly: Bool = false) -> Period {
        let reference = disparity.reference.flatMap { groups.firstIndex(of: $0) }
        // The bootstrap is seeded from its inputs, so one computation serves the table, the report and the dashboard.
        let key = InferenceKey(counts: counts, scale: scale, reference: reference, minimumSize: disparity.minimumSize,
                               noiseTerms: noiseTerms, ratesOnly: ratesOnly)
        let release = inferences.withLock { $0[key] } ?? {
            let computed = DisparityEstimator.infer(counts, scale: scale, reference: reference, minimumSize: disparity.minimumSize,
                                                    noiseTerms: noiseTerms, ratesOnly: ratesOnly)
            inferences.withLock { cache in
                if cache.count >= 512 { cache.removeAll() }
                cache[key] = computed
            }
            return computed
        }()
        return Period(label: label, groups: groups, release: release, reference: reference)
    }

    /// Everything ``DisparityEstimator/infer(_:scale:reference:minimumSize:replicas:noiseTerms:ratesOnly:)`` reads.
    private struct InferenceKey: Hashable {
        let counts: [DisparityEstimator.NoisyCounts]
        let scale: Double
        let reference: Int?
        let minimumSize: Int
        let noiseTerms: Int
        let ratesOnly: Bool
    }

    /// Inferences already made in this process (published values only); emptied at 512.
    private static let inferences = Mutex<[InferenceKey: DisparityEstimator.Release]>([:])

    /// The noisy denominator and numerator of a stored row (statistics `count`, then the indicator's sum).
    static func counts(_ row: AggregateRow) -> DisparityEstimator.NoisyCounts {
        DisparityEstimator.NoisyCounts(numerator: Int(row.values.count > 1 ? row.values[1] : 0),
                                       denominator: Int(row.values.first ?? 0))
    }

    /// The published columns, in order.
    public static func columnNames(_ disparity: DisparitySpec) -> [String] {
        (disparity.period.map { [$0.column] } ?? []) + [disparity.group, "records", "with_outcome",
            "rate", "rate_low95", "rate_high95", "difference", "difference_low95", "difference_high95",
            "ratio", "ratio_low95", "ratio_high95", "finding"]
    }

    /// The published table: per period, one row per group and one for all groups together.
    public static func table(_ result: AggregateResult, disparity: DisparitySpec) -> Table {
        var table = Table(columnNames: columnNames(disparity))
        for period in periods(result, disparity: disparity) {
            let prefix: [String?] = disparity.period == nil ? [] : [period.label]
            let release = period.release
            var comparisons: [Int: DisparityEstimator.Comparison] = [:]
            for comparison in release.comparisons { comparisons[comparison.group] = comparison }
            for (index, group) in period.groups.enumerated() {
                let rate = release.rates[index]
                var values: [String?] = prefix + [group, String(release.noisy[index].denominator), String(release.noisy[index].numerator)]
                values += [rate.estimate, rate.low, rate.high].map(format)
                if let comparison = comparisons[index] {
                    values += [comparison.difference.estimate, comparison.difference.low, comparison.difference.high].map(format)
                    // An interval with no upper end is INF (Table Schema's infinity), never an empty cell,
                    // which means "no ratio" (a reference rate of 0).
                    values += comparison.ratio.map { [format($0.estimate), format($0.low), $0.high == .infinity ? "INF" : format($0.high)] } ?? [nil, nil, nil]
                    values.append(comparison.finding.rawValue)
                } else {
                    values += [String?](repeating: nil, count: 6) + ["reference"]
                }
                table.append(row: values)
            }
            let overall = release.overall
            let records = release.noisy.reduce(0) { $0 + $1.denominator }, outcomes = release.noisy.reduce(0) { $0 + $1.numerator }
            table.append(row: prefix + [overallLabel, String(records), String(outcomes)]
                + [overall.estimate, overall.low, overall.high].map(format)
                + [String?](repeating: nil, count: 6) + [period.reference == nil ? "reference" : "overall"])
        }
        return table
    }

    /// Descriptions of the published columns, for the Table Schema.
    public static func descriptions(_ disparity: DisparitySpec, bounding: String) -> [String: String] {
        let against = disparity.reference.map { "the reference group \($0)" } ?? "all groups together"
        var result: [String: String] = [
            disparity.group: "\(disparity.group): the group compared; \(overallLabel) is every group together",
            "records": "records with a recorded \(disparity.outcome.column), \(bounding), with random noise added (may be negative)",
            "with_outcome": "records where \(disparity.outcome.phrase), \(bounding), with random noise added (may be negative)",
            "rate": "share of records where \(disparity.outcome.phrase): with_outcome / records, clamped to 0–1",
            "rate_low95": "lower end of the rate's 95% interval (parametric bootstrap over the sampling and the noise)",
            "rate_high95": "upper end of the rate's 95% interval",
            "difference": "rate minus the rate of \(against)",
            "difference_low95": "lower end of the difference's 95% interval",
            "difference_high95": "upper end of the difference's 95% interval",
            "ratio": "rate divided by the rate of \(against); empty when that rate is 0",
            "ratio_low95": "lower end of the ratio's 95% interval",
            "ratio_high95": "upper end of the ratio's 95% interval; INF when the interval has no upper end (the reference rate's interval reaches 0); empty only when there is no ratio",
            "finding": "disparity (the difference lies beyond parity's simulated spread and its interval excludes 0, both at the Bonferroni level of this output, and both groups have at least \(disparity.minimumSize) noisy records), no evidence of a difference (not the same as equal), not enough data, or reference/overall",
        ]
        if let period = disparity.period { result[period.column] = "\(period.column), by \(period.level ?? "period")" }
        return result
    }

    /// The rates of each period of `result` with their intervals and findings, as charts with
    /// tables (``IntervalChart``); at most the last `limit` periods.
    static func charts(_ result: AggregateResult, disparity: DisparitySpec, id: String, limit: Int = 3) -> HTMLNode {
        .fragment(periods(result, disparity: disparity).suffix(limit).enumerated().map { index, period in
            chart(period, disparity: disparity, id: "\(id)-\(index)",
                  title: "Share of records where \(disparity.outcome.phrase), by \(disparity.group)\(period.label.map { ", \($0)" } ?? "")")
        })
    }

    /// One period's rates with intervals, the reference (or overall) rate as the marker, and each
    /// group's finding in the table.
    static func chart(_ period: Period, disparity: DisparitySpec, id: String, title: String) -> HTMLNode {
        let release = period.release
        var findings: [Int: String] = [:]
        for comparison in release.comparisons { findings[comparison.group] = comparison.finding.rawValue }
        var rows = period.groups.enumerated().map { index, group in
            ChartPoint(label: group, value: release.noisy[index].denominator >= 1 ? release.rates[index].estimate : nil,
                              low: release.rates[index].low, high: release.rates[index].high,
                              note: findings[index] ?? "reference", size: Int(release.noisy[index].denominator))
        }
        rows.append(ChartPoint(label: overallLabel, value: release.overall.estimate, low: release.overall.low,
                                      high: release.overall.high, note: period.reference == nil ? "reference" : "overall"))
        let referenceRate = period.reference.map { release.rates[$0].estimate } ?? release.overall.estimate
        let name = period.reference.map { period.groups[$0] } ?? "all groups"
        return IntervalChart(id: id, title: title, rows: rows,
                             marker: (referenceRate, "the rate of \(name), \(String(format: "%.1f%%", referenceRate * 100))")).node
    }

    static func format(_ value: Double) -> String? {
        value.isFinite ? String(format: "%.4f", value) : nil
    }
}
