import Foundation
import Yams

extension PolicyParser {
    static let microdataKeys = ["id", "title", "kind", "columns", "k", "l_diversity", "t_closeness",
                                "max_suppression", "metric", "gs_factor", "recoding", "privacy", "generalization"]
    static let aggregateKeys = ["id", "title", "kind", "group_by", "keys", "statistics", "weights", "totals_over", "contribution", "privacy"]
    static let disparityKeys = ["id", "title", "kind", "compare", "period", "keys", "outcome", "reference", "min_group_size",
                                "contribution", "privacy"]
    static let kindWords = ["microdata", "aggregate", "disparity"]

    mutating func parseOutputs(_ node: Node) -> [OutputSpec]? {
        guard let items = reader.sequence(node, "outputs") else { return nil }
        if items.isEmpty { reader.error(node, "outputs must list at least one output") }
        return items.compactMap { parseOutput($0) }
    }

    private mutating func parseOutput(_ node: Node) -> OutputSpec? {
        // Read `kind` first so unknown-key suggestions come from the right key set.
        let kindWord = node.mapping?.first { $0.key.scalar?.string == "kind" }?.value.scalar?.string
        let allowed: [String]
        switch kindWord {
        case "microdata": allowed = Self.microdataKeys
        case "aggregate": allowed = Self.aggregateKeys
        case "disparity": allowed = Self.disparityKeys
        default: allowed = Array(Set(Self.microdataKeys + Self.aggregateKeys + Self.disparityKeys)).sorted()
        }
        guard let entries = reader.mapping(node, "output", allowed: allowed, required: ["id", "kind"]) else { return nil }
        let id = entries["id"].flatMap { reader.nonEmptyString($0, "output id") }
        let context = "output '\(id ?? "?")'"
        if let id, let idNode = entries["id"], id.range(of: "^[a-z0-9]+(-[a-z0-9]+)*$", options: .regularExpression) == nil {
            reader.error(idNode, "\(context): id may hold only lowercase letters, digits and single '-' (it names the data file)")
        }
        let title = entries["title"].flatMap { reader.nonEmptyString($0, "\(context).title") }
        guard let kindNode = entries["kind"] else { return nil }
        let kind: OutputSpec.Kind?
        switch kindWord {
        case "microdata": kind = parseMicrodata(entries, context).map { .microdata($0) }
        case "aggregate": kind = parseAggregate(entries, context).map { .aggregate($0) }
        case "disparity": kind = parseDisparity(entries, context).map { .aggregate($0) }
        default:
            reader.error(kindNode, "\(context): unknown kind '\(kindWord ?? "")'\(Suggestion.didYouMean(kindWord ?? "", among: Self.kindWords)); use one of \(Self.kindWords.joined(separator: ", "))")
            kind = nil
        }
        guard let id, let kind else { return nil }
        return OutputSpec(id: id, title: title, kind: kind, location: reader.location(node))
    }

