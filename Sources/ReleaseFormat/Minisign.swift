import COpenSSL
import Foundation

/// minisign key pairs and signatures (https://jedisct1.github.io/minisign/),
/// byte-compatible with the `minisign` tool.
///
/// Formats (all integers little-endian, lines base64):
/// - public key: `"Ed" ‖ key id (8) ‖ Ed25519 public key (32)`;
/// - secret key: `"Ed" ‖ kdf ("Sc" scrypt or 00 00) ‖ "B2" ‖ salt (32) ‖ opslimit (8) ‖ memlimit (8) ‖
///   [key id (8) ‖ seed ‖ public key (64) ‖ BLAKE2b-256 checksum (32)]`, the bracket XORed with
///   scrypt(passphrase, salt) when encrypted (libsodium's crypto_pwhash_scryptsalsa208sha256);
/// - signature: `"ED" ‖ key id ‖ Ed25519(BLAKE2b-512(file))`, then a trusted comment and a
///   global signature Ed25519(signature ‖ trusted comment).
public enum Minisign {
    public static let opsLimitSensitive: UInt64 = 33_554_432
    public static let memLimitSensitive: UInt64 = 1_073_741_824

    /// A secret key, decrypted.
    public struct SecretKey: Sendable {
        public var keyID: [UInt8]
        public var seed: [UInt8]
        public var publicKey: [UInt8]

        /// A new random key pair.
        ///
        /// - Throws: ``ReleaseFormatError/crypto(_:)`` when OpenSSL cannot produce random bytes or derive
        ///   the key.
        public static func generate() throws(ReleaseFormatError) -> SecretKey {
            let seed = try Ed25519.randomBytes(32)
            return SecretKey(keyID: try Ed25519.randomBytes(8), seed: seed, publicKey: try Ed25519.publicKey(seed: seed))
        }

        /// The key id as minisign prints it: 16 uppercase hex digits of the little-endian number.
        public var keyIDText: String { Minisign.keyIDText(keyID) }

        public var publicKeyFile: PublicKey { PublicKey(keyID: keyID, key: publicKey) }

        /// The secret key file; encrypted with `passphrase`, or unencrypted like `minisign -G -W`.
        ///
        /// - Throws: ``ReleaseFormatError/crypto(_:)`` when the salt cannot be drawn or scrypt fails;
        ///   ``ReleaseFormatError/malformed(file:reason:)`` when `opsLimit` and `memLimit` give unusable scrypt
        ///   parameters. Neither happens without a passphrase.
        public func fileContents(passphrase: String?, opsLimit: UInt64 = Minisign.opsLimitSensitive,
                                 memLimit: UInt64 = Minisign.memLimitSensitive) throws(ReleaseFormatError) -> String {
            var body = Array("Ed".utf8)
            var secret = keyID + seed + publicKey
            if let passphrase {
                body += Array("Sc".utf8) + Array("B2".utf8)
                let salt = try Ed25519.randomBytes(32)
                body += salt + Minisign.littleEndian(opsLimit) + Minisign.littleEndian(memLimit)
                secret += Minisign.checksum(keyID: keyID, secret: seed + publicKey)
                let stream = try Minisign.scrypt(passphrase: passphrase, salt: salt, opsLimit: opsLimit, memLimit: memLimit,
                                                 length: secret.count)
                for i in secret.indices { secret[i] ^= stream[i] }
            } else {
                body += [0, 0] + Array("B2".utf8) + [UInt8](repeating: 0, count: 48)
                secret += [UInt8](repeating: 0, count: 32)
            }
            let comment = passphrase == nil ? "minisign secret key (unencrypted)" : "minisign encrypted secret key"
            return "untrusted comment: \(comment)\n\(Data(body + secret).base64EncodedString())\n"
        }

