import Foundation

/// Hash tables reused by every grouping of one search, so no transformation
/// allocates or clears its own.
final class GroupingScratch {
    let classes = KeyTable()
    let cells = KeyTable()
}

/// Weighted cells of a transformation: distinct (generalised quasi-identifiers,
/// sensitive value) combinations, each named by one tuple of the data. Cells of
/// a finer transformation roll up into those of a coarser one, so the search
/// never rescans the records.
struct Cells {
    /// The transformation these cells belong to.
    var levels: [Int]
    /// Each cell's generalised quasi-identifiers as one mixed-radix number with
    /// fixed radices (the level-0 domain sizes), so raising one column's level
    /// updates a key with one lookup; empty when the radices overflow 64 bits.
    var key: [UInt64]
    /// A tuple of ``EncodedData`` that carries the cell's values.
    var tuple: [Int32]
    /// Sensitive code of each cell (empty without a sensitive column).
    var sensitive: [Int32]
    /// Records in each cell.
    var count: [Int32]

    /// The cells of the untransformed data: its distinct tuples.
    static func bottom(_ data: EncodedData) -> Cells {
        let tuples = (0..<Int32(data.tupleCount)).map { $0 }
        let levels = [Int](repeating: 0, count: data.columns.count)
        var key: [UInt64] = []
        if let radices = data.fixedRadices {
            key = [UInt64](repeating: 0, count: tuples.count)
            let width = data.columns.count
            for t in 0..<tuples.count {
                var value: UInt64 = 0
                for c in 0..<width { value &+= UInt64(data.tuples[t * width + c]) &* radices[c] }
                key[t] = value
            }
        }
        return Cells(levels: levels, key: key, tuple: tuples, sensitive: data.tupleSensitive, count: data.tupleCounts)
    }

