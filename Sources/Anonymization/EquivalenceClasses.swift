import Foundation

/// Tables reused by every grouping of one search, so no transformation
/// allocates or clears its own.
final class GroupingScratch {
    /// Open-addressing table from class key to class, for large key spaces.
    let classes = KeyTable()
    /// Direct-addressed table (key → class + 1, 0 when unseen), for key spaces
    /// small enough to index; users zero the entries they set before returning.
    private var direct = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private var directSize = 0

    deinit {
        direct.deallocate()
    }

    /// A zeroed table of at least `size` entries, valid until the next call.
    func directTable(size: Int) -> UnsafeMutablePointer<Int32> {
        if directSize < size {
            direct.deallocate()
            direct = .allocate(capacity: size)
            direct.initialize(repeating: 0, count: size)
            directSize = size
        }
        return direct
    }
}

/// Weighted cells of a transformation: distinct (generalised quasi-identifiers,
/// sensitive value) combinations, each named by one tuple of the data, stored
/// class by class. Cells of a finer transformation roll up into those of a
/// coarser one, so the search never rescans the records.
struct Cells {
    /// The transformation these cells belong to.
    var levels: [Int]
    /// A tuple of ``EncodedData`` that carries the cell's values.
    var tuple: [Int32]
    /// Sensitive code of each cell (empty without a sensitive column).
    var sensitive: [Int32]
    /// Records in each cell.
    var count: [Int32]

