import COpenSSL
import Foundation
import Testing
@testable import OperationalStore

/// The prepared-key HMAC is HMAC-SHA256 exactly: RFC 4231's vectors, and the
/// same bytes from several threads sharing one key.
@Suite struct KeyedHashTests {
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    /// RFC 4231 §4.2, §4.3 and §4.7 (a 20-byte key, a short key, a key longer than a block).
    @Test func matchesRFC4231() {
        let cases: [(key: [UInt8], message: String, mac: String)] = [
            ([UInt8](repeating: 0x0b, count: 20), "Hi There",
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), "what do ya want for nothing?",
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ([UInt8](repeating: 0xaa, count: 131),
             "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ]
        for (key, message, mac) in cases {
            #expect(KeyedHash(key: key).session().mac(message) == Self.hex(mac))
            // A prefix is hashed as the start of the message.
            let split = message.index(message.startIndex, offsetBy: 3)
            #expect(KeyedHash(key: key).session().mac(prefix: Array(message[..<split].utf8), String(message[split...])) == Self.hex(mac))
        }
    }

    /// Every message length from empty to past two blocks, split between prefix and value every
    /// way, equals OpenSSL's one-shot HMAC: both sides of the short path's 55-byte limit, the
    /// padding, the length field, multibyte UTF-8, and ``KeyedHash/Session/mac128(prefix:_:)``
    /// is the first 16 bytes.
    @Test func matchesOneShotHMACAtEveryLength() throws {
        let keys: [[UInt8]] = [Array("k".utf8), (0..<64).map { UInt8($0) }, (0..<100).map { UInt8(255 - $0) }]
        let alphabet = Array("aZ09-é€ 😀".unicodeScalars)
        for key in keys {
            let session = KeyedHash(key: key).session()
            for length in 0...130 {
                let message = String(String.UnicodeScalarView((0..<length).map { alphabet[($0 * 7 + length) % alphabet.count] }))
                let bytes = Array(message.utf8)
                var expected = [UInt8](repeating: 0, count: 32)
                var size: UInt32 = 0
                _ = HMAC(EVP_sha256(), key, Int32(key.count), bytes, bytes.count, &expected, &size)
                for split in Set([0, min(1, bytes.count), bytes.count / 2, bytes.count]) {
                    // The prefix is bytes; the value must be whole characters, so split at a scalar boundary.
                    guard let value = String(bytes: bytes[split...], encoding: .utf8) else { continue }
                    let prefix = Array(bytes[..<split])
                    #expect(session.mac(prefix: prefix, value) == expected, "length \(bytes.count), prefix \(split)")
                    let words = session.mac128(prefix: prefix, value)
                    #expect(LedgerWords(words) == LedgerWords(expected), "length \(bytes.count), prefix \(split)")
                }
            }
        }
    }

    /// Two big-endian words compared as one value.
    struct LedgerWords: Equatable {
        var high: UInt64
        var low: UInt64
        init(_ words: (high: UInt64, low: UInt64)) { (high, low) = words }
        init(_ bytes: [UInt8]) {
            high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    @Test func sessionsOnSeveralThreadsAgree() {
        let hash = KeyedHash(key: Array("a key shared by every worker of one run".utf8))
        let values = (0..<2_000).map { "caller-\($0)" }
        let expected = values.map { hash.session().mac(prefix: [1, 0], $0) }
        let mismatches = Counter()
        DispatchQueue.concurrentPerform(iterations: 4) { part in
            let session = hash.session()
            for index in stride(from: part, to: values.count, by: 4) where session.mac(prefix: [1, 0], values[index]) != expected[index] {
                mismatches.add()
            }
        }
        #expect(mismatches.value == 0)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }
}
