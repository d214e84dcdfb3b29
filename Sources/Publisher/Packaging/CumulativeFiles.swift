import Foundation
import OperationalStore
import PrivacyPolicy
import PublicSite
import ReleaseFormat

/// Stable downloads for portals that harvest a URL rather than a release folder: per output,
/// `catalog/<dataset>/<output>.all.csv.gz` holds every release so far (a leading `release` column
/// says which), with its Table Schema `<output>.all.schema.json`, and
/// `catalog/<dataset>/<output>.latest.csv.gz` (with `<output>.latest.schema.json`) is a
/// byte-for-byte copy of the newest release's file. They live beside the catalogs, not in the
/// dataset's folder, which holds only its releases and `latest` (DESIGN.md, release layout).
///
/// Guarantees: both are rebuilt on every run from the published, signed release folders only
/// (never from the operational store), so they hold nothing a release did not already publish;
/// each file read is checked against its release's manifest, and the manifest against the
/// SHA-256 the state database recorded when the release was published, so a file altered in the
/// published folder stops the run instead of spreading into the cumulative file. A window re-issued under a new sequence (`-s2`) replaces the earlier
/// release of that window. A release whose columns differ from the newest one's (the policy
/// changed the output) is left out of the cumulative file, and the coverage says which
/// windows it holds. The files are written by rename (``PublicFolder``) and signed through the
/// snapshot (``ReleaseSnapshot``).
public enum CumulativeFiles {
    /// Rebuilds the files of every output of `dataset` under `out`. Returns each output's coverage
    /// and every path written (relative to `out`), for the catalogs and the snapshot.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when a published release is missing, its manifest is not
    ///   the one the state recorded, a file differs from its manifest, or a link sits where a folder or file
    ///   is read or written; ``PublisherError/io(path:reason:)`` when a folder cannot be created or opened,
    ///   a file cannot be decompressed, compressed or written, or a release's schema cannot be read.
    public static func write(dataset: PublicIndex.Dataset, out: String) throws(PublisherError) -> (coverage: [StableDownloads.Coverage], paths: [String]) {
        let id = dataset.policy.dataset.id
        // The newest release of each window, oldest window first.
        var newest: [String: StateStore.PublishedRelease] = [:]
        for release in dataset.releases {
            if let seen = newest[release.window], seen.windowSequence > release.windowSequence { continue }
            newest[release.window] = release
        }
        // Rows in window order; `latest` is the newest publication, as `<dataset>/latest` names it.
        let releases = dataset.releases.filter { newest[$0.window] == $0 }.sorted { $0.window < $1.window }
        guard let latest = dataset.releases.last else { return ([], []) }
        let root = try PublicFolder.root(out)
        let folder = try root.folder(id, create: false)
        let target = try root.folder("catalog").folder(id)
        var coverage: [StableDownloads.Coverage] = []
        var paths: [String] = []
        var verified: [String: VerifiedRelease] = [:]
        func published(_ file: String, of release: StateStore.PublishedRelease) throws(PublisherError) -> Data? {
            if let known = verified[release.release] { return try known.read(file) }
            let opened = try VerifiedRelease(release, in: folder)
            verified[release.release] = opened
            return try opened.read(file)
        }
        for output in dataset.policy.publishedOutputs {
            let file = "\(output.id).csv.gz", schemaFile = "\(output.id).schema.json"
            guard let latestData = try published(file, of: latest),
                  let latestSchema = try published(schemaFile, of: latest) else { continue }
            let latestRecords = try records(latestData, file: "\(id)/\(latest.release)/\(file)")
            let header = latestRecords.header
            // Rows are copied as published, each prefixed with its release: no field is re-parsed or re-quoted.
            var text = Data("release,".utf8) + header + Data("\n".utf8)
            var included: [StateStore.PublishedRelease] = []
            var schemas: [Data] = []
            for release in releases {
                guard let data = release == latest ? latestData : try published(file, of: release),
                      let schema = release == latest ? latestSchema : try published(schemaFile, of: release)
                else { continue }
                let parsed = release == latest ? latestRecords : try records(data, file: "\(id)/\(release.release)/\(file)")
                guard parsed.header == header else { continue }
                included.append(release)
                // A release with no rows (a period file on a night no period ended) types nothing.
                if !parsed.lines.isEmpty { schemas.append(schema) }
                let prefix = Data("\(release.release),".utf8)
                parsed.body.withUnsafeBytes { body in
                    for range in parsed.lines {
                        text.append(prefix)
                        text.append(contentsOf: UnsafeRawBufferPointer(rebasing: body[range]))
                        text.append(0x0A)
                    }
                }
            }
            let compressed: Data
            do {
                compressed = try Gzip.compress(text)
            } catch {
                throw .io(path: (out as NSString).appendingPathComponent(StableDownloads.allPath(dataset: id, output: output.id)), reason: error.description)
            }
            try target.replace("\(output.id).all.csv.gz", with: compressed)
            try target.replace("\(output.id).all.schema.json", with: try schema(combining: schemas.isEmpty ? [latestSchema] : schemas,
                                                                               compressed: compressed, output: output,
                                                                               path: "\(id)/\(latest.release)/\(schemaFile)"))
            try target.replace("\(output.id).latest.csv.gz", with: latestData)
            try target.replace("\(output.id).latest.schema.json", with: latestSchema)
            let all = StableDownloads.allPath(dataset: id, output: output.id), copy = StableDownloads.latestPath(dataset: id, output: output.id)
            paths += [all, StableDownloads.schemaPath(all), copy, StableDownloads.schemaPath(copy)]
            let windows = included.compactMap { release in
                dataset.ledger.first { $0.window == release.window && $0.sequence == release.windowSequence }
            }
            if let first = windows.first, let last = windows.last {
                coverage.append(StableDownloads.Coverage(output: output.id, releases: included.map(\.release), start: first.windowStart, end: last.windowEnd))
            }
        }
        return (coverage, paths)
    }

