import Foundation

/// A privacy officer's policy for one dataset: which columns leave the
/// operational store and how, which records are deleted, and what is published.
///
/// The format is deny-by-default (DESIGN.md, "Policy format"): every column of
/// the source table carries a ``Treatment``; a column not listed stops every
/// release. Parse with ``PolicyLoader``; a value of this type has passed every
/// check that does not need the store (``StoreSchemaCheck`` does those).
public struct Policy: Sendable {
    /// Format version; only 1 exists.
    public var version: Int
    /// Public metadata of the dataset.
    public var dataset: DatasetInfo
    /// Where the records come from.
    public var source: SourceSpec
    /// When records are deleted from the operational store, if ever.
    public var retention: RetentionSpec?
    /// Every column of the source table, in file order.
    public var columns: [ColumnSpec]
    /// Rows withheld from every output.
    public var exclude: [ExcludeRule]
    /// Columns computed from others while reading.
    public var derived: [DerivedColumn]
    /// What a release publishes.
    public var outputs: [OutputSpec]
    /// Privacy-loss caps the ledger enforces.
    public var budget: BudgetSpec
    /// The file the policy was read from.
    public var path: String
    /// The exact bytes of the file, for hashing and for shipping with a release.
    public var bytes: Data
    /// Columns whose published values are limited to a list (`publish_only:`): a record holding
    /// any other value, or none, is withheld from every output and counted in the steward's log,
    /// so a category that appears for the first time is never published before someone adds it.
    public var publishOnly: [ExcludeRule] = []
    /// The population the privacy unit belongs to, when the policy names one
    /// (`caller_id: {privacy_unit: {population: residents}}`).
    public var declaredPopulation: String? = nil
    /// The dashboard's map, when the policy names a boundary file.
    public var map: MapSpec? = nil
    /// The base table `source.table` names, as the store resolves it (case, schema prefix, a
    /// view over one table); set by the publication plan when there is a store, nil before.
    public var resolvedTable: String? = nil

    /// The treatment of `column`, if the policy lists it.
    public func treatment(of column: String) -> Treatment? {
        columns.first { $0.name == column }?.treatment
    }

    /// The columns marked `privacy_unit`, in file order: one column (a caller id), or several that
    /// together identify a person (a complainant's name and phone), whose values the release joins
    /// and hashes under the ledger's key. Empty for a record-level dataset.
    public var privacyUnitColumns: [String] {
        columns.filter { $0.treatment == .privacyUnit }.map(\.name)
    }

    /// The name of the privacy unit (a caller, a resident) in the table a release reads: the unit
    /// column itself, or for a unit of several columns their names joined by `+`
    /// (``privacyUnitColumns``). Nil for a record-level dataset, where each record is its own unit.
    public var privacyUnit: String? {
        let parts = privacyUnitColumns
        return parts.isEmpty ? nil : parts.joined(separator: "+")
    }

    /// Columns whose name says they identify a person (a name, phone, e-mail, date of birth,
    /// licence or passport number, social security number): a policy without a privacy unit over
    /// such a table protects records, not people, and `policy check` warns.
    public var identifyingColumns: [ColumnSpec] {
        let words: Set<String> = ["name", "phone", "email", "mail", "mobile", "ssn", "dob", "birthdate", "birth", "license", "licence", "passport"]
        return columns.filter { column in
            column.name.lowercased().split(whereSeparator: { !$0.isLetter }).contains { words.contains(String($0)) }
        }
    }

    /// The files the policy reads besides itself (hierarchy files, the map's boundaries), as
    /// written in the policy and as a path: they shape a release as much as the policy's text,
    /// so each release publishes them beside `policy.yaml` and its signed manifest covers them.
    public var referencedFiles: [(written: String, path: String)] {
        let folder = (path as NSString).deletingLastPathComponent
        func resolve(_ written: String) -> String {
            written.hasPrefix("/") ? written : (folder as NSString).appendingPathComponent(written)
        }
        var files: [(String, String)] = []
        for column in columns {
            if case let .generalize(.file(written)) = column.treatment { files.append((written, resolve(written))) }
        }
        if let map { files.append((map.file, resolve(map.file))) }
        var seen: Set<String> = []
        return files.filter { seen.insert($0.0).inserted }
    }

    /// "person" when the dataset names a privacy unit, else "record": the word every public text
    /// uses for what one unit of protection covers.
    public var unitNoun: String { privacyUnit == nil ? "record" : "person" }

