import Anonymization
import DifferentialPrivacy
import Foundation
import PrivacyPolicy
import Tabular

/// Maps a policy's aggregate output onto the plain inputs of `DifferentialPrivacy`.
///
/// Group keys: a `keys:` list is public and published in full (zeros
/// included); a time column grouped at a level without keys takes the window's
/// own days (public, known in advance); a column with a `file:` hierarchy and
/// no keys takes the file's values; `private` keys are chosen by DP
/// partition selection among the observed values. Rows whose key is outside a
/// public list are not counted.
public enum AggregatePlanner {
    /// The engine inputs of `output` over the minimised `table` for `window`.
    public static func input(for output: OutputSpec, of policy: Policy, table: Table, window: ReleaseWindow) throws(PublisherError)
        -> (input: AggregateInput, statistics: [AggregateStatistic], keys: KeySelection, bounds: ContributionBounds,
            budget: AggregateBudget)
    {
        guard case let .aggregate(spec) = output.kind else { throw .usage("output '\(output.id)' is not an aggregate") }
        guard let zone = TimeZone(identifier: policy.source.timezone) else { throw .usage("unknown time zone") }
        // Each row's key components, generalised where the group-by names a level.
        var components: [[String?]] = []
        var publicLists: [[String]?] = []
        for key in spec.groupBy {
            guard let column = table.column(named: key.column) else {
                throw .usage("output '\(output.id)': column \(key.column) was not read")
            }
            var values = column.values
            if let level = key.level, let granularity = HierarchyRecipe.TimeGranularity(rawValue: level) {
                let distinct = column.dictionary
                let hierarchy: Hierarchy
                do {
                    hierarchy = try HierarchyRecipe.time([granularity], timezone: zone).build(column: key.column, values: distinct)
                } catch {
                    throw .invalidPolicy(PolicyError(diagnostics: [PolicyDiagnostic(output.location, "output '\(output.id)': \(error)")]))
                }
                values = values.map { $0.flatMap { hierarchy.generalize($0, level: 1) } }
            }
            components.append(values)
            switch spec.keys[key.column] {
            case let .values(list): publicLists.append(list)
            case .private: publicLists.append(nil)
            case nil:
                if key.level == nil, case let .generalize(.file(path))? = policy.treatment(of: key.column) {
                    // Every value of the hierarchy file is a public key.
                    let folder = (policy.path as NSString).deletingLastPathComponent
                    let full = path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)
                    do {
                        publicLists.append(try Hierarchy.load(arxFile: full, column: key.column).rows.map { $0[0] })
                    } catch {
                        throw .invalidPolicy(PolicyError(diagnostics: [PolicyDiagnostic(output.location, "output '\(output.id)': \(error)")]))
                    }
                } else {
                    publicLists.append(windowLabels(window, level: key.level, zone: zone))
                }
            }
        }
        let isPrivate = publicLists.contains { $0 == nil }
        var groupKeys: [[String]] = []
        var index: [[String]: Int32] = [:]
        if !isPrivate {
            // Every combination of the public lists, in list order.
            groupKeys = publicLists.reduce([[]]) { partial, list in partial.flatMap { prefix in (list ?? []).map { prefix + [$0] } } }
            for (position, key) in groupKeys.enumerated() { index[key] = Int32(position) }
        }
        var groups = [Int32](repeating: -1, count: table.rowCount)
        for row in 0..<table.rowCount {
            var key: [String] = []
            var inside = true
            for (c, values) in components.enumerated() {
                guard let value = values[row] else { inside = false; break }
                if let list = publicLists[c], !list.contains(value) { inside = false; break }
                key.append(value)
            }
            guard inside else { continue }
            if let existing = index[key] {
                groups[row] = existing
            } else if isPrivate {
                let position = Int32(groupKeys.count)
                groupKeys.append(key)
                index[key] = position
                groups[row] = position
            }
        }
        var units: [Int32]?
        if let unit = policy.privacyUnit, let column = table.column(named: unit) {
            // Missing unit ids are each their own unit.
            var next = Int32(column.dictionary.count)
            units = column.codes.map { code in
                if code != Column.nullCode { return code }
                defer { next += 1 }
                return next
            }
        }
        var measures: [String: [Double?]] = [:]
        var statistics: [AggregateStatistic] = []
        for statistic in spec.statistics {
            if let name = statistic.column, measures[name] == nil, let column = table.column(named: name) {
                measures[name] = column.values.map { $0.flatMap(Double.init) }
            }
            switch statistic {
            case .count: statistics.append(.count)
            case let .sum(column, bounds): statistics.append(.sum(column: column, low: floor(bounds.lowerBound), high: ceil(bounds.upperBound)))
            case let .mean(column, bounds): statistics.append(.mean(column: column, low: floor(bounds.lowerBound), high: ceil(bounds.upperBound)))
            case let .median(column, bounds):
                statistics.append(.quantile(column: column, q: 0.5, low: floor(bounds.lowerBound), high: ceil(bounds.upperBound)))
            case let .quantile(column, q, bounds):
                statistics.append(.quantile(column: column, q: q, low: floor(bounds.lowerBound), high: ceil(bounds.upperBound)))
            }
        }
        let bounds = spec.contribution.map {
            ContributionBounds(groupsPerUnit: $0.groupsPerUnit, rowsPerUnitPerGroup: $0.rowsPerUnitPerGroup)
        } ?? .recordLevel
        let budget: AggregateBudget
        switch spec.privacy {
        case let .epsilon(epsilon, delta): budget = .epsilon(epsilon, delta: delta)
        case let .rho(rho, delta): budget = .rho(rho, delta: delta)
        }
        return (AggregateInput(rowCount: table.rowCount, units: units, groups: groups, groupKeys: groupKeys, measures: measures),
                statistics, isPrivate ? .privateKeys : .publicKeys, bounds, budget)
    }

    /// The published table of a result: key columns, then each statistic and its `_moe95`.
    public static func table(_ result: AggregateResult, groupBy: [GroupKey]) -> Table {
        var names = groupBy.map(\.column)
        for statistic in result.statistics { names += [statistic, statistic + "_moe95"] }
        var table = Table(columnNames: names)
        for row in result.rows {
            var values: [String?] = row.key
            for (value, margin) in zip(row.values, row.margins) { values += [format(value), format(margin)] }
            table.append(row: values)
        }
        return table
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.2f", value)
    }

    static func floor(_ value: Double) -> Int { Int(value.rounded(.down)) }
    static func ceil(_ value: Double) -> Int { Int(value.rounded(.up)) }

    /// The labels of the window's days (or other units) at `level`, in order.
    static func windowLabels(_ window: ReleaseWindow, level: String?, zone: TimeZone) -> [String] {
        guard let level, let granularity = HierarchyRecipe.TimeGranularity(rawValue: level) else { return [] }
        var labels: [String] = []
        var instant = window.start
        let formatter = ISO8601DateFormatter()
        while instant < window.end {
            let text = formatter.string(from: instant)
            if let hierarchy = try? HierarchyRecipe.time([granularity], timezone: zone).build(column: "t", values: [text]),
               let label = hierarchy.generalize(text, level: 1), labels.last != label {
                labels.append(label)
            }
            instant = instant.addingTimeInterval(3600)
        }
        return labels
    }
}
