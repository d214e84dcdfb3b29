/// An open-addressing hash map from 64-bit keys to dense indices, for grouping
/// cells into classes. Multiplicative (Fibonacci) hashing with linear probing,
/// reused across transformations: a generation stamp marks live slots, so
/// starting over costs nothing and no memory is zeroed per transformation.
/// A table starts at the size its caller expects and doubles (``grow(_:)``)
/// when half full, so a grouping with few classes stays in cache even when
/// its key space could hold millions.
final class KeyTable {
    /// One slot: key, value and the generation that wrote it, in one 16-byte
    /// record so a probe touches one cache line.
    struct Slot {
        var key: UInt64
        var value: Int32
        var stamp: UInt32
    }

    /// Two blocks: the live one, and the one a growing table is rehashed into.
    private var blocks: [(slots: UnsafeMutablePointer<Slot>, size: Int)] = []
    private var live = 0
    private var generation: UInt32 = 0

    init() {
        for _ in 0..<2 { blocks.append(Self.allocate(16)) }
    }

    deinit {
        for block in blocks { block.slots.deallocate() }
    }

    private static func allocate(_ size: Int) -> (slots: UnsafeMutablePointer<Slot>, size: Int) {
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: size)
        slots.initialize(repeating: Slot(key: 0, value: 0, stamp: 0), count: size)
        return (slots, size)
    }

    /// Makes block `index` at least `size` slots; a new block has no live slot.
    private func ensure(_ index: Int, size: Int) {
        guard blocks[index].size < size else { return }
        blocks[index].slots.deallocate()
        blocks[index] = Self.allocate(size)
    }

    private func probe(slots: Int) -> KeyProbe {
        KeyProbe(slots: blocks[live].slots, mask: slots - 1, shift: UInt64(64 - slots.trailingZeroBitCount),
                 generation: generation)
    }

    /// Empties the table, sized for `capacity` distinct keys, and returns a
    /// probe over it. The probe is valid until the next `reset` or `grow`.
    func reset(capacity: Int) -> KeyProbe {
        var wanted = 16
        while wanted < capacity * 2 { wanted <<= 1 }
        // Each reset and each growth takes a new generation; well before the stamps
        // wrap, both blocks are cleared so no stale stamp can match.
        if generation > UInt32.max - 128 {
            for block in blocks { block.slots.update(repeating: Slot(key: 0, value: 0, stamp: 0), count: block.size) }
            generation = 0
        }
        ensure(live, size: wanted)
        generation += 1
        return probe(slots: wanted)
    }

    /// A probe over twice as many slots holding every entry of `old` (the
    /// current probe, which is no longer valid).
    func grow(_ old: KeyProbe) -> KeyProbe {
        let wanted = (old.mask + 1) * 2
        live = 1 - live
        ensure(live, size: wanted)
        generation += 1
        let new = probe(slots: wanted)
        for slot in 0...old.mask where old.slots[slot].stamp == old.generation {
            _ = new.index(for: old.slots[slot].key, inserting: old.slots[slot].value)
        }
        return new
    }
}

/// Lookup-or-insert over a ``KeyTable``'s slots, held in locals for the hot loop.
struct KeyProbe {
    let slots: UnsafeMutablePointer<KeyTable.Slot>
    let mask: Int
    let shift: UInt64
    let generation: UInt32

    /// Keys this probe holds before its caller should ``KeyTable/grow(_:)`` it (half the slots).
    var roomy: Int { (mask + 1) / 2 }

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
