import COpenSSL
import Foundation

/// Ed25519 (RFC 8032) through OpenSSL libcrypto.
public enum Ed25519 {
    /// The public key (32 bytes) of a 32-byte seed.
    ///
    /// - Throws: ``ReleaseFormatError/crypto(_:)`` when the seed is not 32 bytes or OpenSSL cannot derive
    ///   the key.
    public static func publicKey(seed: [UInt8]) throws(ReleaseFormatError) -> [UInt8] {
        let key = try privateKey(seed)
        defer { EVP_PKEY_free(key) }
        var length = 32
        var output = [UInt8](repeating: 0, count: 32)
        guard EVP_PKEY_get_raw_public_key(key, &output, &length) == 1, length == 32 else {
            throw .crypto("cannot derive the Ed25519 public key")
        }
        return output
    }

    /// A new random seed from OpenSSL's CSPRNG.
    ///
    /// - Throws: ``ReleaseFormatError/crypto(_:)`` when `RAND_bytes` fails.
    public static func randomBytes(_ count: Int) throws(ReleaseFormatError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw .crypto("RAND_bytes failed") }
        return bytes
    }

    /// The 64-byte signature of `message` under `seed`.
    ///
    /// - Throws: ``ReleaseFormatError/crypto(_:)`` when the seed is not 32 bytes or OpenSSL fails to sign.
    public static func sign(_ message: [UInt8], seed: [UInt8]) throws(ReleaseFormatError) -> [UInt8] {
        let key = try privateKey(seed)
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { throw .crypto("cannot allocate a signing context") }
        defer { EVP_MD_CTX_free(context) }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        guard EVP_DigestSignInit(context, nil, nil, nil, key) == 1,
              EVP_DigestSign(context, &signature, &length, message, message.count) == 1, length == 64 else {
            throw .crypto("Ed25519 signing failed")
        }
        return signature
    }

    /// True when `signature` is a valid signature of `message` under `publicKey`.
    public static func verify(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == 64, publicKey.count == 32,
              let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, 32) else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
        return EVP_DigestVerify(context, signature, 64, message, message.count) == 1
    }

    /// The public key as PEM SubjectPublicKeyInfo (RFC 8410), for `openssl pkeyutl -verify -pubin`.
    ///
    /// - Throws: ``ReleaseFormatError/crypto(_:)`` when `publicKey` is not a valid Ed25519 key or OpenSSL
    ///   cannot write the PEM.
    public static func pem(publicKey: [UInt8]) throws(ReleaseFormatError) -> String {
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, 32) else {
            throw .crypto("invalid Ed25519 public key")
        }
        defer { EVP_PKEY_free(key) }
        guard let bio = BIO_new(BIO_s_mem()) else { throw .crypto("cannot allocate a BIO") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PUBKEY(bio, key) == 1 else { throw .crypto("cannot write the PEM public key") }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
        guard let pointer, length > 0 else { throw .crypto("empty PEM output") }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private static func privateKey(_ seed: [UInt8]) throws(ReleaseFormatError) -> OpaquePointer {
        guard seed.count == 32, let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, 32) else {
            throw .crypto("invalid Ed25519 seed")
        }
        return key
    }
}
