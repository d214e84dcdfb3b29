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
/// The prepared states are only read after `init`, so one value can be shared
/// by threads, each with its own ``Session``.
public final class KeyedHash: @unchecked Sendable {
    private let digest: OpaquePointer
    private let inner: OpaquePointer
    private let outer: OpaquePointer

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

        fileprivate init(hash: KeyedHash) {
            guard let work = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
            self.hash = hash
            self.work = work
        }

        deinit { EVP_MD_CTX_free(work) }

        /// HMAC-SHA256(key, prefix ‖ UTF-8 of `value`), 32 bytes.
        public func mac(prefix: [UInt8] = [], _ value: String) -> [UInt8] {
            var output = [UInt8](repeating: 0, count: 32)
            var length: UInt32 = 0
            EVP_MD_CTX_copy_ex(work, hash.inner)
            if !prefix.isEmpty { EVP_DigestUpdate(work, prefix, prefix.count) }
            var text = value
            text.withUTF8 { bytes in _ = EVP_DigestUpdate(work, bytes.baseAddress, bytes.count) }
            EVP_DigestFinal_ex(work, &inner, &length)
            EVP_MD_CTX_copy_ex(work, hash.outer)
            EVP_DigestUpdate(work, inner, inner.count)
            EVP_DigestFinal_ex(work, &output, &length)
            return output
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