    private mutating func parseMicrodata(_ entries: Entries, _ context: String) -> MicrodataSpec? {
        // A differentially private output derives its k from (ε, δ); a plain one must state it.
        for key in ["columns", "k"] where entries[key] == nil && !(key == "k" && entries["privacy"] != nil) {
            reader.error(entries.node, "\(context): missing required key '\(key)'")
        }
        let columns = entries["columns"].flatMap { reader.stringList($0, "\(context).columns") }
        let k = entries["k"] == nil ? 2 : entries["k"].flatMap { reader.integer($0, "\(context).k", minimum: 2) }
        let suppression = entries["max_suppression"].map { reader.fraction($0, "\(context).max_suppression") } ?? 0
        let metric: Metric = entries["metric"].flatMap { reader.choice($0, context, "metric") } ?? .entropy
        let lDiversity = entries["l_diversity"].flatMap { parseLDiversity($0, context) }
        let tCloseness = entries["t_closeness"].flatMap { parseTCloseness($0, context) }
        let recoding: RecodingMode = entries["recoding"].flatMap { reader.choice($0, context, "recoding") } ?? .global
        if recoding == .local, let node = entries["recoding"] {
            if entries["privacy"] != nil {
                reader.error(node, "\(context): recoding: local applies to k-anonymous record files; a differentially private one (privacy:) uses one generalisation for every record, which its guarantee needs. Remove recoding or privacy")
            }
        }
        let gsFactor = entries["gs_factor"].map { reader.fraction($0, "\(context).gs_factor") } ?? 0.5
        if let node = entries["gs_factor"], metric != .loss {
            reader.error(node, "\(context): gs_factor weighs generalisation against suppression in the loss metric only; set metric: loss or remove gs_factor")
        }
        var privacy: MicrodataPrivacy?
        if let node = entries["privacy"],
           let map = reader.mapping(node, "\(context).privacy", allowed: ["epsilon", "delta"], required: ["epsilon", "delta"]) {
            let epsilon = map["epsilon"].flatMap { reader.positiveNumber($0, "\(context).privacy.epsilon") }
            var delta = map["delta"].flatMap { reader.positiveNumber($0, "\(context).privacy.delta") }
            if let value = delta, value >= 1e-3, let deltaNode = map["delta"] {
                reader.error(deltaNode, "\(context).privacy.delta must be below 0.001 for a record-level output (it bounds the chance that a rare record is published; typically 1e-6), found \(value)")
                delta = nil
            }
            if let value = epsilon, !(0.01...10).contains(value), let epsilonNode = map["epsilon"] {
                reader.error(epsilonNode, "\(context).privacy.epsilon must be between 0.01 and 10 for a record-level output (smaller leaves a sample too small to publish, larger protects nothing), found \(value)")
            } else if let epsilon, let delta {
                privacy = MicrodataPrivacy(epsilon: epsilon, delta: delta)
            }
        }
        var generalization: [DeclaredLevel]?
        if let node = entries["generalization"] {
            generalization = parseGeneralization(node, context)
            if entries["privacy"] == nil {
                reader.error(node, "\(context): generalization fixes the levels of a differentially private record file (one with privacy: {epsilon, delta}); a k-anonymous one searches for its own. Add privacy or remove generalization")
            }
        }
        guard let columns, let k, let suppression, let gsFactor else { return nil }
        return MicrodataSpec(columns: columns, k: k, lDiversity: lDiversity, tCloseness: tCloseness,
                             maxSuppression: suppression, metric: metric, recoding: recoding, gsFactor: gsFactor, privacy: privacy,
                             generalization: generalization)
    }

    /// `generalization: {column: level, …}`: one scalar level per column, as written (checked against
    /// the columns' treatments by ``PolicyConsistency``).
    private mutating func parseGeneralization(_ node: Node, _ context: String) -> [DeclaredLevel]? {
        let where_ = "\(context).generalization"
        guard case let .mapping(mapping) = node else {
            reader.error(node, "\(where_) must be a mapping of published columns to levels, e.g. {received_at: month, address: 1000, caller_age: 20}, found \(reader.describe(node))")
            return nil
        }
        if mapping.isEmpty {
            reader.error(node, "\(where_) names no column; list the level of each generalised column, or remove it to let the release choose")
        }
        var levels: [DeclaredLevel] = []
        var seen: Set<String> = []
        for (keyNode, valueNode) in mapping {
            guard let column = keyNode.scalar?.string, !column.isEmpty else {
                reader.error(keyNode, "\(where_): each key must be a column name")
                continue
            }
            if !seen.insert(column).inserted {
                reader.error(keyNode, "\(where_) names '\(column)' twice")
                continue
            }
            guard let level = valueNode.scalar?.string, !level.isEmpty else {
                reader.error(valueNode, "\(where_).\(column) must be one level (a word or number of its hierarchy, value, or \"*\"), found \(reader.describe(valueNode))")
                continue
            }
            levels.append(DeclaredLevel(column: column, level: level, location: reader.location(valueNode)))
        }
        return levels
    }

