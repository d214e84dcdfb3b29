import Foundation
import ReleaseFormat

/// The quarterly audit bundle (`opendata audit`): everything a third-party
/// reviewer needs offline, in one signed file. For every release in the
/// period: its manifest (exact bytes) and policy (exact text), the changes
/// between consecutive policies of a dataset, the budget ledger, the retention
/// audit entries, and the transparency log (entries and signed checkpoint).
/// The file is canonical JSON signed with minisign (`FILE.minisig`), so
/// `minisign -Vm FILE -p release.pub` checks it with stock tools.
public enum AuditBundle {
    /// Writes the bundle for releases published in [from, to] and signs it.
    /// With `windows` (the first and last day of the period), releases and ledger entries are
    /// chosen by the days their windows cover, not by when they were published: a data month,
    /// whenever its nights were published or caught up. A period with no release is refused
    /// (nothing is signed): an empty bundle would look like an audit of nothing having happened.
    ///
    /// - Throws: ``PublisherError/invalidInput(_:)`` when no release falls in the period (nothing is
    ///   signed); ``PublisherError/io(path:reason:)`` when the state cannot be read, a release in the history
    ///   is missing from `out`, or the bundle cannot be encoded, signed or written.
    public static func write(out: String, state: StateStore, from: Date, to: Date, windows: ClosedRange<String>? = nil, file: String,
                             key: Minisign.SecretKey) throws(PublisherError) -> Int {
        let formatter = ISO8601DateFormatter()
        func inPeriod(_ window: String) -> Bool {
            guard let windows else { return false }
            let days = ReleaseWindow.days(of: window)
            return days.first >= windows.lowerBound && days.last <= windows.upperBound
        }
        let releases = try state.releases().filter { windows == nil ? ($0.publishedAt >= from && $0.publishedAt <= to) : inPeriod($0.window) }
        guard !releases.isEmpty else {
            let period = windows.map { "with windows in \($0.lowerBound)..\($0.upperBound)" } ?? "published from \(formatter.string(from: from)) to \(formatter.string(from: to))"
            throw .invalidInput("no release \(period) in \(state.path); nothing was signed. Check the period\(windows == nil ? ", or select by data days with --windows" : "")")
        }
        var entries: [Document.Release] = []
        var previousPolicy: [String: (release: String, text: String)] = [:]
        var changes: [Document.PolicyChange] = []
        for release in releases {
            let folder = ((out as NSString).appendingPathComponent(release.dataset) as NSString).appendingPathComponent(release.release)
            guard let manifest = FileManager.default.contents(atPath: folder + "/manifest.json"),
                  let policy = FileManager.default.contents(atPath: folder + "/policy.yaml") else {
                throw .io(path: folder, reason: "a release in the history is missing from disk; run opendata log verify")
            }
            let text = String(decoding: policy, as: UTF8.self)
            entries.append(.init(dataset: release.dataset, release: release.release, sequence: release.sequence,
                                 publishedAt: formatter.string(from: release.publishedAt), manifestSHA256: release.manifestSHA256,
                                 manifest: String(decoding: manifest, as: UTF8.self), policy: text, policySHA256: StreamingDigest.sha256Hex(policy)))
            if let before = previousPolicy[release.dataset], before.text != text {
                changes.append(.init(dataset: release.dataset, fromRelease: before.release, toRelease: release.release,
                                     diff: lineDiff(before.text, text)))
            }
            previousPolicy[release.dataset] = (release.release, text)
        }
        let datasets = Set(releases.map(\.dataset))
        let ledger = BudgetLedger(state: state)
        var spend: [Document.Charge] = []
        for dataset in datasets.sorted() {
            for entry in try ledger.entries(dataset: dataset)
            where windows == nil ? (entry.recordedAt >= from && entry.recordedAt <= to) : inPeriod(entry.window) {
                spend.append(.init(dataset: entry.dataset, window: entry.window, sequence: entry.sequence, output: entry.output,
                                   epsilon: entry.epsilon, delta: entry.delta, rho: entry.rho,
                                   recordedAt: formatter.string(from: entry.recordedAt)))
            }
        }
        let retention = try state.retentionAudit().filter { $0.ranAt >= from && $0.ranAt <= to }.map { entry in
            Document.RetentionRun(dataset: entry.dataset, table: entry.sourceTable, rule: entry.rule, policySHA256: entry.policySHA256,
                                  cutoff: formatter.string(from: entry.cutoff), deleted: entry.deleted, held: entry.held,
                                  undated: entry.undated, ranAt: formatter.string(from: entry.ranAt))
        }
        let logFolder = (out as NSString).appendingPathComponent("log")
        let bundle = Document(
            period: .init(from: formatter.string(from: from), to: formatter.string(from: to)),
            created: formatter.string(from: Date()), keyID: key.keyIDText,
            releases: entries, policyChanges: changes, ledger: spend, retentionAudit: retention,
            log: .init(entries: String(decoding: FileManager.default.contents(atPath: logFolder + "/entries.json") ?? Data("[]".utf8), as: UTF8.self),
                       checkpoint: String(decoding: FileManager.default.contents(atPath: logFolder + "/checkpoint") ?? Data(), as: UTF8.self)))
        do {
            let data = try CanonicalJSON.encode(bundle)
            try data.write(to: URL(fileURLWithPath: file))
            let signature = try Minisign.Signature.sign(data, key: key,
                                                        trustedComment: "opendata audit bundle \(formatter.string(from: from))..\(formatter.string(from: to)) releases:\(entries.count) sha256:\(StreamingDigest.sha256Hex(data))")
            try Data(signature.fileContents.utf8).write(to: URL(fileURLWithPath: file + ".minisig"))
        } catch let error as ReleaseFormatError {
            throw .io(path: file, reason: error.description)
        } catch {
            throw .io(path: file, reason: "cannot write the bundle (\(error.localizedDescription))")
        }
        return entries.count
    }

