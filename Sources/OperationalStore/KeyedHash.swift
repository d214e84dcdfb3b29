import COpenSSL
import Foundation

/// HMAC-SHA256 (RFC 2104, FIPS 198-1) under one secret key, for computing
/// millions of MACs: the key's two padded blocks are hashed once, when the
/// value is made, and every MAC continues from those states.
///
/// Guarantee: the output is exactly HMAC-SHA256(key, message) (tested against
/// OpenSSL's one-shot `HMAC` and the RFC 4231 vectors). The one-shot call looks
/// the digest up in OpenSSL's provider store under a lock for every message,
/// which on a backfill of millions of people costs more than the hashing and
/// serialises the cores; here the digest is fetched once.
///
/// A message of at most 55 bytes (prefix and value: every person id, pseudonym
/// input and ledger unit in practice) takes the short path: the two
/// compressions HMAC needs after the key blocks, each run by libcrypto's own
/// SHA-256 block function on a block padded here as FIPS 180-4 §5.1.1 says,
/// from chaining values prepared once per key; longer messages go through EVP.
/// Both paths are tested against OpenSSL's one-shot `HMAC` at every length
/// around the 55-byte boundary.
///
/// The prepared states are only read after `init`, so one value can be shared
/// by threads, each with its own ``Session``.
public final class KeyedHash: @unchecked Sendable {
    private let digest: OpaquePointer
    private let inner: OpaquePointer
    private let outer: OpaquePointer
    /// SHA-256's chaining values after the key's inner and outer padded blocks.
    private let innerState: [UInt32]
    private let outerState: [UInt32]

    /// The longest message the short path takes: one block less the 0x80 byte and the 8-byte length.
    static let shortMessage = 55

    /// The SHA-256 block size, in bytes.
    static let blockSize = 64

    /// Prepares the states for `key` (a key longer than a block is hashed first, as RFC 2104 says).
    public init(key: [UInt8]) {
        guard let digest = EVP_MD_fetch(nil, "SHA256", nil), let inner = EVP_MD_CTX_new(), let outer = EVP_MD_CTX_new() else {
            fatalError("OpenSSL could not provide SHA-256")
        }
        self.digest = digest
        self.inner = inner
        self.outer = outer
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        if key.count > Self.blockSize {
            let hashed = Self.sha256(key, digest: digest)
            block.replaceSubrange(0..<hashed.count, with: hashed)
        } else {
            block.replaceSubrange(0..<key.count, with: key)
        }
        EVP_DigestInit_ex(inner, digest, nil)
        EVP_DigestUpdate(inner, block.map { $0 ^ 0x36 }, Self.blockSize)
        EVP_DigestInit_ex(outer, digest, nil)
        EVP_DigestUpdate(outer, block.map { $0 ^ 0x5c }, Self.blockSize)
        var state = [UInt32](repeating: 0, count: 8)
        opendata_sha256_compress(&state, block.map { $0 ^ 0x36 }, 1)
        innerState = state
        opendata_sha256_compress(&state, block.map { $0 ^ 0x5c }, 1)
        outerState = state
    }

    deinit {
        EVP_MD_CTX_free(inner)
        EVP_MD_CTX_free(outer)
        EVP_MD_free(digest)
    }

    /// A context for computing MACs on one thread.
    public func session() -> Session { Session(hash: self) }

    /// Computes MACs under the key; use one session per thread.
    public final class Session {
        private let hash: KeyedHash
        private let work: OpaquePointer
        private var inner = [UInt8](repeating: 0, count: 32)
        /// The short path's working memory, this session's alone (raw memory: no exclusivity
        /// checks or reference counting per MAC): the block being compressed (64 bytes), the
        /// chaining words (8), and the key's prepared inner and outer states (8 each).
        private let block: UnsafeMutableRawBufferPointer
        private let state: UnsafeMutableBufferPointer<UInt32>

        fileprivate init(hash: KeyedHash) {
            guard let work = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
            self.hash = hash
            self.work = work
            block = .allocate(byteCount: KeyedHash.blockSize, alignment: 8)
            state = .allocate(capacity: 24)
            _ = state.initialize(from: [UInt32](repeating: 0, count: 8) + hash.innerState + hash.outerState)
        }