    private mutating func parseLDiversity(_ node: Node, _ context: String) -> LDiversitySpec? {
        let where_ = "\(context).l_diversity"
        guard let entries = reader.mapping(node, where_, allowed: ["column", "l", "variant", "c"],
                                           required: ["column", "l"]) else { return nil }
        let column = entries["column"].flatMap { reader.nonEmptyString($0, "\(where_).column") }
        var l = entries["l"].flatMap { reader.number($0, "\(where_).l") }
        if let value = l, value < 1, let lNode = entries["l"] {
            reader.error(lNode, "\(where_).l must be at least 1, found \(value)")
            l = nil
        }
        var variant = LDiversitySpec.Variant.distinct
        if let node = entries["variant"], let word = reader.string(node, "\(where_).variant") {
            switch word {
            case "distinct": variant = .distinct
            case "entropy": variant = .entropy
            case "grassberger": variant = .grassberger
            case "recursive":
                guard let cNode = entries["c"] else {
                    reader.error(node, "\(where_): the recursive variant needs 'c', e.g. {variant: recursive, c: 3}")
                    return nil
                }
                guard let c = reader.positiveNumber(cNode, "\(where_).c") else { return nil }
                variant = .recursive(c: c)
            default:
                reader.error(node, "\(where_): unknown variant '\(word)'\(Suggestion.didYouMean(word, among: ["distinct", "entropy", "grassberger", "recursive"]))")
                return nil
            }
        }
        guard let column, let l else { return nil }
        return LDiversitySpec(column: column, l: l, variant: variant)
    }

    private mutating func parseTCloseness(_ node: Node, _ context: String) -> TClosenessSpec? {
        let where_ = "\(context).t_closeness"
        guard let entries = reader.mapping(node, where_, allowed: ["column", "t", "distance"],
                                           required: ["column", "t"]) else { return nil }
        let column = entries["column"].flatMap { reader.nonEmptyString($0, "\(where_).column") }
        var t = entries["t"].flatMap { reader.number($0, "\(where_).t") }
        if let value = t, !(value > 0 && value <= 1), let tNode = entries["t"] {
            reader.error(tNode, "\(where_).t must be in (0, 1], found \(value)")
            t = nil
        }
        let distance: TClosenessSpec.Distance = entries["distance"].flatMap { reader.choice($0, where_, "distance") } ?? .equal
        guard let column, let t else { return nil }
        return TClosenessSpec(column: column, t: t, distance: distance)
    }

    private mutating func parseAggregate(_ entries: Entries, _ context: String) -> AggregateSpec? {
        for key in ["group_by", "statistics", "privacy"] where entries[key] == nil {
            reader.error(entries.node, "\(context): missing required key '\(key)'")
        }
        var groupBy: [GroupKey]?
        if let node = entries["group_by"], let items = reader.sequence(node, "\(context).group_by") {
            groupBy = items.compactMap { item in
                if let column = item.scalar?.string { return GroupKey(column: column, level: nil) }
                guard let pair = reader.mapping(item, "\(context).group_by entry", allowed: []),
                      pair.order.count == 1, let column = pair.order.first, let levelNode = pair[column],
                      let level = reader.nonEmptyString(levelNode, "\(context).group_by level of '\(column)'")
                else {
                    reader.error(item, "\(context).group_by: each entry is a column or {column: level}")
                    return nil
                }
                return GroupKey(column: column, level: level)
            }
        }
        var keys: [String: KeySpec] = [:]
        var rollUp: RollUpSpec?
        if let node = entries["keys"], let map = reader.mapping(node, "\(context).keys", allowed: []) {
            for column in map.order {
                guard let value = map[column] else { continue }
                if value.scalar?.string == "private" {
                    keys[column] = .private
                } else if value.mapping != nil {
                    // {private: true, roll_up: FILE}: private keys whose unpublished values roll up.
                    let parsed = parsePrivateKey(value, context, column: column)
                    guard parsed.isPrivate else { continue }
                    keys[column] = .private
                    if let spec = parsed.rollUp {
                        if let earlier = rollUp {
                            reader.error(value, "\(context).keys: only one column may roll up, and \(earlier.column) already does (at \(earlier.location)); keep roll_up on one column")
                        } else {
                            rollUp = spec
                        }
                    }
                } else if let list = reader.stringList(value, "\(context).keys.\(column) (a list of values, or private)") {
                    keys[column] = .values(list)
                }
            }
        }
        var complete: Set<String> = []
        var logGrids: [String: Int] = [:]
        let statistics = entries["statistics"].flatMap { parseStatistics($0, context, complete: &complete, logGrids: &logGrids) }
        if let statistics, let node = entries["statistics"] {
            let names = statistics.map(\.name)
            for name in Set(names).sorted() where names.filter({ $0 == name }).count > 1 {
                reader.error(node, "\(context).statistics lists \(name) twice; each statistic is one published column")
            }
        }
        let weights = entries["weights"].flatMap { node in statistics.flatMap { parseWeights(node, context, statistics: $0) } }
        let contribution = entries["contribution"].flatMap {
            parseContribution($0, context, allowAuto: entries["totals_over"] == nil)
        }
        let privacy = entries["privacy"].flatMap { parsePrivacy($0, context) }
        var totals: [String]?
        if let node = entries["totals_over"], let groupBy, let statistics {
            totals = parseTotalsOver(node, context, groupBy: groupBy, keys: keys, statistics: statistics)
        }
        guard let groupBy, let statistics, let privacy else { return nil }
        var spec = AggregateSpec(groupBy: groupBy, keys: keys, statistics: statistics, contribution: contribution,
                                 privacy: privacy, disparity: nil, weights: weights ?? [:], complete: complete, totalsOver: totals ?? [])
        spec.logGrids = logGrids
        spec.rollUp = rollUp
        return spec
    }

