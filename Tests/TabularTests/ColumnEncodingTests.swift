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

    /// Building a column from stretches on several partitions gives exactly the column appending
    /// the kept rows one by one gives, whatever the stretches: values shared between stretches and
    /// unique to one, missing values, row masks (all, none, some), empty stretches, a stretch from
    /// a column; and the result can be appended to and searched afterwards (its index built then).
    @Test(arguments: [1, 2, 3, 4, 8]) func concatenatingOnPartitions(cores: Int) {
        var random = SeededGenerator(seed: UInt64(cores) * 7_919)
        var stretches: [Column.Stretch] = []
        var expected = Column(name: "x")
        for index in 0..<40 {
            let rows = index % 9 == 4 ? 0 : Int(random.next() % 2_000)
            let distinct = Int(random.next() % 700) + 1
            // Each stretch's values: some shared by every stretch, some only its own, some missing.
            let values: [String?] = (0..<distinct).map { value in
                switch value % 5 {
                case 0: "shared-\(value % 50)"
                case 1: "only-\(index)-\(value)-" + String(repeating: "x", count: value % 13)
                case 2: nil
                default: String(random.next() % 30_000)
                }
            }
            // The stretch's dictionary: distinct present values (a block's), codes into it or missing.
            var batchValues: [String] = []
            for value in values.compactMap({ $0 }) where !batchValues.contains(value) { batchValues.append(value) }
            var batch = ValueBatch()
            for value in batchValues {
                var text = value
                text.withUTF8 { batch.append(utf8: UnsafeRawBufferPointer($0)) }
            }
            var codes: [Int32] = (0..<rows).map { _ in
                batchValues.isEmpty || random.next() % 10 == 0 ? Column.nullCode : Int32(random.next() % UInt64(batchValues.count))
            }
            if index % 5 == 3 {
                // As a store's block lists them: every value, in the order the rows first hold them (the
                // pass that recognises this order), or all but the last (not recognised: one value unused).
                var next: Int32 = 0
                let used = Int32(index % 10 == 3 ? batchValues.count : max(batchValues.count - 1, 0))
                codes = codes.map { code in
                    guard code != Column.nullCode, used > 0 else { return code }
                    if next < used && (code >= next || random.next() % 2 == 0) {
                        next += 1
                        return next - 1
                    }
                    return code % max(next, 1)
                }
            }
            let keep: [Bool]? = switch index % 4 {
            case 0: nil
            case 1: codes.map { _ in random.next() % 3 != 0 }
            case 2: codes.map { _ in false }
            default: codes.map { _ in true }
            }
            if index == 17 {
                let column = Column(name: "x", values: codes.map { $0 < 0 ? nil : batchValues[Int($0)] })
                stretches.append(Column.Stretch(column))
                expected.append(contentsOf: column)
                continue
            }
            stretches.append(Column.Stretch(codes: codes, values: batch, keep: keep))
            for (row, code) in codes.enumerated() where keep?[row] ?? true {
                expected.append(code < 0 ? nil : batchValues[Int(code)])
            }
        }
        var built = Column.concatenating(name: "x", stretches, cores: cores, minimum: 0)
        // Compared as Booleans: a failure reports at once, not as a diff of thousands of values.
        let same = built.dictionary.elementsEqual(expected.dictionary) && built.codes.elementsEqual(expected.codes)
        #expect(same)
        #expect(built.code(of: "shared-5") == expected.code(of: "shared-5") && expected.code(of: "shared-5") != nil)
        #expect(built.code(of: "never seen") == nil)
        // Appending after the build indexes the values it already holds: no value gets a second code.
        built.append("shared-5")
        built.append("new")
        expected.append("shared-5")
        expected.append("new")
        #expect(built.dictionary.elementsEqual(expected.dictionary) && built.codes.elementsEqual(expected.codes))
        // The sequential path below the threshold agrees.
        let sequential = Column.concatenating(name: "x", stretches, cores: cores)
        #expect(sequential.dictionary.elementsEqual(expected.dictionary.dropLast()) && sequential.codes.elementsEqual(expected.codes.dropLast(2)))
    }

    /// Many distinct values (about 400,000 summed over stretches: 16 partitions), repeated across
    /// stretches in random order: the partitioned build equals appending, and so does the default
    /// threshold's choice.
    @Test func concatenatingManyValuesOnManyPartitions() {
        var random = SeededGenerator(seed: 11)
        var stretches: [Column.Stretch] = []
        var expected = Column(name: "x")
        for _ in 0..<150 {
            var batchValues: [String] = []
            var codeOf: [String: Int32] = [:]
            var codes: [Int32] = []
            for _ in 0..<3_000 {
                let value = "person-\(random.next() % 500_000)"
                if codeOf[value] == nil {
                    codeOf[value] = Int32(batchValues.count)
                    batchValues.append(value)
                }
                codes.append(codeOf[value] ?? 0)
            }
            var batch = ValueBatch()
            for value in batchValues {
                var text = value
                text.withUTF8 { batch.append(utf8: UnsafeRawBufferPointer($0)) }
            }
            stretches.append(Column.Stretch(codes: codes, values: batch, keep: nil))
            for code in codes { expected.append(batchValues[Int(code)]) }
        }
        for minimum in [0, Column.parallelConcatenation] {
            let built = Column.concatenating(name: "x", stretches, minimum: minimum)
            #expect(built.dictionary.elementsEqual(expected.dictionary), "minimum \(minimum)")
            #expect(built.codes.count == expected.codes.count && zip(built.codes, expected.codes).filter { $0 != $1 }.isEmpty, "minimum \(minimum)")
        }
    }
}
