/// A comparison of rates between groups (`kind: disparity`): per group of one column, the
/// share of records with an outcome (complaints sustained, calls answered within a target,
/// contacts rated 4 or 5), with differences and ratios against a reference group or the
/// overall rate.
///
/// It is released as an aggregate output with two statistics over the same public groups: the
/// number of records with a recorded outcome (the denominator) and the number with the outcome
/// (the numerator, a sum of a 0/1 indicator). Each gets half the output's ε, so the pair is ε-DP
/// like any aggregate output and is charged to the ledger the same way. The rates, intervals and
/// findings are post-processing of the two noisy counts (`DisparityEstimator`).
public struct DisparitySpec: Sendable, Equatable {
    /// The column whose groups are compared (its keys must be public).
    public var group: String
    /// Optional period column at a time level (`{received_at: month}`): one comparison per period.
    public var period: GroupKey?
    /// Which records have the outcome.
    public var outcome: OutcomeSpec
    /// The group every other is compared with; nil compares each group with the overall rate.
    public var reference: String?
    /// The noisy number of records a group (and the reference) needs before a disparity is reported.
    public var minimumSize: Int

    public init(group: String, period: GroupKey?, outcome: OutcomeSpec, reference: String?, minimumSize: Int) {
        self.group = group
        self.period = period
        self.outcome = outcome
        self.reference = reference
        self.minimumSize = minimumSize
    }
}

/// Which records count as having the outcome of a ``DisparitySpec``. A record whose outcome
/// column is empty (or, for a numeric condition, not a number) has no recorded outcome and is
/// left out of both the numerator and the denominator.
public struct OutcomeSpec: Sendable, Equatable {
    /// The test applied to the outcome column's value.
    public enum Condition: Sendable, Equatable {
        /// The value is one of these labels (`is: [Sustained]`).
        case oneOf([String])
        /// The value is a number at most this (`at_most: 600`).
        case atMost(Double)
        /// The value is a number at least this (`at_least: 4`).
        case atLeast(Double)
    }

    public var column: String
    public var condition: Condition
    /// When set, only records whose value is one of these have a recorded outcome (`among:`
    /// decided findings leaves pending complaints out of the rate).
    public var among: [String]?

    public init(column: String, condition: Condition, among: [String]? = nil) {
        self.column = column
        self.condition = condition
        self.among = among
    }

    /// Whether `value` has the outcome; nil when the record has no recorded outcome.
    public func holds(_ value: String?) -> Bool? {
        guard let value, !value.isEmpty else { return nil }
        if let among, !among.contains(value) { return nil }
        switch condition {
        case let .oneOf(labels): return labels.contains(value)
        case let .atMost(limit): return Double(value).map { $0 <= limit }
        case let .atLeast(limit): return Double(value).map { $0 >= limit }
        }
    }

    /// The outcome in words: `finding is Sustained`, `response_seconds at most 600`.
    public var phrase: String {
        switch condition {
        case let .oneOf(labels): "\(column) is \(labels.joined(separator: " or "))" + (among.map { " (of those that are \($0.joined(separator: ", ")))" } ?? "")
        case let .atMost(limit): "\(column) at most \(PolicyExplainer.format(limit))"
        case let .atLeast(limit): "\(column) at least \(PolicyExplainer.format(limit))"
        }
    }
}

extension DisparitySpec {
    /// The method and its limits in plain language, for `policy explain`, the privacy report and
    /// the dashboard.
    public var explanation: String {
        let against = reference.map { "the \($0) group" } ?? "all groups together"
        var text = "For each \(group)\(period.map { " and \($0.level ?? "period") of \($0.column)" } ?? ""), two numbers are counted with random noise added (each with half of ε): records with a recorded \(outcome.column), and records where \(outcome.phrase). The rate is their ratio, compared with \(against) as a difference and a ratio. "
        text += "Each has a 95% interval from a parametric bootstrap (Ferrando, Wang & Sheldon 2022) that simulates both the chance variation in which incidents happen and the noise, computed from the published noisy counts alone, so anyone can recompute it. "
        text += "A difference is called a disparity only when it lies beyond what parity itself would produce (the whole pipeline simulated with every group at the reference's rate) and its own interval excludes zero, both at a level widened for the number of groups compared (Bonferroni), so that an output flags a true parity at most 5% of the time and both groups have at least \(minimumSize) records by their noisy count; otherwise it is reported as no evidence of a difference, which does not mean the rates are equal, or as not enough data. "
        text += "What this cannot show: a disparity in recorded incidents is a correlation, not a cause; it says nothing about incidents that were never recorded or about why rates differ."
        return text
    }
}
