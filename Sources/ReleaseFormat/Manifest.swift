import Foundation

/// `manifest.json`: every other file of a release with its size and SHA-256,
/// and the facts a verifier needs to reject tampering, expiry and rollback.
/// Written as canonical JSON, so its bytes (and its signature) are reproducible.
public struct Manifest: Sendable, Equatable {
    /// One listed file.
    public struct File: Sendable, Equatable {
        public var path: String
        public var bytes: Int
        public var sha256: String

        public init(path: String, bytes: Int, sha256: String) {
            self.path = path
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    public var dataset: String
    public var release: String
    /// Strictly increasing per dataset.
    public var sequence: Int
    public var windowStart: String
    public var windowEnd: String
    public var created: String
    public var expires: String
    /// SHA-256 of the dataset's previous manifest (nil for the first release).
    public var previousManifestSHA256: String?
    public var policySHA256: String
    public var keyID: String
    public var toolVersion: String
    public var files: [File]

    public init(dataset: String, release: String, sequence: Int, windowStart: String, windowEnd: String, created: String,
                expires: String, previousManifestSHA256: String?, policySHA256: String, keyID: String, toolVersion: String,
                files: [File]) {
        self.dataset = dataset
        self.release = release
        self.sequence = sequence
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.created = created
        self.expires = expires
        self.previousManifestSHA256 = previousManifestSHA256
        self.policySHA256 = policySHA256
        self.keyID = keyID
        self.toolVersion = toolVersion
        self.files = files
    }

    /// The canonical bytes of the manifest.
    public func canonicalJSON() throws(ReleaseFormatError) -> Data {
        let object: [String: Any] = [
            "dataset": dataset, "release": release, "sequence": sequence,
            "window": ["start": windowStart, "end": windowEnd], "created": created, "expires": expires,
            "previous_manifest_sha256": previousManifestSHA256 ?? NSNull(), "policy_sha256": policySHA256,
            "key_id": keyID, "tool_version": toolVersion,
            "files": files.sorted { $0.path < $1.path }.map { ["path": $0.path, "bytes": $0.bytes, "sha256": $0.sha256] },
        ]
        return try CanonicalJSON.encode(object)
    }

    /// Parses a manifest, rejecting anything malformed with a precise reason.
    public static func parse(_ data: Data, file: String) throws(ReleaseFormatError) -> Manifest {
        let object = try CanonicalJSON.object(data, file: file)
        func string(_ key: String) throws(ReleaseFormatError) -> String {
            guard let value = object[key] as? String, !value.isEmpty else { throw .malformed(file: file, reason: "'\(key)' must be a non-empty string") }
            return value
        }
        guard let sequence = object["sequence"] as? Int, sequence >= 1 else {
            throw .malformed(file: file, reason: "'sequence' must be a positive integer")
        }
        guard let window = object["window"] as? [String: Any], let start = window["start"] as? String,
              let end = window["end"] as? String else {
            throw .malformed(file: file, reason: "'window' must hold 'start' and 'end'")
        }
        guard let list = object["files"] as? [[String: Any]] else { throw .malformed(file: file, reason: "'files' must be a list") }
        var files: [File] = []
        for entry in list {
            guard let path = entry["path"] as? String, let bytes = entry["bytes"] as? Int, bytes >= 0,
                  let sha = entry["sha256"] as? String, sha.count == 64, sha.allSatisfy(\.isHexDigit) else {
                throw .malformed(file: file, reason: "each file needs 'path', 'bytes' ≥ 0 and a 64-digit 'sha256'")
            }
            guard !path.isEmpty, !path.hasPrefix("/"), !path.split(separator: "/").contains(".."), !path.contains("\\") else {
                throw .malformed(file: file, reason: "file path '\(path)' leaves the release folder")
            }
            files.append(File(path: path, bytes: bytes, sha256: sha.lowercased()))
        }
        let previous = object["previous_manifest_sha256"]
        if previous != nil, !(previous is NSNull), !(previous is String) {
            throw .malformed(file: file, reason: "'previous_manifest_sha256' must be a string or null")
        }
        return Manifest(dataset: try string("dataset"), release: try string("release"), sequence: sequence, windowStart: start,
                        windowEnd: end, created: try string("created"), expires: try string("expires"),
                        previousManifestSHA256: previous as? String, policySHA256: try string("policy_sha256"),
                        keyID: try string("key_id"), toolVersion: try string("tool_version"), files: files)
    }

    /// The signature's trusted comment: what minisign shows and the global signature covers.
    public func trustedComment(manifestSHA256: String) -> String {
        "dataset:\(dataset)\trelease:\(release)\tsequence:\(sequence)\tmanifest_sha256:\(manifestSHA256)"
    }
}
