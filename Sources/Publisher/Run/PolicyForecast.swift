import DifferentialPrivacy
import Foundation
import PrivacyPolicy

/// The accuracy a policy's aggregate outputs will have, said before anything is read or spent
/// (``AccuracyForecast``), for `policy explain`, `policy check` and `release --dry-run`.
public enum PolicyForecast {
    /// One line per aggregate output: each statistic's 95% margin; for a mean, at groups of
    /// 100 and 1,000 records and the group size below which it is noise. With `previous` (the
    /// stored results of the dataset's last release, which are published already), how many
    /// groups had a margin larger than their value then.
    public static func lines(for policy: Policy, previous: [String: AggregateResult] = [:]) -> [String] {
        var lines: [String] = []
        for output in policy.publishedOutputs {
            guard case let .aggregate(spec) = output.kind, let forecast = forecast(spec, of: policy) else { continue }
            if let disparity = spec.disparity {
                lines.append(disparityLine(output, spec, disparity))
                continue
            }
            var parts: [String] = []
            for statistic in forecast.statistics {
                let share = "\(format(statistic.fraction * 100))% of ε"
                if let margin = statistic.meanMargin, let bounds = statistic.bounds {
                    let spread = statistic.meanSpread.map { " (±\(format($0.centre / 100))–\(format($0.edge / 100)) at 100 as the mean lies mid-range or at an edge)" } ?? ""
                    parts.append("\(statistic.name) ±\(format(margin(100))) for a group of 100 records\(spread), ±\(format(margin(1000))) for 1,000 (\(share); range \(bounds.lowerBound)–\(bounds.upperBound); pure noise for groups of \(statistic.rangeGroupSize ?? 0) or fewer)")
                } else if statistic.inRanks {
                    let typical = statistic.rankForecast.map { forecast in
                        " (expect ±\(format(forecast(100))) at a group of 100 records, ±\(format(forecast(1000))) at 1,000, when they spread over the candidates)"
                    } ?? ""
                    parts.append("\(statistic.name) within ±\(format(statistic.margin)) records of the true rank, a bound for any data\(typical) (\(share))")
                } else {
                    parts.append("\(statistic.name) ±\(format(statistic.margin)) (\(share))")
                }
            }
            if let rollUp = spec.rollUp, let margin = rollUpMargin(spec, of: policy) {
                parts.append("each category row's count ±\(format(margin)) (\(format(rollUp.share * 100))% of ε; \(rollUp.categories.count) categories of \(rollUp.column) from \(rollUp.file) count the records of the values not listed on their own)")
            }
            var line = "\(output.id): 95% margins: " + parts.joined(separator: "; ")
            if spec.contribution?.isAuto == true {
                line += " (at the largest bounds contribution: auto may choose; a release that chooses smaller ones is more accurate)"
            }
            if !spec.totalsOver.isEmpty {
                let share = AggregateParameters(spec).budget.epsilonEquivalent
                line += " (the daily table's ε \(format(share)) of the output's \(format(output.epsilon)); each of its \(spec.totalsOver.map { "\($0)ly" }.joined(separator: ", ")) totals gets as much)"
            } else if let period = spec.periodOf {
                line += " (per \(period.level), ε \(format(output.epsilon)) of \(period.output)'s budget, one noise per \(period.level) instead of one per day)"
            }
            if let result = previous[output.id], !result.rows.isEmpty {
                // Each statistic judged in its own unit, by the published flags' rule (a quantile's rank
                // margin against the group's count, never against seconds).
                let specs = Dictionary(spec.statistics.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
                let countIndex = result.statistics.firstIndex(of: "count")
                let swamped = result.statistics.indices.map { index in
                    result.rows.filter { row in
                        let flag = Reliability.of(specs[result.statistics[index]], value: row.values[index],
                                                  margin: row.margins[index], count: countIndex.map { row.values[$0] })
                        return flag == .noise || flag == .withheld
                    }.count
                }
                let worst = zip(result.statistics, swamped).filter { $0.1 > 0 }
                if !worst.isEmpty {
                    line += ". In the last release, " + worst.map { "\($0.1) of \(result.rows.count) groups had a \($0.0) flagged noise or withheld" }.joined(separator: ", ")
                }
            }
            lines.append(line + ".")
        }
        return lines
    }

    /// Warnings (they do not stop a release), one rule per statistic kind in the kind's own unit,
    /// the published flags' rule (``Reliability``) at the forecast margin: a count whose margin is
    /// at least 100 records, a sum whose margin exceeds the sum of 100 records at the larger bound,
    /// a mean whose margin is its whole range, and a quantile whose rank margin is half the group,
    /// for groups of 100 records or more. Each names the output and what would help.
    public static func warnings(for policy: Policy) -> [PolicyDiagnostic] {
        var warnings: [PolicyDiagnostic] = []
        let identifying = policy.identifyingColumns
        if policy.privacyUnit == nil, let first = identifying.first {
            let names = identifying.map(\.name)
            warnings.append(PolicyDiagnostic(first.location, "the table holds columns that identify people (\(names.joined(separator: ", "))) but the policy names no privacy_unit, so it protects each record, not each person: someone in many records is protected many times less, and k counts records. Mark the columns that identify a person as privacy_unit (several together form one unit, e.g. \(names.prefix(2).map { "\($0): privacy_unit" }.joined(separator: " and ")))"))
        }
        return warnings + policy.outputs.flatMap { output -> [PolicyDiagnostic] in
            guard case let .aggregate(spec) = output.kind, spec.disparity == nil, let forecast = forecast(spec, of: policy) else { return [] }
            return forecast.statistics.compactMap { statistic in
                // A quantile, in its own unit (records): its rank margin is half a group of 2m records, so
                // it is flagged noise there (``Reliability``).
                if statistic.inRanks {
                    let size = Int((2 * statistic.margin).rounded(.up))
                    guard size >= 100 else { return nil }
                    return PolicyDiagnostic(output.location, "output '\(output.id)': \(statistic.name) would be noise in every group of \(size) records or fewer (its published value may lie \(format(statistic.margin)) records away from the true rank, half such a group); use coarser groups, more ε, a larger weight for it (weights:), or fewer statistics in this output")
                }
                // A count, in records: noise (margin at least the value) in every group of at most its margin.
                if statistic.name == "count" {
                    let size = Int(statistic.margin.rounded(.down))
                    guard size >= 100 else { return nil }
                    return PolicyDiagnostic(output.location, "output '\(output.id)': count would be noise in every group of \(size) records or fewer (its 95% margin is ±\(format(statistic.margin)) records, as large as such a count); use coarser groups, more ε, a larger weight for it (weights:), smaller contribution bounds, or fewer statistics in this output")
                }
                // A sum, in its own unit: noise in every group of at most margin / max(|L|, |H|) records even
                // when every value sits at the larger bound.
                if statistic.name.hasPrefix("sum_"), let bounds = statistic.bounds {
                    let largest = max(abs(bounds.lowerBound), abs(bounds.upperBound))
                    let size = largest > 0 ? Int((statistic.margin / Double(largest)).rounded(.down)) : 0
                    guard size >= 100 else { return nil }
                    return PolicyDiagnostic(output.location, "output '\(output.id)': \(statistic.name) would be noise in every group of \(size) records or fewer (its 95% margin is ±\(format(statistic.margin)), as large as such a group's sum even with every value at \(largest)); use coarser groups, more ε, a larger weight for it (weights:), or fewer statistics in this output")
                }
                guard let size = statistic.rangeGroupSize, size >= 100, let bounds = statistic.bounds else { return nil }
                return PolicyDiagnostic(output.location, "output '\(output.id)': \(statistic.name) would be noise (a margin as wide as \(bounds.lowerBound)–\(bounds.upperBound)) in every group of \(size) records or fewer; use coarser groups, a narrower range, more ε, a larger weight for it (weights:), missing: refuse if \(statistic.name.dropFirst(5)) is never missing (the mean then shares the output's count), or fewer statistics in this output")
            }
        }
    }

    /// A disparity output's expected interval half-widths at a 30% rate for groups of 100 and
    /// 1,000 records, from the bootstrap the release itself uses (on made-up counts, no data).
    static func disparityLine(_ output: OutputSpec, _ spec: AggregateSpec, _ disparity: DisparitySpec) -> String {
        let bounds = AggregateParameters(spec).bounds
        let scale = 2 * Double(bounds.groupsPerUnit * bounds.rowsPerUnitPerGroup) / output.epsilon
        let sizes = [100, 1000]
        let release = DisparityEstimator.infer(sizes.map { DisparityEstimator.NoisyCounts(numerator: $0 * 3 / 10, denominator: $0) },
                                               scale: scale, reference: nil, minimumSize: disparity.minimumSize)
        let widths = release.rates.map { format(($0.high - $0.low) / 2 * 100) }
        return "\(output.id): 95% intervals of a 30% rate about ±\(widths[0]) points for a group of 100 records and ±\(widths[1]) for 1,000 (noise and chance variation together); groups under \(disparity.minimumSize) records are not enough data."
    }

    /// The 95% margin of a roll-up's category counts (``DifferentialPrivacy/RolledUpCounts``): noise of
    /// sensitivity G·R at the roll-up's share of the output's budget; nil without a roll-up.
    static func rollUpMargin(_ spec: AggregateSpec, of policy: Policy) -> Double? {
        let parameters = AggregateParameters(spec, personLevel: policy.privacyUnit != nil)
        guard parameters.rollUpShare > 0 else { return nil }
        let sensitivity = Double(parameters.bounds.groupsPerUnit * parameters.bounds.rowsPerUnitPerGroup)
        let distribution: NoiseDistribution = switch parameters.budget.scaled(by: parameters.rollUpShare) {
        case let .epsilon(epsilon, _): .discreteLaplace(scale: sensitivity / Fraction.below(epsilon).doubleValue)
        case let .rho(rho, _): .discreteGaussian(sigmaSquared: sensitivity * sensitivity / (2 * Fraction.below(rho).doubleValue))
        }
        return Double(distribution.marginOfError())
    }

    static func forecast(_ spec: AggregateSpec, of policy: Policy) -> AccuracyForecast? {
        AggregateParameters(spec, personLevel: policy.privacyUnit != nil).forecast
    }

    static func format(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(format: "%.3g", value)
    }
}