    /// A release folder whose manifest is the one recorded at publication, with that manifest:
    /// opened and checked once per release, then every file of it is read through it.
    struct VerifiedRelease {
        let folder: PublicFolder
        let manifest: Manifest

        /// Opens `release` under `folder` and checks its manifest against the SHA-256 the state
        /// recorded when it was published.
        init(_ release: StateStore.PublishedRelease, in folder: PublicFolder) throws(PublisherError) {
            let path = "\(folder.path)/\(release.release)"
            guard folder.entryType(release.release) == S_IFDIR else {
                throw .refused("\(path): published release is missing from the published folder; restore it from a backup")
            }
            self.folder = try folder.folder(release.release, create: false)
            guard let data = self.folder.read("manifest.json"), StreamingDigest.sha256Hex(data) == release.manifestSHA256 else {
                throw .refused("\(path)/manifest.json is not the manifest signed at publication; restore the release from a backup")
            }
            do {
                manifest = try Manifest.parse(data, file: "\(path)/manifest.json")
            } catch {
                throw .refused("\(path)/manifest.json: \(error.description)")
            }
        }

        /// The bytes of `file` as the manifest lists them; nil when the release has no such file
        /// (the output did not exist then). Throws when the file does not match the manifest.
        func read(_ file: String) throws(PublisherError) -> Data? {
            guard let entry = manifest.files.first(where: { $0.path == file }) else { return nil }
            guard let data = folder.read(file), StreamingDigest.sha256Hex(data) == entry.sha256 else {
                throw .refused("\(folder.path)/\(file) differs from its signed manifest; restore the release from a backup (nothing was rebuilt from it)")
            }
            return data
        }
    }

    /// The Table Schema of a cumulative file: `release` first, then each column as every included
    /// release with rows types it in its own schema; where releases disagree (a column published by day one night
    /// and by week another) the column is a plain string. Descriptions are the newest release's,
    /// without the level that release was published at.
    static func schema(combining schemas_: [Data], compressed: Data, output: OutputSpec, path: String) throws(PublisherError) -> Data {
        var schemas: [DataPackage.TableSchema] = []
        for data in schemas_ {
            do {
                schemas.append(try CanonicalJSON.decode(DataPackage.TableSchema.self, from: data, file: path))
            } catch {
                throw .io(path: path, reason: error.description)
            }
        }
        guard let newest = schemas.last else { throw .io(path: path, reason: "no release schema to combine") }
        var fields = [DataPackage.Field(name: "release", type: "string",
                                        description: "the release the row was published in: its window (a day), with -sN when that window was re-issued",
                                        pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}(\\.\\.[0-9]{4}-[0-9]{2}-[0-9]{2})?(-s[0-9]+)?$")]
        for (index, field) in newest.fields.enumerated() {
            let description = field.description
                .replacingOccurrences(of: "; published at [^;]* \\(level [0-9]+\\)", with: "; the level varies by release (see each release's report)",
                                      options: .regularExpression)
            // Identical in every release: kept; otherwise a string (every value is one).
            let same = schemas.allSatisfy { index < $0.fields.count && $0.fields[index] == field }
            fields.append(same
                ? DataPackage.Field(name: field.name, type: field.type, description: description, minimum: field.minimum, pattern: field.pattern)
                : DataPackage.Field(name: field.name, type: "string", description: description))
        }
        let key = newest.primaryKey.map { ["release"] + $0 } ?? []
        let resource = DataPackage.Resource(name: output.id + "-all", path: "\(output.id).all.csv.gz", title: (output.title ?? output.id) + ", every release",
                                            bytes: compressed.count, sha256: StreamingDigest.sha256Hex(compressed), fields: fields, primaryKey: key)
        do {
            return try DataPackage.tableSchemaJSON(resource)
        } catch {
            throw .io(path: path, reason: error.description)
        }
    }

    /// A published CSV file's header line and the byte ranges of its other records (RFC 4180: a
    /// quoted field may hold line breaks, so records end only at a line break outside quotes).
    static func records(_ gzip: Data, file: String) throws(PublisherError) -> (header: Data, body: Data, lines: [Range<Int>]) {
        let bytes: Data
        do {
            bytes = try Gzip.decompress(gzip, file: file)
        } catch {
            throw .io(path: file, reason: error.description)
        }
        var lines: [Range<Int>] = []
        bytes.withUnsafeBytes { raw in
            var quoted = false, start = 0
            for index in 0..<raw.count {
                switch raw[index] {
                case 0x22: quoted.toggle()
                case 0x0A where !quoted:
                    lines.append(start..<index)
                    start = index + 1
                default: break
                }
            }
            if start < raw.count { lines.append(start..<raw.count) }
        }
        let body = Data(bytes)
        guard let first = lines.first else { return (Data(), body, []) }
        return (body.subdata(in: first), body, Array(lines.dropFirst()))
    }
}
