import Foundation
import Tabular

/// A person as the privacy ledger knows them: the first 16 bytes of
/// HMAC-SHA256(ledger key, population ‖ 0 ‖ unit value), never the value itself
/// (see ``PersonLedger``). Held as two big-endian words, so ids compare, hash
/// and sort as plain integers (a backfill handles millions of them) and order
/// exactly as their bytes do, which is how SQLite orders the stored blobs.
public struct LedgerID: Hashable, Comparable, Sendable {
    /// Bytes 0–7 and 8–15, big-endian.
    public var high: UInt64
    public var low: UInt64

    /// The id whose 16 bytes are `bytes` (shorter input is padded with zeros).
    public init<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        var words: (UInt64, UInt64) = (0, 0)
        for (index, byte) in bytes.prefix(16).enumerated() {
            if index < 8 { words.0 |= UInt64(byte) << (8 * UInt64(7 - index)) } else { words.1 |= UInt64(byte) << (8 * UInt64(15 - index)) }
        }
        (high, low) = words
    }

    /// The id of two words (bytes 0–7 and 8–15, read big-endian).
    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The 16 bytes, as stored.
    public var data: Data {
        var words = (high.bigEndian, low.bigEndian)
        return withUnsafeBytes(of: &words) { Data($0) }
    }

    /// Calls `body` with the 16 bytes, without allocating.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var words = (high.bigEndian, low.bigEndian)
        return try withUnsafeBytes(of: &words, body)
    }

    /// `ids` in byte order, packed into one blob.
    static func pack(_ ids: some Sequence<LedgerID>) -> Data { packInOrder(ids.sorted()) }

    /// `ids` packed into one blob in the order given, 16 bytes each.
    static func packInOrder(_ ids: some Collection<LedgerID>) -> Data {
        packInOrder(Array(ids)[...], cores: 1)
    }

    /// ``packInOrder(_:)`` with ranges of the ids packed on `cores` cores.
    static func packInOrder(_ ids: ArraySlice<LedgerID>, cores: Int) -> Data {
        var blob = Data(count: ids.count * 16)
        let base = ids.startIndex
        blob.withUnsafeMutableBytes { bytes in
            nonisolated(unsafe) let output = bytes
            _ = Parallel.map(ranges: ids.count, minimum: 1 << 16, cores: cores) { range in
                for index in range {
                    let id = ids[base + index]
                    output.storeBytes(of: id.high.bigEndian, toByteOffset: index * 16, as: UInt64.self)
                    output.storeBytes(of: id.low.bigEndian, toByteOffset: index * 16 + 8, as: UInt64.self)
                }
                return 0
            }
        }
        return blob
    }

    /// Ids as their stored bytes (16 each, big-endian, one after another) in the memory of the
    /// array that held them: ``sortedPacked(_:)``.
    struct Packed: Sendable {
        /// Each element's 16 bytes overwritten by its packed form; never read as ids.
        fileprivate var storage: [LedgerID]

        /// How many ids.
        var count: Int { storage.count }

        /// Calls `body` with the packed bytes of the ids in `range`: the bytes ``packInOrder(_:)``
        /// gives for them.
        func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[(range.lowerBound * 16)..<(range.upperBound * 16)])) }
        }
    }

    /// `ids` in ascending order, packed: the bytes of `packInOrder(sorted(ids))`, written over the
    /// sorted array's own memory on every core, so a backfill's segment (16 bytes a person, 53 MB
    /// at 3.3 M people) is not held a second time as `Data`.
    static func sortedPacked(_ ids: [LedgerID]) -> Packed {
        var sorted = Self.sorted(ids)
        // Each element is read whole, then its 16 bytes are overwritten: the words' order inside the
        // struct does not matter, only that an id occupies exactly 16 bytes.
        precondition(MemoryLayout<LedgerID>.stride == 16 && MemoryLayout<LedgerID>.size == 16, "a ledger id is two words")
        sorted.withUnsafeMutableBytes { bytes in
            nonisolated(unsafe) let output = bytes
            _ = Parallel.map(ranges: bytes.count / 16, minimum: 1 << 16) { range in
                for index in range {
                    let id = output.load(fromByteOffset: index * 16, as: LedgerID.self)
                    output.storeBytes(of: id.high.bigEndian, toByteOffset: index * 16, as: UInt64.self)
                    output.storeBytes(of: id.low.bigEndian, toByteOffset: index * 16 + 8, as: UInt64.self)
                }
                return 0
            }
        }
        return Packed(storage: sorted)
    }

    /// Ids packed one after another in a blob (16 bytes each, in order; a torn tail is ignored).
    static func unpack(_ blob: Data) -> [LedgerID] {
        blob.withUnsafeBytes { bytes in
            stride(from: 0, to: bytes.count - bytes.count % 16, by: 16).map { offset in
                LedgerID(high: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
                         low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
            }
        }
    }

    /// `ids` in ascending order (a backfill sorts millions): the same array as `ids.sorted()`.
    /// Large inputs are bucket-sorted on every core (``bucketSorted(_:cores:)``).
    static func sorted(_ ids: [LedgerID]) -> [LedgerID] {
        guard ids.count >= 100_000, Parallel.cores > 1 else { return ids.sorted() }
        return bucketSorted(ids[...], cores: Parallel.cores)
    }

    /// `ids.sorted()`, in linear time for ids spread evenly (HMAC outputs are): each id goes to the
    /// bucket of its leading bits (about 8 ids a bucket), then each bucket is sorted on its own.
    /// Any input gives the sorted array; a crowded bucket is only slower.
    ///
    /// On `cores` cores: the ids are scattered into their buckets by a stable counting sort
    /// (``Parallel/bucketed(count:buckets:minimum:cores:bucket:element:)``), then each core sorts a
    /// range of whole buckets. The buckets are in order, so the result needs no merge.
    static func bucketSorted(_ ids: ArraySlice<LedgerID>, cores: Int = 1) -> [LedgerID] {
        let bits = max(1, min(24, Int.bitWidth - (ids.count / 8).leadingZeroBitCount))
        let shift = UInt64(64 - bits), buckets = 1 << bits
        let base = ids.startIndex
        let (scattered, starts) = Parallel.bucketed(count: ids.count, buckets: buckets, minimum: 1 << 16, cores: cores,
                                                    bucket: { Int(ids[base + $0].high >> shift) }, element: { ids[base + $0] })
        var result = scattered
        result.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let result = buffer
            // Whole buckets per core, sorted in place.
            _ = Parallel.map(ranges: buckets, minimum: 1 << 12, cores: cores) { range in
                for bucket in range where starts[bucket + 1] - starts[bucket] > 1 {
                    let bucketRange = starts[bucket]..<starts[bucket + 1]
                    if bucketRange.count <= 32 {
                        // Insertion sort: a bucket holds a handful of ids.
                        for i in bucketRange.dropFirst() {
                            let id = result[i]
                            var j = i
                            while j > bucketRange.lowerBound && id < result[j - 1] {
                                result[j] = result[j - 1]
                                j -= 1
                            }
                            result[j] = id
                        }
                    } else {
                        result[bucketRange].sort()
                    }
                }
                return 0
            }
        }
        return result
    }

    public static func < (a: LedgerID, b: LedgerID) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
