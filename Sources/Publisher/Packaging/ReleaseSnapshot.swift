import Foundation
import PublicSite
import ReleaseFormat

/// `Releases/snapshot.json` and its minisign signature: one signed statement of
/// what the whole published folder holds right now, in the manner of TUF's
/// snapshot and timestamp roles (The Update Framework specification, §4.4–4.6).
///
/// It names every dataset's newest release with its manifest's SHA-256, the
/// SHA-256 of `catalog/data.json`, `index.html`, `release.pub` and the log's
/// files, and the log's size, and it expires soon (two days by default). So a
/// verifier holding only the release key catches what per-release signatures
/// cannot:
/// - **replay**: an old, validly signed release put back as the newest, with
///   `latest` pointed at it, differs from the snapshot's newest;
/// - **freeze**: a mirror that stops updating serves an expired snapshot;
/// - **substitution**: an edited catalog, index page or public key differs
///   from its signed hash.
/// It is rewritten, with a later `created`, at the end of every release run.
public struct ReleaseSnapshot: Sendable, Equatable {
    /// A dataset's newest release (in window order: what `latest` names), and the highest
    /// publication sequence of the dataset, so a window caught up late (published after the
    /// newest window, so with a higher sequence) is still covered by the snapshot.
    public struct Latest: Sendable, Equatable {
        public var release: String
        public var manifestSHA256: String
        /// The highest sequence published for the dataset (nil in snapshots written before it was recorded).
        public var sequence: Int? = nil
    }

    public var created: Date
    public var expires: Date
    /// Newest release per dataset id.
    public var datasets: [String: Latest]
    /// SHA-256 of each signed file (catalogs, index, keys, log, dashboards, stable downloads), by path relative to the published folder.
    public var files: [String: String]
    /// Releases in the transparency log.
    public var logSize: Int

    /// The files whose hashes the snapshot signs (those present are listed).
    static let signedFiles = ["catalog/data.json", "catalog/dcat-ap.jsonld", "index.html", "release.pub", "release.pem", "log/checkpoint", "log/entries.json",
                              "log/verifier"]
    /// How long a snapshot stays valid unless told otherwise.
    public static let defaultTTL: TimeInterval = 2 * 86400

    /// The JSON shape of `snapshot.json` (a dataset's sequence is written as a string, as it always was).
    struct Document: Codable {
        struct Entry: Codable {
            var release: String
            var manifestSHA256: String
            var sequence: String?
            enum CodingKeys: String, CodingKey { case release, manifestSHA256 = "manifest_sha256", sequence }
        }
        var type = "opendata-snapshot"
        var version = 1
        var created: String
        var expires: String
        var datasets: [String: Entry]
        var files: [String: String]
        var logSize: Int
        enum CodingKeys: String, CodingKey { case type, version, created, expires, datasets, files, logSize = "log_size" }
    }

    /// The canonical JSON that is signed.
    /// - Throws: ``PublisherError/io(path:reason:)`` only if a value cannot be encoded.
    public func canonicalJSON() throws(PublisherError) -> Data {
        let formatter = ISO8601DateFormatter()
        let document = Document(created: formatter.string(from: created), expires: formatter.string(from: expires),
                                datasets: datasets.mapValues { .init(release: $0.release, manifestSHA256: $0.manifestSHA256,
                                                                     sequence: $0.sequence.map(String.init)) },
                                files: files, logSize: logSize)
        do {
            return try CanonicalJSON.encode(document)
        } catch {
            throw .io(path: "snapshot.json", reason: error.description)
        }
    }

