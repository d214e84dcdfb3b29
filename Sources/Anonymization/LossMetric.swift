import Foundation

/// Information-loss metrics, with ARX's definitions so figures compare
/// (Prasser et al., "Flexible data anonymization using ARX", 2020; ARX source,
/// package `org.deidentifier.arx.metric.v2`). Lower is better for all.
public enum LossMetric: String, Sendable, CaseIterable {
    /// Non-uniform entropy (de Waal & Willenborg 1999), monotonic variant:
    /// per quasi-identifier −Σ_v a(v)·log₂(a(v)/b(g(v))) over original values v,
    /// a the count of v, b the count of its generalisation; summed over
    /// quasi-identifiers. Suppression costs nothing extra.
    case entropy
    /// Non-uniform entropy, non-monotonic variant: as `entropy`, plus for the
    /// suppressed records the entropy of their generalised values against `*`.
    case entropyNonMonotonic = "entropy-nm"
    /// Loss (Iyengar 2002), as ARX normalises it: per quasi-identifier the
    /// records' mean domain share of their generalised value (suppressed: 1),
    /// rescaled to [0, 1], aggregated by geometric mean.
    case loss
    /// Discernibility (Bayardo & Agrawal 2005): Σ |E|² over published classes
    /// plus N for each suppressed record.
    case discernibility = "dm"
    /// DM* (ARX's `createDiscernabilityMetric(true)`, the monotonic discernibility of
    /// El Emam et al. 2009): Σ |E|² over every class, the suppressed ones included
    /// at their own size, with no penalty of N per suppressed record.
    case discernibilityStar = "dm-star"
    /// Average equivalence class size (LeFevre et al. 2006): N over the number
    /// of classes, the suppressed records counting as one class.
    case aecs
}

/// Computes a metric and a lower bound that needs no grouping, for pruning.
struct MetricEvaluator {
    let data: EncodedData
    let metric: LossMetric
    /// ARX's generalisation/suppression factor of the `loss` metric (`MetricMDNMLoss`), in [0, 1]:
    /// 0.5 (the default) charges a suppressed record fully and a published one its domain share;
    /// below 0.5 a suppressed record costs less (its share plus 2·gs of the rest), above 0.5 a
    /// published one costs less (its share times 1 − 2·(gs − 0.5)).
    let gsFactor: Double
    /// Multiplier of a published record's share (ARX's gFactor) and of a suppressed record's extra cost (sFactor).
    var gFactor: Double { gsFactor <= 0.5 ? 1 : 1 - 2 * (gsFactor - 0.5) }
    var sFactor: Double { gsFactor < 0.5 ? 2 * gsFactor : 1 }
    /// Σ_v a·log₂(a/b) per column and level (≤ 0), summed in level-0 code order as ARX does.
    let entropy: [[Double]]
    /// Σ over records of the domain share of their value, per column and level.
    let shareSum: [[Double]]

    init(data: EncodedData, metric: LossMetric, gsFactor: Double = 0.5) {
        self.data = data
        self.metric = metric
        self.gsFactor = gsFactor
        var entropy: [[Double]] = []
        var shareSum: [[Double]] = []
        for c in 0..<data.columns.count {
            let base = data.cardinality[c][0]
            entropy.append((0..<data.heights[c]).map { level in
                var value = 0.0
                let map = data.generalization[c][level]
                let counts = data.cardinality[c][level]
                for code in 0..<base.count {
                    let a = Double(base[code])
                    let b = Double(counts[Int(map[code])])
                    if a != 0 { value += a * Self.log2(a / b) }
                }
                return value
            })
            shareSum.append((0..<data.heights[c]).map { level in
                zip(data.cardinality[c][level], data.share[c][level]).reduce(0) { $0 + Double($1.0) * $1.1 }
            })
        }
        self.entropy = entropy
        self.shareSum = shareSum
    }

    static func log2(_ x: Double) -> Double { Foundation.log(x) / Foundation.log(2.0) }

    /// ARX keeps ten decimal digits, rounding down.
    static func round(_ value: Double) -> Double { (value * 1e10).rounded(.down) / 1e10 }

    /// A value no transformation at `levels` can beat; exact for `entropy`.
    func lowerBound(_ levels: [Int]) -> Double {
        switch metric {
        case .entropy, .entropyNonMonotonic:
            return levels.enumerated().reduce(0) { total, pair in
                let value = entropy[pair.offset][pair.element]
                return total + Self.round(value == 0 ? value : -value)
            }
        case .loss:
            return geometricMean(levels.enumerated().map { normalizedShare(gFactor * shareSum[$0][$1], column: $0) })
        case .discernibility, .discernibilityStar, .aecs:
            return 0
        }
    }

