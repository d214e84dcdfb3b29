/// Memory reused by every grouping of one search, so no transformation
/// allocates, page-faults in or clears its own working arrays (on a backfill
/// of millions of records each grouping would otherwise map and zero hundreds
/// of megabytes).
final class GroupingScratch {
    /// One cell copied into class order, with everything the merge reads.
    struct CellRecord {
        var tuple: Int32
        var sensitive: Int32
        var count: Int32
    }

    /// Open-addressing table from class key to class, for large key spaces.
    let classes = KeyTable()
    /// Direct-addressed table, key → (class + 1) << 32 | records, 0 when unseen;
    /// users zero the entries they set before returning.
    private var direct = Storage<UInt64>()
    /// Class of each source cell.
    private var classOf = Storage<Int32>()
    /// Cells copied into class order for the merge.
    private var ordered = Storage<CellRecord>()
    /// Per class: where its cells go, then where they end.
    private var position = Storage<Int32>()

    /// A zeroed direct table of at least `size` entries, valid until the next call.
    func directTable(size: Int) -> UnsafeMutablePointer<UInt64> { direct.pointer(capacity: size) }
    /// Room for the class of `count` cells, valid until the next call.
    func classOfCell(count: Int) -> UnsafeMutablePointer<Int32> { classOf.pointer(capacity: count) }
    /// Room for `count` cells in class order, valid until the next call.
    func orderedCells(count: Int) -> UnsafeMutablePointer<CellRecord> { ordered.pointer(capacity: count) }
    /// `count` zeroed positions, valid until the next call.
    func positions(count: Int) -> UnsafeMutablePointer<Int32> {
        let pointer = position.pointer(capacity: count)
        pointer.update(repeating: 0, count: count)
        return pointer
    }

    /// A growable block of trivial values, zeroed when allocated.
    private struct Storage<Element: BitwiseCopyable> {
        private(set) var base: UnsafeMutablePointer<Element>?
        private var capacity = 0

        mutating func pointer(capacity wanted: Int) -> UnsafeMutablePointer<Element> {
            if let base, capacity >= wanted { return base }
            base?.deallocate()
            let size = max(wanted, 16)
            let fresh = UnsafeMutablePointer<Element>.allocate(capacity: size)
            UnsafeMutableRawPointer(fresh).initializeMemory(as: UInt8.self, repeating: 0,
                                                            count: size * MemoryLayout<Element>.stride)
            base = fresh
            capacity = size
            return fresh
        }

        func release() { base?.deallocate() }
    }

    deinit {
        direct.release()
        classOf.release()
        ordered.release()
        position.release()
    }
}
