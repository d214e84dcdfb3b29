import Foundation

/// Verifies a release folder the way a portal maintainer needs: every check
/// has a name, and the result says which file failed which check.
///
/// Checks, in order: `manifest` (parses), `signature` (Ed25519 over
/// BLAKE2b-512 of manifest.json, by a trusted key) and `global-signature`
/// (over the signature and trusted comment), `trusted-comment` (matches the
/// manifest and its SHA-256), `files` (each listed file is a regular file
/// inside the release, with the listed size and SHA-256), `no-unlisted-files`,
/// `datapackage` (its hashes agree with the files), `not-expired`, and
/// `no-rollback` (the sequence is above the previous release's, and the
/// previous-manifest hash links to it) when a previous manifest is known.
public enum ReleaseVerifier {
    /// The outcome of one named check.
    public struct Check: Sendable, Equatable {
        public var name: String
        public var passed: Bool
        public var detail: String

        public init(name: String, passed: Bool, detail: String) {
            self.name = name
            self.passed = passed
            self.detail = detail
        }
    }

    /// All checks, stopping at the first failure.
    public struct Report: Sendable {
        public var checks: [Check]
        public var manifest: Manifest?
        public var passed: Bool { checks.allSatisfy(\.passed) }
        public var firstFailure: Check? { checks.first { !$0.passed } }
    }