    static let privateKeyWords = ["private", "roll_up"]
    static let rollUpWords = ["file", "share", "unlisted", "members"]

    /// `{private: true, roll_up: FILE}` or `{private: true, roll_up: {file: FILE, share: 20%, unlisted: Other}}`:
    /// Whether the keys are private (false after an error there), and the roll-up with its file read
    /// (nil for `{private: true}` alone, or after an error in the roll-up, which is reported).
    private mutating func parsePrivateKey(_ node: Node, _ context: String, column: String) -> (isPrivate: Bool, rollUp: RollUpSpec?) {
        let where_ = "\(context).keys.\(column)"
        guard let entries = reader.mapping(node, where_, allowed: Self.privateKeyWords, required: ["private"]),
              let privateNode = entries["private"] else { return (false, nil) }
        guard privateNode.bool == true else {
            reader.error(privateNode, "\(where_).private must be true (keys chosen by DP partition selection); for public keys give the list of values instead, e.g. keys: {\(column): [A, B]}")
            return (false, nil)
        }
        guard let rollNode = entries["roll_up"] else { return (true, nil) }
        return (true, parseRollUp(rollNode, where_, column: column))
    }

    /// `roll_up: FILE` or `roll_up: {file: FILE, share: 20%, unlisted: Other, members: public}`, its file read;
    /// nil after an error.
    private mutating func parseRollUp(_ rollNode: Node, _ where_: String, column: String) -> RollUpSpec? {
        var file: String?, share = RollUpSpec.defaultShare, unlisted = RollUpSpec.defaultUnlisted, membersArePublic = false
        var fileNode = rollNode
        if rollNode.scalar != nil {
            file = reader.nonEmptyString(rollNode, "\(where_).roll_up")
        } else if let options = reader.mapping(rollNode, "\(where_).roll_up", allowed: Self.rollUpWords, required: ["file"]) {
            if let node = options["file"] { fileNode = node; file = reader.nonEmptyString(node, "\(where_).roll_up.file") }
            if let node = options["share"], let value = reader.fraction(node, "\(where_).roll_up.share") {
                if value > 0 && value <= RollUpSpec.maximumShare {
                    share = value
                } else {
                    reader.error(node, "\(where_).roll_up.share is the part of the output's epsilon the category counts get; it must be above 0% and at most \(Int(RollUpSpec.maximumShare * 100))% (the rest selects and counts the \(column) values), found \(value)")
                    return nil
                }
            }
            if let node = options["unlisted"] {
                guard let word = reader.nonEmptyString(node, "\(where_).roll_up.unlisted") else { return nil }
                unlisted = word
            }
            if let node = options["members"] {
                switch reader.string(node, "\(where_).roll_up.members") {
                case "public"?: membersArePublic = true
                case "private"?: membersArePublic = false
                default:
                    reader.error(node, "\(where_).roll_up.members must be public (the file is a published code list, and the privacy report names the values in each category) or private (the default: the report gives only how many, so a file built from the data does not publish which rare values occur)")
                    return nil
                }
            }
        } else {
            return nil
        }
        guard let file else { return nil }
        let full = file.hasPrefix("/") ? file : (baseDirectory as NSString).appendingPathComponent(file)
        let read = RollUpFile.read(path: full)
        for problem in read.problems {
            if let line = problem.line {
                // Problems inside the file are reported at their own line, so an editor jumps there.
                reader.error(at: SourceLocation(file: full, line: line, column: 1),
                             "\(where_).roll_up '\(file)': line \(line) \(problem.message)")
            } else {
                reader.error(fileNode, "\(where_).roll_up '\(file)': \(problem.message)")
            }
        }
        guard read.problems.isEmpty else { return nil }
        return (RollUpSpec(column: column, file: file, categoryOf: read.categoryOf, order: read.order, unlisted: unlisted,
                                share: share, membersArePublic: membersArePublic, location: reader.location(rollNode)))
    }

