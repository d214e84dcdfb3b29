import PrivacyPolicy

/// A reliability flag for every published statistic, computed from published values only (the
/// value, its margin, the group's published noisy count and the policy's bounds), so it costs no
/// privacy and a reader can recompute it. The rule, stated in each flag column's schema:
///
/// - counts and sums: `noise` when the 95% margin is at least the value's size (the value is
///   indistinguishable from zero), `low precision` when it is at least 30% of it, else `reliable`;
/// - means: `noise` when the margin is at least half the bounds' range, `low precision` when at
///   least a tenth of it, else `reliable`;
/// - quantiles (margin in records): `noise` when the margin is at least half the group's noisy
///   count, `low precision` when at least a tenth of it, else `reliable`;
/// - means and quantiles of a group whose noisy count is under ``minimumGroup`` are `withheld`:
///   their cells are empty rather than a value that is mostly noise (a mean of 20 records can come
///   out at a bound). Without a count in the output, a quantile is `unrated`.
enum Reliability: String {
    case reliable
    case lowPrecision = "low precision"
    case noise
    case withheld
    case unrated

    /// Means and quantiles of groups with fewer noisy records than this are withheld.
    static let minimumGroup = 20.0

    /// The flag column of `statistic`.
    static func column(_ statistic: String) -> String { statistic + "_flag" }

    /// The flag of one published value.
    static func of(_ statistic: StatisticSpec?, value: Double, margin: Double, count: Double?) -> Reliability {
        switch statistic {
        case .mean(_, let bounds)?:
            if let count, count < minimumGroup { return .withheld }
            let range = bounds.upperBound - bounds.lowerBound
            return margin >= range / 2 ? .noise : margin >= range / 10 ? .lowPrecision : .reliable
        case .median?, .quantile?:
            guard let count else { return .unrated }
            if count < minimumGroup { return .withheld }
            return margin >= count / 2 ? .noise : margin >= count / 10 ? .lowPrecision : .reliable
        default:
            let size = abs(value)
            return margin >= size ? .noise : margin >= 0.3 * size ? .lowPrecision : .reliable
        }
    }

    /// The schema's description of `statistic`'s flag column: the rule above, for its kind.
    static func description(of statistic: StatisticSpec?, name: String) -> String {
        let common = "reliable, low precision, noise or withheld, computed from published values only"
        switch statistic {
        case .mean?:
            return "\(common): noise when \(name)'s 95% margin is at least half its bounds' range, low precision when at least a tenth, withheld (value and margin empty) when the group's published count is under \(Int(minimumGroup))"
        case .median?, .quantile?:
            return "\(common): noise when \(name)'s rank margin is at least half the group's published count, low precision when at least a tenth, withheld (value and margin empty) when that count is under \(Int(minimumGroup)); unrated when the output publishes no count"
        default:
            return "\(common): noise when \(name)'s 95% margin is at least the value's size (indistinguishable from zero), low precision when at least 30% of it, else reliable"
        }
    }
}
