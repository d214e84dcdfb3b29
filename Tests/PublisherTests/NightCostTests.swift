import Foundation
import PublicSite
import ReleaseFormat
import Testing
@testable import Publisher

/// The shortcuts that keep a night's cost flat as the history grows give exactly what the
/// slower paths they replace gave.
@Suite struct NightCostTests {
    /// Window labels split by bytes as `components(separatedBy: "..")` splits them, odd ones included.
    @Test func windowLabelDaysMatchComponents() {
        for label in ["2026-11-22", "2026-11-01..2026-11-07", "a..b..c", "a...b", "..", "...", "a..", "..b", "", ".", "é..ü", "2026-01-01..2026-01-31-s2"] {
            let parts = label.components(separatedBy: "..")
            let days = WindowLabel.days(of: label)
            #expect(days.first == (parts.first ?? label), "\(label)")
            #expect(days.last == (parts.last ?? label), "\(label)")
        }
    }

    /// Each dataset's newest release found in one pass is the last of a sort by window order.
    @Test func newestByWindowMatchesSort() {
        let day = Date(timeIntervalSince1970: 0)
        func release(_ dataset: String, _ window: String, _ windowSequence: Int, _ sequence: Int) -> PublishedRelease {
            PublishedRelease(dataset: dataset, release: windowSequence > 1 ? "\(window)-s\(windowSequence)" : window, window: window,
                             windowSequence: windowSequence, sequence: sequence, manifestSHA256: String(repeating: "0", count: 64), publishedAt: day)
        }
        let history = [release("a", "2026-01-02", 1, 1), release("a", "2026-01-03", 1, 2), release("b", "2026-01-01..2026-01-07", 1, 1),
                       release("a", "2026-01-01", 1, 3), release("a", "2026-01-03", 2, 4), release("b", "2026-01-07", 1, 2),
                       release("b", "2026-01-01", 1, 3), release("c", "2026-02-01", 1, 1)]
        var sorted: [String: PublishedRelease] = [:]
        for item in history.sorted(by: PublishedRelease.windowOrder) { sorted[item.dataset] = item }
        #expect(PublishedRelease.newestByWindow(history) == sorted)
        #expect(PublishedRelease.newestByWindow(history)["a"]?.release == "2026-01-03-s2")
        #expect(PublishedRelease.newestByWindow([]).isEmpty)
    }

    /// The continued SHA-256 of appended bytes is the SHA-256 of the whole.
    @Test func appendingDigestMatchesWholeDigest() {
        let first = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let more = Data((0..<333).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        let digest = AppendingSHA256(first)
        #expect(digest.hex == StreamingDigest.sha256Hex(first))
        let whole = first + more
        digest.append(whole, from: first.count)
        #expect(digest.hex == StreamingDigest.sha256Hex(whole))
        #expect(digest.hex == StreamingDigest.sha256Hex(whole), "reading the digest does not end the hashing")
        #expect(AppendingSHA256(Data()).hex == StreamingDigest.sha256Hex(Data()))
    }

    /// The cumulative state's release lists round-trip joined, and a state stored as JSON arrays
    /// (before) reads the same.
    @Test func cumulativeStateListsRoundTrip() throws {
        let state = CumulativeState(considered: ["2026-01-01", "2026-01-02-s2"], header: "a,b", schemas: ["{}"], included: [],
                                    fileSHA256: "f", chainSHA256: "c", head: "h", bytes: 10)
        let data = try JSONEncoder().encode(state)
        #expect(try JSONDecoder().decode(CumulativeState.self, from: data) == state)
        #expect(String(decoding: data, as: UTF8.self).contains("\"2026-01-01\\n2026-01-02-s2\""))
        let old = Data("""
            {"considered":["2026-01-01","2026-01-02-s2"],"header":"a,b","schemas":["{}"],"included":[],"fileSHA256":"f","chainSHA256":"c","head":"h","bytes":10}
            """.utf8)
        #expect(try JSONDecoder().decode(CumulativeState.self, from: old) == state)
        #expect(throws: (any Error).self) { try JSONEncoder().encode(CumulativeState(considered: ["a\nb"], header: "", schemas: [], included: [],
                                                                                        fileSHA256: "", chainSHA256: "", head: "", bytes: 0)) }
    }

    /// Hex digits decode by bytes as they did pair by pair of characters, odd input included.
    @Test func hexBytesMatchCharacterPairs() {
        for hex in ["00ff", "0aFb9", String(repeating: "ab", count: 32), "+a0b", "zz12", "é1", "", "f"] {
            #expect(TransparencyLog.hexBytes(hex) == TransparencyLog.characterPairs(hex), "\(hex)")
        }
        // The character-pair parser itself, on the cases the fast path must agree with it on.
        #expect(TransparencyLog.characterPairs("0aFb9") == [0x0a, 0xfb])
        #expect(TransparencyLog.characterPairs("zz12") == [0, 0x12])
    }

    /// The log's Merkle hashes are RFC 6962's: SHA-256 of 0x00 ‖ leaf and of 0x01 ‖ left ‖ right.
    @Test func merkleHashesAreRFC6962() {
        let leaf: [UInt8] = Array("leaf".utf8)
        #expect(MerkleTree.leafHash(leaf) == StreamingDigest.hash(Data([0] + leaf), .sha256))
        let a = MerkleTree.leafHash([1]), b = MerkleTree.leafHash([2])
        #expect(MerkleTree.root([a, b][...]) == StreamingDigest.hash(Data([1] + a + b), .sha256))
    }
}
