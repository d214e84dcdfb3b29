@_exported import DPParameters
/// One output of a release: a table of k-anonymous records or of DP statistics.
public struct OutputSpec: Sendable, Equatable {
    /// Output kind with its settings.
    public enum Kind: Sendable, Equatable {
        case microdata(MicrodataSpec)
        case aggregate(AggregateSpec)
    }
    /// Identifier; names the data file (`<id>.csv.gz`).
    public var id: String
    public var title: String?
    public var kind: Kind
    public var location: SourceLocation

    /// ε this output spends per release (0 for a plain k-anonymous microdata
    /// output). For ρ-zCDP outputs this is the (ε, δ) conversion of Bun &
    /// Steinke 2016, Prop. 1.3: ε = ρ + 2·√(ρ·ln(1/δ)), at δ/2 when private keys' selection
    /// spends the other half (``DPParameters/PrivacyParameters/selectionDelta(privateKeys:)``).
    public var epsilon: Double {
        switch kind {
        case let .aggregate(aggregate): aggregate.privacy.epsilonEquivalent(privateKeys: aggregate.hasPrivateKeys)
        case let .microdata(microdata): microdata.privacy?.epsilon ?? 0
        }
    }

    /// δ this output spends per release, if any.
    public var delta: Double? {
        switch kind {
        case let .aggregate(aggregate): aggregate.privacy.delta
        case let .microdata(microdata): microdata.privacy?.delta
        }
    }

    /// True when the output is differentially private (every aggregate, and
    /// microdata with `privacy`).
    public var isDifferentiallyPrivate: Bool {
        switch kind {
        case .aggregate: true
        case let .microdata(microdata): microdata.privacy != nil
        }
    }
}

/// Record-level output generalised to k-anonymity (Sweeney 2002), optionally
/// with ℓ-diversity (Machanavajjhala et al. 2007) and t-closeness (Li et al. 2007).
public struct MicrodataSpec: Sendable, Equatable {
    public var columns: [String]
    public var k: Int
    public var lDiversity: LDiversitySpec?
    public var tCloseness: TClosenessSpec?
    /// Largest share of records that may be suppressed, in [0, 1].
    public var maxSuppression: Double
    public var metric: Metric
    /// Global (one generalisation for every record) or local recoding (plain k-anonymous files only).
    public var recoding: RecodingMode = .global
    /// ARX's generalisation/suppression factor of the `loss` metric (0.5 unless the policy says).
    public var gsFactor: Double = 0.5
    /// When set, the output is released with (ε, δ)-differential privacy by
    /// sampling and safe k-anonymisation (SafePub); `k` and `maxSuppression`
    /// are then replaced by the k the parameters derive.
    public var privacy: MicrodataPrivacy? = nil
    /// The generalisation a differentially private record file publishes with, fixed by the
    /// policy (`generalization: {column: level, …}`): no search is run and the whole ε pays for
    /// sampling. Nil: the generalisation is chosen privately (``MicrodataPrivacy``).
    public var generalization: [DeclaredLevel]? = nil
}

/// One entry of a record file's `generalization:` (the level one published column is shown at),
/// as written; ``GeneralizationLevels/level(_:of:fileHeight:)`` reads it against the column's treatment.
public struct DeclaredLevel: Sendable, Equatable {
    /// The published column.
    public var column: String
    /// The level as written: a builder's level (`month`, `1000`, `street`, `20`, a file level
    /// number), `value` (the column as it is) or `*` (removed).
    public var level: String
    /// Where the level is written.
    public var location: SourceLocation

    public init(column: String, level: String, location: SourceLocation) {
        self.column = column
        self.level = level
        self.location = location
    }
}

/// (ε, δ) of a differentially private record-level output.
public struct MicrodataPrivacy: Sendable, Equatable {
    public var epsilon: Double
    public var delta: Double
}

/// How a k-anonymous record file is generalised: `global` applies one transformation to every
/// record; `local` gives the records it would suppress transformations of their own, round by
/// round (ARX's iterative local recoding), always labels of the same hierarchies.
public enum RecodingMode: String, Sendable, CaseIterable {
    case global
    case local
}

/// Information-loss metric that picks the optimal generalisation, as ARX defines them.
public enum Metric: String, Sendable, CaseIterable {
    case entropy
    case entropyNonMonotonic = "entropy-nm"
    case loss
    case discernibility
    /// DM*: Σ|E|² over every class, suppressed ones included (ARX's monotonic discernibility).
    case discernibilityStar = "dm-star"
    case aecs
}

/// ℓ-diversity of a sensitive column within each equivalence class.
public struct LDiversitySpec: Sendable, Equatable {
    public enum Variant: Sendable, Equatable {
        case distinct
        case entropy
        /// Entropy ℓ-diversity with Grassberger's estimator.
        case grassberger
        case recursive(c: Double)
    }
    public var column: String
    public var l: Double
    public var variant: Variant
}

/// t-closeness of a sensitive column: each class's distribution is within `t`
/// (Earth Mover's Distance) of the whole table's.
public struct TClosenessSpec: Sendable, Equatable {
    public enum Distance: String, Sendable, CaseIterable {
        case equal, ordered, hierarchical
    }
    public var column: String
    public var t: Double
    public var distance: Distance
}