    /// The ledger namespace this dataset's people are charged in. Datasets and
    /// policies over the same population share one per-person budget: by default
    /// every policy over the same table and unit column (a renamed dataset id or a
    /// second policy does not get a budget of its own); a named population joins
    /// tables (callers and engagement contacts who are the same residents).
    /// Without a privacy unit, each record is its own unit: `records:<table>`.
    /// The table is ``populationTable``, so `CALLS_FOR_SERVICE`, `main.calls_for_service` and a
    /// view over it are the same people.
    public var population: String {
        if let declaredPopulation { return declaredPopulation }
        if let unit = privacyUnit { return "\(populationTable).\(unit)" }
        return "records:\(populationTable)"
    }

    /// The table of people this policy reads: ``resolvedTable`` when the store has resolved it,
    /// else `source.table` lower-cased without a `main.` or `public.` schema prefix.
    public var populationTable: String {
        if let resolvedTable { return resolvedTable }
        let table = source.table.lowercased()
        for prefix in ["main.", "public."] where table.hasPrefix(prefix) { return String(table.dropFirst(prefix.count)) }
        return table
    }
}

/// Public metadata, copied into the data package and the catalog.
public struct DatasetInfo: Sendable, Equatable {
    /// Identifier: lowercase letters, digits and `-`; names the release folder.
    public var id: String
    public var title: String
    public var description: String
    public var publisher: String
    public var contact: String
    /// SPDX licence identifier, e.g. `CC-BY-4.0`.
    public var license: String
    public var keywords: [String]
    /// Release cadence, e.g. `daily`.
    public var frequency: String?
    /// The release-level guarantee the dataset claims (DESIGN.md, "Release-level guarantee").
    public var guarantee: ReleaseGuarantee = .differentialPrivacy
}

/// What a whole release of a dataset guarantees, all outputs together.
///
/// A release's guarantee is that of its weakest output: plain k-anonymous
/// records published beside differentially private tables of the same rows
/// reveal exact counts and membership, so the tables' DP would protect nothing.
/// `policy check` therefore refuses that mix unless every record-level output
/// is itself DP (then the release is DP end to end, by sequential composition
/// of its outputs' (ε, δ)), or the dataset declares `guarantee: k_anonymity`,
/// in which case nothing about it is called differentially private.
public enum ReleaseGuarantee: String, Sendable, Equatable, CaseIterable {
    /// Every output is (ε, δ)-differentially private; the release is (Σε, Σδ)-DP.
    case differentialPrivacy = "differential_privacy"
    /// Record-level outputs are k-anonymous only; membership of a person is not hidden.
    case kAnonymity = "k_anonymity"
}

/// The source table and how its records fall into release windows.
public struct SourceSpec: Sendable, Equatable {
    /// Table in the operational store.
    public var table: String
    /// The timestamp column that places a record in a window.
    public var windowBy: String
    /// IANA zone whose calendar days are the windows.
    public var timezone: String
}

/// A length of time, in calendar units.
public struct RetentionPeriod: Sendable, Equatable, CustomStringConvertible {
    /// Calendar unit of a period.
    public enum Unit: String, Sendable, CaseIterable {
        case days, months, years
    }
    public var amount: Int
    public var unit: Unit

    /// The instant `amount unit`s before `date`, in UTC calendar arithmetic.
    public func subtracted(from date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        var components = DateComponents()
        switch unit {
        case .days: components.day = -amount
        case .months: components.month = -amount
        case .years: components.year = -amount
        }
        return calendar.date(byAdding: components, to: date) ?? date
    }

    public var description: String { "\(amount) \(unit.rawValue)" }
}

/// Retention: records older than `deleteAfter`, measured from `measuredFrom`,
/// are deleted unless `keepIf` is true for them.
public struct RetentionSpec: Sendable, Equatable {
    public var deleteAfter: RetentionPeriod
    public var measuredFrom: String
    /// A boolean column (e.g. a legal hold) that protects a record from deletion.
    public var keepIf: String?
    /// The largest share of the table one run may delete without `--confirm-mass-deletion`.
    public var maxSharePerRun: Double = RetentionSpec.defaultMaxSharePerRun

    /// 10%: a nightly run deletes one night's worth (1/365 of a table kept a year, 1/2,555 of
    /// one kept seven), so more than a tenth at once means a wrong rule, a wrong clock or
    /// timestamps read in the wrong format, and deleting is the one step that cannot be undone.
    public static let defaultMaxSharePerRun = 0.10

    public init(deleteAfter: RetentionPeriod, measuredFrom: String, keepIf: String?, maxSharePerRun: Double = RetentionSpec.defaultMaxSharePerRun) {
        self.deleteAfter = deleteAfter
        self.measuredFrom = measuredFrom
        self.keepIf = keepIf
        self.maxSharePerRun = maxSharePerRun
    }
}