    static let periodLevels = ["week", "month", "quarter", "year"]

    /// `totals_over: [month, year]`: period totals need days to add up, public keys and an additive statistic.
    private mutating func parseTotalsOver(_ node: Node, _ context: String, groupBy: [GroupKey], keys: [String: KeySpec],
                                          statistics: [StatisticSpec]) -> [String]? {
        guard let levels = reader.stringList(node, "\(context).totals_over") else { return nil }
        var problems = false
        for level in levels where !Self.periodLevels.contains(level) {
            reader.error(node, "\(context).totals_over: unknown level '\(level)'\(Suggestion.didYouMean(level, among: Self.periodLevels)); use week, month, quarter or year")
            problems = true
        }
        if Set(levels).count != levels.count {
            reader.error(node, "\(context).totals_over lists a level twice")
            problems = true
        }
        if groupBy.filter({ $0.level == "day" }).count != 1 {
            reader.error(node, "\(context).totals_over adds up days, so group_by needs exactly one time column at day, e.g. {received_at: day}")
            problems = true
        }
        if let column = groupBy.first(where: { keys[$0.column] == .private })?.column {
            reader.error(node, "\(context).totals_over needs public keys; \(column) is private, and its keys would be chosen again each day")
            problems = true
        }
        if !statistics.contains(where: { if case .mean = $0 { false } else if case .median = $0 { false } else if case .quantile = $0 { false } else { true } }) {
            reader.error(node, "\(context).totals_over adds up counts and sums, and this output has neither; add count or a sum")
            problems = true
        }
        return problems ? nil : levels
    }

    /// `weights: {count: 1, mean_response_seconds: 2}`: positive relative shares of ε by published column.
    private mutating func parseWeights(_ node: Node, _ context: String, statistics: [StatisticSpec]) -> [String: Double]? {
        let names = statistics.map(\.name)
        guard let map = reader.mapping(node, "\(context).weights", allowed: []) else { return nil }
        var weights: [String: Double] = [:]
        for name in map.order {
            guard let valueNode = map[name] else { continue }
            guard names.contains(name) else {
                reader.error(valueNode, "\(context).weights: '\(name)' is not a statistic of this output\(Suggestion.didYouMean(name, among: names)); weights are keyed by the published columns \(names.joined(separator: ", "))")
                continue
            }
            guard let weight = reader.positiveNumber(valueNode, "\(context).weights.\(name)") else { continue }
            guard weight >= 1e-6, weight <= 1e6 else {
                reader.error(valueNode, "\(context).weights.\(name) must be between 0.000001 and 1000000 (weights are relative shares of ε), found \(weight)")
                continue
            }
            weights[name] = weight
        }
        return weights
    }

