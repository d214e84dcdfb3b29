import Foundation
import Tabular

/// How a record-level output is generalised.
public enum Recoding: String, Sendable, CaseIterable {
    /// Full-domain generalisation: one transformation for every record (``Anonymizer``).
    case global
    /// Iterative local recoding (``LocalRecoder``): the records a transformation would
    /// suppress get a transformation of their own, round after round.
    case local
}

/// One round of local recoding: a transformation and how many records it published.
public struct RecodingRound: Sendable, Equatable {
    /// Generalisation level of each quasi-identifier.
    public var levels: [Int]
    /// Records published under these levels.
    public var records: Int
}

/// Iterative local recoding, as ARX's `ARXResult.optimizeIterative` does it and
/// as Prasser, Kohlmayer, Spengler & Kuhn describe it ("A scalable and
/// pragmatic method for the safe sharing of high-quality health data", IEEE
/// JBHI 22(2), 2018): the optimal full-domain transformation is found first;
/// the records it suppresses are then anonymised on their own, with the same
/// hierarchies, models, metric and suppression limit, and those published by
/// that round keep its transformation; the rest go to the next round. Unlike
/// ARX, each round searches only the transformations at least as general as
/// the round before in every column: a record an earlier round could not
/// publish is never published in more detail than that round would have
/// shown (it is, after all, one of the unusual ones), and the search space
/// shrinks from the whole lattice to that transformation's up-set. A round
/// that publishes nothing is repeated with no suppression allowed (every
/// remaining record must then fit a class, at worst under `*`), and the rounds
/// stop when no record is left, too few are left for one class, or no
/// transformation satisfies the models.
///
/// Every value stays a label of its column's hierarchy (records are recoded
/// along the hierarchy, never split into new ranges as Mondrian does), so a
/// published value always means what the hierarchy says.
///
/// Guarantee: every published record shares its published quasi-identifiers
/// with at least k − 1 others, and every class of identical published
/// quasi-identifiers satisfies each configured ℓ-diversity model. Each round's
/// classes satisfy the models on their own; a class made of records from two
/// rounds that happen to be published with the same labels is checked again as
/// a whole, and its records are suppressed if it fails (k-anonymity and
/// distinct, entropy and recursive ℓ-diversity hold for unions of classes that
/// hold them — Machanavajjhala et al. 2007, §5 — so only the Grassberger
/// estimate can fail there). t-closeness is measured in every round against
/// the whole table's distribution (not the round's records), and again for
/// merged classes.
///
/// The loss of the result is the configured metric over the mixed output: per
/// record, its round's transformation; suppressed records count as `*`
/// (for `loss`, `dm` and `aecs` exactly as in full-domain generalisation; for
/// the entropy metrics a suppressed record counts as generalised to `*`).
enum LocalRecoder {
    /// At most this many rounds; Adult at k = 10 needs three.
    static let maximumRounds = 64

