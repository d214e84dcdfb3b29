#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The open-addressing hash index from a value's UTF-8 bytes to its code in a
/// ``Column``'s dictionary.
///
/// It lets a reader dictionary-encode values straight from borrowed bytes (an
/// SQLite column, a CSV buffer) without building a `String` per row: the
/// caller makes a `String` only when a value is new. Lookups are bound by
/// memory latency on large dictionaries, so a slot carries everything a probe
/// needs: the full hash, the length, and either the value itself (up to eight
/// bytes: numbers, codes, short labels) or the offset of its bytes in one
/// contiguous arena. Equality is always exact (bytes compared), never by hash.
/// Slots are addressed by the hash's high bits; the table doubles at half load.
struct ValueIndex: Sendable {
    private struct Slot {
        var hash: UInt64
        /// The value's bytes (length ≤ 8, zero-padded) or its offset in `arena`.
        var payload: UInt64
        /// `code + 1`; 0 marks an empty slot.
        var stored: Int32
        var length: Int32
    }

    private var slots = [Slot](repeating: Slot(hash: 0, payload: 0, stored: 0, length: 0), count: 16)
    private var shift: UInt64 = 60
    private var arena: [UInt8] = []

    /// Number of distinct values indexed.
    private(set) var count = 0

    /// A 64-bit hash of `bytes`, eight bytes at a time (a multiply–xorshift mix
    /// in the style of wyhash; not cryptographic, and never needs to be).
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var offset = 0
        let count = bytes.count
        while offset + 8 <= count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            offset += 8
        }
        if offset < count {
            h = (h ^ tail(bytes, from: offset)) &* 0x94D0_49BB_1331_11EB
            h ^= h >> 29
        }
        return h &* 0xFF51_AFD7_ED55_8CCD
    }

    /// The bytes from `start` to the end (at most eight), little-endian, zero-padded.
    @inline(__always)
    private static func tail(_ bytes: UnsafeRawBufferPointer, from start: Int) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for offset in start..<bytes.count {
            value |= UInt64(bytes[offset]) << shift
            shift += 8
        }
        return value
    }

    /// The code of `bytes`, or nil when the value is not indexed.
    func find(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        let (slot, found) = probe(bytes, hash: Self.hash(bytes))
        return found ? slots[slot].stored - 1 : nil
    }

    /// The code of `bytes`; when new, the value gets code ``count`` (before the
    /// call) and `inserted` is true, and the caller must append it to its dictionary.
    @inline(__always)
    mutating func code(for bytes: UnsafeRawBufferPointer) -> (code: Int32, inserted: Bool) {
        code(for: bytes, hash: Self.hash(bytes))
    }

    /// Encodes a block of values at once (`bytes` is the batch's ``ValueBatch/bytes``):
    /// appends one code per value to `codes` (−1 when
    /// missing) and, for each value seen for the first time, its position in the
    /// block to `inserted`, in code order.
    ///
    /// Same result as encoding one by one, but in phases: all hashes, then all
    /// first slots, then the comparisons, so the cache misses of a block overlap
    /// instead of following one another.
    mutating func encode(_ batch: ValueBatch, bytes: UnsafeRawBufferPointer, into codes: inout [Int32],
                         inserted: inout [Int]) {
        let n = batch.count, nulls = batch.nulls
        func value(_ i: Int) -> UnsafeRawBufferPointer { batch.value(i, in: bytes) }
        var hashes = [UInt64](repeating: 0, count: n)
        for i in 0..<n where !nulls[i] { hashes[i] = Self.hash(value(i)) }
        var first = [Slot](repeating: Slot(hash: 0, payload: 0, stored: 0, length: 0), count: n)
        slots.withUnsafeBufferPointer { slots in
            for i in 0..<n { first[i] = slots[Int(truncatingIfNeeded: hashes[i] >> shift)] }
        }
        let size = slots.count
        for i in 0..<n {
            if nulls[i] {
                codes.append(-1)
                continue
            }
            let bytes = value(i)
            let candidate = first[i]
            if slots.count == size, candidate.stored != 0, candidate.hash == hashes[i], Int(candidate.length) == bytes.count,
               bytes.count <= 8 ? candidate.payload == Self.tail(bytes, from: 0) : arenaMatches(Int(candidate.payload), bytes) {
                codes.append(candidate.stored - 1)
                continue
            }
            let (code, new) = code(for: bytes, hash: hashes[i])
            codes.append(code)
            if new { inserted.append(i) }
        }
    }

    @inline(__always)
    private mutating func code(for bytes: UnsafeRawBufferPointer, hash: UInt64) -> (code: Int32, inserted: Bool) {
        let (slot, found) = probe(bytes, hash: hash)
        if found { return (slots[slot].stored - 1, false) }
        let code = Int32(count)
        let payload: UInt64
        if bytes.count <= 8 {
            payload = Self.tail(bytes, from: 0)
        } else {
            payload = UInt64(arena.count)
            arena.append(contentsOf: bytes)
        }
        slots[slot] = Slot(hash: hash, payload: payload, stored: code + 1, length: Int32(bytes.count))
        count += 1
        if count * 2 > slots.count { grow() }
        return (code, true)
    }

    /// The slot holding `bytes`, or the empty slot where it would go.
    @inline(__always)
    private func probe(_ bytes: UnsafeRawBufferPointer, hash: UInt64) -> (slot: Int, found: Bool) {
        let mask = slots.count - 1
        let short = bytes.count <= 8 ? Self.tail(bytes, from: 0) : 0
        return slots.withUnsafeBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: hash >> shift)
            while true {
                let current = slots[slot]
                if current.stored == 0 { return (slot, false) }
                if current.hash == hash, Int(current.length) == bytes.count {
                    if bytes.count <= 8 {
                        if current.payload == short { return (slot, true) }
                    } else if arenaMatches(Int(current.payload), bytes) {
                        return (slot, true)
                    }
                }
                slot = (slot &+ 1) & mask
            }
        }
    }

    @inline(__always)
    private func arenaMatches(_ start: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let right = bytes.baseAddress else { return true }
        return arena.withUnsafeBytes { arena in
            guard let base = arena.baseAddress else { return false }
            return memcmp(base + start, right, bytes.count) == 0
        }
    }

    /// Makes room for `distinct` values in all without growing again (the table then stays at
    /// most half full), so a merge of two large dictionaries rehashes once, before it starts.
    mutating func reserve(_ distinct: Int) {
        while distinct * 2 > slots.count { grow() }
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(hash: 0, payload: 0, stored: 0, length: 0), count: old.count * 2)
        shift -= 1
        let mask = slots.count - 1
        for current in old where current.stored != 0 {
            var slot = Int(truncatingIfNeeded: current.hash >> shift)
            while slots[slot].stored != 0 { slot = (slot &+ 1) & mask }
            slots[slot] = current
        }
    }
}