/// What happens to one column of the source table.
public enum Treatment: Sendable, Equatable {
    /// Never read from the store.
    case drop
    /// Published as it is.
    case keep
    /// Identifies the person a record is about; bounds DP contributions, never published.
    case privacyUnit
    /// Replaced by HMAC-SHA256 under a secret key; linkable across releases.
    case pseudonymize
    /// Published only under ℓ-diversity / t-closeness protection.
    case sensitive
    /// Published as it is in record-level outputs, not treated as a quasi-identifier,
    /// because the privacy officer states why it cannot identify anyone (the reason is
    /// printed in every report).
    case insensitive(reason: String)
    /// A quasi-identifier, generalised along a hierarchy.
    case generalize(HierarchySpec)

    /// The word used in policy files.
    public var keyword: String {
        switch self {
        case .drop: "drop"
        case .keep: "keep"
        case .privacyUnit: "privacy_unit"
        case .pseudonymize: "pseudonymize"
        case .sensitive: "sensitive"
        case .insensitive: "insensitive"
        case .generalize: "generalize"
        }
    }

    /// True when values of this column may appear in some output.
    public var isPublishable: Bool {
        switch self {
        case .drop, .privacyUnit: false
        case .keep, .pseudonymize, .sensitive, .insensitive, .generalize: true
        }
    }
}

extension Policy {
    /// Where `text` first appears in the policy file (its line, the column of the text), for a
    /// diagnostic about a value that has no location of its own; line 1 when it does not appear.
    public func location(ofText text: String) -> SourceLocation {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            if let range = line.range(of: text) {
                return SourceLocation(file: path, line: index + 1, column: line.distance(from: line.startIndex, to: range.lowerBound) + 1)
            }
        }
        return SourceLocation(file: path, line: 1, column: 1)
    }
}

/// A column of the source table and its treatment.
public struct ColumnSpec: Sendable, Equatable {
    public var name: String
    public var treatment: Treatment
    /// Where the column is listed, for error messages.
    public var location: SourceLocation
}

/// A generalisation hierarchy for a quasi-identifier. Every builder ends at `*`.
public enum HierarchySpec: Sendable, Equatable {
    /// Truncate a timestamp to each level in turn.
    case time([TimeLevel])
    /// Numeric bands of the given widths; values at or above `top` fall in one band.
    case bands([Int], top: Int?)
    /// "1234 N MAIN ST" → "1200 BLOCK N MAIN ST" (100) → "1000 BLOCK N MAIN ST" (1000) → street.
    case streetBlock([Int])
    /// Mask this many characters from the right, per level.
    case prefix([Int])
    /// Round to this many decimal places, per level (coordinates).
    case round([Int])
    /// An ARX hierarchy file, relative to the policy's folder.
    case file(String)

    /// Builder name as written in policies.
    public var builder: String {
        switch self {
        case .time: "time"
        case .bands: "bands"
        case .streetBlock: "street_block"
        case .prefix: "prefix"
        case .round: "round"
        case .file: "file"
        }
    }
}

/// Calendar granularity of a time hierarchy level.
public enum TimeLevel: String, Sendable, CaseIterable, Comparable {
    case hour, day, week, month, quarter, year

    /// Position from finest (hour, 0) to coarsest (year, 5).
    public var rank: Int {
        switch self {
        case .hour: 0
        case .day: 1
        case .week: 2
        case .month: 3
        case .quarter: 4
        case .year: 5
        }
    }

    public static func < (lhs: TimeLevel, rhs: TimeLevel) -> Bool { lhs.rank < rhs.rank }
}

/// Rows whose `column` holds one of `values` are withheld from every output.
public struct ExcludeRule: Sendable, Equatable {
    public var column: String
    public var values: [String]
}

/// A column computed while reading, from columns that are never published themselves.
public struct DerivedColumn: Sendable, Equatable {
    /// The computation.
    public enum Kind: Sendable, Equatable {
        /// Seconds from the first timestamp to the second.
        case secondsBetween(String, String)
    }
    public var name: String
    public var kind: Kind
    public var location: SourceLocation

    /// Source columns this column is computed from.
    public var inputs: [String] {
        switch kind {
        case let .secondsBetween(a, b): [a, b]
        }
    }
}

/// Budget caps. ε is summed over a release's outputs (sequential composition)
/// and over a rolling 365 days per privacy unit.
public struct BudgetSpec: Sendable, Equatable {
    public var perReleaseEpsilon: Double
    /// Per person, over any 365-day span: the ledger leaves a person out of a release that would pass it.
    public var rolling365DayEpsilon: Double?
    /// Per person, over any 365-day span, for δ (optional).
    public var rolling365DayDelta: Double? = nil

    public init(perReleaseEpsilon: Double, rolling365DayEpsilon: Double? = nil, rolling365DayDelta: Double? = nil) {
        self.perReleaseEpsilon = perReleaseEpsilon
        self.rolling365DayEpsilon = rolling365DayEpsilon
        self.rolling365DayDelta = rolling365DayDelta
    }
}
