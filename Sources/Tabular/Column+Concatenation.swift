/// Building one column from many stretches of rows (a store's blocks) on every core.
extension Column {
    /// One stretch of rows for ``concatenating(name:_:cores:minimum:)``: a code per row into `values`
    /// (or ``Column/nullCode``), and which rows to keep (nil: all).
    public struct Stretch: Sendable {
        /// The codes, a slice of a larger array when many stretches were read into one.
        public var codes: ArraySlice<Int32>
        public var values: ValueBatch
        public var keep: [Bool]?

        /// A stretch of `codes` into `values` whose rows `keep` selects (nil: all; else one entry a row).
        public init(codes: ArraySlice<Int32>, values: ValueBatch, keep: [Bool]?) {
            precondition(keep == nil || keep?.count == codes.count, "the row mask has \(keep?.count ?? 0) entries for \(codes.count) rows")
            self.codes = codes
            self.values = values
            self.keep = keep
        }

        /// A stretch of all of `codes` (see ``init(codes:values:keep:)-(ArraySlice<Int32>,_,_)``).
        public init(codes: [Int32], values: ValueBatch, keep: [Bool]?) {
            self.init(codes: codes[...], values: values, keep: keep)
        }

        /// Every row of `column`.
        public init(_ column: Column) {
            var values = ValueBatch()
            for value in column.dictionary {
                var text = value
                text.withUTF8 { values.append(utf8: UnsafeRawBufferPointer($0)) }
            }
            self.init(codes: column.codes, values: values, keep: nil)
        }
    }

    /// Below this many distinct values summed over the stretches, the stretches are appended one
    /// after another (``append(codes:values:keep:)``); the parallel build pays off above it.
    public static let parallelConcatenation = 1 << 18

    /// Each column that appending its stretches' kept rows in order builds: the same dictionary
    /// (distinct values in order of first appearance) and the same codes.
    ///
    /// A column with many distinct values (a person column: millions) is built on every core: its
    /// values are partitioned by hash (up to 256 partitions, each small enough for its index to
    /// stay in a core's cache), each partition's values indexed in stretch order by its own
    /// ``ValueIndex``, the partitions spread over the cores; the codes each partition gives in order
    /// of first appearance are then numbered across partitions in one pass over the stretches in
    /// order, which is the order appending them one by one gives. Such a column's own index is built only if something
    /// later appends to it. The other columns are built one per core, each appended stretch by
    /// stretch.
    ///
    /// A column counts as having many values when its stretches hold at least `minimum` distinct
    /// values summed over stretches and four stretches spread over it share few of theirs (fewer
    /// than half repeat between them: a column of a few thousand values repeated in every stretch
    /// does not count); with `minimum` 0 every column does.
    public static func concatenating(_ columns: [(name: String, stretches: [Stretch])], cores: Int = Parallel.cores,
                                     minimum: Int = parallelConcatenation) -> [Column] {
        let firsts = columns.map { column in Parallel.map(column.stretches.count) { firstAppearances(of: column.stretches[$0]) } }
        let many = columns.indices.map { index in
            minimum == 0 || firsts[index].reduce(0) { $0 + $1.order.count } >= minimum && mostlyUnshared(firsts: firsts[index], columns[index].stretches)
        }
        var built = [Column?](repeating: nil, count: columns.count)
        for index in columns.indices where many[index] {
            built[index] = partitioned(name: columns[index].name, columns[index].stretches, firsts: firsts[index], cores: cores)
        }
        let others = columns.indices.filter { !many[$0] }
        for (index, column) in zip(others, Parallel.map(others.count) { appended(columns[others[$0]], firsts: firsts[others[$0]]) }) {
            built[index] = column
        }
        return built.compactMap { $0 }
    }

    /// ``concatenating(_:cores:minimum:)`` of one column.
    public static func concatenating(name: String, _ stretches: [Stretch], cores: Int = Parallel.cores,
                                     minimum: Int = parallelConcatenation) -> Column {
        concatenating([(name, stretches)], cores: cores, minimum: minimum)[0]
    }

