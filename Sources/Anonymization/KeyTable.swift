/// An open-addressing hash map from 64-bit keys to dense indices, for grouping
/// cells into classes. Multiplicative (Fibonacci) hashing with linear probing,
/// reused across transformations: a generation stamp marks live slots, so
/// starting over costs nothing and no memory is zeroed per transformation.
/// Grouping dominates the search's running time; this is several times faster
/// than a fresh `Dictionary` per transformation.
final class KeyTable {
    /// One slot: key, value and the generation that wrote it, in one 16-byte
    /// record so a probe touches one cache line.
    struct Slot {
        var key: UInt64
        var value: Int32
        var stamp: UInt32
    }

    private var slots: UnsafeMutablePointer<Slot>
    private var size = 16
    private var generation: UInt32 = 0

    init() {
        slots = .allocate(capacity: 16)
        slots.initialize(repeating: Slot(key: 0, value: 0, stamp: 0), count: 16)
    }

    deinit {
        slots.deallocate()
    }

    /// Empties the table for up to `capacity` distinct keys and returns a probe
    /// over it. The probe is valid until the next `reset`.
    func reset(capacity: Int) -> KeyProbe {
        var wanted = 16
        while wanted < capacity * 2 { wanted <<= 1 }
        if wanted > size || generation == UInt32.max {
            slots.deallocate()
            size = max(wanted, size)
            slots = .allocate(capacity: size)
            slots.initialize(repeating: Slot(key: 0, value: 0, stamp: 0), count: size)
            generation = 0
        }
        generation += 1
        // Use only as many slots as needed, so small groupings stay in cache.
        return KeyProbe(slots: slots, mask: wanted - 1, shift: UInt64(64 - wanted.trailingZeroBitCount),
                        generation: generation)
    }
}

/// Lookup-or-insert over a ``KeyTable``'s slots, held in locals for the hot loop.
struct KeyProbe {
    let slots: UnsafeMutablePointer<KeyTable.Slot>
    let mask: Int
    let shift: UInt64
    let generation: UInt32

    /// The index stored for `key`, inserting `next` when the key is new.
    @inline(__always)
    func index(for key: UInt64, inserting next: Int32) -> (index: Int32, inserted: Bool) {
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let current = slots[slot]
            if current.stamp != generation {
                slots[slot] = KeyTable.Slot(key: key, value: next, stamp: generation)
                return (next, true)
            }
            if current.key == key { return (current.value, false) }
            slot = (slot &+ 1) & mask
        }
    }
}
