import Foundation
import Tabular

/// What to anonymise and how.
public struct AnonymizationConfiguration: Sendable {
    /// Quasi-identifiers with their hierarchies, in output order.
    public var quasiIdentifiers: [Hierarchy]
    /// The sensitive column protected by ℓ-diversity or t-closeness, if any.
    public var sensitive: String?
    /// Hierarchy of the sensitive column (hierarchical t-closeness only).
    public var sensitiveHierarchy: Hierarchy?
    /// Models every published class must satisfy.
    public var models: [PrivacyModel]
    /// Largest share of records that may be suppressed, in [0, 1].
    public var suppressionLimit: Double
    /// The metric the optimum minimises.
    public var metric: LossMetric
    /// When no transformation is feasible (fewer records than k, say), suppress
    /// every record instead of failing; releases use this so a quiet day still
    /// publishes (nothing) rather than stopping the run.
    public var suppressAllWhenInfeasible = false
    /// Global (one transformation for all records) or local recoding (``LocalRecoder``).
    public var recoding: Recoding = .global
    /// ARX's generalisation/suppression factor of the `loss` metric, in [0, 1] (0.5: ARX's
    /// default, a suppressed record costs as much as a removed value in every column; lower
    /// makes suppression cheaper, which with local recoding keeps detail for most records and
    /// recodes the rest). Ignored by the other metrics.
    public var gsFactor: Double = 0.5
    /// The lowest level of each quasi-identifier the search may choose (local recoding's later
    /// rounds search only transformations at least as general as the round before).
    var minimumLevels: [Int]? = nil
    /// The whole table's sensitive values and counts when the data is a part of it (local
    /// recoding's later rounds), so t-closeness is measured against the whole table.
    var closenessPopulation: (labels: [String], counts: [Int])? = nil
    /// Called after each transformation is checked, with the number checked so far
    /// (for progress displays; the search is best-first and usually stops early).
    public var progress: (@Sendable (_ checked: Int, _ latticeSize: Int) -> Void)?

    public init(quasiIdentifiers: [Hierarchy], sensitive: String? = nil, sensitiveHierarchy: Hierarchy? = nil,
                models: [PrivacyModel], suppressionLimit: Double, metric: LossMetric) {
        self.quasiIdentifiers = quasiIdentifiers
        self.sensitive = sensitive
        self.sensitiveHierarchy = sensitiveHierarchy
        self.models = models
        self.suppressionLimit = suppressionLimit
        self.metric = metric
    }
}

/// The optimal transformation and what it does to the data.
public struct AnonymizationResult: Sendable {
    /// Generalisation level of each quasi-identifier, in configuration order.
    public var transformation: [Int]
    /// The metric's value for the transformation.
    public var loss: Double
    /// Records suppressed (classes failing a privacy model).
    public var suppressed: Int
    /// Published equivalence classes.
    public var classes: Int
    /// Transformations whose classes were computed, and the lattice size.
    public var checked: Int
    public var latticeSize: Int
    /// Re-identification risk of the published records.
    public var risk: RiskReport
    /// The table with quasi-identifiers generalised; suppressed records have `*`
    /// in every quasi-identifier and in the sensitive column.
    public var table: Table
    /// True for each suppressed record, in table order.
    public var suppressedRecords: [Bool]
    /// With local recoding, each round's transformation and the records it published (the first
    /// round is ``transformation``); empty for global recoding.
    public var rounds: [RecodingRound] = []
    /// With local recoding, the metric of the full-domain optimum alone, computed the same way as
    /// ``loss`` (so the two compare); nil for global recoding.
    public var fullDomainLoss: Double? = nil
}

