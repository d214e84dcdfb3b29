import Anonymization
import Foundation
import OperationalStore
import PrivacyPolicy

/// What `policy check --store` can check against the data itself, beyond the
/// column names: every problem is found before a release reads, charges or
/// publishes anything.
///
/// - An exclusion value that occurs nowhere in its column but is a few edits
///   from one that does may be a typo ("BATTERY  DV"), or a category that has
///   not occurred yet ("HOSTAGE SIT-DV" beside "HOSTAGE SIT"): a warning names
///   the near misses (``exclusionWarnings(for:store:)``), and the release goes on,
///   since absence is normal for a nightly schedule and deleting the value would
///   publish the first such record when it arrives.
/// - The window column and retention's `measured_from` must hold timestamps: a
///   text column would place no record in any window and date none for deletion.
/// - A builder that cannot apply to the column's values: `bands` and `round` on
///   a column holding text, `time` on one holding something that is not a timestamp.
/// - A hierarchy file (any line ending, with or without a byte-order mark) that
///   does not cover every value of its column.
///
/// Dropped columns are never read: their exclusions are checked for existence only.
/// A release runs the exclusion check only (a few indexed or early-ending queries);
/// the builder and hierarchy checks scan whole columns and run in `policy check
/// --store` (`thorough`), since a release that met those problems would fail in
/// anonymisation anyway, before anything is charged or published.
public enum StoreDataCheck {
    /// Distinct values fetched at most, for suggestions and hierarchy coverage.
    static let distinctLimit = 50_000

