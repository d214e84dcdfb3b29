import Foundation
import Tabular

/// The quasi-identifiers (and the sensitive column, if any) of a table,
/// dictionary-encoded per hierarchy level for the search.
///
/// Records with equal codes are merged into weighted tuples once, so every
/// transformation groups tuples, not records.
struct EncodedData: Sendable {
    let columns: [String]
    let heights: [Int]
    let rowCount: Int
    /// Level-0 code of each record, per column.
    let recordCodes: [[Int32]]
    /// `generalization[c][level][code0]`: the code at `level` of a level-0 code.
    let generalization: [[[Int32]]]
    /// `labels[c][level][code]`: the text of a code.
    let labels: [[[String]]]
    /// `cardinality[c][level][code]`: records whose value at `level` is `code`.
    let cardinality: [[[Int]]]
    /// `share[c][level][code]`: ARX domain share, the fraction of the hierarchy's rows under the value.
    let share: [[[Double]]]
    /// Rows of each hierarchy (ARX's domain size).
    let domainSize: [Int]
    /// Distinct (quasi-identifier, sensitive) tuples: `tuples[t * columns.count + c]` is a level-0 code.
    let tuples: [Int32]
    let tupleCounts: [Int32]
    /// Sensitive code of each tuple (empty without a sensitive column).
    let tupleSensitive: [Int32]
    /// Tuple of each record.
    let recordTuple: [Int32]
    let sensitiveLabels: [String]
    /// Records per sensitive code in the whole table.
    let sensitiveCounts: [Int]
    /// Hierarchy of the sensitive column, for hierarchical t-closeness.
    let sensitiveHierarchy: Hierarchy?
    /// `nestedStep[c][level]`: on this data, each label at `level` of column `c` lies
    /// within one label at `level + 1` (false where an ISO week straddles two months).
    let nestedStep: [[Bool]]
    /// True when every step of every column is nested: generalising then only merges classes,
    /// which the search's monotonicity pruning needs.
    let fullyNested: Bool

