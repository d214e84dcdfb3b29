import Yams

/// Checks that span sections of a policy: every column named anywhere is
/// listed under `columns` with a treatment that allows the use, outputs
/// publish only publishable columns, and the budget covers the outputs.
struct PolicyConsistency {
    let policy: Policy
    let top: Entries
    var reader: NodeReader
    let unparsedColumns: Set<String>
    let sourceParsed: Bool

    init(policy: Policy, top: Entries, reader: NodeReader, unparsedColumns: Set<String>, sourceParsed: Bool) {
        self.policy = policy
        self.top = top
        self.reader = reader
        self.unparsedColumns = unparsedColumns
        self.sourceParsed = sourceParsed
    }

    mutating func run() {
        checkSourceAndRetention()
        checkExcludeAndDerived()
        checkOutputs()
        checkBudget()
    }

    /// Where `word` is written inside `node` (depth first), else where `node` starts.
    private func locate(_ word: String, in node: Node?) -> SourceLocation {
        guard let node else { return SourceLocation(file: reader.file, line: 1, column: 1) }
        func search(_ node: Node) -> Node? {
            switch node {
            case let .scalar(scalar): return scalar.string == word ? node : nil
            case let .mapping(mapping):
                for (key, value) in mapping {
                    if let hit = search(key) ?? search(value) { return hit }
                }
                return nil
            case let .sequence(sequence):
                for item in sequence { if let hit = search(item) { return hit } }
                return nil
            case .alias: return nil
            }
        }
        return reader.location(search(node) ?? node)
    }

    private func outputNode(_ output: OutputSpec) -> Node? {
        guard case let .sequence(items)? = top["outputs"] else { return nil }
        return items.first { reader.location($0) == output.location }
    }

    private mutating func requireColumn(_ name: String, _ what: String, in node: Node?, notDropped: Bool) {
        if unparsedColumns.contains(name) { return }
        guard let treatment = policy.treatment(of: name) else {
            let known = policy.columns.map(\.name)
            reader.error(at: locate(name, in: node), "\(what) '\(name)' is not listed under columns\(Suggestion.didYouMean(name, among: known))")
            return
        }
        if notDropped && treatment == .drop {
            reader.error(at: locate(name, in: node), "\(what) '\(name)' is dropped, and dropped columns are never read; give it another treatment (e.g. sensitive or generalize)")
        }
    }

    private mutating func checkSourceAndRetention() {
        if sourceParsed {
            requireColumn(policy.source.windowBy, "source.window_by column", in: top["source"], notDropped: true)
        }
        if let retention = policy.retention {
            requireColumn(retention.measuredFrom, "retention.measured_from column", in: top["retention"], notDropped: false)
            if let keepIf = retention.keepIf {
                requireColumn(keepIf, "retention.keep_if column", in: top["retention"], notDropped: false)
            }
        }
    }

    private mutating func checkExcludeAndDerived() {
        for rule in policy.publishOnly {
            requireColumn(rule.column, "publish_only column", in: top["publish_only"], notDropped: true)
            let published = policy.outputs.contains { output in
                switch output.kind {
                case let .microdata(spec): spec.columns.contains(rule.column)
                case let .aggregate(spec): spec.groupBy.contains { $0.column == rule.column }
                }
            }
            if !published && !unparsedColumns.contains(rule.column) {
                reader.error(at: locate(rule.column, in: top["publish_only"]), "publish_only column '\(rule.column)' is published by no output (no record file lists it, no table groups by it); remove the rule or publish the column")
            }
            if rule.values.isEmpty {
                reader.error(at: locate(rule.column, in: top["publish_only"]), "publish_only.\(rule.column) lists no value, so every record would be withheld; list the values that may be published")
            }
        }
        for rule in policy.exclude {
            requireColumn(rule.column, "exclude column", in: top["exclude"], notDropped: true)
        }
        for derived in policy.derived {
            if policy.treatment(of: derived.name) != nil {
                reader.error(at: derived.location, "derived column '\(derived.name)' has the name of a source column; choose another name")
            }
            for input in derived.inputs {
                requireColumn(input, "derived column '\(derived.name)' input", in: top["derived"], notDropped: false)
            }
        }
    }

    private mutating func checkOutputs() {
        var seen: Set<String> = []
        let derivedNames = Set(policy.derived.map(\.name))
        // A declared id equal to a generated period-total id (`calls-by-beat-monthly` beside
        // `calls-by-beat` with totals_over: [month]) would name two files the same.
        let declared = Set(policy.outputs.map(\.id))
        for generated in policy.publishedOutputs where declared.contains(generated.id) {
            guard case let .aggregate(spec) = generated.kind, let period = spec.periodOf else { continue }
            let other = policy.outputs.first { $0.id == generated.id }
            reader.error(at: other?.location ?? generated.location, "output id '\(generated.id)' is also the id of the period-total file that output '\(period.output)' generates with totals_over: [\(period.level)]; rename this output")
        }
        for output in policy.outputs {
            let node = outputNode(output)
            if !seen.insert(output.id).inserted {
                reader.error(at: output.location, "output id '\(output.id)' is used twice; ids name the data files and must be unique")
            }
            switch output.kind {
            case let .microdata(spec):
                checkMicrodata(spec, output, node)
            case let .aggregate(spec):
                checkAggregate(spec, output, node, derivedNames: derivedNames)
            }
        }
    }