    /// Verifies `folder` against `keys` (any of them may have signed it).
    /// `previous`, when given, is the manifest the release must follow.
    public static func verify(folder: String, keys: [Minisign.PublicKey], previous: Data? = nil, now: Date = Date()) -> Report {
        var checks: [Check] = []
        func fail(_ name: String, _ detail: String) -> Report {
            checks.append(Check(name: name, passed: false, detail: detail))
            return Report(checks: checks, manifest: nil)
        }
        let manifestPath = (folder as NSString).appendingPathComponent("manifest.json")
        let signaturePath = manifestPath + ".minisig"
        guard let manifestBytes = readRegular(manifestPath, in: folder) else {
            return fail("manifest", "\(manifestPath) is missing, unreadable or not a regular file")
        }
        let manifest: Manifest
        do {
            manifest = try Manifest.parse(manifestBytes, file: manifestPath)
        } catch {
            return fail("manifest", error.description)
        }
        checks.append(Check(name: "manifest", passed: true, detail: "\(manifest.dataset)/\(manifest.release) sequence \(manifest.sequence)"))
        guard let signatureBytes = readRegular(signaturePath, in: folder),
              let signatureText = String(data: signatureBytes, encoding: .utf8) else {
            return fail("signature", "\(signaturePath) is missing or unreadable")
        }
        let signature: Minisign.Signature
        do {
            signature = try Minisign.Signature.parse(signatureText, file: signaturePath)
        } catch {
            return fail("signature", error.description)
        }
        guard let key = keys.first(where: { $0.keyID == signature.keyID }) else {
            return fail("signature", "\(signaturePath): signed by key \(Minisign.keyIDText(signature.keyID)), which is not trusted (trusted: \(keys.map(\.keyIDText).joined(separator: ", ")))")
        }
        if let problem = signature.failure(for: manifestBytes, key: key.self) {
            let name = problem.hasPrefix("global") ? "global-signature" : "signature"
            return fail(name, "\(manifestPath): \(problem)")
        }
        checks.append(Check(name: "signature", passed: true, detail: "key \(key.keyIDText)"))
        checks.append(Check(name: "global-signature", passed: true, detail: "trusted comment authentic"))
        let sha = StreamingDigest.sha256Hex(manifestBytes)
        guard signature.trustedComment == manifest.trustedComment(manifestSHA256: sha) else {
            return fail("trusted-comment", "\(signaturePath): the trusted comment '\(signature.trustedComment)' does not describe this manifest")
        }
        checks.append(Check(name: "trusted-comment", passed: true, detail: "manifest sha256 \(sha)"))

        for file in manifest.files {
            let path = (folder as NSString).appendingPathComponent(file.path)
            guard isRegularInside(path, folder: folder) else {
                return fail("files", "\(path): missing, not a regular file, or a link leaving the release")
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
            guard size == file.bytes else { return fail("files", "\(path): \(size) bytes, the manifest says \(file.bytes)") }
            guard let digest = try? StreamingDigest.hash(file: path, .sha256), Encoding.hex(digest) == file.sha256 else {
                return fail("files", "\(path): SHA-256 differs from the manifest")
            }
        }
        checks.append(Check(name: "files", passed: true, detail: "\(manifest.files.count) files match"))
        let listed = Set(manifest.files.map(\.path) + ["manifest.json", "manifest.json.minisig"])
        let present: [String]
        do {
            present = try regularFiles(in: folder, includeLinks: true)
        } catch {
            return fail("no-unlisted-files", error.description)
        }
        if let extra = present.first(where: { !listed.contains($0) }) {
            return fail("no-unlisted-files", "\((folder as NSString).appendingPathComponent(extra)): not listed in the manifest")
        }
        checks.append(Check(name: "no-unlisted-files", passed: true, detail: "nothing unlisted"))

        if let entry = manifest.files.first(where: { $0.path == "datapackage.json" }) {
            let path = (folder as NSString).appendingPathComponent(entry.path)
            do {
                let claims = try DataPackage.claims(try Data(contentsOf: URL(fileURLWithPath: path)), file: path)
                for (resource, claim) in claims.sorted(by: { $0.key < $1.key }) {
                    guard let file = manifest.files.first(where: { $0.path == resource }) else {
                        return fail("datapackage", "\(path): resource '\(resource)' is not in the manifest")
                    }
                    if let bytes = claim.bytes, bytes != file.bytes {
                        return fail("datapackage", "\(path): resource '\(resource)' claims \(bytes) bytes, the file has \(file.bytes)")
                    }
                    if let hash = claim.sha256, hash.lowercased() != file.sha256 {
                        return fail("datapackage", "\(path): resource '\(resource)' claims another SHA-256 than the file's")
                    }
                }
                checks.append(Check(name: "datapackage", passed: true, detail: "\(claims.count) resources agree"))
            } catch {
                return fail("datapackage", "\(error)")
            }
        }
        guard let expires = ISO8601DateFormatter().date(from: manifest.expires) else {
            return fail("not-expired", "\(manifestPath): 'expires' is not an ISO-8601 time")
        }
        guard expires > now else { return fail("not-expired", "\(manifestPath): expired at \(manifest.expires)") }
        checks.append(Check(name: "not-expired", passed: true, detail: "expires \(manifest.expires)"))

        if let previous {
            do {
                let before = try Manifest.parse(previous, file: "previous manifest")
                let previousSHA = StreamingDigest.sha256Hex(previous)
                guard before.dataset == manifest.dataset else { return fail("no-rollback", "the previous manifest is of dataset \(before.dataset)") }
                guard manifest.sequence > before.sequence else {
                    return fail("no-rollback", "\(manifestPath): sequence \(manifest.sequence) is not above the previous \(before.sequence) (rollback)")
                }
                if manifest.sequence == before.sequence + 1 && manifest.previousManifestSHA256 != previousSHA {
                    return fail("no-rollback", "\(manifestPath): previous_manifest_sha256 does not link to the previous release")
                }
                checks.append(Check(name: "no-rollback", passed: true, detail: "sequence \(before.sequence) → \(manifest.sequence)"))
            } catch {
                return fail("no-rollback", error.description)
            }
        }
        return Report(checks: checks, manifest: manifest)
    }

    /// Paths (relative, sorted) of the files under `folder`; symbolic links are
    /// listed too with `includeLinks`, so they can be rejected.
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when `folder` cannot be listed.
    public static func regularFiles(in folder: String, includeLinks: Bool = false) throws(ReleaseFormatError) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw .io(path: folder, reason: "cannot list the release folder")
        }
        var result: [String] = []
        while let path = enumerator.nextObject() as? String {
            let full = (folder as NSString).appendingPathComponent(path)
            let attributes = try? FileManager.default.attributesOfItem(atPath: full)
            let type = attributes?[.type] as? FileAttributeType
            if type == .typeRegular || (includeLinks && type == .typeSymbolicLink) { result.append(path) }
        }
        return result.sorted()
    }

    /// True when `path` is a regular file (not a link) whose real path is inside `folder`.
    static func isRegularInside(_ path: String, folder: String) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              attributes[.type] as? FileAttributeType == .typeRegular else { return false }
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let root = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        return real.hasPrefix(root + "/")
    }

    static func readRegular(_ path: String, in folder: String) -> Data? {
        guard isRegularInside(path, folder: folder) else { return nil }
        return FileManager.default.contents(atPath: path)
    }
}