    /// The stretches appended one after another.
    private static func appended(_ column: (name: String, stretches: [Stretch]), firsts: [First]) -> Column {
        var built = Column(name: column.name)
        built.reserveCapacity(firsts.reduce(0) { $0 + $1.rows.count })
        for (stretch, first) in zip(column.stretches, firsts) { built.append(first, values: stretch.values) }
        return built
    }

    /// Whether four stretches spread over the column hold more than half as many distinct values
    /// between them as each on its own, summed: their values mostly new, not repeated.
    private static func mostlyUnshared(firsts: [First], _ stretches: [Stretch]) -> Bool {
        var seen: Set<UInt64> = []
        var summed = 0
        for position in Set((0..<4).map { $0 * stretches.count / 4 }) where position < stretches.count {
            summed += firsts[position].order.count
            stretches[position].values.bytes.withUnsafeBytes { bytes in
                for value in firsts[position].order { seen.insert(ValueIndex.hash(stretches[position].values.value(Int(value), in: bytes))) }
            }
        }
        return 2 * seen.count > summed
    }

    /// The column built on partitions of its values (see ``concatenating(_:cores:minimum:)``).
    ///
    /// The partitions are many (a power of two, about 32,768 values each, at most 256) so that each
    /// one's index stays in the core's cache: every value's place is first scattered into its
    /// partition's list, in stretch order (a radix partition on the hash's low bits, which the
    /// index does not use to place values), then the partitions are indexed on every core.
    private static func partitioned(name: String, _ stretches: [Stretch], firsts: [First], cores: Int) -> Column {
        let distinct = firsts.reduce(0) { $0 + $1.order.count }
        var partitions = 2
        while partitions < 256 && partitions * 32_768 < distinct { partitions *= 2 }
        let mask = UInt64(partitions - 1)
        // Where each stretch's values begin in `entries` (stretch order, then order of first appearance).
        var starts = [Int](repeating: 0, count: stretches.count + 1)
        for (index, first) in firsts.enumerated() { starts[index + 1] = starts[index] + first.order.count }
        // Each value's partition.
        let partitionOf = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: distinct)
        defer { partitionOf.deallocate() }
        nonisolated(unsafe) let partitionsOf = partitionOf
        _ = Parallel.map(stretches.count) { position in
            stretches[position].values.bytes.withUnsafeBytes { bytes in
                for (slot, value) in firsts[position].order.enumerated() {
                    partitionsOf[starts[position] + slot] = UInt8(ValueIndex.hash(stretches[position].values.value(Int(value), in: bytes)) & mask)
                }
            }
        }
        // Each partition's list of value places (index into `entries`), in stretch order.
        let (lists, listStarts) = Parallel.bucketed(count: distinct, buckets: partitions, minimum: 1 << 16, cores: cores,
                                                    bucket: { Int(partitionsOf[$0]) }, element: { Int32($0) })
        // The stretch of each place, for reading its bytes.
        let stretchOf = UnsafeMutableBufferPointer<Int32>.allocate(capacity: distinct)
        defer { stretchOf.deallocate() }
        for position in stretches.indices {
            for place in starts[position]..<starts[position + 1] { stretchOf[place] = Int32(position) }
        }
        // Each partition's index, on every core: each place gets its value's code within its partition.
        let entries = UnsafeMutableBufferPointer<Int32>.allocate(capacity: distinct)
        defer { entries.deallocate() }
        nonisolated(unsafe) let shared = entries, owner = stretchOf
        _ = Parallel.map(partitions) { partition in
            var index = ValueIndex()
            index.reserve(listStarts[partition + 1] - listStarts[partition])
            // The list runs stretch by stretch: each run's bytes are borrowed once.
            var at = listStarts[partition]
            while at < listStarts[partition + 1] {
                let position = Int(owner[Int(lists[at])])
                var end = at + 1
                while end < listStarts[partition + 1] && Int(owner[Int(lists[end])]) == position { end += 1 }
                let stretch = stretches[position], order = firsts[position].order, first = starts[position]
                stretch.values.bytes.withUnsafeBytes { bytes in
                    for run in at..<end {
                        let place = Int(lists[run])
                        shared[place] = index.code(for: stretch.values.value(Int(order[place - first]), in: bytes)).code
                    }
                }
                at = end
            }
        }
        // Numbering across partitions: a value is new where its partition's local code is the next one
        // that partition has not yet handed out.
        var next = [Int32](repeating: 0, count: partitions)
        var global = [[Int32]](repeating: [], count: partitions)
        // The slots (into the stretch's order) of the values new in each stretch, and where each stretch's begin.
        var newSlots: [Int32] = []
        newSlots.reserveCapacity(distinct / 2)
        var newStarts = [Int](repeating: 0, count: stretches.count + 1)
        for position in stretches.indices {
            for slot in 0..<firsts[position].order.count {
                let place = starts[position] + slot
                let partition = Int(partitionOf[place]), code = entries[place]
                if code == next[partition] {
                    global[partition].append(Int32(newSlots.count))
                    next[partition] += 1
                    newSlots.append(Int32(slot))
                }
            }
            newStarts[position + 1] = newSlots.count
        }
        // The new values as strings, stretches spread over the cores, written in place.
        let dictionary = [String](unsafeUninitializedCapacity: newSlots.count) { buffer, count in
            nonisolated(unsafe) let output = buffer
            _ = Parallel.map(ranges: stretches.count, minimum: 2, cores: cores) { range in
                for position in range {
                    let stretch = stretches[position], order = firsts[position].order
                    stretch.values.bytes.withUnsafeBytes { bytes in
                        for at in newStarts[position]..<newStarts[position + 1] {
                            output.initializeElement(at: at, to: String(decoding: stretch.values.value(Int(order[Int(newSlots[at])]), in: bytes), as: UTF8.self))
                        }
                    }
                }
                return 0
            }
            count = newSlots.count
        }
        // Each kept row's code, stretches spread over the cores, written in place.
        var rowStarts = [Int](repeating: 0, count: stretches.count + 1)
        for (index, first) in firsts.enumerated() { rowStarts[index + 1] = rowStarts[index] + first.rows.count }
        let codes = [Int32](unsafeUninitializedCapacity: rowStarts[stretches.count]) { buffer, count in
            nonisolated(unsafe) let output = buffer
            _ = Parallel.map(ranges: stretches.count, minimum: 2, cores: cores) { range in
                for position in range {
                    var at = rowStarts[position]
                    for slot in firsts[position].rows {
                        if slot < 0 {
                            output[at] = Column.nullCode
                        } else {
                            let place = starts[position] + Int(slot)
                            output[at] = global[Int(partitionOf[place])][Int(entries[place])]
                        }
                        at += 1
                    }
                }
                return 0
            }
            count = rowStarts[stretches.count]
        }
        return Column(name: name, distinct: dictionary, codes: codes)
    }

    /// A stretch's kept rows' distinct values, in order of first appearance (`order`, positions
    /// in the stretch's values), and each kept row's position in that list (−1 where missing).
    struct First: Sendable {
        var order: [Int32] = []
        /// The stretch's own codes when its values are already in order of first appearance.
        var rows: ArraySlice<Int32> = []
    }

    /// ``First`` of `stretch`: what appending its kept rows computes first.
    static func firstAppearances(of stretch: Stretch) -> First {
        // A store's block lists its values in the order its rows first hold them: then every value is in
        // order and each row's position is its code, which one pass without allocating confirms.
        if stretch.keep == nil {
            var next: Int32 = 0
            var inOrder = true
            for code in stretch.codes {
                if code >= next {
                    guard code == next else {
                        inOrder = false
                        break
                    }
                    next += 1
                } else if code < Column.nullCode {
                    inOrder = false
                    break
                }
            }
            if inOrder && Int(next) == stretch.values.count {
                return First(order: Array(0..<next), rows: stretch.codes)
            }
        }
        var position = [Int32](repeating: -1, count: stretch.values.count)
        var first = First()
        first.rows.reserveCapacity(stretch.codes.count)
        for (row, code) in stretch.codes.enumerated() where stretch.keep?[row] ?? true {
            if code == Column.nullCode {
                first.rows.append(-1)
                continue
            }
            precondition(code >= 0 && Int(code) < stretch.values.count, "a code of a stretch is outside its values")
            if position[Int(code)] < 0 {
                position[Int(code)] = Int32(first.order.count)
                first.order.append(code)
            }
            first.rows.append(position[Int(code)])
        }
        return first
    }
}