    private mutating func publishable(_ column: String, _ output: OutputSpec, _ node: Node?) -> Treatment? {
        if unparsedColumns.contains(column) { return nil }
        guard let treatment = policy.treatment(of: column) else {
            reader.error(at: locate(column, in: node), "output '\(output.id)' names column '\(column)', which is not listed under columns\(Suggestion.didYouMean(column, among: policy.columns.map(\.name)))")
            return nil
        }
        guard treatment.isPublishable else {
            reader.error(at: locate(column, in: node), "output '\(output.id)' names column '\(column)', which is not published (its treatment is \(treatment.keyword)); remove it from the output or change its treatment")
            return nil
        }
        return treatment
    }

    private mutating func checkMicrodata(_ spec: MicrodataSpec, _ output: OutputSpec, _ node: Node?) {
        if spec.columns.isEmpty {
            reader.error(at: output.location, "output '\(output.id)': columns must list at least one column")
        }
        for column in spec.columns {
            if policy.derived.contains(where: { $0.name == column }) {
                reader.error(at: locate(column, in: node), "output '\(output.id)': derived column '\(column)' is exact and may be published only as a DP statistic of an aggregate output")
                continue
            }
            _ = publishable(column, output, node)
        }
        if let declared = spec.generalization { checkGeneralization(declared, spec, output, node) }
        let sensitiveColumns: [(String, String)] =
            [spec.lDiversity.map { ($0.column, "l_diversity") }, spec.tCloseness.map { ($0.column, "t_closeness") }]
                .compactMap { $0 }
        for (column, model) in sensitiveColumns {
            if !spec.columns.contains(column) {
                reader.error(at: locate(column, in: node), "output '\(output.id)': \(model) protects '\(column)', which the output does not publish; add it to columns")
            } else if policy.treatment(of: column) != .sensitive {
                reader.error(at: locate(column, in: node), "output '\(output.id)': \(model) column '\(column)' must have the treatment sensitive")
            }
        }
    }

