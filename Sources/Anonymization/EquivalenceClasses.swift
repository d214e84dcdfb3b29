import Foundation

/// The equivalence classes of one transformation: tuples with equal
/// generalised quasi-identifiers, their sizes, and which classes satisfy the
/// privacy models (the others are suppressed).
struct EquivalenceClasses {
    /// Class of each tuple.
    var classOfTuple: [Int32]
    /// Records per class.
    var counts: [Int]
    /// One tuple of each class, to read its generalised values.
    var representative: [Int32]
    /// True for classes that satisfy every privacy model.
    var passes: [Bool]
    /// Records in classes that fail (suppressed when the transformation is used).
    var outliers: Int

    var classCount: Int { counts.count }

    /// Groups the tuples of `data` under `levels` and checks `models` on every class.
    init(data: EncodedData, levels: [Int], models: [PrivacyModel], closeness: ClosenessReference?) {
        let width = data.columns.count
        var maps: [[Int32]] = []
        var multipliers: [UInt64] = []
        var product: UInt64 = 1
        var overflow = false
        for c in 0..<width {
            maps.append(data.generalization[c][levels[c]])
            multipliers.append(product)
            let size = UInt64(data.labels[c][levels[c]].count)
            let (next, didOverflow) = product.multipliedReportingOverflow(by: max(size, 1))
            overflow = overflow || didOverflow
            product = next
        }
        let tupleCount = data.tupleCount
        var classOfTuple = [Int32](repeating: 0, count: tupleCount)
        var counts: [Int] = []
        var representative: [Int32] = []
        if !overflow {
            var index: [UInt64: Int32] = Dictionary(minimumCapacity: min(tupleCount, 1 << 16))
            data.tuples.withUnsafeBufferPointer { tuples in
                data.tupleCounts.withUnsafeBufferPointer { tupleCounts in
                    for t in 0..<tupleCount {
                        var key: UInt64 = 0
                        let base = t * width
                        for c in 0..<width {
                            key &+= UInt64(maps[c][Int(tuples[base + c])]) &* multipliers[c]
                        }
                        if let existing = index[key] {
                            classOfTuple[t] = existing
                            counts[Int(existing)] += Int(tupleCounts[t])
                        } else {
                            let next = Int32(counts.count)
                            index[key] = next
                            classOfTuple[t] = next
                            counts.append(Int(tupleCounts[t]))
                            representative.append(Int32(t))
                        }
                    }
                }
            }
        } else {
            var index: [[Int32]: Int32] = [:]
            var key = [Int32](repeating: 0, count: width)
            for t in 0..<tupleCount {
                for c in 0..<width { key[c] = maps[c][Int(data.tuples[t * width + c])] }
                if let existing = index[key] {
                    classOfTuple[t] = existing
                    counts[Int(existing)] += Int(data.tupleCounts[t])
                } else {
                    let next = Int32(counts.count)
                    index[key] = next
                    classOfTuple[t] = next
                    counts.append(Int(data.tupleCounts[t]))
                    representative.append(Int32(t))
                }
            }
        }
        self.classOfTuple = classOfTuple
        self.counts = counts
        self.representative = representative
        passes = Self.check(models: models, data: data, classOfTuple: classOfTuple, counts: counts, closeness: closeness)
        var outliers = 0
        for (count, ok) in zip(counts, passes) where !ok { outliers += count }
        self.outliers = outliers
    }

    /// Evaluates the privacy models class by class.
    private static func check(models: [PrivacyModel], data: EncodedData, classOfTuple: [Int32], counts: [Int],
                              closeness: ClosenessReference?) -> [Bool] {
        var passes = [Bool](repeating: true, count: counts.count)
        var k = 1
        var sensitiveModels: [PrivacyModel] = []
        for model in models {
            if case let .kAnonymity(value) = model { k = max(k, value) } else { sensitiveModels.append(model) }
        }
        for (index, count) in counts.enumerated() where count < k { passes[index] = false }
        guard !sensitiveModels.isEmpty, !data.tupleSensitive.isEmpty else { return passes }

        // Order tuples by class (counting sort), then build each class's sensitive histogram in a scratch array.
        var start = [Int](repeating: 0, count: counts.count + 1)
        for cls in classOfTuple { start[Int(cls) + 1] += 1 }
        for i in 0..<counts.count { start[i + 1] += start[i] }
        var position = start
        var ordered = [Int32](repeating: 0, count: classOfTuple.count)
        for (t, cls) in classOfTuple.enumerated() {
            ordered[position[Int(cls)]] = Int32(t)
            position[Int(cls)] += 1
        }
        var histogram = [Int](repeating: 0, count: data.sensitiveLabels.count)
        for cls in 0..<counts.count where passes[cls] {
            var touched: [Int32] = []
            for i in start[cls]..<start[cls + 1] {
                let t = Int(ordered[i])
                let code = data.tupleSensitive[t]
                if histogram[Int(code)] == 0 { touched.append(code) }
                histogram[Int(code)] += Int(data.tupleCounts[t])
            }
            let values = touched.map { histogram[Int($0)] }
            for model in sensitiveModels where passes[cls] {
                switch model {
                case let .lDiversity(l, variant):
                    passes[cls] = Diversity.holds(counts: values, total: counts[cls], l: l, variant: variant)
                case let .tCloseness(t, _):
                    if let closeness {
                        passes[cls] = closeness.distance(histogram: histogram, touched: touched, total: counts[cls]) <= t + 1e-12
                    }
                case .kAnonymity:
                    break
                }
            }
            for code in touched { histogram[Int(code)] = 0 }
        }
        return passes
    }
}

/// ℓ-diversity tests on one class's sensitive-value counts.
enum Diversity {
    static func holds(counts: [Int], total: Int, l: Double, variant: LDiversityVariant) -> Bool {
        switch variant {
        case .distinct:
            return Double(counts.count) >= l
        case .entropy:
            // ARX's form of entropy ℓ-diversity: −Σ (f/n) ln(f/n) ≥ ln ℓ  ⇔  Σ f ln f ≤ n (ln n − ln ℓ).
            let n = Double(total)
            var sum = 0.0
            for f in counts where f > 0 { sum += Double(f) * log(Double(f)) }
            return sum <= n * (log(n) - log(l)) + 1e-9
        case let .recursive(c):
            let sorted = counts.sorted(by: >)
            let needed = Int(l.rounded(.up))
            guard sorted.count >= needed, needed >= 1 else { return false }
            let tail = sorted[(needed - 1)...].reduce(0, +)
            return Double(sorted[0]) < c * Double(tail)
        }
    }
}