        /// Reads a secret key file; `passphrase` decrypts an encrypted one.
        ///
        /// - Throws: ``ReleaseFormatError/malformed(file:reason:)`` when the file is not a 158-byte
        ///   Ed25519, BLAKE2b key with scrypt or no key derivation, or its secret and public halves do not
        ///   match; ``ReleaseFormatError/passphrase(_:)`` when the passphrase is wrong;
        ///   ``ReleaseFormatError/crypto(_:)`` when scrypt or OpenSSL fails; and whatever `passphrase`
        ///   throws (it is called only for an encrypted key).
        public static func parse(_ text: String, file: String, passphrase: () throws(ReleaseFormatError) -> String)
            throws(ReleaseFormatError) -> SecretKey
        {
            let bytes = try Minisign.payload(text, file: file, length: 158)
            guard bytes[0..<2] == [0x45, 0x64] else { throw .malformed(file: file, reason: "unsupported signature algorithm (expected Ed)") }
            guard bytes[4..<6] == [0x42, 0x32] else { throw .malformed(file: file, reason: "unsupported checksum algorithm (expected B2)") }
            var secret = Array(bytes[54..<158])
            if bytes[2..<4] == [0x53, 0x63] {
                let salt = Array(bytes[6..<38])
                let ops = Minisign.readLittleEndian(Array(bytes[38..<46]))
                let mem = Minisign.readLittleEndian(Array(bytes[46..<54]))
                let stream = try Minisign.scrypt(passphrase: try passphrase(), salt: salt, opsLimit: ops, memLimit: mem,
                                                 length: secret.count)
                for i in secret.indices { secret[i] ^= stream[i] }
                let expected = Minisign.checksum(keyID: Array(secret[0..<8]), secret: Array(secret[8..<72]))
                guard Array(secret[72..<104]) == expected else {
                    throw .passphrase("\(file): wrong passphrase for this key (the decrypted key's checksum does not match)")
                }
            } else if bytes[2..<4] != [0, 0] {
                throw .malformed(file: file, reason: "unsupported key derivation (expected Sc or none)")
            }
            let key = SecretKey(keyID: Array(secret[0..<8]), seed: Array(secret[8..<40]), publicKey: Array(secret[40..<72]))
            guard try Ed25519.publicKey(seed: key.seed) == key.publicKey else {
                throw .malformed(file: file, reason: "the secret and public halves of the key do not match")
            }
            return key
        }
    }

    /// A public key.
    public struct PublicKey: Sendable, Equatable {
        public var keyID: [UInt8]
        public var key: [UInt8]

        public var keyIDText: String { Minisign.keyIDText(keyID) }

        /// The `.pub` file minisign writes.
        public var fileContents: String {
            "untrusted comment: minisign public key \(keyIDText)\n\(Data(Array("Ed".utf8) + keyID + key).base64EncodedString())\n"
        }

        /// Reads a `.pub` file (or a bare base64 line).
        ///
        /// - Throws: ``ReleaseFormatError/malformed(file:reason:)`` when the key line is not 42 bytes of
        ///   base64 or not an Ed25519 key.
        public static func parse(_ text: String, file: String) throws(ReleaseFormatError) -> PublicKey {
            let bytes = try Minisign.payload(text, file: file, length: 42)
            guard bytes[0..<2] == [0x45, 0x64] else { throw .malformed(file: file, reason: "not an Ed25519 minisign public key") }
            return PublicKey(keyID: Array(bytes[2..<10]), key: Array(bytes[10..<42]))
        }
    }

    /// A parsed `.minisig` file.
    public struct Signature: Sendable, Equatable {
        public var keyID: [UInt8]
        public var signature: [UInt8]
        public var trustedComment: String
        public var globalSignature: [UInt8]
        public var untrustedComment: String

        /// Signs `file` (prehashed, BLAKE2b-512) with `key`.
        ///
        /// - Throws: ``ReleaseFormatError/malformed(file:reason:)`` when `trustedComment` is more than one
        ///   line; ``ReleaseFormatError/crypto(_:)`` when the key's seed is invalid or signing fails.
        public static func sign(_ file: Data, key: SecretKey, trustedComment: String,
                                untrustedComment: String = "signature from opendata") throws(ReleaseFormatError) -> Signature {
            guard !trustedComment.contains("\n"), !trustedComment.contains("\r") else {
                throw .malformed(file: "trusted comment", reason: "must be one line")
            }
            let digest = StreamingDigest.hash(file, .blake2b512)
            let signature = try Ed25519.sign(digest, seed: key.seed)
            let global = try Ed25519.sign(signature + Array(trustedComment.utf8), seed: key.seed)
            return Signature(keyID: key.keyID, signature: signature, trustedComment: trustedComment,
                             globalSignature: global, untrustedComment: untrustedComment)
        }

        /// The `.minisig` file.
        public var fileContents: String {
            "untrusted comment: \(untrustedComment)\n\(Data(Array("ED".utf8) + keyID + signature).base64EncodedString())\n"
                + "trusted comment: \(trustedComment)\n\(Data(globalSignature).base64EncodedString())\n"
        }

