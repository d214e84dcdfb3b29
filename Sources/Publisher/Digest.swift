import COpenSSL
import Foundation

/// SHA-256 (FIPS 180-4) through OpenSSL libcrypto.
public enum Digest {
    /// The SHA-256 of `data` as 64 lowercase hex digits.
    public static func sha256Hex(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        data.withUnsafeBytes { bytes in
            _ = SHA256(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &digest)
        }
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
