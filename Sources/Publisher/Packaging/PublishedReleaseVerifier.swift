import Foundation
import PublicSite
import ReleaseFormat

/// Everything a portal maintainer checks before ingesting a release folder, in order:
/// ``ReleaseVerifier``'s checks of the folder itself (signatures, files, data package, expiry,
/// rollback), then `history` (against the publisher's state, when given), `names`,
/// `log-inclusion` (RFC 6962 audit path to the signed transparency log) and the snapshot checks
/// (TUF-style freshness, replay and substitution; ``ReleaseSnapshot``). Each check stops the
/// list at the first failure, so the report names the first thing wrong.
public enum PublishedReleaseVerifier {
    /// What to check beyond the folder itself.
    public struct Options: Sendable {
        /// The manifest of the release before this one (for `no-rollback`); nil looks beside the release.
        public var previous: Data?
        /// The publisher's state database, for the `history` check.
        public var state: String?
        /// The time expiry is judged at.
        public var now: Date
        /// Check inclusion in the transparency log two folders up.
        public var log: Bool
        /// Check the signed snapshot two folders up.
        public var snapshot: Bool

        public init(previous: Data? = nil, state: String? = nil, now: Date = Date(), log: Bool = true, snapshot: Bool = true) {
            (self.previous, self.state, self.now, self.log, self.snapshot) = (previous, state, now, log, snapshot)
        }
    }

    /// Runs every check on the release folder `release` with the trusted `keys`.
    public static func verify(release: String, keys: [Minisign.PublicKey], options: Options) -> ReleaseVerifier.Report {
        var report = ReleaseVerifier.verify(folder: release, keys: keys, previous: options.previous ?? siblingPrevious(of: release),
                                            now: options.now)
        if report.passed, let state = options.state, let manifest = report.manifest {
            report.checks.append(historyCheck(release: release, manifest: manifest, state: state))
        }
        if report.passed, let manifest = report.manifest {
            report.checks.append(namesCheck(release: release, manifest: manifest))
        }
        if report.passed, let manifest = report.manifest, options.log {
            report.checks.append(inclusionCheck(release: release, manifest: manifest, keys: keys))
        }
        if report.passed, let manifest = report.manifest, options.snapshot {
            report.checks += snapshotChecks(release: release, manifest: manifest, keys: keys, now: options.now)
        }
        return report
    }

    /// `history`: the publisher's state records this exact manifest, and its
    /// previous-manifest link names the release recorded just before it.
    public static func historyCheck(release: String, manifest: Manifest, state: String) -> ReleaseVerifier.Check {
        let path = (release as NSString).appendingPathComponent("manifest.json")
        guard FileManager.default.fileExists(atPath: state), let store = try? StateStore(path: state),
              let history = try? store.releases(dataset: manifest.dataset) else {
            return ReleaseVerifier.Check(name: "history", passed: false, detail: "\(state): cannot read the release history")
        }
        let sha = (try? StreamingDigest.hash(file: path, .sha256)).map(Encoding.hex) ?? ""
        guard let entry = history.first(where: { $0.manifestSHA256 == sha }) else {
            return ReleaseVerifier.Check(name: "history", passed: false, detail: "\(path): this manifest is not in the publisher's release history (rolled back or forged)")
        }
        let before = history.last { $0.sequence < entry.sequence }
        guard manifest.previousManifestSHA256 == before?.manifestSHA256 else {
            return ReleaseVerifier.Check(name: "history", passed: false, detail: "\(path): previous_manifest_sha256 does not name the release before it in the history")
        }
        let newest = history.map(\.sequence).max() ?? entry.sequence
        return ReleaseVerifier.Check(name: "history", passed: true,
                                     detail: "sequence \(entry.sequence) of \(newest) in the history, linked to \(before?.release ?? "nothing (first release)")")
    }

    /// `names`: the folder is `<dataset>/<release>` as the signed manifest says, so a
    /// release copied under another dataset or date does not pass as that one.
    public static func namesCheck(release: String, manifest: Manifest) -> ReleaseVerifier.Check {
        let folder = URL(fileURLWithPath: release).standardizedFileURL
        let name = folder.lastPathComponent, dataset = folder.deletingLastPathComponent().lastPathComponent
        guard name == manifest.release, dataset == manifest.dataset else {
            return ReleaseVerifier.Check(name: "names", passed: false, detail: "\(release): the folder is \(dataset)/\(name) but the signed manifest is of \(manifest.dataset)/\(manifest.release) (copied or renamed)")
        }
        return ReleaseVerifier.Check(name: "names", passed: true, detail: "\(dataset)/\(name) as signed")
    }

