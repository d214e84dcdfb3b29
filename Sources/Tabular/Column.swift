/// One dictionary-encoded column of a ``Table``.
///
/// Every distinct value is stored once in ``dictionary``; each row holds a
/// 32-bit code into it (``nullCode`` for a missing value). Stages that group,
/// count or generalise records work on the codes, which keeps equivalence-class
/// computations cheap and memory proportional to rows × 4 bytes.
public struct Column: Sendable, Equatable {
    /// The code that marks a missing value (SQL NULL, empty CSV field).
    public static let nullCode: Int32 = -1

    /// The column's name, as the policy and the output schema call it.
    public let name: String
    /// Distinct values in order of first appearance.
    public private(set) var dictionary: [String] = []
    /// One code per row: an index into ``dictionary``, or ``nullCode``.
    public private(set) var codes: [Int32] = []
    /// The index of ``dictionary``'s values, when `indexed`; a column built from a dictionary
    /// already known to be distinct builds it only when something appends to it.
    private var index = ValueIndex()
    private var indexed = true

    /// Creates an empty column.
    public init(name: String) {
        self.name = name
    }

    /// Creates a column from values, encoding them.
    public init(name: String, values: [String?]) {
        self.name = name
        codes.reserveCapacity(values.count)
        for value in values { append(value) }
    }

    /// Number of rows.
    public var count: Int { codes.count }

    /// Creates a column from an already encoded dictionary and codes.
    ///
    /// Readers and stages that work on codes (generalisation, filtering) build
    /// their output this way without a `String` per row. `dictionary` must hold
    /// distinct values and every code must be ``nullCode`` or index into it.
    public init(name: String, dictionary: [String], codes: [Int32]) {
        self.name = name
        for value in dictionary {
            let code = intern(value)
            precondition(Int(code) == self.dictionary.count - 1, "the dictionary of column \(name) repeats \(value)")
        }
        precondition(codes.allSatisfy { $0 == Column.nullCode || (0..<Int32(dictionary.count)).contains($0) },
                     "a code of column \(name) is outside its dictionary")
        self.codes = codes
    }

    /// A column from `distinct` (values known to be distinct: the caller built them so) and codes
    /// into it, without indexing the values now.
    init(name: String, distinct: [String], codes: [Int32]) {
        self.name = name
        dictionary = distinct
        self.codes = codes
        indexed = distinct.isEmpty
    }

    /// Indexes the dictionary if it is not yet.
    private mutating func indexValues() {
        guard !indexed else { return }
        var rebuilt = ValueIndex()
        rebuilt.reserve(dictionary.count)
        for value in dictionary {
            var text = value
            _ = text.withUTF8 { rebuilt.code(for: UnsafeRawBufferPointer($0)) }
        }
        index = rebuilt
        indexed = true
    }

    /// Appends one value (nil for missing).
    public mutating func append(_ value: String?) {
        guard let value else {
            codes.append(Column.nullCode)
            return
        }
        codes.append(intern(value))
    }

    /// Appends one value given as UTF-8 bytes (which must be valid UTF-8).
    ///
    /// A `String` is created only the first time a value occurs, so reading
    /// millions of rows with few distinct values allocates almost nothing.
    public mutating func append(utf8 bytes: UnsafeRawBufferPointer) {
        indexValues()
        let (code, inserted) = index.code(for: bytes)
        if inserted { dictionary.append(String(decoding: bytes, as: UTF8.self)) }
        codes.append(code)
    }

    /// Appends a block of values (see ``ValueBatch``): the same codes as
    /// appending them one by one, several times faster on large dictionaries.
    public mutating func append(contentsOf batch: ValueBatch) {
        indexValues()
        var inserted: [Int] = []
        batch.bytes.withUnsafeBytes { bytes in
            index.encode(batch, bytes: bytes, into: &codes, inserted: &inserted)
            for i in inserted { dictionary.append(String(decoding: batch.value(i, in: bytes), as: UTF8.self)) }
        }
    }