    /// Parses `snapshot.json` (after its signature was checked).
    /// - Throws: ``PublisherError/invalidInput(_:)`` naming the check `snapshot` when the file is not an
    ///   opendata snapshot (wrong type, a missing or malformed key, a date that is not ISO 8601).
    public static func parse(_ data: Data, file: String) throws(PublisherError) -> ReleaseSnapshot {
        let formatter = ISO8601DateFormatter()
        let document: Document
        do {
            document = try CanonicalJSON.decode(Document.self, from: data, file: file)
        } catch {
            throw .invalidInput("\(file): check 'snapshot' failed: not an opendata snapshot (\(error))")
        }
        guard document.type == "opendata-snapshot", let created = formatter.date(from: document.created),
              let expires = formatter.date(from: document.expires) else {
            throw .invalidInput("\(file): check 'snapshot' failed: not an opendata snapshot (type, created, expires, datasets, files, log_size)")
        }
        return ReleaseSnapshot(created: created, expires: expires,
                               datasets: document.datasets.mapValues { Latest(release: $0.release, manifestSHA256: $0.manifestSHA256,
                                                                               sequence: $0.sequence.flatMap { Int($0) }) },
                               files: document.files, logSize: document.logSize)
    }

    /// Writes `snapshot.json` and `snapshot.json.minisig` into `out`, describing
    /// `history` (every published release, oldest first) and the files on disk now.
    /// `extraFiles` are further paths to sign (dataset dashboards, cumulative and latest files).
    /// `written` gives the SHA-256 of files this run has just written (by rename, under the
    /// release lock), by path: those are signed as written rather than read back and hashed again
    /// (the cumulative files, megabytes after years of nights). A path in `written` is signed only
    /// when it is also a signed or extra file.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when a link sits at a signed file's folder, at
    ///   `snapshot.json` or at its signature; ``PublisherError/io(path:reason:)`` when `out` cannot be
    ///   opened, or the snapshot cannot be encoded, signed or written.
    public static func write(out: String, history: [StateStore.PublishedRelease], key: Minisign.SecretKey,
                             now: Date, ttl: TimeInterval, extraFiles: [String] = [], written: [String: String] = [:]) throws(PublisherError) {
        let root = try PublicFolder.root(out)
        var datasets = StateStore.PublishedRelease.newestByWindow(history).mapValues {
            Latest(release: $0.release, manifestSHA256: $0.manifestSHA256)
        }
        for release in history {
            let highest = max(datasets[release.dataset]?.sequence ?? 0, release.sequence)
            datasets[release.dataset]?.sequence = highest
        }
        var files: [String: String] = [:]
        for path in signedFiles + extraFiles {
            if let known = written[path] {
                files[path] = known
            } else if let data = try read(path, in: root) {
                files[path] = StreamingDigest.sha256Hex(data)
            }
        }
        let snapshot = ReleaseSnapshot(created: now, expires: now.addingTimeInterval(ttl), datasets: datasets, files: files,
                                       logSize: history.count)
        let bytes = try snapshot.canonicalJSON()
        let formatter = ISO8601DateFormatter()
        do {
            let signature = try Minisign.Signature.sign(
                bytes, key: key,
                trustedComment: "opendata snapshot sha256:\(StreamingDigest.sha256Hex(bytes)) expires:\(formatter.string(from: snapshot.expires))",
                untrustedComment: "opendata snapshot of \(datasets.count) datasets, key \(key.keyIDText)")
            // The signature first: a reader between the two renames sees a mismatch and retries,
            // never an unsigned snapshot passing.
            try root.replace("snapshot.json.minisig", with: Data(signature.fileContents.utf8))
            try root.replace("snapshot.json", with: bytes)
        } catch let error as PublisherError {
            throw error
        } catch {
            throw .io(path: (out as NSString).appendingPathComponent("snapshot.json"), reason: "cannot sign the snapshot (\(error))")
        }
    }

