import Foundation

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
        guard let plan = KeyPlan(data: data, levels: levels) else { return nil }
        let keys = plan.withKeys(data: data, tuples: tuples) { key in (0..<tuples.count).map(key) }
        return (keys, plan.space)
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
    /// One pass computes each cell's key and finds its class (direct addressing
    /// when the levels' key space is small, else open addressing), so a grouping
    /// that gives up early has not paid for the keys of the remaining cells.
    /// With a sensitive column, cells are then copied into class order (a stable
    /// counting sort that reads the source sequentially) and equal
    /// (class, sensitive value) cells merged in place, so no hash table ever
    /// holds one entry per cell and nothing is gathered at random.
    init?(data: EncodedData, levels: [Int], from source: Cells, models: [PrivacyModel], closeness: ClosenessReference?,
          scratch: GroupingScratch, maxClasses: Int, outlierLimit: Int? = nil) {
        let n = source.count.count
        let classOfCell = scratch.classOfCell(count: n)
        var counts: [Int] = []
        var representative: [Int32] = []
        let complete: Bool
        if let plan = KeyPlan(data: data, levels: levels) {
            complete = plan.withKeys(data: data, tuples: source.tuple) { key in
                Self.group(n: n, key: key, space: plan.space, source: source, scratch: scratch, maxClasses: maxClasses,
                           classOfCell: classOfCell, counts: &counts, representative: &representative)
            }
        } else {
            let keys = Self.wideKeys(data, levels: levels, tuples: source.tuple)
            complete = keys.withUnsafeBufferPointer { keys in
                Self.group(n: n, key: { keys[$0] }, space: nil, source: source, scratch: scratch, maxClasses: maxClasses,
                           classOfCell: classOfCell, counts: &counts, representative: &representative)
            }
        }
        guard complete else { return nil }
        // k-anonymity alone already fails too many records: no need to look at sensitive values
        // (other models only add failures), and the caller learns "infeasible" at half the cost.
        let k = PrivacyModel.smallestClass(models)
        if let limit = outlierLimit, counts.reduce(0, { $1 < k ? $0 + $1 : $0 }) > limit { return nil }

        let classTotal = counts.count
        var cellStart = [Int](repeating: 0, count: classTotal + 1)
        if source.sensitive.isEmpty {
            for cls in 0..<classTotal { cellStart[cls + 1] = cls + 1 }
            cells = Cells(levels: levels, tuple: representative, sensitive: [],
                          count: counts.map { Int32(truncatingIfNeeded: $0) })
        } else {
            cells = Self.mergeBySensitive(n: n, classTotal: classTotal, classOfCell: classOfCell, source: source,
                                          sensitiveValues: data.sensitiveLabels.count, levels: levels, scratch: scratch,
                                          cellStart: &cellStart)
        }
        self.counts = counts
        self.representative = representative
        passes = Self.check(models: models, data: data, cells: cells, cellStart: cellStart, counts: counts,
                            closeness: closeness)
        var outliers = 0
        for (count, ok) in zip(counts, passes) where !ok { outliers += count }
        self.outliers = outliers
    }

    /// Assigns each of the `n` source cells its class (first appearance order),
    /// summing records per class; false as soon as there would be more than
    /// `maxClasses` classes. `space`, when known, is the exclusive upper bound
    /// of the keys, which allows a direct-addressed table.
    @inline(__always)
    private static func group(n: Int, key: (Int) -> UInt64, space: UInt64?, source: Cells, scratch: GroupingScratch,
                              maxClasses: Int, classOfCell: UnsafeMutablePointer<Int32>,
                              counts: inout [Int], representative: inout [Int32]) -> Bool {
        // A direct table (8 bytes an entry) no larger than the open-addressing one
        // the classes would need (16 bytes a slot, at least two slots a class).
        let expected = min(n, maxClasses == .max ? n : maxClasses + 1)
        return source.count.withUnsafeBufferPointer { sourceCount in
            source.tuple.withUnsafeBufferPointer { sourceTuple in
                if let space, space <= UInt64(max(4 * expected, 1 << 16)), space <= 1 << 23 {
                    let slots = scratch.directTable(size: Int(space))
                    var classKeys: [Int] = []
                    var complete = true
                    for i in 0..<n {
                        let slot = Int(truncatingIfNeeded: key(i))
                        let stored = slots[slot]
                        if stored == 0 {
                            if classKeys.count == maxClasses {
                                complete = false
                                break
                            }
                            classOfCell[i] = Int32(truncatingIfNeeded: classKeys.count)
                            slots[slot] = UInt64(classKeys.count + 1) << 32 | UInt64(UInt32(bitPattern: sourceCount[i]))
                            classKeys.append(slot)
                            representative.append(sourceTuple[i])
                        } else {
                            classOfCell[i] = Int32(truncatingIfNeeded: stored >> 32) - 1
                            slots[slot] = stored &+ UInt64(UInt32(bitPattern: sourceCount[i]))
                        }
                    }
                    counts = classKeys.map { Int(slots[$0] & 0xFFFF_FFFF) }
                    for slot in classKeys { slots[slot] = 0 }
                    return complete
                }
                // Sized for a few thousand classes and doubled when half full, so few classes stay in cache.
                var probe = scratch.classes.reset(capacity: min(expected, 4096))
                var classCounts: [Int32] = []
                for i in 0..<n {
                    let (cls, inserted) = probe.index(for: key(i), inserting: Int32(truncatingIfNeeded: classCounts.count))
                    if inserted {
                        if classCounts.count == maxClasses { return false }
                        if classCounts.count >= probe.roomy { probe = scratch.classes.grow(probe) }
                        classCounts.append(sourceCount[i])
                        representative.append(sourceTuple[i])
                    } else {
                        classCounts[Int(cls)] &+= sourceCount[i]
                    }
                    classOfCell[i] = cls
                }
                counts = classCounts.map { Int($0) }
                return true
            }
        }
    }

    /// The cells of the classes: source cells in class order (stable), equal
    /// sensitive values of one class merged; `cellStart[c]..<cellStart[c + 1]`
    /// are the cells of class `c`.
    private static func mergeBySensitive(n: Int, classTotal: Int, classOfCell: UnsafeMutablePointer<Int32>, source: Cells,
                                         sensitiveValues: Int, levels: [Int], scratch: GroupingScratch,
                                         cellStart: inout [Int]) -> Cells {
        let end = scratch.positions(count: classTotal + 1)
        let ordered = scratch.orderedCells(count: n)
        // end[c + 1] counts, then accumulates to, where class c's cells begin.
        for i in 0..<n { end[Int(classOfCell[i]) + 1] &+= 1 }
        for cls in 0..<classTotal { end[cls + 1] &+= end[cls] }
        source.tuple.withUnsafeBufferPointer { tuple in
            source.sensitive.withUnsafeBufferPointer { sensitive in
                source.count.withUnsafeBufferPointer { count in
                    for i in 0..<n {
                        let cls = Int(classOfCell[i])
                        let at = Int(end[cls])
                        end[cls] = Int32(at + 1)
                        ordered[at] = GroupingScratch.CellRecord(tuple: tuple[i], sensitive: sensitive[i], count: count[i])
                    }
                }
            }
        }
        // Now end[c] is where class c ends; merge each class's equal sensitive values in place.
        var slotOf = [Int32](repeating: -1, count: max(sensitiveValues, 1))
        var write = 0
        var read = 0
        for cls in 0..<classTotal {
            let first = write
            let stop = Int(end[cls])
            while read < stop {
                let record = ordered[read]
                read += 1
                let code = Int(record.sensitive)
                let slot = slotOf[code]
                if slot < 0 {
                    slotOf[code] = Int32(truncatingIfNeeded: write)
                    ordered[write] = record
                    write += 1
                } else {
                    ordered[Int(slot)].count &+= record.count
                }
            }
            for merged in first..<write { slotOf[Int(ordered[merged].sensitive)] = -1 }
            cellStart[cls + 1] = write
        }
        let merged = write
        func column(_ field: (GroupingScratch.CellRecord) -> Int32) -> [Int32] {
            [Int32](unsafeUninitializedCapacity: merged) { buffer, initialized in
                for i in 0..<merged { buffer[i] = field(ordered[i]) }
                initialized = merged
            }
        }
        return Cells(levels: levels, tuple: column(\.tuple), sensitive: column(\.sensitive), count: column(\.count))
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
        case .grassberger:
            // As ARX tests it: at least ⌈ℓ⌉ distinct values, and Σ f·G(f) ≤ n (G(n) − ln ℓ), i.e. the
            // estimate G(n) − (1/n) Σ f·G(f) ≥ ln ℓ (Grassberger's G in place of the logarithm throughout).
            guard total > 0, Double(counts.filter { $0 > 0 }.count) >= l.rounded(.up) else { return false }
            var sum = 0.0
            for f in counts where f > 0 { sum += Double(f) * Digamma.grassbergerG(f) }
            return sum <= Double(total) * (Digamma.grassbergerG(total) - log(l)) + 1e-9
        case let .recursive(c):
            let sorted = counts.sorted(by: >)
            let needed = Int(l.rounded(.up))
            guard sorted.count >= needed, needed >= 1 else { return false }
            let tail = sorted[(needed - 1)...].reduce(0, +)
            return Double(sorted[0]) < c * Double(tail)
        }
    }
}