    /// Appends every row of `other` (same values, this column's codes): the
    /// result equals appending `other`'s values one by one.
    public mutating func append(contentsOf other: Column) {
        // `other`'s distinct values are looked up in order, so new values get codes in `other`'s order, as one by one.
        dictionary.reserveCapacity(dictionary.count + other.dictionary.count)
        let remap = lookUp(other.dictionary.count, fill: { range, batch in
            for value in other.dictionary[range] {
                var text = value
                text.withUTF8 { batch.append(utf8: UnsafeRawBufferPointer($0)) }
            }
        }, value: { i, _ in other.dictionary[i] })
        codes.reserveCapacity(codes.count + other.count)
        for code in other.codes { codes.append(code == Column.nullCode ? code : remap[Int(code)]) }
    }

    /// Appends the rows of `codes` whose `keep` entry is true (all rows when `keep` is nil), each
    /// code an index into `values` or ``nullCode``: the same codes and dictionary as appending
    /// those rows' values one by one. Each distinct value is looked up once, in blocks
    /// (``append(contentsOf:)-(ValueBatch)``), in the order the kept rows first hold it.
    public mutating func append(codes rowCodes: UnsafeBufferPointer<Int32>, values: ValueBatch, keep: [Bool]?) {
        append(Column.firstAppearances(of: Stretch(codes: Array(rowCodes), values: values, keep: keep)), values: values)
    }

    /// Appends a stretch's kept rows given as their ``First``: each distinct value looked up once,
    /// in blocks, in order of first appearance, then one code per row.
    mutating func append(_ first: First, values: ValueBatch) {
        let mapped = values.bytes.withUnsafeBytes { source in
            lookUp(first.order.count, fill: { range, batch in
                for value in first.order[range] { batch.append(utf8: values.value(Int(value), in: source)) }
            }, value: { _, bytes in String(decoding: bytes, as: UTF8.self) })
        }
        if codes.capacity < codes.count + first.rows.count { codes.reserveCapacity(max(codes.count + first.rows.count, 2 * codes.capacity)) }
        for slot in first.rows { codes.append(slot < 0 ? Column.nullCode : mapped[Int(slot)]) }
    }

    /// The codes of `count` values, in order, looked up a block of 4,096 at a time
    /// (``ValueIndex/encode``: the cache misses of a block overlap), each new value added to the
    /// dictionary in order, as appending them one by one would: `fill` puts values `range` into
    /// the (empty) batch; `value(i, bytes)` is value `i`, whose bytes are `bytes`, when it is new.
    private mutating func lookUp(_ count: Int, fill: (Range<Int>, inout ValueBatch) -> Void,
                                 value: (Int, UnsafeRawBufferPointer) -> String) -> [Int32] {
        indexValues()
        var mapped: [Int32] = []
        mapped.reserveCapacity(count)
        index.reserve(dictionary.count + count)
        var batch = ValueBatch()
        var inserted: [Int] = []
        var start = 0
        while start < count {
            let end = min(start + 4096, count)
            batch.removeAll()
            inserted.removeAll(keepingCapacity: true)
            fill(start..<end, &batch)
            batch.bytes.withUnsafeBytes { bytes in
                index.encode(batch, bytes: bytes, into: &mapped, inserted: &inserted)
                for i in inserted { dictionary.append(value(start + i, batch.value(i, in: bytes))) }
            }
            start = end
        }
        return mapped
    }

    /// Appends a block of rows given as `slots`: a slot s ≥ 0 is a code this column already holds
    /// (a value a reader remembers, such as a small integer it has seen); a slot s < 0 is value
    /// −s − 1 of `batch` (which may be missing). The same codes and dictionary as appending the
    /// rows' values one by one, with the batch encoded at once (``append(contentsOf:)-(ValueBatch)``).
    /// Returns the codes the batch's values got, in batch order.
    @discardableResult
    public mutating func append(slots: [Int32], batch: ValueBatch) -> [Int32] {
        indexValues()
        var batchCodes: [Int32] = []
        batchCodes.reserveCapacity(batch.count)
        var inserted: [Int] = []
        batch.bytes.withUnsafeBytes { bytes in
            index.encode(batch, bytes: bytes, into: &batchCodes, inserted: &inserted)
            for i in inserted { dictionary.append(String(decoding: batch.value(i, in: bytes), as: UTF8.self)) }
        }
        let known = Int32(dictionary.count)
        for slot in slots {
            if slot >= 0 {
                precondition(slot < known, "a code of column \(name) is outside its dictionary")
                codes.append(slot)
            } else {
                codes.append(batchCodes[Int(-(slot + 1))])
            }
        }
        return batchCodes
    }

