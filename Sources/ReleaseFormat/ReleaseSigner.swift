import Foundation

/// Seals a release folder: lists every file in `manifest.json` (canonical
/// JSON) and signs it with minisign's prehashed Ed25519 into `manifest.json.minisig`.
public enum ReleaseSigner {
    /// Hashes every regular file under `folder` (except the manifest and its
    /// signature) into `manifest.files`, writes the manifest and its signature.
    /// Returns the manifest's SHA-256.
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when the folder cannot be listed, a file cannot be
    ///   read or the manifest and signature cannot be written;
    ///   ``ReleaseFormatError/malformed(file:reason:)`` when the manifest cannot be encoded or its trusted
    ///   comment is not one line; ``ReleaseFormatError/crypto(_:)`` when signing fails.
    @discardableResult
    public static func seal(folder: String, manifest: Manifest, key: Minisign.SecretKey) throws(ReleaseFormatError) -> String {
        var manifest = manifest
        manifest.files = try ReleaseVerifier.regularFiles(in: folder).filter {
            $0 != "manifest.json" && $0 != "manifest.json.minisig"
        }.map { path throws(ReleaseFormatError) in
            let full = (folder as NSString).appendingPathComponent(path)
            let size = (try? FileManager.default.attributesOfItem(atPath: full)[.size] as? Int) ?? 0
            return Manifest.File(path: path, bytes: size, sha256: Encoding.hex(try StreamingDigest.hash(file: full, .sha256)))
        }
        manifest.keyID = key.keyIDText
        let bytes = try manifest.canonicalJSON()
        let sha = StreamingDigest.sha256Hex(bytes)
        let signature = try Minisign.Signature.sign(bytes, key: key, trustedComment: manifest.trustedComment(manifestSHA256: sha),
                                                    untrustedComment: "opendata release \(manifest.dataset)/\(manifest.release), key \(key.keyIDText)")
        do {
            try bytes.write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("manifest.json")))
            try Data(signature.fileContents.utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("manifest.json.minisig")))
        } catch {
            throw .io(path: folder, reason: "cannot write the manifest (\(error.localizedDescription))")
        }
        return sha
    }
}