/// How one transformation turns a tuple's level-0 codes into a single dense
/// key: the mixed-radix number of its generalised codes (radices: the levels'
/// label counts), so keys are exactly the classes and lie in 0..<space.
struct KeyPlan {
    let space: UInt64
    let width: Int
    /// Per column, each level-0 code's generalised code times the column's
    /// radix weight, the columns one after another (one lookup and one add a column).
    let scaled: [UInt64]
    let offsets: [Int]

    /// Nil when the key space does not fit 64 bits.
    init?(data: EncodedData, levels: [Int]) {
        width = data.columns.count
        var scaled: [UInt64] = []
        var offsets: [Int] = []
        var product: UInt64 = 1
        for c in 0..<width {
            offsets.append(scaled.count)
            let weight = product
            scaled += data.generalization[c][levels[c]].map { UInt64($0) &* weight }
            let (next, overflow) = product.multipliedReportingOverflow(by: UInt64(max(data.labels[c][levels[c]].count, 1)))
            if overflow || next == UInt64.max { return nil }
            product = next
        }
        space = product
        self.scaled = scaled
        self.offsets = offsets
    }

    /// Calls `body` with a function from a position in `tuples` to that tuple's key.
    @inline(__always)
    func withKeys<R>(data: EncodedData, tuples: [Int32], _ body: ((Int) -> UInt64) -> R) -> R {
        let width = width
        return data.tuples.withUnsafeBufferPointer { codes in
            tuples.withUnsafeBufferPointer { tuples in
                scaled.withUnsafeBufferPointer { scaled in
                    offsets.withUnsafeBufferPointer { offsets in
                        body { i in
                            let base = Int(tuples[i]) &* width
                            var key: UInt64 = 0
                            for c in 0..<width { key &+= scaled[offsets[c] &+ Int(codes[base &+ c])] }
                            return key
                        }
                    }
                }
            }
        }
    }
}