    /// Appends a missing value.
    public mutating func appendNull() {
        codes.append(Column.nullCode)
    }

    /// Reserves room for `rows` codes.
    public mutating func reserveCapacity(_ rows: Int) {
        codes.reserveCapacity(rows)
    }

    /// This column with every distinct value passed through `transform` once
    /// (values that become equal share one code), rows unchanged.
    ///
    /// - Throws: Only what `transform` throws, passed on unchanged; the column is then not built.
    public func mappingValues(_ transform: (String) throws -> String) rethrows -> Column {
        var mapped = Column(name: name)
        var remap = [Int32](repeating: 0, count: dictionary.count)
        for (code, value) in dictionary.enumerated() { remap[code] = mapped.intern(try transform(value)) }
        mapped.codes = codes.map { $0 == Column.nullCode ? $0 : remap[Int($0)] }
        return mapped
    }

    /// This column restricted to the rows where `keep` is true, in order, with
    /// its dictionary reduced to the values those rows hold, in order of first
    /// appearance: exactly the column appending those rows' values would build.
    public func filtered(keeping keep: [Bool]) -> Column {
        precondition(keep.count == codes.count, "the row mask has \(keep.count) entries for \(codes.count) rows")
        var kept: [Int32] = []
        kept.reserveCapacity(codes.count)
        for (row, code) in codes.enumerated() where keep[row] { kept.append(code) }
        return Column(name: name, distinct: dictionary, codes: kept).compacted()
    }

    /// This column with its dictionary reduced to the values that occur, in
    /// order of first appearance (codes renumbered accordingly).
    public func compacted() -> Column {
        var remap = [Int32](repeating: Column.nullCode, count: dictionary.count)
        var order: [String] = []
        var renumbered = codes
        for (row, code) in codes.enumerated() where code != Column.nullCode {
            if remap[Int(code)] == Column.nullCode {
                remap[Int(code)] = Int32(order.count)
                order.append(dictionary[Int(code)])
            }
            renumbered[row] = remap[Int(code)]
        }
        // Distinct by construction: each of this column's distinct values at most once.
        return Column(name: name, distinct: order, codes: renumbered)
    }

    /// The code of `value`, adding it to the dictionary when new.
    private mutating func intern(_ value: String) -> Int32 {
        indexValues()
        var text = value
        let (code, inserted) = text.withUTF8 { index.code(for: UnsafeRawBufferPointer($0)) }
        if inserted { dictionary.append(value) }
        return code
    }

    /// The value at `row`, or nil when missing.
    public subscript(row: Int) -> String? {
        let code = codes[row]
        return code == Column.nullCode ? nil : dictionary[Int(code)]
    }

    /// The code for `value`, if it occurs in this column.
    public func code(of value: String) -> Int32? {
        // Unindexed: the same byte-for-byte comparison the index makes (String's == would also
        // match a canonically equivalent spelling), lengths first (millions of values in a person column).
        guard indexed else {
            let length = value.utf8.count
            return dictionary.firstIndex { $0.utf8.count == length && $0.utf8.elementsEqual(value.utf8) }.map { Int32($0) }
        }
        var text = value
        return text.withUTF8 { index.find(UnsafeRawBufferPointer($0)) }
    }

    /// All values in row order (nil for missing).
    public var values: [String?] { (0..<count).map { self[$0] } }

    public static func == (lhs: Column, rhs: Column) -> Bool {
        lhs.name == rhs.name && lhs.values == rhs.values
    }
}