    /// Checks a bundle offline: its signature, every manifest and policy hash, the
    /// log checkpoint's signature, and that every release is in the signed log.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the bundle or its `.minisig` cannot be read;
    ///   ``PublisherError/invalidInput(_:)`` naming the first check that fails (signature, format, log
    ///   checkpoint, log root, manifest, policy, log inclusion).
    public static func verify(file: String, keys: [Minisign.PublicKey]) throws(PublisherError) -> [String] {
        guard let data = FileManager.default.contents(atPath: file),
              let signatureText = try? String(contentsOfFile: file + ".minisig", encoding: .utf8) else {
            throw .io(path: file, reason: "cannot read the bundle and its .minisig")
        }
        let signature: Minisign.Signature
        do {
            signature = try Minisign.Signature.parse(signatureText, file: file + ".minisig")
        } catch {
            throw .invalidInput(error.description)
        }
        guard let key = keys.first(where: { $0.keyID == signature.keyID }) else {
            throw .invalidInput("\(file).minisig: check 'signature' failed: signed by an untrusted key")
        }
        if let problem = signature.failure(for: data, key: key) {
            throw .invalidInput("\(file): check 'signature' failed: \(problem)")
        }
        var passed = ["signature: key \(key.keyIDText)"]
        let bundle: Document, logEntries: [TransparencyLog.Entry]
        do {
            bundle = try CanonicalJSON.decode(Document.self, from: data, file: file)
            logEntries = try CanonicalJSON.decode([TransparencyLog.Entry].self, from: Data(bundle.log.entries.utf8), file: file + " log.entries")
        } catch {
            throw .invalidInput("\(file): check 'format' failed: not an audit bundle (\(error))")
        }
        let releases = bundle.releases
        var leaves: [String: Int] = [:]
        for (index, entry) in logEntries.enumerated() {
            leaves["\(entry.dataset)/\(entry.release)/\(entry.manifestSHA256)"] = index
        }
        let checkpointText = bundle.log.checkpoint
        guard let checkpoint = TransparencyLog.openCheckpoint(checkpointText, keys: keys, file: "checkpoint") else {
            throw .invalidInput("\(file): check 'log-checkpoint' failed: the checkpoint is not signed by a trusted key")
        }
        let leafHashes = logEntries.map { MerkleTree.leafHash($0.leaf) }
        guard leafHashes.count == checkpoint.size, MerkleTree.root(leafHashes[...]) == checkpoint.root else {
            throw .invalidInput("\(file): check 'log-root' failed: the bundled log entries do not produce the signed root")
        }
        passed.append("log: \(checkpoint.size) releases under a valid checkpoint")
        for release in releases {
            let name = "\(release.dataset)/\(release.release)"
            let (manifest, sha, policy) = (release.manifest, release.manifestSHA256, release.policy)
            guard StreamingDigest.sha256Hex(Data(manifest.utf8)) == sha else {
                throw .invalidInput("\(file): check 'manifest' failed for \(name): the manifest does not hash to its recorded SHA-256")
            }
            guard let parsed = try? Manifest.parse(Data(manifest.utf8), file: name),
                  StreamingDigest.sha256Hex(Data(policy.utf8)) == parsed.policySHA256 else {
                throw .invalidInput("\(file): check 'policy' failed for \(name): the policy is not the one the manifest names")
            }
            guard leaves["\(name)/\(sha)"] != nil else {
                throw .invalidInput("\(file): check 'log-inclusion' failed for \(name): not in the signed log")
            }
        }
        passed.append("releases: \(releases.count) manifests and policies match and are logged")
        return passed
    }

