import Foundation
import PublicSite
import ReleaseFormat

/// `opendata rebuild`: rebuilds every cumulative file of a published folder (``CumulativeFiles``)
/// from its signed releases alone, with no state database, and compares it byte for byte with
/// what is published, so anyone holding the release key can check that the appended files hold
/// exactly the releases' rows and nothing else.
///
/// Each release folder under a dataset is verified first (``ReleaseFormat/ReleaseVerifier``: the
/// signature by a trusted key, every file against the manifest; expiry is not judged, as an old
/// release has expired by design). Then, per output with a chain file in `catalog/<dataset>/`,
/// the file, its chain (``CumulativeChain``) and its Table Schema are built as a first night would
/// build them and compared with the published ones.
///
/// What it does not check: the catalogs and dashboards (rendered pages; the snapshot signs their
/// hashes), and releases that were deleted from the folder together with their rows in the file's
/// chain (the transparency log lists every release ever published: `opendata log`).
public enum CumulativeRebuild {
    /// What the rebuild found.
    public struct Report: Sendable {
        /// Files compared (relative to the published folder) and found identical.
        public var identical: [String] = []
        /// Files that differ, or releases that failed verification, each with why.
        public var problems: [String] = []
        /// Releases verified.
        public var releases = 0
    }

    /// Rebuilds and compares every cumulative file under `out`; with `into`, also writes the rebuilt
    /// files there (as `catalog/<dataset>/…`).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when a folder cannot be opened or a file cannot be
    ///   decompressed, compressed or written; ``PublisherError/refused(_:)`` when a link sits where a
    ///   folder or file is read.
    public static func run(out: String, keys: [Minisign.PublicKey], into: String? = nil) throws(PublisherError) -> Report {
        var report = Report()
        let root = try PublicFolder.root(out, create: false)
        guard root.entryType("catalog") == S_IFDIR else {
            throw .io(path: "\(out)/catalog", reason: "no catalog folder: this is not a published folder with cumulative files")
        }
        let catalog = try root.folder("catalog", create: false)
        for id in catalog.entries().sorted() where catalog.entryType(id) == S_IFDIR && root.entryType(id) == S_IFDIR {
            let target = try catalog.folder(id, create: false)
            let outputs = target.entries().filter { $0.hasSuffix(".all.chain.jsonl") }.map { String($0.dropLast(".all.chain.jsonl".count)) }.sorted()
            guard !outputs.isEmpty else { continue }
            let folder = try root.folder(id, create: false)
            var releases: [PublishedRelease] = []
            for name in folder.entries().sorted() where name != "latest" && folder.entryType(name) == S_IFDIR {
                let verified = ReleaseVerifier.verify(folder: "\(folder.path)/\(name)", keys: keys, now: .distantPast)
                guard verified.passed, let manifest = verified.manifest, let bytes = try folder.folder(name, create: false).read("manifest.json") else {
                    report.problems.append("\(id)/\(name): \(verified.firstFailure.map { "\($0.name): \($0.detail)" } ?? "cannot be read")")
                    continue
                }
                let (window, sequence) = windowAndSequence(of: name)
                releases.append(PublishedRelease(dataset: id, release: name, window: window, windowSequence: sequence, sequence: manifest.sequence,
                                                 manifestSHA256: StreamingDigest.sha256Hex(bytes), publishedAt: Date()))
            }
            report.releases += releases.count
            releases.sort(by: PublishedRelease.windowOrder)
            guard let latest = releases.last else { continue }
            var source = CumulativeFiles.VerifiedSource(folder: folder)
            for output in outputs {
                let file = "\(output).csv.gz", schemaFile = "\(output).schema.json"
                let all = StableDownloads.allPath(dataset: id, output: output)
                guard let latestData = try source.read(file, of: latest) else {
                    report.problems.append("\(all): the newest release \(id)/\(latest.release) has no \(file)")
                    continue
                }
                let header = try CumulativeFiles.records(latestData, file: "\(id)/\(latest.release)/\(file)").header
                let built = try CumulativeFiles.build(file: "\(output).all.csv.gz", header: header, releases: CumulativeFiles.ordered(releases),
                                                      from: nil, path: all) { release throws(PublisherError) in
                    guard let data = try source.read(file, of: release) else { return nil }
                    return (data, try source.read(schemaFile, of: release))
                }
                var rebuilt: [(path: String, data: Data)] = [(all, built.file), (CumulativeFiles.chainPath(all), built.chainFile)]
                if let latestSchema = try source.read(schemaFile, of: latest) {
                    let schemas = built.schemas.isEmpty ? [latestSchema] : built.schemas
                    rebuilt.append((StableDownloads.schemaPath(all), try CumulativeFiles.schema(combining: schemas, bytes: built.file.count,
                                                                                                  sha256: StreamingDigest.sha256Hex(built.file), output: output,
                                                                                                  path: "\(id)/\(latest.release)/\(schemaFile)")))
                }
                for (path, data) in rebuilt {
                    let name = (path as NSString).lastPathComponent
                    if target.read(name) == data {
                        report.identical.append(path)
                    } else {
                        report.problems.append("\(path) differs from its rebuild from the signed releases")
                    }
                    if let into {
                        var folder = try PublicFolder.root(into)
                        for part in path.split(separator: "/").dropLast() { folder = try folder.folder(String(part)) }
                        try folder.replace(name, with: data)
                    }
                }
            }
        }
        return report
    }

    /// A release name's window and its re-issue number (`2026-11-21-s2` → `2026-11-21`, 2).
    static func windowAndSequence(of name: String) -> (String, Int) {
        if let range = name.range(of: "-s[0-9]+$", options: .regularExpression), let number = Int(name[range].dropFirst(2)) {
            return (String(name[..<range.lowerBound]), number)
        }
        return (name, 1)
    }
}
