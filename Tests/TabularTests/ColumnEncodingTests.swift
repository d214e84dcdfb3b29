import Testing
@testable import Tabular

/// The fast encoding paths (bytes, blocks, merges, filters) must build exactly
/// the column that appending the values one by one builds: same dictionary in
/// first-appearance order, same codes.
@Suite struct ColumnEncodingTests {
    /// Values with many distinct entries (the index grows several times), short
    /// and long ones (inline and arena comparisons), repeats and missing values.
    static let values: [String?] = (0..<60_000).map { i in
        switch i % 11 {
        case 0: nil
        case 1, 2: String(i % 97)
        case 3: ""
        case 4: "2026-11-22T\(i % 24):\(i % 60):00Z-\(i % 5_000)"
        default: "value-\(i % 20_011)"
        }
    }

    static func reference() -> Column { Column(name: "x", values: values) }

    @Test func bytesAndBlocksEncodeLikeStrings() {
        var bytes = Column(name: "x")
        var blocks = Column(name: "x")
        var batch = ValueBatch()
        for value in Self.values {
            if var text = value {
                text.withUTF8 { bytes.append(utf8: UnsafeRawBufferPointer($0)) }
                text.withUTF8 { batch.append(utf8: UnsafeRawBufferPointer($0)) }
            } else {
                bytes.appendNull()
                batch.appendNull()
            }
            if batch.count == 1_000 {
                blocks.append(contentsOf: batch)
                batch.removeAll()
            }
        }
        blocks.append(contentsOf: batch)
        let reference = Self.reference()
        #expect(bytes.dictionary == reference.dictionary && bytes.codes == reference.codes)
        #expect(blocks.dictionary == reference.dictionary && blocks.codes == reference.codes)
        #expect(reference.code(of: "value-7") == bytes.code(of: "value-7"))
        #expect(bytes.code(of: "never seen") == nil)
    }

    @Test func mergingParts() {
        var first = Column(name: "x", values: Array(Self.values[..<25_000]))
        first.append(contentsOf: Column(name: "x", values: Array(Self.values[25_000...])))
        #expect(first == Self.reference())
        #expect(first.dictionary == Self.reference().dictionary)
    }

    @Test func filteringAndMapping() {
        let column = Self.reference()
        let keep = (0..<column.count).map { $0 % 3 != 0 }
        let expected = Column(name: "x", values: column.values.enumerated().filter { keep[$0.offset] }.map(\.element))
        let filtered = column.filtered(keeping: keep)
        #expect(filtered.dictionary == expected.dictionary && filtered.codes == expected.codes)
        // Values that become equal share one code.
        let mapped = column.mappingValues { $0.hasPrefix("value-") ? "value" : $0 }
        #expect(mapped.values == column.values.map { $0.map { $0.hasPrefix("value-") ? "value" : $0 } })
        #expect(Set(mapped.dictionary).count == mapped.dictionary.count)
        let compacted = Column(name: "x", dictionary: ["a", "b", "c"], codes: [2, -1, 2, 0]).compacted()
        #expect(compacted.dictionary == ["c", "a"] && compacted.codes == [0, -1, 0, 1])
    }
}