        deinit {
            EVP_MD_CTX_free(work)
            block.deallocate()
            state.deallocate()
        }

        /// HMAC-SHA256(key, prefix ‖ UTF-8 of `value`), 32 bytes.
        public func mac(prefix: [UInt8] = [], _ value: String) -> [UInt8] {
            var output = [UInt8](repeating: 0, count: 32)
            var text = value
            let short = text.withUTF8 { bytes in shortMAC(prefix: prefix, UnsafeRawBufferPointer(bytes)) }
            if short {
                for (index, word) in state.prefix(8).enumerated() {
                    for byte in 0..<4 { output[4 * index + byte] = UInt8(truncatingIfNeeded: word >> (24 - 8 * UInt32(byte))) }
                }
                return output
            }
            var length: UInt32 = 0
            EVP_MD_CTX_copy_ex(work, hash.inner)
            if !prefix.isEmpty { EVP_DigestUpdate(work, prefix, prefix.count) }
            text.withUTF8 { bytes in _ = EVP_DigestUpdate(work, bytes.baseAddress, bytes.count) }
            EVP_DigestFinal_ex(work, &inner, &length)
            EVP_MD_CTX_copy_ex(work, hash.outer)
            EVP_DigestUpdate(work, inner, inner.count)
            EVP_DigestFinal_ex(work, &output, &length)
            return output
        }

        /// The first 16 bytes of ``mac(prefix:_:)`` as two big-endian words, without allocating
        /// on the short path (a ledger id for each of millions of people).
        public func mac128(prefix: [UInt8] = [], _ value: String) -> (high: UInt64, low: UInt64) {
            var text = value
            let short = text.withUTF8 { bytes in shortMAC(prefix: prefix, UnsafeRawBufferPointer(bytes)) }
            if short {
                return (UInt64(state[0]) << 32 | UInt64(state[1]), UInt64(state[2]) << 32 | UInt64(state[3]))
            }
            let bytes = mac(prefix: prefix, value)
            let word = { (start: Int) in bytes[start..<start + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
            return (word(0), word(8))
        }

        /// When prefix ‖ `value` is at most ``KeyedHash/shortMessage`` bytes, leaves its MAC's
        /// eight words in `state` and returns true: the inner hash is one block (message, 0x80,
        /// zeros, the bit length of key block and message, big-endian) from the prepared inner
        /// state, the outer one block (inner digest, 0x80, zeros, 768) from the outer state.
        private func shortMAC(prefix: [UInt8], _ value: UnsafeRawBufferPointer) -> Bool {
            let length = prefix.count + value.count
            guard length <= KeyedHash.shortMessage, let words = state.baseAddress,
                  let bytes = block.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
            block.initializeMemory(as: UInt8.self, repeating: 0)
            let base = UnsafeMutableRawPointer(bytes)
            prefix.withUnsafeBytes { if let source = $0.baseAddress { base.copyMemory(from: source, byteCount: $0.count) } }
            if let source = value.baseAddress { (base + prefix.count).copyMemory(from: source, byteCount: value.count) }
            block[length] = 0x80
            Self.storeLength(64 + length, in: block)
            words.update(from: words + 8, count: 8)
            opendata_sha256_compress(words, bytes, 0)
            block.initializeMemory(as: UInt8.self, repeating: 0)
            for index in 0..<8 { block.storeBytes(of: words[index].bigEndian, toByteOffset: 4 * index, as: UInt32.self) }
            block[32] = 0x80
            Self.storeLength(64 + 32, in: block)
            words.update(from: words + 16, count: 8)
            opendata_sha256_compress(words, bytes, 0)
            return true
        }

        /// The message length `bytes`, in bits, big-endian, in the block's last eight bytes.
        private static func storeLength(_ bytes: Int, in block: UnsafeMutableRawBufferPointer) {
            block.storeBytes(of: UInt64(bytes * 8).bigEndian, toByteOffset: KeyedHash.blockSize - 8, as: UInt64.self)
        }
    }

    private static func sha256(_ bytes: [UInt8], digest: OpaquePointer) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestInit_ex(context, digest, nil)
        EVP_DigestUpdate(context, bytes, bytes.count)
        EVP_DigestFinal_ex(context, &output, &length)
        return output
    }
}