    /// A minimal line diff: lines only in the old text with "-", only in the new with "+".
    static func lineDiff(_ old: String, _ new: String) -> [String] {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let inB = Set(b), inA = Set(a)
        return a.filter { !inB.contains($0) }.map { "- " + $0 } + b.filter { !inA.contains($0) }.map { "+ " + $0 }
    }

    /// The bundle's JSON shape, written by ``write(out:state:from:to:windows:file:key:)`` and read by
    /// ``verify(file:keys:)``. Manifests, policies and the log are carried as their exact text, so
    /// their hashes can be recomputed.
    public struct Document: Codable, Sendable {
        public struct Period: Codable, Sendable {
            public var from: String
            public var to: String
        }

        public struct Release: Codable, Sendable {
            public var dataset: String
            public var release: String
            public var sequence: Int
            public var publishedAt: String
            public var manifestSHA256: String
            /// The manifest's exact bytes, as text.
            public var manifest: String
            /// The policy's exact text.
            public var policy: String
            public var policySHA256: String
            enum CodingKeys: String, CodingKey {
                case dataset, release, sequence, manifest, policy, publishedAt = "published_at", manifestSHA256 = "manifest_sha256"
                case policySHA256 = "policy_sha256"
            }
        }

        public struct PolicyChange: Codable, Sendable {
            public var dataset: String
            public var fromRelease: String
            public var toRelease: String
            public var diff: [String]
            enum CodingKeys: String, CodingKey { case dataset, diff, fromRelease = "from_release", toRelease = "to_release" }
        }

        public struct Charge: Codable, Sendable {
            public var dataset: String
            public var window: String
            public var sequence: Int
            public var output: String
            public var epsilon: Double
            @ExplicitNull public var delta: Double?
            @ExplicitNull public var rho: Double?
            public var recordedAt: String
            enum CodingKeys: String, CodingKey { case dataset, window, sequence, output, epsilon, delta, rho, recordedAt = "recorded_at" }
        }

        public struct RetentionRun: Codable, Sendable {
            public var dataset: String
            public var table: String
            public var rule: String
            public var policySHA256: String
            public var cutoff: String
            public var deleted: Int
            public var held: Int
            public var undated: Int
            public var ranAt: String
            enum CodingKeys: String, CodingKey {
                case dataset, table, rule, cutoff, deleted, held, undated, policySHA256 = "policy_sha256", ranAt = "ran_at"
            }
        }

        /// The transparency log's files as their exact text.
        public struct Log: Codable, Sendable {
            public var entries: String
            public var checkpoint: String
        }

        public var period: Period
        public var created: String
        public var keyID: String
        public var releases: [Release]
        public var policyChanges: [PolicyChange]
        public var ledger: [Charge]
        public var retentionAudit: [RetentionRun]
        public var log: Log
        enum CodingKeys: String, CodingKey {
            case period, created, releases, ledger, log, keyID = "key_id", policyChanges = "policy_changes", retentionAudit = "retention_audit"
        }
    }
}
