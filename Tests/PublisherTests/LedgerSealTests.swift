import Foundation
import ReleaseFormat
import Tabular
import Testing
@testable import Publisher

/// The fast paths of the person ledger's seal give exactly the bytes of the one-by-one path.
@Suite struct LedgerSealTests {
    /// Deterministic pseudo-random bytes (a 64-bit LCG): the test needs variety, not secrecy.
    static func bytes(_ count: Int, seed: inout UInt64) -> [UInt8] {
        (0..<count).map { _ in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: seed >> 33)
        }
    }

    @Test func aPrefixedDigestIsTheDigestOfTheWholeMessage() {
        var seed: UInt64 = 1
        for (prefixLength, parts) in [(0, [0]), (13, [16, 1, 48]), (64, [0, 200]), (5, [1000])] {
            let prefix = Self.bytes(prefixLength, seed: &seed)
            let pieces = parts.map { Self.bytes($0, seed: &seed) }
            let session = PrefixedSHA256(prefix: prefix).session()
            var output = [UInt8](repeating: 0, count: 32)
            func digest(_ index: Int, _ buffers: [UnsafeRawBufferPointer]) {
                if index == pieces.count {
                    output.withUnsafeMutableBytes { session.digest(buffers, into: $0) }
                } else {
                    pieces[index].withUnsafeBytes { digest(index + 1, buffers + [$0]) }
                }
            }
            digest(0, [])
            #expect(output == StreamingDigest.hash(Data(prefix + pieces.flatMap { $0 }), .sha256))
        }
    }

    /// Many people, some charged before: the parallel XOR equals folding every row one by one,
    /// and the two-core sort equals the plain sort.
    @Test func theParallelSealEqualsTheOneByOneFold() {
        var seed: UInt64 = 7
        let ids = (0..<120_000).map { _ in LedgerID(bytes: Self.bytes(16, seed: &seed)) }
        let appended = Data(Self.bytes(48, seed: &seed))
        var previous: [LedgerID: Data] = [:]
        for id in ids.prefix(30_000) { previous[id] = Data(Self.bytes(48, seed: &seed)) }
        var expected = [UInt8](repeating: 0, count: 32)
        for id in ids {
            if let before = previous[id] {
                LedgerSeal.fold(&expected, LedgerSeal.personRow(population: "people:calls", unit: id.data, charges: before))
                LedgerSeal.fold(&expected, LedgerSeal.personRow(population: "people:calls", unit: id.data, charges: before + appended))
            } else {
                LedgerSeal.fold(&expected, LedgerSeal.personRow(population: "people:calls", unit: id.data, charges: appended))
            }
        }
        for cores in [1, 2, 4] {
            #expect(LedgerSeal.personRows(population: "people:calls", ids: ids, previous: previous, appended: appended, cores: cores) == expected)
        }
        #expect(LedgerID.sorted(ids) == ids.sorted())
        #expect(LedgerID.sorted(Array(ids.prefix(10))) == ids.prefix(10).sorted())
    }

    /// The bucket sort is a sort whatever the spread: even, crowded into one bucket, repeated, tiny.
    @Test func bucketSortingEqualsSortingForAnySpread() {
        var random = SeededGenerator(seed: 3)
        let spread = (0..<200_000).map { _ in LedgerID(high: .random(in: .min ... .max, using: &random), low: .random(in: .min ... .max, using: &random)) }
        let crowded = (0..<5000).map { i in LedgerID(high: UInt64(i % 7), low: .random(in: 0...3, using: &random)) }
        let repeated = Array(spread.prefix(1000) + spread.prefix(1000))
        let crowdedLarge = (0..<150_000).map { i in LedgerID(high: UInt64(i % 3) << 62, low: .random(in: .min ... .max, using: &random)) }
        for ids in [spread, crowded, repeated, crowdedLarge, [], [spread[0]], Array(spread.prefix(9))] {
            // On one core and on several (shares counted and scattered apart), and from a slice not starting at 0.
            for cores in [1, 2, 3, 4] {
                #expect(LedgerID.bucketSorted(ids[...], cores: cores).elementsEqual(ids.sorted()), "\(ids.count) ids on \(cores) cores")
                #expect(LedgerID.bucketSorted(ids.dropFirst(min(5, ids.count)), cores: cores).elementsEqual(ids.dropFirst(min(5, ids.count)).sorted()))
            }
            // Packed in place, every range's bytes are what packing the sorted ids gives (a segment's blob).
            let packed = LedgerID.sortedPacked(ids), sorted = ids.sorted()
            #expect(packed.count == ids.count)
            for range in [0..<ids.count, 0..<(ids.count / 2), (ids.count / 3)..<ids.count] {
                #expect(packed.withBytes(range) { Data($0) } == LedgerID.packInOrder(sorted[range]), "\(range) of \(ids.count) ids")
            }
        }
    }
}