/// Full-domain generalisation to k-anonymity, ℓ-diversity and t-closeness with
/// record suppression, optimal under a ``LossMetric``.
///
/// Guarantee: in the returned table every record that is not suppressed shares
/// its generalised quasi-identifiers with at least k − 1 others, and every
/// class satisfies each configured model; at most ⌊limit · N⌋ records are
/// suppressed. The transformation minimises the metric over the whole lattice
/// of level combinations: nodes are visited in order of a lower bound that needs
/// no grouping (exact for monotonic entropy), classes are computed only for
/// nodes whose bound is below the best loss found, and the search stops when no
/// remaining bound can beat it (a best-first form of the optimality argument in
/// Kohlmayer et al. 2012, "Flash").
public enum Anonymizer {
    /// The optimal transformation of `table` under `configuration`, with the generalised table;
    /// every published class satisfies each configured model.
    ///
    /// - Throws: ``AnonymizationError/invalidConfiguration(_:)`` for settings out of range or a
    ///   column missing from the table; ``AnonymizationError/valueNotCovered(column:value:)``,
    ///   ``AnonymizationError/lastLevelNotSuppressed(column:value:)`` or
    ///   ``AnonymizationError/notAFunction(column:value:level:)`` for a hierarchy that does not fit
    ///   the data; ``AnonymizationError/noSolution(_:)`` when no transformation is feasible and
    ///   `suppressAllWhenInfeasible` is off.
    public static func anonymize(_ table: Table, configuration: AnonymizationConfiguration) throws(AnonymizationError)
        -> AnonymizationResult
    {
        guard !configuration.quasiIdentifiers.isEmpty else {
            throw .invalidConfiguration("no quasi-identifiers: give at least one column a hierarchy")
        }
        guard (0...1).contains(configuration.suppressionLimit) else {
            throw .invalidConfiguration("the suppression limit must be between 0 and 1")
        }
        guard (0...1).contains(configuration.gsFactor) else {
            throw .invalidConfiguration("the generalisation/suppression factor must be between 0 and 1")
        }
        if configuration.models.contains(where: \.needsSensitiveColumn) && configuration.sensitive == nil {
            throw .invalidConfiguration("ℓ-diversity and t-closeness need a sensitive column")
        }
        for model in configuration.models {
            if case let .kAnonymity(k) = model, k < 1 { throw .invalidConfiguration("k must be at least 1") }
        }
        let data = try EncodedData(table: table, hierarchies: configuration.quasiIdentifiers,
                                   sensitive: configuration.sensitive, sensitiveHierarchy: configuration.sensitiveHierarchy)
        var closeness: ClosenessReference?
        for model in configuration.models {
            if case let .tCloseness(_, distance) = model {
                closeness = try ClosenessReference(data: data, distance: distance, population: configuration.closenessPopulation)
            }
        }
        let evaluator = MetricEvaluator(data: data, metric: configuration.metric, gsFactor: configuration.gsFactor)
        let limit = Int((configuration.suppressionLimit * Double(data.rowCount)).rounded(.down) + 1e-9)

        // Every node of the lattice with its lower bound, best first.
        var nodes: [[Int]] = [[]]
        for height in data.heights {
            nodes = nodes.flatMap { prefix in (0..<height).map { prefix + [$0] } }
        }
        let bounds = nodes.map { evaluator.lowerBound($0) }
        let allowed = nodes.indices.filter { index in
            configuration.minimumLevels.map { minimum in zip(nodes[index], minimum).allSatisfy { $0 >= $1 } } ?? true
        }
        let order = allowed.sorted {
            if bounds[$0] != bounds[$1] { return bounds[$0] < bounds[$1] }
            let (a, b) = (nodes[$0].reduce(0, +), nodes[$1].reduce(0, +))
            return a != b ? a < b : nodes[$0].lexicographicallyPrecedes(nodes[$1])
        }

        // Cells of checked nodes, so each node rolls up from its smallest checked ancestor.
        let bottom = Cells.bottom(data)
        let scratch = GroupingScratch()
        var cache: [Int: Cells] = [:]
        var cachedCells = 0
        // Each cache holds at most a quarter as many cells as the data has tuples (and 12 million):
        // on a backfill the search's caches must not outgrow the data they summarise.
        let cacheLimit = min(12_000_000, max(1_000_000, data.tupleCount / 4))
        let strides = data.heights.indices.map { c in data.heights[(c + 1)...].reduce(1, *) }
        func nodeIndex(_ levels: [Int]) -> Int { zip(levels, strides).reduce(0) { $0 + $1.0 * $1.1 } }
        // Levels that partition the records exactly like a lower level of the same column
        // (a window of one day has one "day", one "week" and one "month") give the same classes:
        // each node is grouped as its canonical form, the lowest levels with the same partition.
        let canonicalLevel = data.heights.indices.map { c in
            (0..<data.heights[c]).map { level in (0...level).first { data.samePartition(c, $0, level) } ?? level }
        }
        func canonical(_ levels: [Int]) -> [Int] { levels.indices.map { canonicalLevel[$0][levels[$0]] } }
        // More classes than this cannot pass k-anonymity within the suppression limit.
        let maxClasses = data.rowCount / PrivacyModel.smallestClass(configuration.models) + limit
        var outliersOf: [Int: Int] = [:]
        var feasible: [Int: EquivalenceClasses] = [:]
        var feasibleCells = 0

        // With monotonic models (k-anonymity, distinct ℓ-diversity) and nested hierarchies, generalising never
        // raises the number of records in failing classes, so everything below an
        // infeasible node is infeasible. Each infeasible node is climbed to a maximal
        // infeasible one, which then rules out its whole down-set without grouping.
        let monotonic = data.fullyNested && configuration.models.allSatisfy {
            switch $0 {
            case .kAnonymity, .lDiversity(_, .distinct): true
            default: false
            }
        }
        var aboveFeasible = [Bool](repeating: false, count: nodes.count)
        /// Marks the up-set of a feasible node (generalising keeps it feasible).
        func markFeasible(_ bottom: [Int]) {
            var stack = [bottom]
            while let levels = stack.popLast() {
                let index = nodeIndex(levels)
                if aboveFeasible[index] { continue }
                aboveFeasible[index] = true
                for c in levels.indices where levels[c] < data.heights[c] - 1 {
                    var up = levels
                    up[c] += 1
                    stack.append(up)
                }
            }
        }
        var belowInfeasible = [Bool](repeating: false, count: nodes.count)
        func knownInfeasible(_ levels: [Int]) -> Bool { belowInfeasible[nodeIndex(levels)] }
        /// Marks the down-set of `top`; a marked node's down-set is already marked, so the walk stops there.
        func markInfeasible(_ top: [Int]) {
            var stack = [top]
            while let levels = stack.popLast() {
                let index = nodeIndex(levels)
                if belowInfeasible[index] { continue }
                belowInfeasible[index] = true
                for c in levels.indices where levels[c] > 0 {
                    var down = levels
                    down[c] -= 1
                    stack.append(down)
                }
            }
        }

        var best: (levels: [Int], loss: Double, classes: EquivalenceClasses)?
        var checked = 0
        var evaluated = [Bool](repeating: false, count: nodes.count)
        /// The classes of `levels` (grouped as its canonical form, from the smallest cached
        /// ancestor, else `fallback`: any finer node's cells), or nil when the node is known or
        /// found infeasible without grouping every cell. Counts the node once; caches small results.
        func group(_ levels: [Int], fallback: Cells) -> EquivalenceClasses? {
            let index = nodeIndex(levels)
            if !evaluated[index] {
                evaluated[index] = true
                checked += 1
                configuration.progress?(checked, nodes.count)
            }
            let target = canonical(levels)
            let key = nodeIndex(target)
            if let outliers = outliersOf[key], outliers > limit { return nil }
            if let known = feasible[key] { return known }
            // Cells roll up only through nested steps (a week can straddle two months).
            var source = data.rollsUp(from: fallback.levels, to: target) ? fallback : bottom
            let start = source.count.count
            // The nodes one level below hold the fewest cells of any finer node; only when none of
            // them is cached is every cached node considered.
            for c in target.indices where target[c] > 0 {
                var below = target
                below[c] -= 1
                if let cells = cache[nodeIndex(canonical(below))], cells.count.count < source.count.count,
                   data.rollsUp(from: cells.levels, to: target) {
                    source = cells
                }
            }
            if source.count.count == start {
                for (_, cells) in cache where cells.count.count < source.count.count && data.rollsUp(from: cells.levels, to: target) {
                    source = cells
                }
            }
            guard let classes = EquivalenceClasses(data: data, levels: target, from: source, models: configuration.models,
                                                   closeness: closeness, scratch: scratch, maxClasses: maxClasses,
                                                   outlierLimit: limit) else {
                outliersOf[key] = Int.max
                return nil
            }
            outliersOf[key] = classes.outliers
            if cache[key] == nil, cachedCells + classes.cells.count.count <= cacheLimit,
               classes.cells.count.count < data.tupleCount {
                cache[key] = classes.cells
                cachedCells += classes.cells.count.count
            }
            if classes.outliers <= limit, feasibleCells + classes.cells.count.count <= cacheLimit {
                feasible[key] = classes
                feasibleCells += classes.cells.count.count
            }
            return classes
        }
        for index in order {
            if let best, bounds[index] >= best.loss { break }
            let levels = nodes[index]
            if monotonic && knownInfeasible(levels) { continue }
            let grouped = group(levels, fallback: bottom)
            guard let classes = grouped, classes.outliers <= limit else {
                if monotonic {
                    var top = levels
                    var cells = grouped?.cells ?? bottom
                    var jump = true
                    climbing: while true {
                        for c in top.indices where top[c] < data.heights[c] - 1 {
                            var up = top
                            // Try the whole way up first: one check can rule out a large down-set.
                            up[c] = jump ? data.heights[c] - 1 : top[c] + 1
                            if knownInfeasible(up) {
                                top = up
                                continue climbing
                            }
                            if aboveFeasible[nodeIndex(up)] { continue }
                            let higher = group(up, fallback: cells)
                            guard let higher, higher.outliers <= limit else {
                                top = up
                                if let higher { cells = higher.cells }
                                continue climbing
                            }
                            markFeasible(up)
                        }
                        if jump {
                            jump = false
                            continue climbing
                        }
                        break
                    }
                    markInfeasible(top)
                }
                continue
            }
            let loss = evaluator.loss(levels, classes)
            if best == nil || loss < best?.loss ?? .infinity {
                best = (levels, loss, classes)
            }
        }
        if best == nil && configuration.suppressAllWhenInfeasible {
            let top = data.heights.map { $0 - 1 }
            var classes = EquivalenceClasses(data: data, levels: top, from: bottom, models: configuration.models,
                                             closeness: closeness, scratch: scratch)
            classes.passes = classes.passes.map { _ in false }
            classes.outliers = data.rowCount
            best = (top, .infinity, classes)
        }
        guard let best else {
            throw .noSolution("even full suppression of every quasi-identifier leaves more than \(limit) records in failing classes; raise the suppression limit or relax the models")
        }
        let (output, suppressedRecords) = apply(best.levels, best.classes, data: data, to: table,
                                                sensitive: configuration.sensitive)
        let result = AnonymizationResult(
            transformation: best.levels, loss: best.loss, suppressed: best.classes.outliers,
            classes: best.classes.passes.filter { $0 }.count, checked: checked, latticeSize: nodes.count,
            risk: RiskReport(classes: best.classes, rowCount: data.rowCount),
            table: output, suppressedRecords: suppressedRecords)
        guard configuration.recoding == .local, best.loss.isFinite else { return result }
        return try LocalRecoder.refine(table, configuration: configuration, data: data, first: result, firstClasses: best.classes)
    }