    /// Refines `first` (the full-domain optimum of `table`, whose encoding is `data`).
    static func refine(_ table: Table, configuration: AnonymizationConfiguration, data: EncodedData,
                       first: AnonymizationResult, firstClasses: EquivalenceClasses) throws(AnonymizationError) -> AnonymizationResult {
        let qi = configuration.quasiIdentifiers.map(\.column)
        let k = PrivacyModel.smallestClass(configuration.models)
        // Published labels of each record, per quasi-identifier, and its round (nil: suppressed).
        var labels = [[String]](repeating: [], count: table.rowCount)
        var roundOf = [Int?](repeating: nil, count: table.rowCount)
        var rounds = [RecodingRound(levels: first.transformation, records: table.rowCount - first.suppressed)]
        let firstColumns = qi.map { first.table.column(named: $0) }
        var remaining: [Int] = []
        for row in 0..<table.rowCount {
            if first.suppressedRecords[row] {
                remaining.append(row)
            } else {
                roundOf[row] = 0
                labels[row] = firstColumns.map { $0?[row] ?? "*" }
            }
        }
        var limit = configuration.suppressionLimit
        var subConfiguration = configuration
        subConfiguration.recoding = .global
        subConfiguration.suppressAllWhenInfeasible = false
        subConfiguration.progress = nil
        // t-closeness compares every class with the whole table, not with a round's records.
        subConfiguration.closenessPopulation = (data.sensitiveLabels, data.sensitiveCounts)
        while !remaining.isEmpty, remaining.count >= k, rounds.count < maximumRounds {
            var keep = [Bool](repeating: false, count: table.rowCount)
            for row in remaining { keep[row] = true }
            let subset = Table(columns: table.columns.map { $0.filtered(keeping: keep) })
            subConfiguration.suppressionLimit = limit
            subConfiguration.minimumLevels = rounds[rounds.count - 1].levels
            let result: AnonymizationResult
            do {
                result = try Anonymizer.anonymize(subset, configuration: subConfiguration)
            } catch {
                if case .noSolution = error { break }
                throw error
            }
            let columns = qi.map { result.table.column(named: $0) }
            var left: [Int] = []
            for (position, row) in remaining.enumerated() {
                if result.suppressedRecords[position] {
                    left.append(row)
                } else {
                    roundOf[row] = rounds.count
                    labels[row] = columns.map { $0?[position] ?? "*" }
                }
            }
            if !left.isEmpty, left.count < k, limit > 0 {
                // Fewer than k records left could never form a class: this round must place them all.
                limit = 0
                continue
            }
            if left.count == remaining.count {
                // Nothing moved: once more with every remaining record required in a class.
                if limit > 0 {
                    limit = 0
                    continue
                }
                break
            }
            rounds.append(RecodingRound(levels: result.transformation, records: remaining.count - left.count))
            remaining = left
        }

        // Classes of the whole output: identical published labels, whatever their round.
        var classOf: [[String]: Int] = [:]
        var classRows: [[Int]] = []
        for row in 0..<table.rowCount where roundOf[row] != nil {
            if let cls = classOf[labels[row]] {
                classRows[cls].append(row)
            } else {
                classOf[labels[row]] = classRows.count
                classRows.append([row])
            }
        }
        let sensitiveColumn = configuration.sensitive.flatMap { table.column(named: $0) }
        var closeness: ClosenessReference?
        for model in configuration.models {
            if case let .tCloseness(_, distance) = model { closeness = try ClosenessReference(data: data, distance: distance) }
        }
        for rows in classRows where !holds(rows, models: configuration.models, sensitive: sensitiveColumn, closeness: closeness, k: k) {
            for row in rows { roundOf[row] = nil }
        }
        let published = classRows.filter { roundOf[$0[0]] != nil }
        let suppressedRecords = roundOf.map { $0 == nil }
        let suppressed = suppressedRecords.reduce(0) { $0 + ($1 ? 1 : 0) }
        for index in rounds.indices {
            rounds[index].records = roundOf.reduce(0) { $0 + ($1 == index ? 1 : 0) }
        }

        // The output: quasi-identifiers as published, `*` for suppressed records (and in the sensitive column).
        let qiIndex = Dictionary(uniqueKeysWithValues: qi.enumerated().map { ($1, $0) })
        let output = Table(columns: table.columns.map { column -> Column in
            if let c = qiIndex[column.name] {
                return Column(name: column.name, values: (0..<table.rowCount).map { suppressedRecords[$0] ? "*" : labels[$0][c] })
            }
            if column.name == configuration.sensitive {
                return Column(name: column.name, values: (0..<table.rowCount).map { suppressedRecords[$0] ? "*" : column[$0] })
            }
            return column
        })
        let evaluator = MetricEvaluator(data: data, metric: configuration.metric)
        let rowLevels = roundOf.map { $0.map { rounds[$0].levels } }
        let sizes = published.map(\.count)
        var result = first
        result.loss = evaluator.mixedLoss(rowLevels: rowLevels, classSizes: sizes)
        result.fullDomainLoss = evaluator.mixedLoss(rowLevels: (0..<table.rowCount).map { first.suppressedRecords[$0] ? nil : first.transformation },
                                                    classSizes: firstClasses.counts.indices.filter { firstClasses.passes[$0] }.map { firstClasses.counts[$0] })
        result.suppressed = suppressed
        result.classes = published.count
        result.risk = RiskReport(classSizes: sizes, rowCount: table.rowCount, suppressed: suppressed,
                                 sampleUniques: first.risk.sampleUniques)
        result.table = output
        result.suppressedRecords = suppressedRecords
        result.rounds = rounds
        return result
    }

    /// True when the records `rows` form a class every model accepts (t-closeness against the whole table).
    private static func holds(_ rows: [Int], models: [PrivacyModel], sensitive: Column?, closeness: ClosenessReference?,
                              k: Int) -> Bool {
        guard rows.count >= k else { return false }
        var counts: [Int32: Int] = [:]
        if let sensitive { for row in rows { counts[sensitive.codes[row], default: 0] += 1 } }
        for model in models {
            switch model {
            case let .lDiversity(l, variant):
                if !Diversity.holds(counts: Array(counts.values), total: rows.count, l: l, variant: variant) { return false }
            case let .tCloseness(t, _):
                // The encoding's sensitive codes are the column's, a missing value last.
                guard let closeness, let sensitive else { return false }
                var histogram = [Int](repeating: 0, count: sensitive.dictionary.count + 1)
                var touched: [Int32] = []
                for (code, count) in counts {
                    let index = code == Column.nullCode ? sensitive.dictionary.count : Int(code)
                    histogram[index] = count
                    touched.append(Int32(index))
                }
                if closeness.distance(histogram: histogram, touched: touched, total: rows.count) > t + 1e-12 { return false }
            case .kAnonymity:
                break
            }
        }
        return true
    }
}
