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

    /// The canonical bytes of the manifest (files sorted by path).
    /// - Throws: ``ReleaseFormatError/malformed(file:reason:)`` only if a value cannot be encoded.
    public func canonicalJSON() throws(ReleaseFormatError) -> Data {
        var sorted = self
        sorted.files.sort { $0.path < $1.path }
        return try CanonicalJSON.encode(sorted)
    }

    /// Parses a manifest, rejecting anything malformed with a precise reason.
    /// - Throws: ``ReleaseFormatError/malformed(file:reason:)`` naming the key that is missing, of the
    ///   wrong type or out of range (a sequence below 1, a digest that is not 64 hex digits, a file
    ///   path that leaves the release folder).
    public static func parse(_ data: Data, file: String) throws(ReleaseFormatError) -> Manifest {
        let manifest = try CanonicalJSON.decode(Manifest.self, from: data, file: file)
        for (key, value) in [("dataset", manifest.dataset), ("release", manifest.release), ("created", manifest.created),
                             ("expires", manifest.expires), ("policy_sha256", manifest.policySHA256), ("key_id", manifest.keyID),
                             ("tool_version", manifest.toolVersion)] where value.isEmpty {
            throw .malformed(file: file, reason: "'\(key)' must be a non-empty string")
        }
        guard manifest.sequence >= 1 else { throw .malformed(file: file, reason: "'sequence' must be a positive integer") }
        var checked = manifest
        checked.files = []
        for entry in manifest.files {
            guard entry.bytes >= 0, entry.sha256.count == 64, entry.sha256.allSatisfy(\.isHexDigit) else {
                throw .malformed(file: file, reason: "each file needs 'path', 'bytes' ≥ 0 and a 64-digit 'sha256'")
            }
            let path = entry.path
            guard !path.isEmpty, !path.hasPrefix("/"), !path.split(separator: "/").contains(".."), !path.contains("\\") else {
                throw .malformed(file: file, reason: "file path '\(path)' leaves the release folder")
            }
            checked.files.append(File(path: path, bytes: entry.bytes, sha256: entry.sha256.lowercased()))
        }
        return checked
    }

    /// The signature's trusted comment: what minisign shows and the global signature covers.
    public func trustedComment(manifestSHA256: String) -> String {
        "dataset:\(dataset)\trelease:\(release)\tsequence:\(sequence)\tmanifest_sha256:\(manifestSHA256)"
    }
}

/// The manifest's JSON shape: snake_case keys, the window as `{start, end}`, and
/// `previous_manifest_sha256` always present (null for a dataset's first release).
extension Manifest: Codable {
    private enum Keys: String, CodingKey {
        case dataset, release, sequence, window, created, expires, files
        case previous = "previous_manifest_sha256", policy = "policy_sha256", keyID = "key_id", toolVersion = "tool_version"
    }

    private struct Window: Codable {
        var start: String
        var end: String
    }

    /// Reads a manifest in its JSON shape; ``parse(_:file:)`` adds the range checks.
    /// - Throws: `DecodingError` when a key other than `previous_manifest_sha256` is missing, or a
    ///   key holds a value of the wrong type.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let window = try c.decode(Window.self, forKey: .window)
        self.init(dataset: try c.decode(String.self, forKey: .dataset), release: try c.decode(String.self, forKey: .release),
                  sequence: try c.decode(Int.self, forKey: .sequence), windowStart: window.start, windowEnd: window.end,
                  created: try c.decode(String.self, forKey: .created), expires: try c.decode(String.self, forKey: .expires),
                  previousManifestSHA256: try c.decodeIfPresent(String.self, forKey: .previous),
                  policySHA256: try c.decode(String.self, forKey: .policy), keyID: try c.decode(String.self, forKey: .keyID),
                  toolVersion: try c.decode(String.self, forKey: .toolVersion), files: try c.decode([File].self, forKey: .files))
    }

    /// Writes the manifest in its JSON shape, `previous_manifest_sha256` as `null` when absent.
    /// - Throws: Whatever `encoder` throws for a value; the manifest holds only strings and
    ///   integers, so ``CanonicalJSON`` never does.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(release, forKey: .release)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(Window(start: windowStart, end: windowEnd), forKey: .window)
        try c.encode(created, forKey: .created)
        try c.encode(expires, forKey: .expires)
        try c.encode(previousManifestSHA256, forKey: .previous)
        try c.encode(policySHA256, forKey: .policy)
        try c.encode(keyID, forKey: .keyID)
        try c.encode(toolVersion, forKey: .toolVersion)
        try c.encode(files, forKey: .files)
    }
}

extension Manifest.File: Codable {}