    /// `kind: disparity`: an aggregate whose statistics are fixed (records with a recorded outcome,
    /// and those with the outcome) over public groups of `compare`, optionally per `period`.
    private mutating func parseDisparity(_ entries: Entries, _ context: String) -> AggregateSpec? {
        for key in ["compare", "outcome", "privacy"] where entries[key] == nil {
            reader.error(entries.node, "\(context): missing required key '\(key)'")
        }
        let group = entries["compare"].flatMap { reader.nonEmptyString($0, "\(context).compare") }
        var period: GroupKey?
        if let node = entries["period"] {
            if let pair = reader.mapping(node, "\(context).period", allowed: []), pair.order.count == 1,
               let column = pair.order.first, let levelNode = pair[column],
               let level = reader.nonEmptyString(levelNode, "\(context).period level of '\(column)'") {
                period = GroupKey(column: column, level: level)
            } else {
                reader.error(node, "\(context).period must be one time column at a level, e.g. {received_at: month}")
            }
        }
        var keys: [String: KeySpec] = [:]
        if let node = entries["keys"], let list = reader.stringList(node, "\(context).keys (the public list of \(group ?? "compared") values)"), let group {
            if list.isEmpty { reader.error(node, "\(context).keys must list at least one value") } else { keys[group] = .values(list) }
        }
        let outcome = entries["outcome"].flatMap { parseOutcome($0, context) }
        let reference: String? = entries["reference"].flatMap { node in
            guard let word = reader.nonEmptyString(node, "\(context).reference") else { return nil }
            return word == "overall" ? nil : word
        }
        if let node = entries["reference"], let reference, case let .values(list)? = group.flatMap({ keys[$0] }), !list.contains(reference) {
            reader.error(node, "\(context).reference '\(reference)' is not one of the keys\(Suggestion.didYouMean(reference, among: list)); name a listed group or write overall")
        }
        let minimum = entries["min_group_size"].map { reader.integer($0, "\(context).min_group_size", minimum: 1) } ?? 30
        let contribution = entries["contribution"].flatMap { parseContribution($0, context, allowAuto: false) }
        var privacy = entries["privacy"].flatMap { parsePrivacy($0, context) }
        if case .rho? = privacy, let node = entries["privacy"] {
            reader.error(node, "\(context).privacy: a disparity output takes epsilon (discrete Laplace); its intervals model that noise, not the Gaussian of rho")
            privacy = nil
        }
        if privacy?.delta != nil, let node = entries["privacy"] {
            reader.error(node, "\(context).privacy: a disparity output compares public groups and needs no delta; remove it")
            privacy = nil
        }
        guard let group, let outcome, let minimum, let privacy else { return nil }
        return AggregateSpec(groupBy: (period.map { [$0] } ?? []) + [GroupKey(column: group, level: nil)], keys: keys,
                             statistics: [.count, .sum(column: outcome.column, bounds: 0...1)], contribution: contribution,
                             privacy: privacy,
                             disparity: DisparitySpec(group: group, period: period, outcome: outcome, reference: reference,
                                                      minimumSize: minimum))
    }

    private mutating func parseOutcome(_ node: Node, _ context: String) -> OutcomeSpec? {
        let where_ = "\(context).outcome"
        guard let entries = reader.mapping(node, where_, allowed: ["column", "is", "at_most", "at_least", "among"], required: ["column"]) else {
            return nil
        }
        let column = entries["column"].flatMap { reader.nonEmptyString($0, "\(where_).column") }
        let tests = ["is", "at_most", "at_least"].filter { entries[$0] != nil }
        guard tests.count == 1, let test = tests.first, let testNode = entries[test] else {
            reader.error(node, "\(where_) needs exactly one of is: [labels], at_most: number or at_least: number, e.g. {column: finding, is: [Sustained]}")
            return nil
        }
        let condition: OutcomeSpec.Condition?
        switch test {
        case "is":
            let labels = testNode.scalar != nil ? reader.string(testNode, "\(where_).is").map { [$0] } : reader.stringList(testNode, "\(where_).is")
            condition = labels.map { .oneOf($0) }
        case "at_most": condition = reader.number(testNode, "\(where_).at_most").map { .atMost($0) }
        default: condition = reader.number(testNode, "\(where_).at_least").map { .atLeast($0) }
        }
        var among: [String]?
        if let node = entries["among"] {
            among = reader.stringList(node, "\(where_).among")
            if case let .oneOf(labels)?  = condition, let among, let stray = labels.first(where: { !among.contains($0) }) {
                reader.error(node, "\(where_): '\(stray)' is in is: but not in among:, so it could never count; add it to among")
            }
        }
        guard let column, let condition else { return nil }
        return OutcomeSpec(column: column, condition: condition, among: among)
    }

    /// The widest clamping bound a statistic may have: 10⁹ (ten million clamped values still sum exactly in 64 bits).
    static let largestBound = 1e9

    static let statisticWords = ["count", "sum", "mean", "median", "quantile"]

    /// Candidates of a quantile with `grid: log`: this many log-spaced points over its bounds.
    static let logGridPoints = 200

