import Foundation

/// Keyed pseudonyms: HMAC-SHA256 (RFC 2104, FIPS 198-1) of each value under a
/// secret key, as 64 lowercase hex digits.
///
/// Guarantee: without the key, a pseudonym cannot be computed from a value or
/// inverted, even for small value spaces such as badge numbers; with the same
/// key, equal values get equal pseudonyms, so pseudonymised columns are
/// linkable across records and releases and are reported as such. The key is
/// never part of a policy; it comes from a file or an environment variable.
public struct Pseudonymizer: Sendable {
    private let hash: KeyedHash

    /// Minimum key length in bytes (the SHA-256 output size, per RFC 2104 §3).
    public static let minimumKeyBytes = 32

    /// Creates a pseudonymiser with `key`, which must be at least 32 bytes.
    ///
    /// - Throws: ``StoreError/pseudonymKey(_:)`` when `key` is shorter than ``minimumKeyBytes``.
    public init(key: [UInt8]) throws(StoreError) {
        guard key.count >= Self.minimumKeyBytes else {
            throw .pseudonymKey("the key has \(key.count) bytes; use at least \(Self.minimumKeyBytes) random bytes (e.g. head -c 32 /dev/urandom | base64)")
        }
        hash = KeyedHash(key: key)
    }

    /// Reads the key from the file `path` (surrounding whitespace ignored), or
    /// from the environment variable `variable` when `path` is nil.
    ///
    /// An operator's key must be secret and random: a key file readable by
    /// group or others is refused (chmod 600), and so is a key that is plainly
    /// not random (fewer than 10 distinct characters, or one character making
    /// up more than a quarter of it), because pseudonyms of small value spaces
    /// such as badge numbers are reversed by brute force under a guessable key.
    ///
    /// - Throws: ``StoreError/pseudonymKey(_:)`` when the file cannot be read or is readable by
    ///   group or others, neither a file nor the variable is given, or the key is too short or
    ///   plainly not random.
    public static func load(path: String?, variable: String = "OPENDATA_PSEUDONYM_KEY") throws(StoreError) -> Pseudonymizer {
        let text: String
        if let path {
            guard let data = FileManager.default.contents(atPath: path), let contents = String(data: data, encoding: .utf8) else {
                throw .pseudonymKey("cannot read the key file \(path)")
            }
            if let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
                throw .pseudonymKey("the key file \(path) can be read by others (mode \(String(mode, radix: 8))); run chmod 600 \(path)")
            }
            text = contents
        } else if let value = ProcessInfo.processInfo.environment[variable] {
            text = value
        } else {
            throw .pseudonymKey("the policy pseudonymises a column but no key was given; pass --pseudonym-key FILE or set \(variable)")
        }
        let key = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        var counts: [UInt8: Int] = [:]
        for byte in key { counts[byte, default: 0] += 1 }
        if key.count >= minimumKeyBytes, counts.count < 10 || (counts.values.max() ?? 0) * 4 > key.count {
            throw .pseudonymKey("the key is not random (\(counts.count) distinct characters in \(key.count)); make one with head -c 32 /dev/urandom | base64")
        }
        return try Pseudonymizer(key: key)
    }

    /// The pseudonym of `value`.
    public func pseudonym(_ value: String) -> String {
        hash.session().mac(value).map { String(format: "%02x", $0) }.joined()
    }
}
