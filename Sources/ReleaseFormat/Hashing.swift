import COpenSSL
import Foundation

/// Message digests through OpenSSL libcrypto: SHA-256 (FIPS 180-4) for file
/// hashes, BLAKE2b-512 (RFC 7693) for minisign's prehashed signatures.
public struct StreamingDigest {
    public enum Algorithm: Sendable {
        case sha256, blake2b512
    }

    private let context: OpaquePointer

    public init(_ algorithm: Algorithm) {
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        self.context = context
        EVP_DigestInit_ex(context, algorithm == .sha256 ? EVP_sha256() : EVP_blake2b512(), nil)
    }

    /// Adds bytes.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        EVP_DigestUpdate(context, bytes.baseAddress, bytes.count)
    }

    public func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    /// The digest; the object must not be used afterwards.
    public func finish() -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &output, &length)
        EVP_MD_CTX_free(context)
        return Array(output.prefix(Int(length)))
    }

    /// The SHA-256 of `data` as 64 lowercase hex digits: the form every manifest, snapshot,
    /// log entry and state record uses.
    public static func sha256Hex(_ data: Data) -> String {
        Encoding.hex(hash(data, .sha256))
    }

    /// The digest of `data`.
    public static func hash(_ data: Data, _ algorithm: Algorithm) -> [UInt8] {
        let digest = StreamingDigest(algorithm)
        digest.update(data)
        return digest.finish()
    }

    /// The digest of the file at `path`, read in 1 MiB chunks.
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when the file cannot be opened or a read fails.
    public static func hash(file path: String, _ algorithm: Algorithm) throws(ReleaseFormatError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .io(path: path, reason: "cannot open for reading") }
        defer { try? handle.close() }
        let digest = StreamingDigest(algorithm)
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw .io(path: path, reason: "read failed (\(error.localizedDescription))")
            }
            if chunk.isEmpty { break }
            digest.update(chunk)
        }
        return digest.finish()
    }
}

/// Hex and base64 helpers.
public enum Encoding {
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var result = [UInt8]()
        result.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 15)])
        }
        return String(decoding: result, as: UTF8.self)
    }
}
