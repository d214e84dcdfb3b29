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
        var blob = Data(count: ids.count * 16)
        blob.withUnsafeMutableBytes { bytes in
            for (index, id) in ids.enumerated() {
                bytes.storeBytes(of: id.high.bigEndian, toByteOffset: index * 16, as: UInt64.self)
                bytes.storeBytes(of: id.low.bigEndian, toByteOffset: index * 16 + 8, as: UInt64.self)
            }
        }
        return blob
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

    /// `ids` in ascending order: two halves sorted on two cores, then merged (a backfill sorts
    /// millions). The same array as `ids.sorted()`.
    static func sorted(_ ids: [LedgerID]) -> [LedgerID] {
        guard ids.count >= 100_000, ProcessInfo.processInfo.activeProcessorCount > 1 else { return ids.sorted() }
        let middle = ids.count / 2
        let halves = Parallel.map(2) { part in bucketSorted(part == 0 ? ids[..<middle] : ids[middle...]) }
        let (left, right) = (halves[0], halves[1])
        var merged: [LedgerID] = []
        merged.reserveCapacity(ids.count)
        var i = 0, j = 0
        while i < left.count && j < right.count {
            if right[j] < left[i] {
                merged.append(right[j])
                j += 1
            } else {
                merged.append(left[i])
                i += 1
            }
        }
        merged.append(contentsOf: left[i...])
        merged.append(contentsOf: right[j...])
        return merged
    }

    /// `ids.sorted()`, in linear time for ids spread evenly (HMAC outputs are): each id goes to the
    /// bucket of its leading bits (about 8 ids a bucket), then each bucket is sorted on its own.
    /// Any input gives the sorted array; a crowded bucket is only slower.
    static func bucketSorted(_ ids: ArraySlice<LedgerID>) -> [LedgerID] {
        let bits = max(1, min(24, Int.bitWidth - (ids.count / 8).leadingZeroBitCount))
        let shift = UInt64(64 - bits)
        var starts = [Int](repeating: 0, count: (1 << bits) + 1)
        for id in ids { starts[Int(id.high >> shift) + 1] += 1 }
        for bucket in 0..<(1 << bits) { starts[bucket + 1] += starts[bucket] }
        var next = starts
        var result = [LedgerID](repeating: LedgerID(high: 0, low: 0), count: ids.count)
        result.withUnsafeMutableBufferPointer { result in
            for id in ids {
                let bucket = Int(id.high >> shift)
                result[next[bucket]] = id
                next[bucket] += 1
            }
            for bucket in 0..<(1 << bits) where starts[bucket + 1] - starts[bucket] > 1 {
                let range = starts[bucket]..<starts[bucket + 1]
                if range.count <= 32 {
                    // Insertion sort: a bucket holds a handful of ids.
                    for i in range.dropFirst() {
                        let id = result[i]
                        var j = i
                        while j > range.lowerBound && id < result[j - 1] {
                            result[j] = result[j - 1]
                            j -= 1
                        }
                        result[j] = id
                    }
                } else {
                    result[range].sort()
                }
            }
        }
        return result
    }

    public static func < (a: LedgerID, b: LedgerID) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