    init(table: Table, hierarchies: [Hierarchy], sensitive: String?, sensitiveHierarchy: Hierarchy?) throws(AnonymizationError) {
        columns = hierarchies.map(\.column)
        heights = hierarchies.map(\.height)
        rowCount = table.rowCount
        var recordCodes: [[Int32]] = []
        var generalization: [[[Int32]]] = []
        var labels: [[[String]]] = []
        var cardinality: [[[Int]]] = []
        var share: [[[Double]]] = []
        for hierarchy in hierarchies {
            guard let column = table.column(named: hierarchy.column) else {
                throw .invalidConfiguration("the table has no column '\(hierarchy.column)'")
            }
            // Level-0 codes: the column's dictionary order (first appearance in the data).
            var values = column.dictionary
            var codes = column.codes
            if let missing = codes.firstIndex(of: Column.nullCode) {
                _ = missing
                // A missing value is its own level-0 value, the empty string, as in ARX.
                let emptyCode = Int32(values.count)
                values.append("")
                codes = codes.map { $0 == Column.nullCode ? emptyCode : $0 }
            }
            try hierarchy.validate(covering: [], nested: false)
            // Each value's hierarchy row, found once; every level then works on row numbers.
            var rowOf: [Int] = []
            rowOf.reserveCapacity(values.count)
            for value in values {
                guard let row = hierarchy.row(of: value) else {
                    throw .valueNotCovered(column: hierarchy.column, value: value)
                }
                rowOf.append(row)
            }
            var perLevel: [[Int32]] = []
            var levelLabels: [[String]] = []
            var levelShares: [[Double]] = []
            for level in 0..<hierarchy.height {
                // The level's distinct labels over all hierarchy rows, with the rows under each (ARX's domain share).
                var labelID: [String: Int32] = [:]
                var labelOfRow = [Int32](repeating: 0, count: hierarchy.rows.count)
                var rowsUnder: [Int] = []
                var firstRow: [Int] = []
                for (position, row) in hierarchy.rows.enumerated() {
                    let label = row[level]
                    if let id = labelID[label] {
                        labelOfRow[position] = id
                        rowsUnder[Int(id)] += 1
                    } else {
                        labelID[label] = Int32(rowsUnder.count)
                        labelOfRow[position] = Int32(rowsUnder.count)
                        rowsUnder.append(1)
                        firstRow.append(position)
                    }
                }
                // Codes: the labels of the data's values, in order of first appearance.
                var codeOfLabel = [Int32](repeating: -1, count: rowsUnder.count)
                var names: [String] = []
                var shares: [Double] = []
                var map: [Int32] = []
                map.reserveCapacity(values.count)
                for row in rowOf {
                    let id = Int(labelOfRow[row])
                    if codeOfLabel[id] < 0 {
                        codeOfLabel[id] = Int32(names.count)
                        names.append(hierarchy.rows[firstRow[id]][level])
                        shares.append(Double(rowsUnder[id]) / Double(hierarchy.rows.count))
                    }
                    map.append(codeOfLabel[id])
                }
                perLevel.append(map)
                levelLabels.append(names)
                levelShares.append(shares)
            }
            var counts0 = [Int](repeating: 0, count: values.count)
            for code in codes { counts0[Int(code)] += 1 }
            var levelCardinality: [[Int]] = []
            for level in 0..<hierarchy.height {
                var counts = [Int](repeating: 0, count: levelLabels[level].count)
                for (code0, count) in counts0.enumerated() { counts[Int(perLevel[level][code0])] += count }
                levelCardinality.append(counts)
            }
            recordCodes.append(codes)
            generalization.append(perLevel)
            labels.append(levelLabels)
            cardinality.append(levelCardinality)
            share.append(levelShares)
        }
        self.recordCodes = recordCodes
        self.generalization = generalization
        self.labels = labels
        nestedStep = generalization.map { levels in
            (0..<max(levels.count - 1, 0)).map { level in
                var image: [Int32: Int32] = [:]
                for (code, value) in levels[level].enumerated() {
                    let next = levels[level + 1][code]
                    if let seen = image[value], seen != next { return false }
                    image[value] = next
                }
                return true
            }
        }
        fullyNested = nestedStep.allSatisfy { $0.allSatisfy { $0 } }
        self.cardinality = cardinality
        self.share = share
        domainSize = hierarchies.map(\.rows.count)

        var sensitiveCodes: [Int32] = []
        if let sensitive {
            guard let column = table.column(named: sensitive) else {
                throw .invalidConfiguration("the table has no sensitive column '\(sensitive)'")
            }
            sensitiveLabels = column.dictionary + (column.codes.contains(Column.nullCode) ? [""] : [])
            let missing = Int32(column.dictionary.count)
            sensitiveCodes = column.codes.map { $0 == Column.nullCode ? missing : $0 }
            var counts = [Int](repeating: 0, count: sensitiveLabels.count)
            for code in sensitiveCodes { counts[Int(code)] += 1 }
            sensitiveCounts = counts
            if let sensitiveHierarchy { try sensitiveHierarchy.validate(covering: sensitiveLabels) }
        } else {
            sensitiveLabels = []
            sensitiveCounts = []
        }
        self.sensitiveHierarchy = sensitiveHierarchy

        // Merge equal records into weighted tuples.
        let width = columns.count
        let records = table.rowCount
        var tuples: [Int32] = []
        var tupleCounts: [Int32] = []
        var tupleSensitive: [Int32] = []
        var recordTuple = [Int32](repeating: 0, count: records)
        var radices: [UInt64] = []
        var product: UInt64 = 1
        for size in labels.map({ $0[0].count }) + (sensitive == nil ? [] : [sensitiveLabels.count]) {
            radices.append(product)
            let (next, overflow) = product.multipliedReportingOverflow(by: UInt64(max(size, 1)))
            product = overflow ? 0 : next
        }
        if product != 0 {
            // Each record's codes fit one 64-bit mixed-radix key: merge through an open-addressing table.
            var keys = [UInt64](repeating: 0, count: records)
            for c in 0..<width {
                let radix = radices[c]
                recordCodes[c].withUnsafeBufferPointer { codes in
                    for record in 0..<records { keys[record] &+= UInt64(codes[record]) &* radix }
                }
            }
            if sensitive != nil {
                let radix = radices[width]
                for record in 0..<records { keys[record] &+= UInt64(sensitiveCodes[record]) &* radix }
            }
            // Open addressing over 8-byte slots: tuple + 1 in the low half, the key's hash in the
            // high half (0: empty), at most two-thirds full; a hash match is confirmed on the key.
            var size = 16
            while size < records + records / 2 { size <<= 1 }
            let shift = UInt64(64 - size.trailingZeroBitCount)
            var slots = [UInt64](repeating: 0, count: size)
            var tupleKeys: [UInt64] = []
            var firstRecord: [Int] = []
            slots.withUnsafeMutableBufferPointer { slots in
                for record in 0..<records {
                    let key = keys[record]
                    let hash = key &* 0x9E37_79B9_7F4A_7C15
                    let tag = (hash >> 32) | 1
                    var slot = Int(truncatingIfNeeded: hash >> shift)
                    while true {
                        let entry = slots[slot]
                        if entry == 0 {
                            let tuple = Int32(truncatingIfNeeded: tupleCounts.count)
                            slots[slot] = tag << 32 | UInt64(UInt32(bitPattern: tuple) &+ 1)
                            tupleCounts.append(1)
                            tupleKeys.append(key)
                            firstRecord.append(record)
                            recordTuple[record] = tuple
                            break
                        }
                        let tuple = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                        if entry >> 32 == tag && tupleKeys[tuple] == key {
                            tupleCounts[tuple] += 1
                            recordTuple[record] = Int32(truncatingIfNeeded: tuple)
                            break
                        }
                        slot = (slot &+ 1) & (size - 1)
                    }
                }
            }
            tuples = [Int32](repeating: 0, count: firstRecord.count * width)
            for c in 0..<width {
                recordCodes[c].withUnsafeBufferPointer { codes in
                    for (tuple, record) in firstRecord.enumerated() { tuples[tuple * width + c] = codes[record] }
                }
            }
            if sensitive != nil { tupleSensitive = firstRecord.map { sensitiveCodes[$0] } }
        } else {
            var tupleIndex: [[Int32]: Int32] = [:]
            var key = [Int32](repeating: 0, count: width + (sensitive == nil ? 0 : 1))
            for record in 0..<records {
                for c in 0..<width { key[c] = recordCodes[c][record] }
                if sensitive != nil { key[width] = sensitiveCodes[record] }
                if let existing = tupleIndex[key] {
                    tupleCounts[Int(existing)] += 1
                    recordTuple[record] = existing
                } else {
                    let index = Int32(tupleCounts.count)
                    tupleIndex[key] = index
                    tuples.append(contentsOf: key.prefix(width))
                    tupleCounts.append(1)
                    if sensitive != nil { tupleSensitive.append(sensitiveCodes[record]) }
                    recordTuple[record] = index
                }
            }
        }
        self.tuples = tuples
        self.tupleCounts = tupleCounts
        self.tupleSensitive = tupleSensitive
        self.recordTuple = recordTuple
    }

    var tupleCount: Int { tupleCounts.count }

    /// True when the classes of `coarser` are unions of the classes of `finer`, so cells of
    /// `finer` roll up into `coarser`: each column at least as general, and every step between
    /// the two levels nested.
    func rollsUp(from finer: [Int], to coarser: [Int]) -> Bool {
        for c in finer.indices {
            if finer[c] > coarser[c] { return false }
            if !fullyNested {
                for level in finer[c]..<coarser[c] where !nestedStep[c][level] { return false }
            }
        }
        return true
    }

    /// Whether levels `a` and `b` of column `c` split the column's values into
    /// the same groups (then every transformation differing only there has the
    /// same equivalence classes).
    func samePartition(_ c: Int, _ a: Int, _ b: Int) -> Bool {
        guard labels[c][a].count == labels[c][b].count else { return false }
        let mapA = generalization[c][a], mapB = generalization[c][b]
        var partner = [Int32](repeating: -1, count: labels[c][a].count)
        for value in mapA.indices {
            let from = Int(mapA[value])
            if partner[from] == -1 { partner[from] = mapB[value] } else if partner[from] != mapB[value] { return false }
        }
        return true
    }
}
