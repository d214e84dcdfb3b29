import COpenSSL
import Foundation

/// SHA-256 of bytes that only grow at their end, such as a file a night appends to: the bytes
/// hashed so far give their digest (``hex``) and the state to continue from, so the digest of the
/// longer bytes costs only what was appended, not the whole file again.
///
/// Guarantee: after `init(data)` and `append(a₁)`, …, `append(aₙ)`, ``hex`` is exactly the SHA-256
/// of `data ‖ a₁ ‖ … ‖ aₙ` as ``StreamingDigest/sha256Hex(_:)`` gives it (the same
/// Merkle–Damgård state, never a different construction). Not for use on several threads at once.
public final class AppendingSHA256 {
    private let context: OpaquePointer

    /// Hashes `data`.
    public init(_ data: Data) {
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        self.context = context
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
        append(data)
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Continues with `bytes`.
    public func append(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) }
    }

    /// Continues with `data`.
    public func append(_ data: Data) {
        data.withUnsafeBytes { append($0) }
    }

    /// Continues with the bytes of `data` from offset `start` (relative to its first byte) on:
    /// what was appended to bytes already hashed, when `data` is the whole.
    public func append(_ data: Data, from start: Int) {
        data.withUnsafeBytes { bytes in
            let from = min(max(start, 0), bytes.count)
            append(UnsafeRawBufferPointer(rebasing: bytes[from...]))
        }
    }

    /// The SHA-256 of everything hashed so far, as 64 lowercase hex digits; hashing can go on.
    public var hex: String {
        guard let copy = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        defer { EVP_MD_CTX_free(copy) }
        EVP_MD_CTX_copy_ex(copy, context)
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(copy, &output, &length)
        return Encoding.hex(Array(output.prefix(Int(length))))
    }
}
