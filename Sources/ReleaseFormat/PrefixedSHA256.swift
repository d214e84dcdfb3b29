import COpenSSL
import Foundation

/// SHA-256 of many short messages that all begin with the same bytes, for hashing millions of
/// them on every core: the prefix is hashed once, when the value is made, and each message
/// continues from that state.
///
/// Guarantee: ``Session/digest(_:into:)`` gives exactly SHA-256(prefix ‖ part₁ ‖ part₂ ‖ …)
/// (the same bytes as ``StreamingDigest``). Unlike ``StreamingDigest``, which looks SHA-256 up
/// in OpenSSL's provider store under a lock for every context it makes, the digest is fetched
/// once, so sessions on several threads do not wait on one another.
///
/// The prepared state is only read after `init`, so one value can be shared by threads, each
/// with its own ``Session``.
public final class PrefixedSHA256: @unchecked Sendable {
    private let digest: OpaquePointer
    private let prepared: OpaquePointer

    /// Prepares the state after `prefix`.
    public init(prefix: [UInt8]) {
        guard let digest = EVP_MD_fetch(nil, "SHA256", nil), let prepared = EVP_MD_CTX_new() else {
            fatalError("OpenSSL could not provide SHA-256")
        }
        self.digest = digest
        self.prepared = prepared
        EVP_DigestInit_ex(prepared, digest, nil)
        EVP_DigestUpdate(prepared, prefix, prefix.count)
    }

    deinit {
        EVP_MD_CTX_free(prepared)
        EVP_MD_free(digest)
    }

    /// A context for hashing on one thread.
    public func session() -> Session { Session(hash: self) }

    /// Hashes messages after the prefix; use one session per thread.
    public final class Session {
        private let hash: PrefixedSHA256
        private let work: OpaquePointer

        fileprivate init(hash: PrefixedSHA256) {
            guard let work = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
            self.hash = hash
            self.work = work
        }

        deinit { EVP_MD_CTX_free(work) }

        /// Writes SHA-256(prefix ‖ the parts in order) into `output` (at least 32 bytes).
        public func digest(_ parts: [UnsafeRawBufferPointer], into output: UnsafeMutableRawBufferPointer) {
            precondition(output.count >= 32, "a SHA-256 digest needs 32 bytes")
            var length: UInt32 = 0
            EVP_MD_CTX_copy_ex(work, hash.prepared)
            for part in parts where part.count > 0 { EVP_DigestUpdate(work, part.baseAddress, part.count) }
            EVP_DigestFinal_ex(work, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
        }
    }
}