    private mutating func parseStatistics(_ node: Node, _ context: String, complete: inout Set<String>,
                                          logGrids: inout [String: Int]) -> [StatisticSpec]? {
        guard let items = reader.sequence(node, "\(context).statistics") else { return nil }
        // `missing:` is about the column: every statistic of a column must agree.
        var missingChoice: [String: (refuse: Bool, node: Node)] = [:]
        if items.isEmpty { reader.error(node, "\(context).statistics must list at least one statistic") }
        return items.compactMap { item in
            if let word = item.scalar?.string {
                if word == "count" { return .count }
                reader.error(item, "\(context): '\(word)' needs a column and bounds, e.g. {mean: response_seconds, bounds: [0, 7200]}\(Statistics.isKnown(word) ? "" : Suggestion.didYouMean(word, among: Self.statisticWords))")
                return nil
            }
            guard let entries = reader.mapping(item, "\(context) statistic",
                                               allowed: Self.statisticWords + ["bounds", "q", "missing", "grid"]) else { return nil }
            let chosen = entries.order.filter { Self.statisticWords.contains($0) }
            guard chosen.count == 1, let word = chosen.first, let columnNode = entries[word],
                  let column = reader.nonEmptyString(columnNode, "\(context) \(word) column") else {
                reader.error(item, "\(context): a statistic names exactly one of sum, mean, median, quantile with its column")
                return nil
            }
            if let missingNode = entries["missing"], let choice = reader.string(missingNode, "\(context) \(word) missing") {
                if choice != "skip" && choice != "refuse" {
                    reader.error(missingNode, "\(context): missing must be skip (a record without \(column) is left out of this statistic) or refuse (\(column) is never missing: a mean then divides by the output's count, and a record without it stops the release), found '\(choice)'")
                } else if let earlier = missingChoice[column], earlier.refuse != (choice == "refuse") {
                    reader.error(missingNode, "\(context): the statistics of \(column) disagree on missing (skip here, refuse at \(reader.location(earlier.node))); it is a property of the column, so write the same for each")
                } else {
                    missingChoice[column] = (choice == "refuse", missingNode)
                    if choice == "refuse" { complete.insert(column) }
                }
            }
            guard let boundsNode = entries["bounds"] else {
                reader.error(item, "\(context): \(word) of '\(column)' needs bounds: [low, high]; values are clamped to them and they set the noise")
                return nil
            }
            guard let bounds = reader.sequence(boundsNode, "\(context) bounds"), bounds.count == 2,
                  let low = reader.number(bounds[0], "\(context) lower bound"),
                  let high = reader.number(bounds[1], "\(context) upper bound") else {
                reader.error(boundsNode, "\(context): bounds must be [low, high]")
                return nil
            }
            guard low < high else {
                reader.error(boundsNode, "\(context): the lower bound \(low) must be below the upper bound \(high)")
                return nil
            }
            // Sums of millions of clamped values must stay exact in 64-bit integers.
            guard abs(low) <= Self.largestBound, abs(high) <= Self.largestBound else {
                reader.error(boundsNode, "\(context): bounds [\(low), \(high)] are beyond ±\(Int(Self.largestBound)) (10⁹); a range that wide makes every value noise, and sums of it overflow. Use the unit's real range (e.g. seconds up to a day: [0, 86400])")
                return nil
            }
            if let gridNode = entries["grid"] {
                // A grid is for the exponential mechanism's candidates: quantiles only, from 0 up.
                if word != "median" && word != "quantile" {
                    reader.error(gridNode, "\(context): grid is for a median or quantile's candidate values, not a \(word)")
                } else if reader.string(gridNode, "\(context) \(word) grid") != "log" {
                    reader.error(gridNode, "\(context): grid must be log (\(Self.logGridPoints) log-spaced candidates over the bounds) or left out (every whole number of the bounds)")
                } else if low < 0 {
                    reader.error(gridNode, "\(context): grid: log needs bounds from 0 up, found [\(low), \(high)]")
                }
            }
            let grid = entries["grid"] != nil && low >= 0 ? Self.logGridPoints : nil
            switch word {
            case "sum": return .sum(column: column, bounds: low...high)
            case "mean": return .mean(column: column, bounds: low...high)
            case "median":
                let statistic = StatisticSpec.median(column: column, bounds: low...high)
                if let grid { logGrids[statistic.name] = grid }
                return statistic
            default:
                guard let qNode = entries["q"] else {
                    reader.error(item, "\(context): quantile needs q, e.g. q: 0.9")
                    return nil
                }
                guard let q = reader.number(qNode, "\(context) q"), q > 0, q < 1 else {
                    reader.error(qNode, "\(context): q must be strictly between 0 and 1")
                    return nil
                }
                let statistic = StatisticSpec.quantile(column: column, q: q, bounds: low...high)
                if let grid { logGrids[statistic.name] = grid }
                return statistic
            }
        }
    }

