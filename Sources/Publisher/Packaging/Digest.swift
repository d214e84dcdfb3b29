import Foundation
import ReleaseFormat

/// SHA-256 (FIPS 180-4) as hex, through ReleaseFormat's OpenSSL digest.
public enum Digest {
    /// The SHA-256 of `data` as 64 lowercase hex digits.
    public static func sha256Hex(_ data: Data) -> String {
        Encoding.hex(StreamingDigest.hash(data, .sha256))
    }
}