        /// Parses a `.minisig` file; only prehashed (`ED`) signatures are accepted.
        ///
        /// - Throws: ``ReleaseFormatError/malformed(file:reason:)`` when the file is not four lines, a line
        ///   is not canonical base64 of the right length, or the signature is not prehashed (`ED`).
        public static func parse(_ text: String, file: String) throws(ReleaseFormatError) -> Signature {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
            guard lines.count >= 4, lines[0].hasPrefix("untrusted comment: "), lines[2].hasPrefix("trusted comment: ") else {
                throw .malformed(file: file, reason: "not a minisign signature (expected 4 lines: untrusted comment, signature, trusted comment, global signature)")
            }
            // Only the canonical base64 of each line is accepted, so no two files carry one signature.
            guard let body = Data(base64Encoded: lines[1]), body.count == 74, body.base64EncodedString() == lines[1] else {
                throw .malformed(file: file, reason: "the signature line is not 74 bytes of base64")
            }
            let bytes = Array(body)
            guard bytes[0..<2] == [0x45, 0x44] else {
                throw .malformed(file: file, reason: "only prehashed (ED) signatures are accepted")
            }
            guard let global = Data(base64Encoded: lines[3]), global.count == 64, global.base64EncodedString() == lines[3] else {
                throw .malformed(file: file, reason: "the global signature line is not 64 bytes of base64")
            }
            return Signature(keyID: Array(bytes[2..<10]), signature: Array(bytes[10..<74]),
                             trustedComment: String(lines[2].dropFirst("trusted comment: ".count)),
                             globalSignature: Array(global), untrustedComment: String(lines[0].dropFirst("untrusted comment: ".count)))
        }

        /// Checks both signatures against `file` and `key`; returns the failing check, or nil when valid.
        public func failure(for file: Data, key: PublicKey) -> String? {
            guard keyID == key.keyID else {
                return "the signature's key id \(Minisign.keyIDText(keyID)) is not the key's \(key.keyIDText)"
            }
            let digest = StreamingDigest.hash(file, .blake2b512)
            guard Ed25519.verify(signature, message: digest, publicKey: key.key) else { return "signature does not match the file" }
            guard Ed25519.verify(globalSignature, message: signature + Array(trustedComment.utf8), publicKey: key.key) else {
                return "global signature does not match the trusted comment"
            }
            return nil
        }
    }

    // MARK: Helpers

    static func keyIDText(_ id: [UInt8]) -> String {
        id.reversed().map { String(format: "%02X", $0) }.joined()
    }

    static func littleEndian(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }

    static func readLittleEndian(_ bytes: [UInt8]) -> UInt64 {
        bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// BLAKE2b-256 of "Ed" ‖ key id ‖ secret key, minisign's key checksum.
    static func checksum(keyID: [UInt8], secret: [UInt8]) -> [UInt8] {
        Blake2b.hash(Array("Ed".utf8) + keyID + secret, length: 32)
    }

    /// The second line of a key file, decoded, checked for `length` bytes.
    static func payload(_ text: String, file: String, length: Int) throws(ReleaseFormatError) -> [UInt8] {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let line = lines.first { !$0.hasPrefix("untrusted comment:") } ?? ""
        guard let data = Data(base64Encoded: line), data.count == length else {
            throw .malformed(file: file, reason: "expected \(length) bytes of base64 after the comment line")
        }
        return Array(data)
    }

    /// libsodium's crypto_pwhash_scryptsalsa208sha256: opslimit and memlimit
    /// become scrypt's N, r, p as its `pickparams` does; scrypt through OpenSSL.
    static func scrypt(passphrase: String, salt: [UInt8], opsLimit: UInt64, memLimit: UInt64, length: Int)
        throws(ReleaseFormatError) -> [UInt8]
    {
        let ops = max(opsLimit, 32768)
        let r: UInt64 = 8
        var nLog2: UInt64 = 1
        var p: UInt64 = 1
        if ops < memLimit / 32 {
            let maxN = ops / (r * 4)
            while nLog2 < 63 && (UInt64(1) << nLog2) <= maxN / 2 { nLog2 += 1 }
        } else {
            let maxN = memLimit / (r * 128)
            while nLog2 < 63 && (UInt64(1) << nLog2) <= maxN / 2 { nLog2 += 1 }
            let maxrp = min((ops / 4) / (UInt64(1) << nLog2), 0x3FFF_FFFF)
            p = maxrp / r
        }
        guard nLog2 < 40, p >= 1 else { throw .malformed(file: "secret key", reason: "unusable scrypt parameters") }
        let n = UInt64(1) << nLog2
        var output = [UInt8](repeating: 0, count: length)
        let password = Array(passphrase.utf8)
        let maxMemory = 128 * r * n * p + 256 * r * p + 128 * r * n + (1 << 20)
        let ok = password.withUnsafeBufferPointer { pass in
            EVP_PBE_scrypt(pass.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, pass.count,
                           salt, salt.count, n, r, p, maxMemory, &output, length)
        }
        guard ok == 1 else { throw .crypto("scrypt failed (N=2^\(nLog2), r=\(r), p=\(p))") }
        return output
    }
}
