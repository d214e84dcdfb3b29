import Foundation

/// Transparency-log checkpoints as C2SP signed notes (https://c2sp.org/signed-note,
/// https://c2sp.org/tlog-checkpoint) with Ed25519: the body is
/// `origin\nsize\nbase64(root)\n`, followed by a blank line and one signature
/// line `— name base64(key hash (4) ‖ signature (64))`, where the key hash is the
/// first four bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).
///
/// An optional extension line (tlog-checkpoint allows lines after the root)
/// `time <ISO 8601 UTC>` says when the checkpoint was signed, so a verifier
/// can tell a log that stopped growing from a fresh one.
public struct Checkpoint: Sendable, Equatable {
    public var origin: String
    public var size: Int
    public var root: [UInt8]
    /// When the checkpoint was signed (whole seconds), if it says.
    public var timestamp: Date?

    public init(origin: String, size: Int, root: [UInt8], timestamp: Date? = nil) {
        self.origin = origin
        self.size = size
        self.root = root
        self.timestamp = timestamp.map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
    }

    public var body: String {
        "\(origin)\n\(size)\n\(Data(root).base64EncodedString())\n" + (timestamp.map { "time \(ISO8601DateFormatter().string(from: $0))\n" } ?? "")
    }

    /// The first four bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key): how a signature line names its key.
    public static func keyHash(name: String, publicKey: [UInt8]) -> [UInt8] {
        Array(StreamingDigest.hash(Data(Array(name.utf8) + [0x0A, 0x01] + publicKey), .sha256).prefix(4))
    }

    /// The signed note.
    ///
    /// - Throws: ``ReleaseFormatError/crypto(_:)`` when the key's seed is invalid or signing fails.
    public func signed(name: String, key: Minisign.SecretKey) throws(ReleaseFormatError) -> String {
        let signature = try Ed25519.sign(Array(body.utf8), seed: key.seed)
        return body + "\n\u{2014} \(name) \(Data(Self.keyHash(name: name, publicKey: key.publicKey) + signature).base64EncodedString())\n"
    }

    /// Parses a signed note and checks its signature by `name` under `publicKey`.
    ///
    /// - Throws: ``ReleaseFormatError/malformed(file:reason:)`` when `text` is not a signed note or its
    ///   body is not origin, size and a 32-byte root;
    ///   ``ReleaseFormatError/verification(file:check:reason:)`` when no signature line by `name` verifies
    ///   under `publicKey`.
    public static func verify(_ text: String, name: String, publicKey: [UInt8], file: String) throws(ReleaseFormatError) -> Checkpoint {
        guard let split = text.range(of: "\n\n") else { throw .malformed(file: file, reason: "not a signed note (no blank line before the signatures)") }
        let body = String(text[..<split.lowerBound]) + "\n"
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 4, let size = Int(lines[1]), size >= 0, let root = Data(base64Encoded: String(lines[2])), root.count == 32 else {
            throw .malformed(file: file, reason: "the checkpoint body must be origin, tree size and base64 root hash")
        }
        let expected = keyHash(name: name, publicKey: publicKey)
        for line in text[split.upperBound...].split(separator: "\n") where line.hasPrefix("\u{2014} \(name) ") {
            guard let blob = Data(base64Encoded: String(line.dropFirst("\u{2014} \(name) ".count))), blob.count == 68 else { continue }
            let bytes = Array(blob)
            if Array(bytes[0..<4]) == expected, Ed25519.verify(Array(bytes[4...]), message: Array(body.utf8), publicKey: publicKey) {
                let time = lines.dropFirst(3).first { $0.hasPrefix("time ") }
                    .flatMap { ISO8601DateFormatter().date(from: String($0.dropFirst(5))) }
                return Checkpoint(origin: String(lines[0]), size: size, root: Array(root), timestamp: time)
            }
        }
        throw .verification(file: file, check: "checkpoint-signature", reason: "no valid signature by \(name)")
    }
}
