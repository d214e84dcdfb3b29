@_exported import DPParameters
/// One statistic of an aggregate output, with the clamping bounds that fix its sensitivity.
public enum AggregateStatistic: Sendable, Equatable {
    case count
    /// Sum of values clamped to [low, high] and rounded to integers.
    case sum(column: String, low: Int, high: Int)
    /// Mean of values clamped to [low, high].
    case mean(column: String, low: Int, high: Int)
    /// The q-quantile (0 < q < 1) of integer values in [low, high]; the median is q = 1/2.
    case quantile(column: String, q: Double, low: Int, high: Int)

    /// The output column name.
    public var name: String {
        switch self {
        case .count: "count"
        case let .sum(column, _, _): "sum_\(column)"
        case let .mean(column, _, _): "mean_\(column)"
        case let .quantile(column, q, _, _): q == 0.5 ? "median_\(column)" : "q\(Int((q * 100).rounded()))_\(column)"
        }
    }
}

/// The privacy parameters of one aggregate output (``DPParameters/PrivacyParameters``, shared with the policy).
public typealias AggregateBudget = PrivacyParameters

/// The records of an aggregate output, already minimised and grouped.
public struct AggregateInput: Sendable {
    /// Rows in the input.
    public var rowCount: Int
    /// Privacy unit of each row (nil: every row is its own unit).
    public var units: [Int32]?
    /// Group of each row: an index into ``groupKeys``, or −1 when the row belongs to no published key.
    public var groups: [Int32]
    /// Key values of each group, one string per group-by column.
    public var groupKeys: [[String]]
    /// Measured columns: one value per row (nil when missing, which counts as not contributing).
    public var measures: [String: MeasureColumn]
    /// Measured columns the policy declares can never be missing. A mean over one
    /// divides by the output's noisy count instead of spending budget on its own;
    /// a kept row without a value then stops the output (``DPError/missingValues(column:rows:)``).
    /// Decided by the policy, never by the data, so the choice itself reveals nothing.
    public var complete: Set<String>
    /// Quantiles (by statistic name, `median_x`) whose candidates are a log-spaced grid of this
    /// many points over their bounds instead of every integer (``QuantileMechanism/logGrid(low:high:points:)``).
    public var logGrids: [String: Int] = [:]
    /// With private keys: the category of each group, so the records of groups partition selection
    /// leaves out are counted under their categories (``RolledUpCounts``); nil for no roll-up.
    public var rollUp: RollUpInput? = nil

    public init(rowCount: Int, units: [Int32]?, groups: [Int32], groupKeys: [[String]], measures: [String: MeasureColumn],
                complete: Set<String> = [], logGrids: [String: Int] = [:]) {
        self.logGrids = logGrids
        self.rowCount = rowCount
        self.units = units
        self.groups = groups
        self.groupKeys = groupKeys
        self.measures = measures
        self.complete = complete
    }
}

/// Which group keys an output publishes.
public enum KeySelection: Sendable, Equatable {
    /// Every group of ``AggregateInput/groupKeys`` is published, zeros included
    /// (the caller lists the full public key set there).
    case publicKeys
    /// Keys are chosen by DP partition selection among the observed groups.
    case privateKeys
}

/// One published row: the key and, per statistic, the noisy value and its 95% margin of error.
public struct AggregateRow: Sendable, Equatable, Codable {
    public var key: [String]
    public var values: [Double]
    public var margins: [Double]
}

/// How one statistic was protected, for the report.
public struct StatisticNoise: Sendable, Equatable, Codable {
    public var statistic: String
    /// ε (or ρ) given to this statistic.
    public var share: Double
    /// The noise distribution per group (of the sum for means).
    public var distribution: NoiseDistribution
    /// 95% margin of error of each published value (for means, a bound; see ``AggregateEngine``).
    public var margin: Double
    /// What post-processing did, in words, with its bias.
    public var postProcessing: String
    /// For a count pooled with a mean (``PooledSums``): the mean's range W. The count's noise is then
    /// (Y₁ + Y₂)/W for two independent draws of `distribution`; nil for every other statistic.
    public var pooledWidth: Int? = nil

    /// The standard deviation of one published value's noise: that of `distribution`, or of the
    /// rounded (Y₁ + Y₂)/W for a pooled count (``PooledSums/countDeviation(noise:width:)``).
    public var standardDeviation: Double {
        guard let pooledWidth, pooledWidth > 0 else { return distribution.standardDeviation }
        return PooledSums.countDeviation(noise: distribution, width: pooledWidth)
    }
}

/// The result of one aggregate output.
public struct AggregateResult: Sendable, Equatable, Codable {
    public var statistics: [String]
    public var rows: [AggregateRow]
    public var noise: [StatisticNoise]
    /// ε charged (the output's ε, or its ρ converted).
    public var epsilon: Double
    public var delta: Double?
    public var rho: Double?
    /// Partition-selection threshold on the noisy count, when keys were private.
    public var threshold: Int?
    /// Rows kept after contribution bounding.
    public var rowsAfterBounding: Int
    /// The DP estimate of the records the contribution bounds left out (nil for record-level
    /// outputs, and in results stored before it was published).
    public var leftOut: LeftOutRecords? = nil
    /// The contribution bounds chosen from the data for this release (`contribution: auto`), when they were.
    public var chosenBounds: ChosenContribution? = nil
    /// With a roll-up: where the category rows start in ``rows`` and how they were protected
    /// (nil without one, and in results stored before roll-ups existed).
    public var rollUp: RolledUpCounts? = nil

    /// The rows of privately selected (or public) groups: every row before the category rows.
    public var groupRows: ArraySlice<AggregateRow> { rows[..<firstCategoryRow] }
    /// The category rows of a roll-up (empty without one).
    public var categoryRows: ArraySlice<AggregateRow> { rows[firstCategoryRow...] }
    /// Where the category rows start (the end of ``rows`` without a roll-up).
    var firstCategoryRow: Int { min(max(rollUp?.firstRow ?? rows.count, 0), rows.count) }
}

import Foundation