    /// The keys of these cells' tuples at `target` levels, updated column by column.
    func keys(at target: [Int], _ data: EncodedData) -> [UInt64]? {
        guard let radices = data.fixedRadices, !key.isEmpty else { return nil }
        var result = key
        let width = data.columns.count
        for c in 0..<width where target[c] != levels[c] {
            let from = data.generalization[c][levels[c]], to = data.generalization[c][target[c]]
            let radix = radices[c]
            data.tuples.withUnsafeBufferPointer { codes in
                tuple.withUnsafeBufferPointer { tuple in
                    result.withUnsafeMutableBufferPointer { result in
                        from.withUnsafeBufferPointer { from in
                            to.withUnsafeBufferPointer { to in
                                for i in 0..<tuple.count {
                                    let code0 = Int(codes[Int(tuple[i]) * width + c])
                                    result[i] = result[i] &- UInt64(from[code0]) &* radix &+ UInt64(to[code0]) &* radix
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}

/// The equivalence classes of one transformation: records with equal
/// generalised quasi-identifiers, their sizes, and which classes satisfy the
/// privacy models (the others are suppressed).
struct EquivalenceClasses {
    /// Records per class.
    var counts: [Int]
    /// One tuple of each class, to read its generalised values.
    var representative: [Int32]
    /// True for classes that satisfy every privacy model.
    var passes: [Bool]
    /// Records in classes that fail (suppressed when the transformation is used).
    var outliers: Int
    /// This transformation's cells, from which coarser transformations roll up.
    var cells: Cells

    var classCount: Int { counts.count }

    /// Mixed-radix keys of `tuples` under `levels`, or nil when they would not fit 64 bits.
    static func keys(_ data: EncodedData, levels: [Int], tuples: [Int32]) -> [UInt64]? {
        let width = data.columns.count
        var multipliers: [UInt64] = []
        var product: UInt64 = 1
        for c in 0..<width {
            multipliers.append(product)
            let (next, overflow) = product.multipliedReportingOverflow(by: UInt64(max(data.labels[c][levels[c]].count, 1)))
            if overflow || next == UInt64.max { return nil }
            product = next
        }
        var keys = [UInt64](repeating: 0, count: tuples.count)
        data.tuples.withUnsafeBufferPointer { codes in
            tuples.withUnsafeBufferPointer { tuples in
                keys.withUnsafeMutableBufferPointer { keys in
                    for c in 0..<width {
                        let multiplier = multipliers[c]
                        data.generalization[c][levels[c]].withUnsafeBufferPointer { map in
                            for i in 0..<tuples.count {
                                keys[i] &+= UInt64(map[Int(codes[Int(tuples[i]) * width + c])]) &* multiplier
                            }
                        }
                    }
                }
            }
        }
        return keys
    }

    /// Keys for lattices too wide for 64 bits: the generalised codes themselves, hashed to dense ids.
    static func wideKeys(_ data: EncodedData, levels: [Int], tuples: [Int32]) -> [UInt64] {
        let width = data.columns.count
        var ids: [[Int32]: UInt64] = [:]
        var key = [Int32](repeating: 0, count: width)
        return tuples.map { tuple in
            for c in 0..<width { key[c] = data.generalization[c][levels[c]][Int(data.tuples[Int(tuple) * width + c])] }
            if let id = ids[key] { return id }
            let id = UInt64(ids.count)
            ids[key] = id
            return id
        }
    }

    /// Rolls `source` (cells of a finer transformation, or ``Cells/bottom(_:)``)
    /// up to `levels` and checks `models` on every class.
    init(data: EncodedData, levels: [Int], from source: Cells, models: [PrivacyModel], closeness: ClosenessReference?,
         scratch: GroupingScratch = GroupingScratch()) {
        let keys = source.keys(at: levels, data) ?? Self.keys(data, levels: levels, tuples: source.tuple)
            ?? Self.wideKeys(data, levels: levels, tuples: source.tuple)
        let fixed = !source.key.isEmpty
        let n = source.count.count
        var classOfCell = [Int32](repeating: 0, count: n)
        var countBuffer = [Int32](repeating: 0, count: n)
        var representativeBuffer = [Int32](repeating: 0, count: n)
        var keyBuffer = [UInt64](repeating: 0, count: n)
        var classTotal = 0
        let probe = scratch.classes.reset(capacity: n)
        keys.withUnsafeBufferPointer { keys in
            source.count.withUnsafeBufferPointer { sourceCount in
                source.tuple.withUnsafeBufferPointer { sourceTuple in
                    classOfCell.withUnsafeMutableBufferPointer { classOfCell in
                        countBuffer.withUnsafeMutableBufferPointer { countBuffer in
                            representativeBuffer.withUnsafeMutableBufferPointer { representativeBuffer in
                                keyBuffer.withUnsafeMutableBufferPointer { keyBuffer in
                                    for i in 0..<n {
                                        let (cls, inserted) = probe.index(for: keys[i], inserting: Int32(truncatingIfNeeded: classTotal))
                                        classOfCell[i] = cls
                                        if inserted {
                                            countBuffer[classTotal] = sourceCount[i]
                                            representativeBuffer[classTotal] = sourceTuple[i]
                                            keyBuffer[classTotal] = keys[i]
                                            classTotal += 1
                                        } else {
                                            countBuffer[Int(cls)] &+= sourceCount[i]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        countBuffer.removeLast(n - classTotal)
        representativeBuffer.removeLast(n - classTotal)
        keyBuffer.removeLast(n - classTotal)
        let counts = countBuffer.map { Int($0) }
        let representative = representativeBuffer
        let classKeys = keyBuffer
        if source.sensitive.isEmpty {
            cells = Cells(levels: levels, key: fixed ? classKeys : [], tuple: representative, sensitive: [],
                          count: countBuffer)
        } else {
            // Merge cells with the same class and sensitive value (compacting classOfCell in place).
            let probe = scratch.cells.reset(capacity: n)
            var tuple = [Int32](repeating: 0, count: n), sensitive = [Int32](repeating: 0, count: n)
            var count = [Int32](repeating: 0, count: n), cellKeys = [UInt64](repeating: 0, count: fixed ? n : 0)
            var total = 0
            for i in 0..<n {
                let cls = classOfCell[i]
                let key = UInt64(UInt32(bitPattern: cls)) << 32 | UInt64(UInt32(bitPattern: source.sensitive[i]))
                let (cell, inserted) = probe.index(for: key, inserting: Int32(truncatingIfNeeded: total))
                if inserted {
                    tuple[total] = representative[Int(cls)]
                    if fixed { cellKeys[total] = classKeys[Int(cls)] }
                    sensitive[total] = source.sensitive[i]
                    count[total] = source.count[i]
                    classOfCell[total] = cls
                    total += 1
                } else {
                    count[Int(cell)] &+= source.count[i]
                }
            }
            tuple.removeLast(n - total)
            sensitive.removeLast(n - total)
            count.removeLast(n - total)
            if fixed { cellKeys.removeLast(n - total) }
            cells = Cells(levels: levels, key: cellKeys, tuple: tuple, sensitive: sensitive, count: count)
            classOfCell.removeLast(n - cells.count.count)
        }
        self.counts = counts
        self.representative = representative
        passes = Self.check(models: models, data: data, cells: cells, classOfCell: classOfCell, counts: counts,
                            closeness: closeness)
        var outliers = 0
        for (count, ok) in zip(counts, passes) where !ok { outliers += count }
        self.outliers = outliers
    }

    /// The class of every tuple of `data`, for writing the output.
    func classOfTuples(_ data: EncodedData, levels: [Int]) -> [Int32] {
        let all = (0..<Int32(data.tupleCount)).map { $0 }
        if let tupleKeys = Self.keys(data, levels: levels, tuples: all),
           let classKeys = Self.keys(data, levels: levels, tuples: representative) {
            let storage = KeyTable()
            let table = storage.reset(capacity: classKeys.count)
            for (cls, key) in classKeys.enumerated() { _ = table.index(for: key, inserting: Int32(cls)) }
            return withExtendedLifetime(storage) { tupleKeys.map { table.index(for: $0, inserting: -1).index } }
        }
        let width = data.columns.count
        func key(_ tuple: Int32) -> [Int32] {
            (0..<width).map { data.generalization[$0][levels[$0]][Int(data.tuples[Int(tuple) * width + $0])] }
        }
        let lookup = Dictionary(uniqueKeysWithValues: representative.enumerated().map { (key($1), Int32($0)) })
        return all.map { lookup[key($0)] ?? -1 }
    }

    /// Evaluates the privacy models class by class.
    private static func check(models: [PrivacyModel], data: EncodedData, cells: Cells, classOfCell: [Int32],
                              counts: [Int], closeness: ClosenessReference?) -> [Bool] {
        var passes = [Bool](repeating: true, count: counts.count)
        var k = 1
        var sensitiveModels: [PrivacyModel] = []
        for model in models {
            if case let .kAnonymity(value) = model { k = max(k, value) } else { sensitiveModels.append(model) }
        }
        for (index, count) in counts.enumerated() where count < k { passes[index] = false }
        guard !sensitiveModels.isEmpty, !cells.sensitive.isEmpty else { return passes }

        // Order cells by class (counting sort), then build each class's sensitive histogram in a scratch array.
        var start = [Int](repeating: 0, count: counts.count + 1)
        for cls in classOfCell { start[Int(cls) + 1] += 1 }
        for i in 0..<counts.count { start[i + 1] += start[i] }
        var position = start
        var ordered = [Int32](repeating: 0, count: classOfCell.count)
        for (cell, cls) in classOfCell.enumerated() {
            ordered[position[Int(cls)]] = Int32(cell)
            position[Int(cls)] += 1
        }
        var histogram = [Int](repeating: 0, count: data.sensitiveLabels.count)
        var touched: [Int32] = []
        var values: [Int] = []
        for cls in 0..<counts.count where passes[cls] {
            touched.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            for i in start[cls]..<start[cls + 1] {
                let cell = Int(ordered[i])
                let code = cells.sensitive[cell]
                if histogram[Int(code)] == 0 { touched.append(code) }
                histogram[Int(code)] += Int(cells.count[cell])
            }
            for code in touched { values.append(histogram[Int(code)]) }
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