    /// Reads and checks `out`'s snapshot: signed by one of `keys`, not expired at `now`, every
    /// signed file unaltered, every dataset's `latest` naming its signed newest release. Returns
    /// the checks in order (`snapshot-signature`, `snapshot-fresh`, `snapshot-files`,
    /// `snapshot-latest`), ending at the first failure, and the snapshot when all passed.
    public static func verify(out: String, keys: [Minisign.PublicKey], now: Date = Date()) -> (snapshot: ReleaseSnapshot?, checks: [ReleaseVerifier.Check]) {
        var checks: [ReleaseVerifier.Check] = []
        func fail(_ check: String, _ file: String, _ reason: String) -> (ReleaseSnapshot?, [ReleaseVerifier.Check]) {
            (nil, checks + [ReleaseVerifier.Check(name: check, passed: false, detail: "\(file): check '\(check)' failed: \(reason)")])
        }
        let path = (out as NSString).appendingPathComponent("snapshot.json")
        guard let root = try? PublicFolder.root(out, create: false), let bytes = root.read("snapshot.json") else {
            return fail("snapshot", path, "missing; a published folder carries a signed snapshot (pass --no-snapshot to verify a lone release)")
        }
        guard let signatureBytes = root.read("snapshot.json.minisig"),
              let signature = try? Minisign.Signature.parse(String(decoding: signatureBytes, as: UTF8.self), file: path + ".minisig") else {
            return fail("snapshot-signature", path + ".minisig", "missing or unreadable")
        }
        guard let key = keys.first(where: { $0.keyID == signature.keyID }), signature.failure(for: bytes, key: key) == nil else {
            return fail("snapshot-signature", path, "not signed by a trusted key")
        }
        let snapshot: ReleaseSnapshot
        do {
            snapshot = try parse(bytes, file: path)
        } catch {
            return (nil, [ReleaseVerifier.Check(name: "snapshot", passed: false, detail: error.description)])
        }
        let formatter = ISO8601DateFormatter()
        guard signature.trustedComment.hasPrefix("opendata snapshot sha256:\(StreamingDigest.sha256Hex(bytes)) ") else {
            return fail("snapshot-signature", path + ".minisig", "the trusted comment does not describe this snapshot")
        }
        checks.append(ReleaseVerifier.Check(name: "snapshot-signature", passed: true,
                                            detail: "key \(key.keyIDText), created \(formatter.string(from: snapshot.created))"))
        guard snapshot.expires > now else {
            return fail("snapshot-fresh", path, "expired at \(formatter.string(from: snapshot.expires)); this copy has not been updated since (a frozen mirror, or the nightly run stopped)")
        }
        checks.append(ReleaseVerifier.Check(name: "snapshot-fresh", passed: true, detail: "expires \(formatter.string(from: snapshot.expires))"))
        for (file, sha) in snapshot.files.sorted(by: { $0.key < $1.key }) {
            guard let data = try? read(file, in: root), StreamingDigest.sha256Hex(data) == sha else {
                return fail("snapshot-files", (out as NSString).appendingPathComponent(file), "missing or not the file the snapshot signed")
            }
        }
        for file in signedFiles where snapshot.files[file] == nil && (try? read(file, in: root)) != nil {
            return fail("snapshot-files", (out as NSString).appendingPathComponent(file), "present but not in the signed snapshot")
        }
        checks.append(ReleaseVerifier.Check(name: "snapshot-files", passed: true, detail: "\(snapshot.files.count) files as signed"))
        for (dataset, latest) in snapshot.datasets.sorted(by: { $0.key < $1.key }) {
            let datasetPath = (out as NSString).appendingPathComponent(dataset)
            guard let folder = try? root.folder(dataset, create: false), let line = folder.read("latest"),
                  String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == latest.release else {
                return fail("snapshot-latest", datasetPath + "/latest", "does not name \(latest.release), the newest release the snapshot signed")
            }
            guard let manifest = try? folder.folder(latest.release, create: false).read("manifest.json"),
                  StreamingDigest.sha256Hex(manifest) == latest.manifestSHA256 else {
                return fail("snapshot-latest", "\(datasetPath)/\(latest.release)/manifest.json", "missing or not the manifest the snapshot signed")
            }
        }
        checks.append(ReleaseVerifier.Check(name: "snapshot-latest", passed: true, detail: "\(snapshot.datasets.count) datasets' latest as signed"))
        return (snapshot, checks)
    }

    /// Reads `path` (one or two components) under `root` without following links.
    static func read(_ path: String, in root: PublicFolder) throws(PublisherError) -> Data? {
        var parts = path.split(separator: "/").map(String.init)
        guard let name = parts.popLast() else { return nil }
        var folder = root
        for part in parts {
            guard folder.entryType(part) == S_IFDIR else { return nil }
            folder = try folder.folder(part, create: false)
        }
        return folder.read(name)
    }
}