/// DP statistics per group.
public struct AggregateSpec: Sendable, Equatable {
    public var groupBy: [GroupKey]
    public var keys: [String: KeySpec]
    /// True when some key is chosen by DP partition selection (`private`).
    public var hasPrivateKeys: Bool { keys.values.contains(.private) }
    public var statistics: [StatisticSpec]
    public var contribution: ContributionSpec?
    public var privacy: PrivacySpec
    /// Set for a `kind: disparity` output: the two statistics are its denominator (`count`) and
    /// numerator (a sum of the outcome indicator), and the published table holds rates,
    /// comparisons and findings instead (``DisparitySpec``).
    public var disparity: DisparitySpec? = nil
    /// `weights:` the relative share of the output's ε each statistic gets, by
    /// published column name (``StatisticSpec/name``); a statistic not named gets
    /// its default weight. Empty: every statistic gets its default, which minimises
    /// the total relative error (see `BudgetSplit` in DifferentialPrivacy).
    public var weights: [String: Double] = [:]
    /// Measured columns a statistic declares `missing: refuse` for: never missing, so
    /// a mean over one divides by the output's noisy count, and a record without a
    /// value stops the release.
    public var complete: Set<String> = []
    /// Quantiles (by statistic name, `median_x`) declared `grid: log`: their candidates are this
    /// many log-spaced points over the bounds instead of every whole number.
    public var logGrids: [String: Int] = [:]
    /// `totals_over:` calendar levels (week, month, quarter, year) whose totals of the
    /// output's counts and sums are published as their own outputs when each period
    /// ends (``Policy/publishedOutputs``), one noisy value per period instead of a sum
    /// of daily noises. The output's ε is split evenly between its daily table and
    /// each level. Needs a group-by time column at `day` and public keys.
    public var totalsOver: [String] = []
    /// Set on an output that holds another output's period totals.
    public var periodOf: PeriodOf? = nil
    /// A private key column's category hierarchy (`keys: {call_type: {private: true, roll_up: FILE}}`):
    /// the values partition selection leaves out are counted under their categories.
    public var rollUp: RollUpSpec? = nil
}

/// What a period-total output adds up: the daily output, the calendar level, and which
/// group-by column holds the day.
public struct PeriodOf: Sendable, Equatable {
    /// The id of the daily output.
    public var output: String
    /// `week`, `month`, `quarter` or `year`.
    public var level: String
    /// Index in the daily output's `group_by` of the time column grouped by day.
    public var dayIndex: Int
}

/// A grouping column, optionally at a hierarchy level (`{received_at: day}`).
public struct GroupKey: Sendable, Equatable {
    public var column: String
    public var level: String?
}

/// Where the group keys of a grouping column come from.
public enum KeySpec: Sendable, Equatable {
    /// Public list: every value is published, zeros included.
    case values([String])
    /// Chosen by DP partition selection.
    case `private`
}

/// A statistic computed per group.
public enum StatisticSpec: Sendable, Equatable {
    case count
    case sum(column: String, bounds: ClosedRange<Double>)
    case mean(column: String, bounds: ClosedRange<Double>)
    case median(column: String, bounds: ClosedRange<Double>)
    case quantile(column: String, q: Double, bounds: ClosedRange<Double>)

    /// The published column: `count`, `sum_<column>`, `mean_<column>`, `median_<column>`, `q<percent>_<column>`.
    public var name: String {
        switch self {
        case .count: "count"
        case let .sum(column, _): "sum_\(column)"
        case let .mean(column, _): "mean_\(column)"
        case let .median(column, _): "median_\(column)"
        case let .quantile(column, q, _): q == 0.5 ? "median_\(column)" : "q\(Int((q * 100).rounded()))_\(column)"
        }
    }

    /// The measured column, if the statistic has one.
    public var column: String? {
        switch self {
        case .count: nil
        case let .sum(column, _), let .mean(column, _), let .median(column, _), let .quantile(column, _, _): column
        }
    }
}

/// Contribution bounds per privacy unit (Wilson et al. 2020, "Differentially
/// private SQL with bounded user contribution").
public struct ContributionSpec: Sendable, Equatable {
    /// G, or with ``autoGroups`` the largest G a release may choose.
    public var groupsPerUnit: Int
    /// R, or with ``autoRows`` the largest R a release may choose.
    public var rowsPerUnitPerGroup: Int
    /// `groups_per_unit: auto`: each release chooses G from the data, privately.
    public var autoGroups = false
    /// `rows_per_unit_per_group: auto`: each release chooses R from the data, privately.
    public var autoRows = false

    /// The largest bound `auto` may choose (the engine’s AutoContribution.cap, 8).
    public static let autoCap = 8

    /// Whether any bound is chosen per release.
    public var isAuto: Bool { autoGroups || autoRows }
}

/// Privacy parameters of one output (``DPParameters/PrivacyParameters``, shared with the engine).
public typealias PrivacySpec = PrivacyParameters

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