    /// The metric of the transformation `levels` with its classes.
    func loss(_ levels: [Int], _ classes: EquivalenceClasses) -> Double {
        let n = Double(data.rowCount)
        switch metric {
        case .entropy:
            return lowerBound(levels)
        case .entropyNonMonotonic:
            var suppressedCounts: [[Int32: Int]] = Array(repeating: [:], count: levels.count)
            var suppressed = 0
            for cls in 0..<classes.classCount where !classes.passes[cls] {
                let count = classes.counts[cls]
                suppressed += count
                let tuple = Int(classes.representative[cls])
                for c in 0..<levels.count {
                    let code0 = data.tuples[tuple * levels.count + c]
                    suppressedCounts[c][data.generalization[c][levels[c]][Int(code0)], default: 0] += count
                }
            }
            var total = 0.0
            for c in 0..<levels.count {
                var value = entropy[c][levels[c]]
                if suppressed > 0 {
                    for count in suppressedCounts[c].values {
                        value += Double(count) * Self.log2(Double(count) / Double(suppressed))
                    }
                }
                total += Self.round(value == 0 ? value : -value)
            }
            return total
        case .loss:
            // Records per generalised value (exact integers, any class order), then one
            // sum per column in label order: the result never depends on how classes were found.
            // With gs = 0.5 a suppressed record costs 1 in every column, whatever its value.
            let (g, s) = (gFactor, sFactor)
            var perLabel = levels.indices.map { [Int](repeating: 0, count: data.labels[$0][levels[$0]].count) }
            var perLabelSuppressed = s == 1 ? [] : perLabel
            var suppressed = 0
            for cls in 0..<classes.classCount {
                if !classes.passes[cls] {
                    suppressed += classes.counts[cls]
                    if s == 1 { continue }
                }
                let tuple = Int(classes.representative[cls])
                for c in 0..<levels.count {
                    let code0 = data.tuples[tuple * levels.count + c]
                    let label = Int(data.generalization[c][levels[c]][Int(code0)])
                    if classes.passes[cls] { perLabel[c][label] += classes.counts[cls] } else { perLabelSuppressed[c][label] += classes.counts[cls] }
                }
            }
            var sums = [Double](repeating: s == 1 ? Double(suppressed) : 0, count: levels.count)
            for c in 0..<levels.count {
                let shares = data.share[c][levels[c]]
                for (label, count) in perLabel[c].enumerated() where count > 0 { sums[c] += g * Double(count) * shares[label] }
                if s != 1 {
                    for (label, count) in perLabelSuppressed[c].enumerated() where count > 0 {
                        let share = Double(count) * shares[label]
                        sums[c] += share + s * (Double(count) - share)
                    }
                }
            }
            return geometricMean(sums.enumerated().map { normalizedShare($1, column: $0) })
        case .discernibility:
            var total = 0.0
            for cls in 0..<classes.classCount {
                let count = Double(classes.counts[cls])
                total += classes.passes[cls] ? count * count : n * count
            }
            return total
        case .discernibilityStar:
            var total = 0.0
            for cls in 0..<classes.classCount {
                let count = Double(classes.counts[cls])
                total += count * count
            }
            return total
        case .aecs:
            let published = classes.passes.filter { $0 }.count
            let groups = published + (classes.outliers > 0 ? 1 : 0)
            return groups == 0 ? n : n / Double(groups)
        }
    }

    /// The metric of a mixed output (local recoding): `rowLevels[r]` is the transformation of
    /// record r (nil: suppressed), `classSizes` the published classes. Per record as in
    /// ``loss(_:_:)``; a suppressed record counts as `*` (share 1 for `loss`, N for `dm`, one
    /// class of the suppressed records for `dm-star` and `aecs`, its value against `*` for entropy).
    func mixedLoss(rowLevels: [[Int]?], classSizes: [Int]) -> Double {
        let n = Double(data.rowCount)
        let width = data.columns.count
        let suppressed = rowLevels.reduce(0) { $0 + ($1 == nil ? 1 : 0) }
        switch metric {
        case .loss:
            var sums = [Double](repeating: Double(suppressed), count: width)
            for (row, levels) in rowLevels.enumerated() {
                guard let levels else { continue }
                for c in 0..<width {
                    let label = data.generalization[c][levels[c]][Int(data.recordCodes[c][row])]
                    sums[c] += data.share[c][levels[c]][Int(label)]
                }
            }
            return geometricMean(sums.enumerated().map { normalizedShare($1, column: $0) })
        case .entropy, .entropyNonMonotonic:
            var total = 0.0
            for c in 0..<width {
                var value = 0.0
                for (row, levels) in rowLevels.enumerated() {
                    let code0 = Int(data.recordCodes[c][row])
                    let a = Double(data.cardinality[c][0][code0])
                    let b: Double
                    if let levels {
                        b = Double(data.cardinality[c][levels[c]][Int(data.generalization[c][levels[c]][code0])])
                    } else {
                        b = n
                    }
                    value += Self.log2(a / b)
                }
                total += Self.round(value == 0 ? value : -value)
            }
            return total
        case .discernibility:
            return classSizes.reduce(0.0) { $0 + Double($1) * Double($1) } + n * Double(suppressed)
        case .discernibilityStar:
            return classSizes.reduce(0.0) { $0 + Double($1) * Double($1) } + Double(suppressed) * Double(suppressed)
        case .aecs:
            let groups = classSizes.count + (suppressed > 0 ? 1 : 0)
            return groups == 0 ? n : n / Double(groups)
        }
    }

    func normalizedShare(_ sum: Double, column: Int) -> Double {
        let n = Double(data.rowCount)
        let minimum = gFactor * n / Double(data.domainSize[column])
        guard n > minimum else { return 0 }
        return Self.round(max((sum - minimum) / (n - minimum), 0))
    }

    func geometricMean(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        var product = 1.0
        for value in values { product *= pow(value + 1, 1 / Double(values.count)) }
        return product - 1
    }
}