    /// The cells of the untransformed data: its distinct tuples.
    static func bottom(_ data: EncodedData) -> Cells {
        Cells(levels: [Int](repeating: 0, count: data.columns.count), tuple: (0..<Int32(data.tupleCount)).map { $0 },
              sensitive: data.tupleSensitive, count: data.tupleCounts)
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

    /// Mixed-radix keys of `tuples` under `levels` (radices: the levels' label
    /// counts, so keys are dense in 0..<space), or nil when they would not fit 64 bits.
    static func keys(_ data: EncodedData, levels: [Int], tuples: [Int32]) -> (keys: [UInt64], space: UInt64)? {
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
        // One pass, reading each tuple's codes together (they are adjacent in memory).
        let maps = (0..<width).map { data.generalization[$0][levels[$0]] }
        data.tuples.withUnsafeBufferPointer { codes in
            tuples.withUnsafeBufferPointer { tuples in
                keys.withUnsafeMutableBufferPointer { keys in
                    for i in 0..<tuples.count {
                        let base = Int(tuples[i]) * width
                        var key: UInt64 = 0
                        for c in 0..<width { key &+= UInt64(maps[c][Int(codes[base + c])]) &* multipliers[c] }
                        keys[i] = key
                    }
                }
            }
        }
        return (keys, product)
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
        guard let classes = EquivalenceClasses(data: data, levels: levels, from: source, models: models, closeness: closeness,
                                               scratch: scratch, maxClasses: .max) else {
            preconditionFailure("grouping without a class limit cannot stop early")
        }
        self = classes
    }

    /// Groups `source` into the classes of `levels`, or returns nil as soon as
    /// there are more than `maxClasses` classes. A transformation whose records
    /// fall into more than ⌊n/k⌋ + (suppression limit) classes cannot be
    /// k-anonymous within the limit (at most ⌊n/k⌋ classes reach k records, and
    /// each failing class holds at least one suppressed record), so a search
    /// passes that bound and learns "infeasible" after a fraction of the work.
    /// With `outlierLimit`, it also returns nil when the classes smaller than k
    /// alone hold more records than that.
    ///
    /// Classes are found by direct addressing when the levels' key space is
    /// small (a few times the cells), else by open addressing; cells are then
    /// merged by sensitive value class by class with a counting sort, so no
    /// hash table ever holds one entry per cell.
    init?(data: EncodedData, levels: [Int], from source: Cells, models: [PrivacyModel], closeness: ClosenessReference?,
          scratch: GroupingScratch, maxClasses: Int, outlierLimit: Int? = nil) {
        let n = source.count.count
        var classOfCell = [Int32](repeating: 0, count: n)
        var counts: [Int] = []
        var representative: [Int32] = []
        var exceeded = false
        let dense = Self.keys(data, levels: levels, tuples: source.tuple)
        let keys = dense?.keys ?? Self.wideKeys(data, levels: levels, tuples: source.tuple)
        if let space = dense?.space, space <= UInt64(max(4 * n, 1 << 16)), space <= 1 << 27 {
            let slots = scratch.directTable(size: Int(space))
            var seen: [UInt64] = []
            withExtendedLifetime(scratch) {
                for i in 0..<n {
                    let key = Int(keys[i])
                    let stored = slots[key]
                    if stored == 0 {
                        if counts.count == maxClasses {
                            exceeded = true
                            break
                        }
                        slots[key] = Int32(counts.count + 1)
                        classOfCell[i] = Int32(counts.count)
                        counts.append(Int(source.count[i]))
                        representative.append(source.tuple[i])
                        seen.append(keys[i])
                    } else {
                        classOfCell[i] = stored - 1
                        counts[Int(stored - 1)] += Int(source.count[i])
                    }
                }
                for key in seen { slots[Int(key)] = 0 }
            }
        } else {
            let probe = scratch.classes.reset(capacity: min(n, maxClasses &+ 1))
            for i in 0..<n {
                let (cls, inserted) = probe.index(for: keys[i], inserting: Int32(truncatingIfNeeded: counts.count))
                if inserted {
                    if counts.count == maxClasses {
                        exceeded = true
                        break
                    }
                    counts.append(Int(source.count[i]))
                    representative.append(source.tuple[i])
                } else {
                    counts[Int(cls)] += Int(source.count[i])
                }
                classOfCell[i] = cls
            }
        }
        if exceeded { return nil }
        // k-anonymity alone already fails too many records: no need to look at sensitive values
        // (other models only add failures), and the caller learns "infeasible" at half the cost.
        let k = PrivacyModel.smallestClass(models)
        if let limit = outlierLimit, counts.reduce(0, { $1 < k ? $0 + $1 : $0 }) > limit { return nil }

        // Cells in class order (a counting sort); with a sensitive column, equal
        // (class, sensitive value) cells are merged through a per-class scratch table.
        let classTotal = counts.count
        var start = [Int](repeating: 0, count: classTotal + 1)
        for cls in classOfCell { start[Int(cls) + 1] += 1 }
        for cls in 0..<classTotal { start[cls + 1] += start[cls] }
        var position = start
        var ordered = [Int32](repeating: 0, count: n)
        for (cell, cls) in classOfCell.enumerated() {
            ordered[position[Int(cls)]] = Int32(cell)
            position[Int(cls)] += 1
        }
        var cellStart = [Int](repeating: 0, count: classTotal + 1)
        if source.sensitive.isEmpty {
            for cls in 0..<classTotal { cellStart[cls + 1] = cls + 1 }
            cells = Cells(levels: levels, tuple: representative, sensitive: [],
                          count: counts.map { Int32(truncatingIfNeeded: $0) })
        } else {
            var tuple: [Int32] = [], sensitive: [Int32] = [], count: [Int32] = []
            tuple.reserveCapacity(n)
            sensitive.reserveCapacity(n)
            count.reserveCapacity(n)
            var slotOf = [Int32](repeating: -1, count: max(data.sensitiveLabels.count, 1))
            for cls in 0..<classTotal {
                let first = tuple.count
                for i in start[cls]..<start[cls + 1] {
                    let cell = Int(ordered[i])
                    let code = Int(source.sensitive[cell])
                    if slotOf[code] < 0 {
                        slotOf[code] = Int32(tuple.count)
                        tuple.append(source.tuple[cell])
                        sensitive.append(source.sensitive[cell])
                        count.append(source.count[cell])
                    } else {
                        count[Int(slotOf[code])] &+= source.count[cell]
                    }
                }
                for merged in first..<tuple.count { slotOf[Int(sensitive[merged])] = -1 }
                cellStart[cls + 1] = tuple.count
            }
            cells = Cells(levels: levels, tuple: tuple, sensitive: sensitive, count: count)
        }
        self.counts = counts
        self.representative = representative
        passes = Self.check(models: models, data: data, cells: cells, cellStart: cellStart, counts: counts,
                            closeness: closeness)
        var outliers = 0
        for (count, ok) in zip(counts, passes) where !ok { outliers += count }
        self.outliers = outliers
    }

    /// The class of every tuple of `data`, for writing the output.
    func classOfTuples(_ data: EncodedData, levels: [Int]) -> [Int32] {
        let all = (0..<Int32(data.tupleCount)).map { $0 }
        if let tupleKeys = Self.keys(data, levels: levels, tuples: all)?.keys,
           let classKeys = Self.keys(data, levels: levels, tuples: representative)?.keys {
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

    /// Evaluates the privacy models class by class; the cells of class `c` are
    /// `cellStart[c]..<cellStart[c + 1]`, one per distinct sensitive value.
    private static func check(models: [PrivacyModel], data: EncodedData, cells: Cells, cellStart: [Int],
                              counts: [Int], closeness: ClosenessReference?) -> [Bool] {
        var passes = [Bool](repeating: true, count: counts.count)
        let k = PrivacyModel.smallestClass(models)
        let sensitiveModels = models.filter(\.needsSensitiveColumn)
        for (index, count) in counts.enumerated() where count < k { passes[index] = false }
        guard !sensitiveModels.isEmpty, !cells.sensitive.isEmpty else { return passes }

        var histogram = [Int](repeating: 0, count: data.sensitiveLabels.count)
        var touched: [Int32] = []
        var values: [Int] = []
        for cls in 0..<counts.count where passes[cls] {
            touched.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            for cell in cellStart[cls]..<cellStart[cls + 1] {
                let code = cells.sensitive[cell]
                touched.append(code)
                histogram[Int(code)] = Int(cells.count[cell])
                values.append(Int(cells.count[cell]))
            }
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
