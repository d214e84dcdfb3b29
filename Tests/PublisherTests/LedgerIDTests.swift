import Foundation
import Testing
@testable import Publisher

/// Ledger ids keep their 16 bytes exactly and order as the bytes do (SQLite's
/// order of the stored blobs, in which a backfill writes them).
@Suite struct LedgerIDTests {
    @Test func bytesRoundTripAndOrderAsBytes() {
        var generator = SystemRandomNumberGenerator()
        let blobs = (0..<500).map { index in
            // Some ids share long prefixes, so the second word decides.
            Data((0..<16).map { byte in byte < 8 && index % 2 == 0 ? 0x7f : UInt8.random(in: 0...255, using: &generator) })
        }
        let ids = blobs.map { LedgerID(bytes: $0) }
        #expect(ids.map(\.data) == blobs)
        let byBytes = blobs.sorted { $0.lexicographicallyPrecedes($1) }
        #expect(ids.sorted().map(\.data) == byBytes)
        #expect(LedgerID.unpack(LedgerID.pack(ids)) == ids.sorted())
    }
}
