import Anonymization
import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import Tabular

/// Maps a policy's microdata output onto the `Anonymization` engine and
/// produces the records to publish.
///
/// Guarantee: the returned table holds only the output's columns, one row per
/// privacy unit at most (``RecordSelection``), in a random order. Every
/// published column is a quasi-identifier unless the policy marks it
/// `sensitive`: a column with a hierarchy is generalised along it, any other
/// (`keep`, `pseudonymize`, `insensitive: <reason>`) is published as its value
/// or `*`. `insensitive` only says the column needs no hierarchy; it stays in
/// the class key, so k holds over it too. Every row shares its quasi-identifiers with at least k − 1
/// others (k different people when the dataset has a privacy unit) and its
/// class satisfies the output's ℓ-diversity / t-closeness; suppressed records
/// are removed, not published with stars. A window too small for any
/// transformation publishes no records (and says so) instead of failing.
///
/// This is the plain k-anonymous path, allowed only under
/// `guarantee: k_anonymity`; differentially private record files go through
/// ``DPMicrodataRelease``.
public enum MicrodataPlanner {
    /// What anonymising one output did.
    public struct Outcome: Sendable {
        public var table: Table
        public var result: AnonymizationResult
        public var quasiIdentifiers: [String]
        /// Rows after one row per unit was kept (exact; the steward's log only).
        public var consideredRows: Int
    }

    /// How a published column of a record file is protected.
    enum Role {
        case quasiIdentifier(HierarchyRecipe)
        case sensitive
    }

    /// The role of every published column of `spec` (item 3 of the release-level guarantee).
    static func roles(_ spec: MicrodataSpec, of policy: Policy, zone: TimeZone) throws -> [(String, Role)] {
        let folder = (policy.path as NSString).deletingLastPathComponent
        return try spec.columns.map { column in
            switch policy.treatment(of: column) {
            case let .generalize(hierarchy)?: (column, .quasiIdentifier(try recipe(hierarchy, zone: zone, folder: folder, column: column)))
            case .sensitive?: (column, .sensitive)
            // `insensitive` only means "not generalised": the column stays in the class key, shown as
            // its value or `*`, like any kept column (k, ℓ and t hold over it too).
            default: (column, .quasiIdentifier(.valueOrSuppressed))
            }
        }
    }

    /// Anonymises `output` of `policy` over the minimised `table`.
    ///
    /// - Throws: ``PublisherError/usage(_:)`` when `output` is not a microdata output or the time zone is
    ///   unknown; ``PublisherError/invalidPolicy(_:)`` at the output's line when a column's hierarchy cannot
    ///   be built or loaded; ``PublisherError/refused(_:)`` when the anonymiser rejects the settings or finds
    ///   no transformation.
    public static func anonymize(_ output: OutputSpec, of policy: Policy, table: Table, random: RandomSource,
                                 progress: StageProgress? = nil) throws(PublisherError) -> Outcome {
        guard case let .microdata(spec) = output.kind else {
            throw .usage("output '\(output.id)' is not a microdata output")
        }
        guard let zone = TimeZone(identifier: policy.source.timezone) else {
            throw .usage("unknown time zone \(policy.source.timezone)")
        }
        let sampler = ExactSampler(random: random)
        let selected = RecordSelection.onePerUnit(table, policy: policy, columns: spec.columns, sampler: sampler)
        let published = selected.table
        var quasiIdentifiers: [Hierarchy] = []
        do {
            for (column, role) in try roles(spec, of: policy, zone: zone) {
                guard case let .quasiIdentifier(recipe) = role else { continue }
                quasiIdentifiers.append(try hierarchy(recipe, for: published.column(named: column), named: column))
            }
        } catch {
            throw .invalidPolicy(PolicyError(diagnostics: [PolicyDiagnostic(output.location, "output '\(output.id)': \(error)")]))
        }
        var models: [PrivacyModel] = [.kAnonymity(spec.k)]
        var sensitive: String?
        if let l = spec.lDiversity {
            sensitive = l.column
            switch l.variant {
            case .distinct: models.append(.lDiversity(l.l, .distinct))
            case .entropy: models.append(.lDiversity(l.l, .entropy))
            case .grassberger: models.append(.lDiversity(l.l, .grassberger))
            case let .recursive(c): models.append(.lDiversity(l.l, .recursive(c: c)))
            }
        }
        var sensitiveHierarchy: Hierarchy?
        if let t = spec.tCloseness {
            sensitive = t.column
            models.append(.tCloseness(t.t, TClosenessDistance(rawValue: t.distance.rawValue) ?? .equal))
            if case let .generalize(hierarchy)? = policy.treatment(of: t.column) {
                let folder = (policy.path as NSString).deletingLastPathComponent
                sensitiveHierarchy = try? recipe(hierarchy, zone: zone, folder: folder, column: t.column)
                    .build(column: t.column, values: published.column(named: t.column)?.dictionary ?? [])
            }
        }
        let result: AnonymizationResult
        do {
            var configuration = AnonymizationConfiguration(
                quasiIdentifiers: quasiIdentifiers, sensitive: sensitive, sensitiveHierarchy: sensitiveHierarchy,
                models: models, suppressionLimit: spec.maxSuppression, metric: metric(spec.metric))
            configuration.suppressAllWhenInfeasible = true
            configuration.recoding = spec.recoding == .local ? .local : .global
            configuration.gsFactor = spec.gsFactor
            if let progress {
                let stage = "\(policy.dataset.id)/\(output.id): k-anonymity search"
                configuration.progress = { checked, size in progress("\(stage), \(checked) of \(size) transformations checked", nil) }
            }
            result = try Anonymizer.anonymize(published, configuration: configuration)
        } catch {
            throw .refused("output '\(output.id)': \(error)")
        }
        let keep = result.suppressedRecords.map { !$0 }
        let kept = Table(columns: result.table.columns.map { $0.filtered(keeping: keep) })
        return Outcome(table: RecordSelection.shuffled(kept, sampler: sampler), result: result,
                       quasiIdentifiers: quasiIdentifiers.map(\.column), consideredRows: published.rowCount)
    }

    static func metric(_ metric: Metric) -> LossMetric {
        switch metric {
        case .entropy: .entropy
        case .entropyNonMonotonic: .entropyNonMonotonic
        case .loss: .loss
        case .discernibility: .discernibility
        case .discernibilityStar: .discernibilityStar
        case .aecs: .aecs
        }
    }

    /// `recipe`'s hierarchy over the values of `column`. A missing value is the
    /// empty string to the engine; a value-or-`*` hierarchy covers it like any value.
    static func hierarchy(_ recipe: HierarchyRecipe, for column: Column?, named name: String) throws -> Hierarchy {
        var values = column?.dictionary ?? []
        if recipe == .valueOrSuppressed, column?.codes.contains(Column.nullCode) == true, !values.contains("") { values.append("") }
        return try recipe.build(column: name, values: values)
    }

    static func recipe(_ spec: HierarchySpec, zone: TimeZone, folder: String, column: String) throws -> HierarchyRecipe {
        switch spec {
        case let .time(levels):
            return .time(levels.compactMap { HierarchyRecipe.TimeGranularity(rawValue: $0.rawValue) }, timezone: zone)
        case let .bands(widths, top): return .bands(widths, top: top)
        case let .streetBlock(sizes): return .streetBlock(sizes)
        case let .prefix(masks): return .prefix(masks)
        case let .round(places): return .round(places)
        case let .file(path):
            let full = path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)
            return .explicit(try Hierarchy.load(arxFile: full, column: column))
        }
    }
}
