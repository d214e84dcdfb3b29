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
            no-unlisted-files, datapackage (its hashes agree with the files), not-expired, and \
            no-rollback (with --previous, or when the previous release sits beside this one). \
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
        var report = ReleaseVerifier.verify(folder: release, keys: keys, previous: previousBytes)
        if report.passed, let state, let manifest = report.manifest {
            report.checks.append(Self.historyCheck(release: release, manifest: manifest, state: state))
        }
        if report.passed, let manifest = report.manifest, let check = Self.inclusionCheck(release: release, manifest: manifest, keys: keys) {
            report.checks.append(check)
        }
        for check in report.checks where check.passed {
            console.info("ok   \(check.name): \(check.detail)", ["check": check.name, "passed": "true"])
        }
        if let failure = report.firstFailure {
            console.error("FAIL \(failure.name): \(failure.detail)", ["check": failure.name, "passed": "false"])
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

    /// `log-inclusion`, when the releases folder has a transparency log: the
    /// release is a leaf of the signed tree (RFC 6962 audit path).
    static func inclusionCheck(release: String, manifest: Manifest, keys: [Minisign.PublicKey]) -> ReleaseVerifier.Check? {
        let out = ((release as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        let checkpointPath = (out as NSString).appendingPathComponent("log/checkpoint")
        guard let text = try? String(contentsOfFile: checkpointPath, encoding: .utf8) else { return nil }
        let checkpoint = keys.lazy.compactMap {
            try? Checkpoint.verify(text, name: TransparencyLog.signerName($0), publicKey: $0.key, file: checkpointPath)
        }.first
        guard let checkpoint, let entries = try? TransparencyLog.entries(out: out) else {
            return ReleaseVerifier.Check(name: "log-inclusion", passed: false, detail: "\(checkpointPath): the log checkpoint is unreadable or not signed by a trusted key")
        }
        let sha = (try? StreamingDigest.hash(file: (release as NSString).appendingPathComponent("manifest.json"), .sha256)).map(Encoding.hex) ?? ""
        let leaves = entries.prefix(checkpoint.size).map { MerkleTree.leafHash($0.leaf) }
        guard let index = entries.prefix(checkpoint.size).firstIndex(where: {
            $0.dataset == manifest.dataset && $0.release == manifest.release && $0.manifestSHA256 == sha
        }) else {
            // The log is rewritten at the end of each run, so the newest release of a dataset may not be in it yet;
            // an older one missing from it, or one whose logged manifest differs, is a failure.
            let logged = entries.prefix(checkpoint.size).filter { $0.dataset == manifest.dataset }
            let loggedSequences = logged.compactMap { entry -> Int? in
                let path = ((out as NSString).appendingPathComponent(entry.dataset) as NSString).appendingPathComponent(entry.release + "/manifest.json")
                return FileManager.default.contents(atPath: path).flatMap { try? Manifest.parse($0, file: path) }?.sequence
            }
            if logged.contains(where: { $0.release == manifest.release }) || loggedSequences.contains(where: { $0 >= manifest.sequence }) {
                return ReleaseVerifier.Check(name: "log-inclusion", passed: false, detail: "\(release): not in the transparency log, which already covers later releases of \(manifest.dataset)")
            }
            return ReleaseVerifier.Check(name: "log-inclusion", passed: true, detail: "published after the latest checkpoint (\(checkpoint.size) releases); the next run logs it")
        }
        let proof = MerkleTree.inclusionProof(index, leaves[...])
        guard MerkleTree.verifyInclusion(leaf: leaves[index], index: index, size: checkpoint.size, proof: proof, root: checkpoint.root) else {
            return ReleaseVerifier.Check(name: "log-inclusion", passed: false, detail: "\(release): the audit path does not reach the signed root")
        }
        return ReleaseVerifier.Check(name: "log-inclusion", passed: true, detail: "leaf \(index + 1) of \(checkpoint.size) in the signed log")
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
