import ArgumentParser
import Foundation
import Publisher
import ReleaseFormat

/// `opendata verify`: everything a portal maintainer checks before ingesting a release.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a release folder: signature, files, data package, expiry, rollback.",
        discussion: """
            Checks, each reported by name: manifest, signature, global-signature, trusted-comment, \
            files (size and SHA-256 of every listed file; no links leaving the release), \
            no-unlisted-files, datapackage (its hashes agree with the files), not-expired, \
            no-rollback (with --previous, or when the previous release sits beside this one), \
            names (the folder is <dataset>/<release> as the manifest says: a release copied under \
            another name fails), log-inclusion (the release is a leaf of the signed transparency \
            log two folders up; a missing log fails unless --no-log), and the snapshot checks \
            (snapshot.json two folders up, signed and not expired; latest, the catalog, the index \
            page and release.pub as it signed them; this release no newer than the signed newest: \
            replay and frozen mirrors fail; --no-snapshot for a lone release folder). \
            Exit 0 only when all pass; otherwise 1, naming the first failing file and check.

            The same signature checks with stock tools:
              minisign -Vm RELEASE/manifest.json -p release.pub
              (cd RELEASE && sha256sum -c <(jq -r '.files[] | "\\(.sha256)  \\(.path)"' manifest.json))

            Example:
              opendata verify Releases/calls-for-service/2026-11-22 --keyring keys/
            """
    )

    @Argument(help: "The release folder (holding manifest.json).")
    var release: String

    @OptionGroup var trust: TrustedKeyOptions

    @Option(help: "The manifest.json of the release before this one, for the rollback check.")
    var previous: String?

    @Option(help: "State database of the publisher: the release must be in its history, linked to the release before it.")
    var state: String?

    @Option(help: ArgumentHelp("Verify as of this time (ISO 8601, e.g. 2026-11-23T12:00:00Z) instead of now.",
                               discussion: "For an auditor checking an archived copy: expiry of the manifest and of the snapshot is judged at that time."))
    var at: String?

    @Flag(help: "Verify a release folder that is not inside a published tree: skip the log-inclusion check.")
    var noLog = false

    @Flag(help: "Verify a release folder that is not inside a published tree: skip the snapshot checks.")
    var noSnapshot = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        let keys: [Minisign.PublicKey]
        do {
            keys = try trust.load()
        } catch let error as ReleaseFormatError {
            console.error(error.description)
            throw ExitCode(error.exitCode)
        }
        var previousBytes: Data?
        if let previous {
            guard let data = FileManager.default.contents(atPath: previous) else {
                console.error("\(previous): cannot read the previous manifest")
                throw ExitCode(4)
            }
            previousBytes = data
        } else {
            previousBytes = Self.siblingPrevious(of: release)
        }
        var now = Date()
        if let at {
            guard let time = ISO8601DateFormatter().date(from: at) ?? ISO8601DateFormatter.dayOnly(at) else {
                throw ValidationError("--at must be an ISO 8601 time such as 2026-11-23T12:00:00Z, got '\(at)'")
            }
            now = time
        }
        var report = ReleaseVerifier.verify(folder: release, keys: keys, previous: previousBytes, now: now)
        if report.passed, let state, let manifest = report.manifest {
            report.checks.append(Self.historyCheck(release: release, manifest: manifest, state: state))
        }
        if report.passed, let manifest = report.manifest {
            report.checks.append(Self.namesCheck(release: release, manifest: manifest))
        }
        if report.passed, let manifest = report.manifest, !noLog {
            report.checks.append(Self.inclusionCheck(release: release, manifest: manifest, keys: keys))
        }
        if report.passed, let manifest = report.manifest, !noSnapshot {
            report.checks += Self.snapshotChecks(release: release, manifest: manifest, keys: keys, now: now)
        }
        for check in report.checks where check.passed {
            console.info("ok   \(check.name): \(check.detail)", typed: ["check": .text(check.name), "passed": .flag(true)])
        }
        if let failure = report.firstFailure {
            console.error("FAIL \(failure.name): \(failure.detail)", typed: ["check": .text(failure.name), "passed": .flag(false)])
            throw ExitCode(1)
        }
        console.info("\(release): verified")
    }

    /// `history`: the publisher's state records this exact manifest, and its
    /// previous-manifest link names the release recorded just before it.
    static func historyCheck(release: String, manifest: Manifest, state: String) -> ReleaseVerifier.Check {
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
    static func namesCheck(release: String, manifest: Manifest) -> ReleaseVerifier.Check {
        let folder = URL(fileURLWithPath: release).standardizedFileURL
        let name = folder.lastPathComponent, dataset = folder.deletingLastPathComponent().lastPathComponent
        guard name == manifest.release, dataset == manifest.dataset else {
            return ReleaseVerifier.Check(name: "names", passed: false, detail: "\(release): the folder is \(dataset)/\(name) but the signed manifest is of \(manifest.dataset)/\(manifest.release) (copied or renamed)")
        }
        return ReleaseVerifier.Check(name: "names", passed: true, detail: "\(dataset)/\(name) as signed")
    }

    /// The published folder a release folder sits in (two levels up).
    static func publishedFolder(of release: String) -> String {
        URL(fileURLWithPath: release).standardizedFileURL.deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// `log-inclusion`: the release is a leaf of the signed transparency log of its
    /// published folder (RFC 6962 audit path). A missing log is a failure.
    static func inclusionCheck(release: String, manifest: Manifest, keys: [Minisign.PublicKey]) -> ReleaseVerifier.Check {
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
    static func snapshotChecks(release: String, manifest: Manifest, keys: [Minisign.PublicKey], now: Date) -> [ReleaseVerifier.Check] {
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
    static func siblingPrevious(of release: String) -> Data? {
        let manifestPath = (release as NSString).appendingPathComponent("manifest.json")
        guard let data = FileManager.default.contents(atPath: manifestPath),
              let manifest = try? Manifest.parse(data, file: manifestPath), let wanted = manifest.previousManifestSHA256 else { return nil }
        let parent = (release as NSString).deletingLastPathComponent
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] {
            let path = (parent as NSString).appendingPathComponent(name + "/manifest.json")
            if let candidate = FileManager.default.contents(atPath: path),
               Encoding.hex(StreamingDigest.hash(candidate, .sha256)) == wanted { return candidate }
        }
        return nil
    }
}

extension ISO8601DateFormatter {
    /// `YYYY-MM-DD` as midnight UTC.
    static func dayOnly(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }
}