    /// Every problem the data shows with `policy`, at the policy's PATH:LINE:COL; empty when none.
    /// `thorough` adds the checks that scan whole columns (builders, hierarchy coverage).
    ///
    /// - Throws: ``PublisherError/store(_:)`` when a query on `store` fails. A problem in the data is a
    ///   diagnostic, not an error.
    public static func diagnostics(for policy: Policy, store: any RecordSource, thorough: Bool = true) throws(PublisherError) -> [PolicyDiagnostic] {
        let table = policy.source.table
        var result: [PolicyDiagnostic] = []
        do {
            if thorough {
                var clocks = [("source.window_by", policy.source.windowBy)]
                if let retention = policy.retention { clocks.append(("retention.measured_from", retention.measuredFrom)) }
                for (key, column) in clocks {
                    if let value = try store.firstNonTimestamp(in: column, of: table) {
                        result.append(PolicyDiagnostic(policy.location(ofText: key.split(separator: ".").last.map { "\($0): \(column)" } ?? column),
                            "\(key) column \(column) holds '\(value)', which is not a timestamp, so it cannot place records in time; name a timestamp column, or import this one with --timestamp-format"))
                    }
                }
            }
            for column in policy.columns where thorough {
                guard case let .generalize(hierarchy) = column.treatment else { continue }
                switch hierarchy {
                case .bands, .round:
                    if let value = try store.firstNonNumber(in: column.name, of: table) {
                        result.append(PolicyDiagnostic(column.location, "column \(column.name) holds '\(value)', which is not a number, so the \(hierarchy.builder) builder cannot apply; use a hierarchy file or another builder, or clean the column"))
                    }
                case .time:
                    if let value = try store.firstNonTimestamp(in: column.name, of: table) {
                        result.append(PolicyDiagnostic(column.location, "column \(column.name) holds '\(value)', which is not a timestamp, so the time builder cannot apply; import it with --timestamp-format, or use another builder"))
                    }
                case let .file(path):
                    let full = path.hasPrefix("/") ? path : ((policy.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
                    guard let loaded = try? Hierarchy.load(arxFile: full, column: column.name) else { continue }
                    guard let values = try store.distinctValues(of: column.name, in: table, limit: distinctLimit) else { continue }
                    let missing = values.filter { !loaded.covers($0) }.sorted()
                    if !missing.isEmpty {
                        result.append(PolicyDiagnostic(column.location, "hierarchy file \(path) has no row for \(Self.valuesNamed(missing, of: "column \(column.name)")); add a row for each"))
                    }
                case .streetBlock, .prefix:
                    break
                }
            }
        } catch {
            throw .store(error)
        }
        return result
    }

    /// "N values of COLUMN ('A', 'B', 'C', …)": how many `values`, naming the first three.
    static func valuesNamed(_ values: [String], of column: String) -> String {
        "\(values.count) value\(values.count == 1 ? "" : "s") of \(column) (\(values.prefix(3).map { "'\($0)'" }.joined(separator: ", "))\(values.count > 3 ? ", …" : ""))"
    }

    /// Values of a rolled-up column (`roll_up`) that its hierarchy file does not list, as one warning
    /// per output: they are not dropped (the release counts them under the policy's catch-all
    /// category, so no release depends on which values a night holds), but the file may want a row.
    ///
    /// - Throws: ``PublisherError/store(_:)`` when a query on `store` fails.
    public static func rollUpWarnings(for policy: Policy, store: any RecordSource) throws(PublisherError) -> [PolicyDiagnostic] {
        var result: [PolicyDiagnostic] = []
        do {
            for output in policy.outputs {
                guard case let .aggregate(spec) = output.kind, let rollUp = spec.rollUp,
                      let values = try store.distinctValues(of: rollUp.column, in: policy.source.table, limit: distinctLimit) else { continue }
                let excluded = Set(policy.exclude.filter { $0.column == rollUp.column }.flatMap(\.values))
                let missing = values.filter { rollUp.categoryOf[$0] == nil && !excluded.contains($0) }.sorted()
                guard !missing.isEmpty else { continue }
                result.append(PolicyDiagnostic(rollUp.location, "output '\(output.id)': roll_up file \(rollUp.file) has no row for \(Self.valuesNamed(missing, of: rollUp.column)); their records are counted under '\(rollUp.unlisted)'. Add rows from a published code list, not from the data: \(rollUp.membersArePublic ? "with members: public the privacy report names every listed value, so a row for a rare value publishes that it occurs" : "the privacy report names no listed value (members: public would name them)")"))
            }
        } catch {
            throw .store(error)
        }
        return result
    }

    /// Exclusion values that occur nowhere in their column but are a few edits from values that
    /// do, as warnings naming the near misses (see the type's notes). Dropped columns are only
    /// checked for existence.
    ///
    /// - Throws: ``PublisherError/store(_:)`` when a query on `store` fails.
    public static func exclusionWarnings(for policy: Policy, store: any RecordSource) throws(PublisherError) -> [PolicyDiagnostic] {
        let table = policy.source.table
        var result: [PolicyDiagnostic] = []
        do {
            for rule in policy.exclude {
                let dropped = policy.treatment(of: rule.column) == .drop
                var candidates: [String]?
                for value in rule.values where try !store.contains(value, in: rule.column, of: table) {
                    if dropped { continue }
                    if candidates == nil { candidates = try store.distinctValues(of: rule.column, in: table, limit: distinctLimit) ?? [] }
                    // Each candidate's distance once (there may be tens of thousands), nearest first.
                    let near = (candidates ?? []).map { ($0, Suggestion.distance(value.lowercased(), $0.lowercased())) }
                        .filter { $0.1 <= max(2, value.count / 4) }.sorted { $0.1 < $1.1 }.map(\.0)
                    if !near.isEmpty {
                        result.append(PolicyDiagnostic(policy.location(ofText: value),
                            "exclusion value '\(value)' of column \(rule.column) occurs nowhere in table \(table) yet, but \(near.prefix(3).map { "'\($0)'" }.joined(separator: ", ")) does; if '\(value)' is a typo, those records are published: fix it. If it is a category still to come, keep it (its records will be withheld when they arrive)"))
                    }
                }
            }
        } catch {
            throw .store(error)
        }
        return result
    }
}