    /// Rewrites the quasi-identifiers at `levels`; suppressed records get `*`.
    static func apply(_ levels: [Int], _ classes: EquivalenceClasses, data: EncodedData, to table: Table,
                      sensitive: String?) -> (Table, [Bool]) {
        let classOfTuple = classes.classOfTuples(data, levels: levels)
        let suppressed = (0..<data.rowCount).map { !classes.passes[Int(classOfTuple[Int(data.recordTuple[$0])])] }
        let qiIndex = Dictionary(uniqueKeysWithValues: data.columns.enumerated().map { ($1, $0) })
        // Built on codes: each output dictionary is the level's labels (plus "*"), never a string per row.
        func starred(_ dictionary: [String]) -> ([String], Int32) {
            if let star = dictionary.firstIndex(of: "*") { return (dictionary, Int32(star)) }
            return (dictionary + ["*"], Int32(dictionary.count))
        }
        let columns = table.columns.map { column -> Column in
            if let c = qiIndex[column.name] {
                let map = data.generalization[c][levels[c]]
                let (dictionary, star) = starred(data.labels[c][levels[c]])
                let codes = data.recordCodes[c].withUnsafeBufferPointer { recordCodes in
                    (0..<data.rowCount).map { row in suppressed[row] ? star : map[Int(recordCodes[row])] }
                }
                return Column(name: column.name, dictionary: dictionary, codes: codes).compacted()
            }
            if column.name == sensitive {
                let (dictionary, star) = starred(column.dictionary)
                let codes = column.codes.enumerated().map { row, code in suppressed[row] ? star : code }
                return Column(name: column.name, dictionary: dictionary, codes: codes).compacted()
            }
            return column
        }
        return (Table(columns: columns), suppressed)
    }
}
