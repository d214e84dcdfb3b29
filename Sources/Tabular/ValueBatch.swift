/// The values of one column for a block of rows, packed into one buffer so a
/// ``Column`` can dictionary-encode the block at once
/// (``Column/append(contentsOf:)``). Readers fill one batch per column, append
/// it, and clear it for the next block.
public struct ValueBatch: Sendable {
    /// The values' UTF-8 bytes, back to back.
    public private(set) var bytes: [UInt8] = []
    /// Where each value ends in ``bytes`` (it starts where the previous one ends).
    public private(set) var ends: [Int] = []
    /// True for missing values (which have no bytes).
    public private(set) var nulls: [Bool] = []

    /// Creates an empty batch.
    public init() {}

    /// A batch of present values whose UTF-8 bytes lie back to back in `bytes`, value `i` ending
    /// at `ends[i]` (the ends ascending, the last at most `bytes.count`).
    public init(bytes: [UInt8], ends: [Int]) {
        precondition(zip(ends, ends.dropFirst()).allSatisfy { $0 <= $1 } && (ends.last ?? 0) <= bytes.count && (ends.first ?? 0) >= 0,
                     "a value batch's ends must ascend within its bytes")
        self.bytes = bytes
        self.ends = ends
        nulls = [Bool](repeating: false, count: ends.count)
    }

    /// Number of values.
    public var count: Int { ends.count }

    /// Appends one value given as UTF-8 bytes.
    public mutating func append(utf8 value: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: value)
        ends.append(bytes.count)
        nulls.append(false)
    }

    /// Appends a missing value.
    public mutating func appendNull() {
        ends.append(bytes.count)
        nulls.append(true)
    }

    /// Empties the batch, keeping its storage.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        nulls.removeAll(keepingCapacity: true)
    }

    /// Value `i` within `buffer` (this batch's ``bytes``).
    public func value(_ i: Int, in buffer: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[(i == 0 ? 0 : ends[i - 1])..<ends[i]])
    }
}
