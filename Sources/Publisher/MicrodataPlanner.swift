import Anonymization
import Foundation
import PrivacyPolicy
import Tabular

/// Maps a policy's microdata output onto the `Anonymization` engine and
/// produces the records to publish.
///
/// Guarantee: the returned table holds only the output's columns; every row
/// shares its generalised quasi-identifiers with at least k − 1 others and its
/// class satisfies the output's ℓ-diversity / t-closeness; suppressed records
/// are removed, not published with stars. A window too small for any
/// transformation publishes no records (and says so) instead of failing.
public enum MicrodataPlanner {
    /// What anonymising one output did.
    public struct Outcome: Sendable {
        public var table: Table
        public var result: AnonymizationResult
        public var quasiIdentifiers: [String]
    }

    /// Anonymises `output` of `policy` over the minimised `table`.
    public static func anonymize(_ output: OutputSpec, of policy: Policy, table: Table,
                                 progress: StageProgress? = nil) throws(PublisherError) -> Outcome {
        guard case let .microdata(spec) = output.kind else {
            throw .usage("output '\(output.id)' is not a microdata output")
        }
        guard let zone = TimeZone(identifier: policy.source.timezone) else {
            throw .usage("unknown time zone \(policy.source.timezone)")
        }
        let folder = (policy.path as NSString).deletingLastPathComponent
        var quasiIdentifiers: [Hierarchy] = []
        do {
            for column in spec.columns {
                guard case let .generalize(hierarchy) = policy.treatment(of: column) else { continue }
                let values = table.column(named: column)?.dictionary ?? []
                quasiIdentifiers.append(try recipe(hierarchy, zone: zone, folder: folder, column: column)
                    .build(column: column, values: values))
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
            case let .recursive(c): models.append(.lDiversity(l.l, .recursive(c: c)))
            }
        }
        var sensitiveHierarchy: Hierarchy?
        if let t = spec.tCloseness {
            sensitive = t.column
            models.append(.tCloseness(t.t, TClosenessDistance(rawValue: t.distance.rawValue) ?? .equal))
            if case let .generalize(hierarchy)? = policy.treatment(of: t.column) {
                sensitiveHierarchy = try? recipe(hierarchy, zone: zone, folder: folder, column: t.column)
                    .build(column: t.column, values: table.column(named: t.column)?.dictionary ?? [])
            }
        }
        let published = Table(columns: spec.columns.compactMap { table.column(named: $0) })
        let result: AnonymizationResult
        do {
            var configuration = AnonymizationConfiguration(
                quasiIdentifiers: quasiIdentifiers, sensitive: sensitive, sensitiveHierarchy: sensitiveHierarchy,
                models: models, suppressionLimit: spec.maxSuppression, metric: metric(spec.metric))
            configuration.suppressAllWhenInfeasible = true
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
        return Outcome(table: kept, result: result, quasiIdentifiers: quasiIdentifiers.map(\.column))
    }

    static func metric(_ metric: Metric) -> LossMetric {
        switch metric {
        case .entropy: .entropy
        case .entropyNonMonotonic: .entropyNonMonotonic
        case .loss: .loss
        case .discernibility: .discernibility
        case .aecs: .aecs
        }
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
