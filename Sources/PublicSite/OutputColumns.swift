import Foundation

/// How an aggregate output's published table names and writes its columns: each statistic,
/// its 95% margin and its reliability flag, numbers without a spurious fraction. One place for
/// the planner that writes the tables and the pages that read them.
public enum OutputColumns {
    /// The column holding a statistic's 95% margin. A quantile's margin is a number of
    /// records (a rank), not seconds or dollars, and its name says so.
    public static func margin(_ statistic: String) -> String {
        isQuantile(statistic) ? statistic + "_rank_moe95" : statistic + "_moe95"
    }

    /// True for the names the engine gives quantiles (`median_x`, `q90_x`).
    public static func isQuantile(_ statistic: String) -> Bool {
        statistic.hasPrefix("median_") || statistic.range(of: "^q[0-9]+_", options: .regularExpression) != nil
    }

    /// A published number: an integer without a fraction, anything else with two decimals.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.2f", value)
    }
}
