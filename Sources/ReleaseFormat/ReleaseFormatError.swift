/// Errors of release packaging, signing and verification. Each prints as one
/// line naming the file and the check that failed.
public enum ReleaseFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A key, signature or manifest is malformed.
    case malformed(file: String, reason: String)
    /// A cryptographic operation failed inside OpenSSL.
    case crypto(String)
    /// Reading or writing failed.
    case io(path: String, reason: String)
    /// A secret key file is readable by group or others.
    case insecureKey(path: String)
    /// The passphrase is missing or wrong.
    case passphrase(String)
    /// A verification check failed.
    case verification(file: String, check: String, reason: String)

    public var description: String {
        switch self {
        case let .malformed(file, reason): "\(file): \(reason)"
        case let .crypto(reason): "cryptographic failure: \(reason)"
        case let .io(path, reason): "\(path): \(reason)"
        case let .insecureKey(path): "\(path): this secret file is readable by group or others; run chmod 600 \(path)"
        case let .passphrase(reason): reason
        case let .verification(file, check, reason): "\(file): check '\(check)' failed: \(reason)"
        }
    }
}