    /// `contribution: {groups_per_unit: 2, rows_per_unit_per_group: 1}`; either value may be `auto`
    /// (chosen per release from the data, privately), and `contribution: auto` chooses both.
    private mutating func parseContribution(_ node: Node, _ context: String, allowAuto: Bool = true) -> ContributionSpec? {
        let cap = ContributionSpec.autoCap
        if case let .scalar(scalar) = node, scalar.string == "auto" {
            guard allowAuto else {
                reader.error(node, "\(context).contribution: auto chooses bounds per release, but this output needs the same bounds every release (period totals and equity tables add up or compare releases); give groups_per_unit and rows_per_unit_per_group")
                return nil
            }
            return ContributionSpec(groupsPerUnit: cap, rowsPerUnitPerGroup: cap, autoGroups: true, autoRows: true)
        }
        let keys = ["groups_per_unit", "rows_per_unit_per_group"]
        guard let entries = reader.mapping(node, "\(context).contribution", allowed: keys, required: keys) else { return nil }
        func bound(_ key: String) -> (Int, Bool)? {
            guard let value = entries[key] else { return nil }
            if case let .scalar(scalar) = value, scalar.string == "auto" {
                guard allowAuto else {
                    reader.error(value, "\(context).contribution.\(key): auto chooses the bound per release, but this output needs the same bounds every release; give a whole number of at least 1")
                    return nil
                }
                return (cap, true)
            }
            return reader.integer(value, "\(context).contribution.\(key)", minimum: 1).map { ($0, false) }
        }
        let groups = bound("groups_per_unit"), rows = bound("rows_per_unit_per_group")
        guard let groups, let rows else { return nil }
        return ContributionSpec(groupsPerUnit: groups.0, rowsPerUnitPerGroup: rows.0, autoGroups: groups.1, autoRows: rows.1)
    }

    private mutating func parsePrivacy(_ node: Node, _ context: String) -> PrivacySpec? {
        guard let entries = reader.mapping(node, "\(context).privacy", allowed: ["epsilon", "rho", "delta"]) else { return nil }
        let delta = entries["delta"].flatMap { reader.positiveNumber($0, "\(context).privacy.delta") }
        if let delta, delta >= 1, let deltaNode = entries["delta"] {
            reader.error(deltaNode, "\(context).privacy.delta must be below 1 (typically 1e-7 or smaller), found \(delta)")
            return nil
        }
        switch (entries["epsilon"], entries["rho"]) {
        case let (epsilonNode?, nil):
            guard let epsilon = reader.positiveNumber(epsilonNode, "\(context).privacy.epsilon") else { return nil }
            // Below 0.001 the noise drowns any count (scale > 1,000 per person) and the exact samplers'
            // parameters, kept to 10⁻⁶ and shared among statistics, would round to nothing; above 20
            // the factor e^ε (> 4·10⁸) promises nothing.
            guard (0.001...20).contains(epsilon) else {
                reader.error(epsilonNode, "\(context).privacy.epsilon must be between 0.001 and 20 (smaller drowns every value in noise, larger protects nobody), found \(epsilon)")
                return nil
            }
            return .epsilon(epsilon, delta: delta)
        case let (nil, rhoNode?):
            guard let rho = reader.positiveNumber(rhoNode, "\(context).privacy.rho") else { return nil }
            // The same reasons in ρ-zCDP terms: ρ = ε²/2 for the bounds above, roughly.
            guard (0.000001...200).contains(rho) else {
                reader.error(rhoNode, "\(context).privacy.rho must be between 0.000001 and 200 (smaller drowns every value in noise, larger protects nobody), found \(rho)")
                return nil
            }
            guard let delta else {
                reader.error(node, "\(context).privacy: rho needs delta too, to state the (ε, δ) guarantee and charge the budget")
                return nil
            }
            return .rho(rho, delta: delta)
        default:
            reader.error(node, "\(context).privacy must give exactly one of epsilon (discrete Laplace) or rho (discrete Gaussian)")
            return nil
        }
    }
}

private enum Statistics {
    static func isKnown(_ word: String) -> Bool { PolicyParser.statisticWords.contains(word) }
}
