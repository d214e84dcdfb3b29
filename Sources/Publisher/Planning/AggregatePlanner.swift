import Anonymization
import DifferentialPrivacy
import Foundation
import PublicSite
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
    ///
    /// - Throws: ``PublisherError/usage(_:)`` when `output` is not an aggregate, the time zone is unknown,
    ///   a column it groups or measures was not read, or there are too many group combinations to count;
    ///   ``PublisherError/invalidPolicy(_:)`` at the output's line when a time level or a hierarchy file
    ///   cannot be built or loaded, or a disparity's reference group is not one of the public values.
    ///   - timeLabels: labels of time keys already computed for other outputs of the same table, by
    ///     column and level (filled here); nil to compute them for this output alone.
    public static func input(for output: OutputSpec, of policy: Policy, table: Table, window: ReleaseWindow,
                             timeLabels: TimeLabelCache? = nil) throws(PublisherError)
        -> (input: AggregateInput, parameters: AggregateParameters)
    {
        guard case let .aggregate(spec) = output.kind else { throw .usage("output '\(output.id)' is not an aggregate") }
        guard let zone = TimeZone(identifier: policy.source.timezone) else { throw .usage("unknown time zone") }
        // Per group-by column: each dictionary value's label (generalised where the
        // group-by names a level), so rows are grouped on codes, never on strings.
        var labelOfCode: [[String?]] = []
        var codesOf: [[Int32]] = []
        var publicLists: [[String]?] = []
        for key in spec.groupBy {
            guard let column = table.column(named: key.column) else {
                throw .usage("output '\(output.id)': column \(key.column) was not read")
            }
            var labels: [String?] = column.dictionary
            if let level = key.level, let granularity = HierarchyRecipe.TimeGranularity(rawValue: level) {
                // Every value is generalised to the level (never published as recorded); one that is no date-time stops the output.
                do {
                    if let cached = timeLabels?.labels[TimeLabelCache.Key(column: key.column, level: level)] {
                        labels = cached
                    } else {
                        let computed = try HierarchyRecipe.timeLabels(column.dictionary, granularity: granularity, timezone: zone, column: key.column)
                        timeLabels?.labels[TimeLabelCache.Key(column: key.column, level: level)] = computed
                        labels = computed
                    }
                } catch {
                    throw .invalidPolicy(PolicyError(diagnostics: [PolicyDiagnostic(output.location, "output '\(output.id)': \(error)")]))
                }
            }
            labelOfCode.append(labels)
            codesOf.append(column.codes)
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
        // Each column's labels become positions: in its public list (−1 outside it), or,
        // for private keys, in order of first appearance.
        var positionOfCode: [[Int32]] = []
        var positionLabels: [[String]] = []
        for (c, labels) in labelOfCode.enumerated() {
            var names = publicLists[c] ?? []
            var lookup: [String: Int32] = [:]
            for (position, name) in names.enumerated() where lookup[name] == nil { lookup[name] = Int32(position) }
            positionOfCode.append(labels.map { label in
                guard let label else { return -1 }
                if let position = lookup[label] { return position }
                guard publicLists[c] == nil else { return -1 }
                lookup[label] = Int32(names.count)
                names.append(label)
                return Int32(names.count - 1)
            })
            positionLabels.append(names)
        }
        // Mixed-radix combination numbers, the first column outermost (the order of the public key lists).
        var strides = [Int](repeating: 1, count: positionLabels.count)
        var combinations = 1
        for c in strides.indices.reversed() {
            strides[c] = combinations
            let (next, overflow) = combinations.multipliedReportingOverflow(by: max(positionLabels[c].count, 1))
            guard !overflow else { throw .usage("output '\(output.id)': too many distinct group-by combinations to count") }
            combinations = next
        }
        if positionLabels.contains(where: \.isEmpty) { combinations = 0 }
        // Rows without a privacy unit (a missing or empty id) cannot be bounded: a NULL id
        // would otherwise make every such row a person of its own, and one caller with a
        // missing id could add hundreds to a count. They are left out of every DP output.
        let unitColumn = policy.privacyUnit.flatMap { table.column(named: $0) }
        let unitCodes = unitColumn?.codes, emptyUnit = unitColumn?.emptyUnitCode ?? Column.nullCode
        var groupKeys: [[String]] = []
        func key(_ combination: Int) -> [String] {
            positionLabels.indices.map { c in positionLabels[c][(combination / strides[c]) % max(positionLabels[c].count, 1)] }
        }
        var groups: [Int32]
        if !isPrivate {
            // Every combination of the public lists, in list order; each row's combination number (−1 when a
            // value is outside its list or the row has no unit), on every core over ranges of rows.
            groupKeys = (0..<combinations).map(key)
            let (codes, positions, strides) = (codesOf, positionOfCode, strides)
            groups = Parallel.array(count: table.rowCount, minimum: 1 << 16) { range, output in
                rows: for row in range {
                    output.initializeElement(at: row, to: -1)
                    if let unitCodes, Column.namesNoOne(unitCodes[row], empty: emptyUnit) { continue }
                    var combination = 0
                    for c in codes.indices {
                        let code = codes[c][row]
                        let position = code == Column.nullCode ? -1 : positions[c][Int(code)]
                        if position < 0 { continue rows }
                        combination += Int(position) * strides[c]
                    }
                    if combination < combinations { output[row] = Int32(combination) }
                }
            }
        } else {
            groups = [Int32](repeating: -1, count: table.rowCount)
            var combined = [Int](repeating: 0, count: table.rowCount)
            var inside = [Bool](repeating: true, count: table.rowCount)
            for c in codesOf.indices {
                let map = positionOfCode[c], stride = strides[c]
                codesOf[c].withUnsafeBufferPointer { codes in
                    for row in 0..<codes.count where inside[row] {
                        let code = codes[row]
                        let position = code == Column.nullCode ? -1 : map[Int(code)]
                        if position < 0 { inside[row] = false } else { combined[row] += Int(position) * stride }
                    }
                }
            }
            if let unitColumn {
                for (row, missing) in unitColumn.rowsWithoutUnit().enumerated() where missing { inside[row] = false }
            }
            // Observed combinations, in order of first appearance.
            var groupOf: [Int: Int32] = [:]
            for row in 0..<table.rowCount where inside[row] {
                if let group = groupOf[combined[row]] {
                    groups[row] = group
                } else {
                    let group = Int32(groupKeys.count)
                    groupOf[combined[row]] = group
                    groupKeys.append(key(combined[row]))
                    groups[row] = group
                }
            }
        }
        var units: [Int32]?
        if let column = unitColumn {
            // Missing unit ids are each their own unit (the codes are shared as they are when none is missing).
            if column.codes.contains(Column.nullCode) {
                var next = Int32(column.dictionary.count)
                units = column.codes.map { code in
                    if code != Column.nullCode { return code }
                    defer { next += 1 }
                    return next
                }
            } else {
                units = column.codes
            }
        }
        var measures: [String: MeasureColumn] = [:]
        if let disparity = spec.disparity {
            // The numerator is the sum of a 0/1 indicator; a record without a recorded outcome
            // belongs to no group, so it is in neither count.
            guard let column = table.column(named: disparity.outcome.column) else {
                throw .usage("output '\(output.id)': column \(disparity.outcome.column) was not read")
            }
            let holds = column.dictionary.map { disparity.outcome.holds($0) }
            let codes = column.codes
            // Per row the indicator's code: 1 (holds), 0 (does not), or missing.
            var indicator = [Int32](repeating: Column.nullCode, count: table.rowCount)
            for row in 0..<table.rowCount {
                let code = codes[row]
                if code != Column.nullCode, let value = holds[Int(code)] {
                    indicator[row] = value ? 1 : 0
                } else {
                    groups[row] = -1
                }
            }
            measures[disparity.outcome.column] = MeasureColumn(codes: indicator, values: [0, 1])
            if let reference = disparity.reference, !groupKeys.contains(where: { $0.last == reference }) {
                throw .invalidPolicy(PolicyError(diagnostics: [PolicyDiagnostic(output.location, "output '\(output.id)': the reference group '\(reference)' is not one of the public values of \(disparity.group); name one of them or write reference: overall")]))
            }
        }
        for statistic in spec.statistics {
            if let name = statistic.column, measures[name] == nil, let column = table.column(named: name) {
                // The table's codes are the measure's, shared; each distinct value parsed once.
                measures[name] = MeasureColumn(codes: column.codes, values: column.dictionary.map(Double.init))
            }
        }
        let parameters = AggregateParameters(spec, personLevel: policy.privacyUnit != nil)
        var input = AggregateInput(rowCount: table.rowCount, units: units, groups: groups, groupKeys: groupKeys, measures: measures,
                                   complete: parameters.complete, logGrids: parameters.logGrids)
        if let rollUp = spec.rollUp, isPrivate {
            input.rollUp = rollUpInput(rollUp, spec: spec, groupKeys: groupKeys, publicLists: publicLists, share: parameters.rollUpShare)
        }
        return (input, parameters)
    }

    /// The category groups of a roll-up: every category (its published key, ``PrivacyPolicy/RollUpSpec/key(_:)``)
    /// with every combination of the other columns' public lists, in list order, the rolled-up column
    /// in its group-by place; and each observed group's category group. A value the hierarchy does not
    /// list counts under the policy's catch-all category, so every group has one.
    static func rollUpInput(_ rollUp: RollUpSpec, spec: AggregateSpec, groupKeys: [[String]], publicLists: [[String]?],
                            share: Double) -> RollUpInput {
        let lists = spec.groupBy.indices.map { c in
            spec.groupBy[c].column == rollUp.column ? rollUp.categories.map(RollUpSpec.key) : publicLists[c] ?? []
        }
        var categoryKeys: [[String]] = [[]]
        for list in lists { categoryKeys = categoryKeys.flatMap { prefix in list.map { prefix + [$0] } } }
        var index: [[String]: Int32] = [:]
        for (position, key) in categoryKeys.enumerated() where index[key] == nil { index[key] = Int32(position) }
        let categoryOfGroup = groupKeys.map { key -> Int32 in
            let mapped = key.enumerated().map { c, value in
                spec.groupBy[c].column == rollUp.column ? RollUpSpec.key(rollUp.category(of: value)) : value
            }
            return index[mapped] ?? -1
        }
        // A raw value that starts as a category row's key would be read as one: it is counted in its
        // category only, so a published key starting with the prefix always means a category row.
        let column = spec.groupBy.firstIndex { $0.column == rollUp.column }
        let onlyInCategory = groupKeys.map { key in column.map { key[$0].hasPrefix(RollUpSpec.keyPrefix) } ?? false }
        return RollUpInput(categoryOfGroup: categoryOfGroup, categoryKeys: categoryKeys, share: share, onlyInCategory: onlyInCategory)
    }

    /// The published table of an output's result: ``table(_:keyColumns:)`` over its group-by columns, or for a disparity
    /// output its rates and comparisons (``DisparityTable``).
    public static func table(_ result: AggregateResult, spec: AggregateSpec) -> Table {
        if let disparity = spec.disparity { return DisparityTable.table(result, disparity: disparity) }
        // A period total's key ends with how many released days it adds up (``PeriodTotals``).
        let specs = Dictionary(spec.statistics.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return table(result, keyColumns: spec.groupBy.map(\.column) + (spec.periodOf == nil ? [] : [PeriodTotals.daysColumn]), statistics: specs)
    }

    /// The published table of a result: key columns, then each statistic, its `_moe95` and its
    /// reliability `_flag` (``Reliability``, from published values only; a withheld mean or
    /// quantile has empty value and margin).
    static func table(_ result: AggregateResult, keyColumns: [String], statistics specs: [String: StatisticSpec] = [:]) -> Table {
        var names = keyColumns
        for statistic in result.statistics { names += [statistic, marginColumn(statistic), Reliability.column(statistic)] }
        let countIndex = result.statistics.firstIndex(of: "count")
        var table = Table(columnNames: names)
        // Privately selected groups are found in the data's order, which must not show:
        // they are published sorted by key. Public key lists keep their own order, and so do a
        // roll-up's category rows, after the groups.
        let rows = result.threshold == nil ? result.rows
            : result.groupRows.sorted { $0.key.lexicographicallyPrecedes($1.key) } + result.categoryRows
        for row in rows {
            var values: [String?] = row.key
            let count = countIndex.map { row.values[$0] }
            for (index, (value, margin)) in zip(row.values, row.margins).enumerated() {
                let flag = Reliability.of(specs[result.statistics[index]], value: value, margin: margin, count: count)
                values += flag == .withheld ? [nil, nil, flag.rawValue] : [format(value), format(margin), flag.rawValue]
            }
            table.append(row: values)
        }
        return table
    }

    /// The column holding a statistic's 95% margin (``PublicSite/OutputColumns/margin(_:)``).
    public static func marginColumn(_ statistic: String) -> String { OutputColumns.margin(statistic) }

    /// True for the names ``AggregateStatistic`` gives quantiles (`median_x`, `q90_x`).
    static func isQuantile(_ statistic: String) -> Bool { OutputColumns.isQuantile(statistic) }

    /// A published number as the tables write it (``PublicSite/OutputColumns/format(_:)``).
    static func format(_ value: Double) -> String { OutputColumns.format(value) }

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