    /// `generalization:` names published columns only, each at a level of its own hierarchy, and
    /// every generalised column of the output (a column without a hierarchy defaults to its value).
    private mutating func checkGeneralization(_ declared: [DeclaredLevel], _ spec: MicrodataSpec, _ output: OutputSpec, _ node: Node?) {
        let context = "output '\(output.id)'.generalization"
        let folder = (policy.path as NSString).deletingLastPathComponent
        var removed = 0
        for entry in declared {
            guard spec.columns.contains(entry.column) else {
                reader.error(at: entry.location, "\(context) names '\(entry.column)', which the output does not publish\(Suggestion.didYouMean(entry.column, among: spec.columns)); name only columns of its columns list")
                continue
            }
            guard !unparsedColumns.contains(entry.column), let treatment = policy.treatment(of: entry.column) else { continue }
            var height: Int?
            if case let .generalize(.file(path)) = treatment {
                height = GeneralizationLevels.fileHeight(path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path))
            }
            switch GeneralizationLevels.level(entry.level, of: treatment, fileHeight: height) {
            case let .problem(sentence):
                if !sentence.isEmpty { reader.error(at: entry.location, "\(context).\(entry.column) \(sentence)") }
            case .level:
                if entry.level == "*" || entry.level == "suppressed" { removed += 1 }
            }
        }
        let named = Set(declared.map(\.column))
        let at = locate("generalization", in: node)
        for column in spec.columns where !named.contains(column) {
            if case .generalize? = policy.treatment(of: column) {
                reader.error(at: at, "\(context) must name every generalised column of the output; add \(column): <level> (a column without a hierarchy may be left out: it is published as its value)")
            }
        }
        if removed == spec.columns.count, !spec.columns.isEmpty {
            reader.error(at: at, "\(context) removes every column (\"*\" for each), so the file would say nothing; keep at least one column")
        }
    }

    private mutating func checkAggregate(_ spec: AggregateSpec, _ output: OutputSpec, _ node: Node?,
                                         derivedNames: Set<String>) {
        let grouped = Set(spec.groupBy.map(\.column))
        for key in spec.groupBy {
            guard let treatment = publishable(key.column, output, node) else { continue }
            if let level = key.level {
                guard case let .generalize(.time(levels)) = treatment else {
                    reader.error(at: locate(key.column, in: node), "output '\(output.id)': group_by level '\(level)' needs '\(key.column)' to be generalized with a time hierarchy")
                    continue
                }
                guard let chosen = TimeLevel(rawValue: level), levels.contains(chosen) else {
                    reader.error(at: locate(level, in: node), "output '\(output.id)': '\(level)' is not a level of the time hierarchy of '\(key.column)' (\(levels.map(\.rawValue).joined(separator: ", ")))")
                    continue
                }
            } else if spec.keys[key.column] == nil {
                if case .generalize(.file) = treatment {
                    // The hierarchy file lists every value: those are the public keys.
                } else if spec.disparity != nil {
                    reader.error(at: locate(key.column, in: node), "output '\(output.id)': compared column '\(key.column)' needs keys: the public list of its groups (e.g. keys: [A, B]), or a file hierarchy that lists them")
                } else {
                    reader.error(at: locate(key.column, in: node), "output '\(output.id)': group_by column '\(key.column)' needs keys: a public list of values, private for DP partition selection, or a file hierarchy that lists them")
                }
            }
            if treatment == .pseudonymize {
                reader.error(at: locate(key.column, in: node), "output '\(output.id)': pseudonymised column '\(key.column)' cannot be a group key (its values are unique to people)")
            }
        }
        for column in spec.keys.keys.sorted() where !grouped.contains(column) {
            reader.error(at: locate(column, in: node), "output '\(output.id)': keys names '\(column)', which is not in group_by")
        }
        if spec.keys.values.contains(.private) && spec.privacy.delta == nil {
            reader.error(at: output.location, "output '\(output.id)': private keys need delta in privacy (e.g. {epsilon: 0.5, delta: 1.0e-7}) for partition selection")
        }
        if let rollUp = spec.rollUp { checkRollUp(rollUp, spec, output) }
        for statistic in spec.statistics {
            guard let column = statistic.column else { continue }
            if derivedNames.contains(column) { continue }
            guard let treatment = policy.treatment(of: column) else {
                reader.error(at: locate(column, in: node), "output '\(output.id)': statistic column '\(column)' is neither a derived column nor listed under columns")
                continue
            }
            if treatment != .keep && treatment != .sensitive {
                reader.error(at: locate(column, in: node), "output '\(output.id)': statistic column '\(column)' must be keep, sensitive or derived (it is \(treatment.keyword))")
            }
        }
        if spec.contribution != nil && policy.privacyUnit == nil {
            reader.error(at: locate("contribution", in: node), "output '\(output.id)': contribution bounds need a privacy_unit column; without one each record is its own unit, so remove contribution")
        }
    }

    /// A roll-up counts the records of unpublished values per category, with the categories and every
    /// other key public: so its column must be grouped without a level, the output's other keys public,
    /// and its only statistic the count (a category row carries a count and nothing else).
    private mutating func checkRollUp(_ rollUp: RollUpSpec, _ spec: AggregateSpec, _ output: OutputSpec) {
        let context = "output '\(output.id)': roll_up of \(rollUp.column)"
        if spec.groupBy.contains(where: { $0.column == rollUp.column && $0.level != nil }) {
            reader.error(at: rollUp.location, "\(context) needs \(rollUp.column) grouped as recorded, not at a level; group by \(rollUp.column) itself")
        }
        if let other = spec.groupBy.first(where: { $0.column != rollUp.column && spec.keys[$0.column] == .private }) {
            reader.error(at: rollUp.location, "\(context) publishes every category with every value of the other keys, so they must be public; \(other.column) is private (give it a list of values)")
        }
        if spec.statistics != [.count] {
            let others = spec.statistics.filter { $0 != .count }.map(\.name)
            reader.error(at: rollUp.location, "\(context) counts records per category and nothing else, so the output's only statistic must be count; move \(others.joined(separator: ", ")) to an output without roll_up")
        }
        if spec.disparity != nil {
            reader.error(at: rollUp.location, "\(context): a disparity output compares public groups; roll_up is for private keys of aggregate outputs")
        }
    }

    private mutating func checkBudget() {
        guard policy.budget.perReleaseEpsilon.isFinite else { return }
        let spent = policy.releaseCost.converted.epsilon
        let location = locate("per_release_epsilon", in: top["budget"])
        if spent > policy.budget.perReleaseEpsilon + 1e-12 {
            let parts = policy.outputs.filter { $0.epsilon > 0 }.map { "\($0.id) \(format($0.epsilon))" }
            reader.error(at: location, "budget.per_release_epsilon \(format(policy.budget.perReleaseEpsilon)) is smaller than the outputs' sum \(format(spent)) (\(parts.joined(separator: " + "))); raise the budget or lower an output's epsilon")
        }
        if let rolling = policy.budget.rolling365DayEpsilon, rolling < policy.budget.perReleaseEpsilon {
            reader.error(at: locate("rolling_365_day_epsilon", in: top["budget"]), "budget.rolling_365_day_epsilon \(format(rolling)) is smaller than one release's \(format(policy.budget.perReleaseEpsilon)); no release could ever run")
        }
    }

    private func format(_ value: Double) -> String {
        let rounded = (value * 1e6).rounded() / 1e6
        return rounded == rounded.rounded() ? String(format: "%.1f", rounded) : String(rounded)
    }
}

import Foundation