    /// The published folder a release folder sits in (two levels up).
    public static func publishedFolder(of release: String) -> String {
        URL(fileURLWithPath: release).standardizedFileURL.deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// `log-inclusion`: the release is a leaf of the signed transparency log of its
    /// published folder (RFC 6962 audit path). A missing log is a failure.
    public static func inclusionCheck(release: String, manifest: Manifest, keys: [Minisign.PublicKey]) -> ReleaseVerifier.Check {
        let out = publishedFolder(of: release)
        let checkpointPath = (out as NSString).appendingPathComponent("log/checkpoint")
        guard let text = try? String(contentsOfFile: checkpointPath, encoding: .utf8) else {
            return ReleaseVerifier.Check(name: "log-inclusion", passed: false, detail: "\(checkpointPath): no transparency log beside the release (deleted?); pass --no-log only for a lone release folder")
        }
        let checkpoint = TransparencyLog.openCheckpoint(text, keys: keys, file: checkpointPath)
        guard let checkpoint, let entries = try? TransparencyLog.entries(out: out) else {
            return ReleaseVerifier.Check(name: "log-inclusion", passed: false, detail: "\(checkpointPath): the log checkpoint is unreadable or not signed by a trusted key")
        }
        let sha = (try? StreamingDigest.hash(file: (release as NSString).appendingPathComponent("manifest.json"), .sha256)).map(Encoding.hex) ?? ""
        let leaves = entries.prefix(checkpoint.size).map { MerkleTree.leafHash($0.leaf) }
        guard let index = entries.prefix(checkpoint.size).firstIndex(where: {
            $0.dataset == manifest.dataset && $0.release == manifest.release && $0.manifestSHA256 == sha
        }) else {
            return ReleaseVerifier.Check(name: "log-inclusion", passed: false, detail: "\(release): not in the signed transparency log (\(checkpoint.size) releases); every published release is logged by the run that publishes it")
        }
        let proof = MerkleTree.inclusionProof(index, leaves[...])
        guard MerkleTree.verifyInclusion(leaf: leaves[index], index: index, size: checkpoint.size, proof: proof, root: checkpoint.root) else {
            return ReleaseVerifier.Check(name: "log-inclusion", passed: false, detail: "\(release): the audit path does not reach the signed root")
        }
        return ReleaseVerifier.Check(name: "log-inclusion", passed: true, detail: "leaf \(index + 1) of \(checkpoint.size) in the signed log")
    }

    /// The snapshot checks (``ReleaseSnapshot/verify(out:keys:now:)``) and `snapshot-release`:
    /// this release is the signed newest of its dataset, or older than it.
    public static func snapshotChecks(release: String, manifest: Manifest, keys: [Minisign.PublicKey], now: Date) -> [ReleaseVerifier.Check] {
        let out = publishedFolder(of: release)
        var (verified, checks) = ReleaseSnapshot.verify(out: out, keys: keys, now: now)
        guard let snapshot = verified else { return checks }
        let sha = (try? StreamingDigest.hash(file: (release as NSString).appendingPathComponent("manifest.json"), .sha256)).map(Encoding.hex) ?? ""
        let newestPath = ((out as NSString).appendingPathComponent(manifest.dataset) as NSString)
            .appendingPathComponent((snapshot.datasets[manifest.dataset]?.release ?? "") + "/manifest.json")
        if let newest = snapshot.datasets[manifest.dataset], newest.release == manifest.release, newest.manifestSHA256 == sha {
            checks.append(ReleaseVerifier.Check(name: "snapshot-release", passed: true, detail: "the newest release of \(manifest.dataset), as signed"))
        } else if let newest = snapshot.datasets[manifest.dataset], newest.release != manifest.release, let highest = newest.sequence,
                  manifest.sequence <= highest {
            checks.append(ReleaseVerifier.Check(name: "snapshot-release", passed: true,
                                                detail: "sequence \(manifest.sequence) of the \(highest) the snapshot signed for \(manifest.dataset) (newest window: \(newest.release))"))
        } else if let newest = snapshot.datasets[manifest.dataset], newest.release != manifest.release,
                  let data = FileManager.default.contents(atPath: newestPath), let signed = try? Manifest.parse(data, file: newestPath),
                  signed.sequence > manifest.sequence {
            checks.append(ReleaseVerifier.Check(name: "snapshot-release", passed: true, detail: "older than the signed newest, \(newest.release)"))
        } else {
            checks.append(ReleaseVerifier.Check(name: "snapshot-release", passed: false, detail: "\(release): not covered by the signed snapshot (newer than its newest release of \(manifest.dataset), or another manifest under the same name)"))
        }
        return checks
    }

    /// The manifest of the release beside this one whose SHA-256 this release names as previous.
    public static func siblingPrevious(of release: String) -> Data? {
        let manifestPath = (release as NSString).appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: manifestPath),
              let manifest = try? Manifest.parse(data, file: manifestPath), let wanted = manifest.previousManifestSHA256 else { return nil }
        let parent = (release as NSString).deletingLastPathComponent
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] {
            let path = (parent as NSString).appendingPathComponent(name + "/manifest.json")
            if let candidate = FileManager.default.contents(atPath: path),
               StreamingDigest.sha256Hex(candidate) == wanted { return candidate }
        }
        return nil
    }
}
