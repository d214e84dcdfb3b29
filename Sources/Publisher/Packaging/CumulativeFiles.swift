import Foundation
import OperationalStore
import PrivacyPolicy
import PublicSite
import ReleaseFormat

/// Stable downloads for portals that harvest a URL rather than a release folder: per output,
/// `catalog/<dataset>/<output>.all.csv.gz` holds every release so far (a leading `release` column
/// says which), with its Table Schema `<output>.all.schema.json` and its chain
/// `<output>.all.chain.jsonl` (``CumulativeChain``), and `catalog/<dataset>/<output>.latest.csv.gz`
/// (with `<output>.latest.schema.json`) is a byte-for-byte copy of the newest release's file. They
/// live beside the catalogs, not in the dataset's folder, which holds only its releases and
/// `latest` (DESIGN.md, release layout).
///
/// Guarantees: they hold nothing a release did not already publish. Each night appends the new
/// releases' rows as gzip members of their own, read from the published, signed release folders
/// only (never from the operational store): each file read is checked against its release's
/// manifest, and the manifest against the SHA-256 the state database recorded when the release
/// was published, so a file altered in the published folder stops the run instead of spreading
/// into the cumulative file. A night's cost does not grow with the history: it reads and writes
/// the new release's rows and copies the earlier bytes, without decompressing them.
///
/// The file is rebuilt from every signed release instead (the same bytes, see ``CumulativeChain``)
/// when its state is missing, when the published file or chain no longer hash to what the last
/// night wrote, when a window is re-issued under a new sequence (`-s2`, which replaces the earlier
/// release of that window) or caught up out of order, and when the newest release's columns
/// differ (the policy changed the output): a release whose columns differ from the newest one's is
/// left out, and the coverage says which windows the file holds. Files are written by rename
/// (``PublicFolder``) and signed through the snapshot (``ReleaseSnapshot``).
public enum CumulativeFiles {
    /// Appends to (or rebuilds) the files of every output of `dataset` under `out`, keeping where
    /// each stands in `state`. Returns each output's coverage, every path written (relative to
    /// `out`), for the catalogs and the snapshot, and the SHA-256 of the bytes written to each
    /// cumulative and chain file (`written`), so the snapshot signs them without reading them back.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when a published release is missing, its manifest is not
    ///   the one the state recorded, a file differs from its manifest, or a link sits where a folder or file
    ///   is read or written; ``PublisherError/io(path:reason:)`` when a folder cannot be created or opened,
    ///   a file cannot be decompressed, compressed or written, a release's schema cannot be read, or the
    ///   state database cannot be read or written.
    public static func write(dataset: PublicIndex.Dataset, out: String, state: StateStore) throws(PublisherError)
        -> (coverage: [StableDownloads.Coverage], paths: [String], written: [String: String]) {
        let id = dataset.policy.dataset.id
        let releases = ordered(dataset.releases)
        guard let latest = dataset.releases.last else { return ([], [], [:]) }
        let root = try PublicFolder.root(out)
        let folder = try root.folder(id, create: false)
        let target = try root.folder("catalog").folder(id)
        var source = VerifiedSource(folder: folder)
        var coverage: [StableDownloads.Coverage] = []
        var paths: [String] = []
        var written: [String: String] = [:]
        let byName = Dictionary(releases.map { ($0.release, $0) }, uniquingKeysWith: { first, _ in first })
        for output in dataset.policy.publishedOutputs {
            let file = "\(output.id).csv.gz", schemaFile = "\(output.id).schema.json"
            guard let latestData = try source.read(file, of: latest),
                  let latestSchema = try source.read(schemaFile, of: latest) else { continue }
            let header = try records(latestData, file: "\(id)/\(latest.release)/\(file)").header
            let names = (all: "\(output.id).all.csv.gz", chain: "\(output.id).all.chain.jsonl")
            // Yesterday's files, when they are still what the state says was written and the new list extends them.
            // Each is read and hashed in full (that check is what catches a file altered since); the
            // hash goes on over the bytes appended, so the new file's digest does not hash them again.
            var start: Built?
            var digests: (file: AppendingSHA256, chain: AppendingSHA256, fileBytes: Int, chainBytes: Int)?
            if let stored = try state.cumulativeState(dataset: id, output: output.id), stored.header == String(decoding: header, as: UTF8.self),
               releases.map(\.release).starts(with: stored.considered),
               let bytes = target.read(names.all), bytes.count == stored.bytes, case let fileDigest = AppendingSHA256(bytes),
               fileDigest.hex == stored.fileSHA256,
               let chain = target.read(names.chain), case let chainDigest = AppendingSHA256(chain), chainDigest.hex == stored.chainSHA256 {
                start = Built(file: bytes, chainFile: chain, chain: CumulativeChain(head: stored.head, bytes: stored.bytes),
                              schemas: stored.schemas.map { Data($0.utf8) }, considered: stored.considered, included: stored.included)
                digests = (fileDigest, chainDigest, bytes.count, chain.count)
            }
            let built = try build(file: names.all, header: header, releases: releases, from: start,
                                  path: (out as NSString).appendingPathComponent(StableDownloads.allPath(dataset: id, output: output.id))) { release throws(PublisherError) in
                guard let data = try source.read(file, of: release) else { return nil }
                return (data, try source.read(schemaFile, of: release))
            }
            // The files only grew from the bytes hashed above (build appends), so their digests continue.
            let fileSHA256: String, chainSHA256: String
            if let digests {
                digests.file.append(built.file, from: digests.fileBytes)
                digests.chain.append(built.chainFile, from: digests.chainBytes)
                (fileSHA256, chainSHA256) = (digests.file.hex, digests.chain.hex)
            } else {
                (fileSHA256, chainSHA256) = (StreamingDigest.sha256Hex(built.file), StreamingDigest.sha256Hex(built.chainFile))
            }
            try target.replace(names.all, with: built.file)
            try target.replace(names.chain, with: built.chainFile)
            try target.replace("\(output.id).all.schema.json", with: try schema(combining: built.schemas.isEmpty ? [latestSchema] : built.schemas,
                                                                               bytes: built.file.count, sha256: fileSHA256, output: output.id,
                                                                               path: "\(id)/\(latest.release)/\(schemaFile)"))
            try target.replace("\(output.id).latest.csv.gz", with: latestData)
            try target.replace("\(output.id).latest.schema.json", with: latestSchema)
            try state.saveCumulativeState(CumulativeState(considered: built.considered, header: String(decoding: header, as: UTF8.self),
                                                          schemas: built.schemas.map { String(decoding: $0, as: UTF8.self) },
                                                          included: built.included, fileSHA256: fileSHA256,
                                                          chainSHA256: chainSHA256,
                                                          head: built.chain.head, bytes: built.chain.bytes),
                                          dataset: id, output: output.id)
            let all = StableDownloads.allPath(dataset: id, output: output.id), copy = StableDownloads.latestPath(dataset: id, output: output.id)
            paths += [all, StableDownloads.schemaPath(all), chainPath(all), copy, StableDownloads.schemaPath(copy)]
            written[all] = fileSHA256
            written[chainPath(all)] = chainSHA256
            let included = built.included
            // The first and last included windows' ledger entries (looked up once each, not per release).
            func entry(_ name: String?) -> LedgerEntry? {
                guard let name, let release = byName[name] else { return nil }
                return dataset.ledger.first { $0.window == release.window && $0.sequence == release.windowSequence }
            }
            if let first = entry(included.first), let last = entry(included.last) {
                coverage.append(StableDownloads.Coverage(output: output.id, releases: included, start: first.windowStart, end: last.windowEnd))
            }
        }
        return (coverage, paths, written)
    }

    /// The chain file beside a cumulative file (`x.all.csv.gz` → `x.all.chain.jsonl`).
    public static func chainPath(_ file: String) -> String { String(file.dropLast(".csv.gz".count)) + ".chain.jsonl" }

    /// The newest release of each window, oldest window first: the releases a cumulative file holds.
    static func ordered(_ releases: [PublishedRelease]) -> [PublishedRelease] {
        var newest: [String: PublishedRelease] = [:]
        for release in releases {
            if let seen = newest[release.window], seen.windowSequence > release.windowSequence { continue }
            newest[release.window] = release
        }
        return releases.filter { newest[$0.window] == $0 }.sorted { $0.window < $1.window }
    }

    /// A cumulative file as built so far: its bytes, its chain file's bytes and the chain's last link,
    /// the distinct schemas of its releases with rows (newest last), and the releases considered and
    /// included.
    struct Built {
        var file: Data
        var chainFile: Data
        var chain: CumulativeChain
        var schemas: [Data]
        var considered: [String]
        var included: [String]
    }

    /// Extends `start` (or, when nil, a file holding only `header`) with every release of
    /// `releases` after those it considered: each release whose header is `header` adds its rows,
    /// prefixed with its name, as gzip members of their own; others are considered and left out.
    /// `read` gives a release's file and schema (verified), or nil when it has no such file.
    ///
    /// - Throws: what `read` throws; ``PublisherError/io(path:reason:)`` (at `path`) when a file
    ///   cannot be decompressed or compressed.
    static func build(file: String, header: Data, releases: [PublishedRelease], from start: Built?, path: String,
                      read: (PublishedRelease) throws(PublisherError) -> (data: Data, schema: Data?)?) throws(PublisherError) -> Built {
        var built: Built
        if let start {
            built = start
        } else {
            let members = try compress(Data("release,".utf8) + header + Data("\n".utf8), path: path)
            let first: Data
            do {
                first = try CumulativeChain.startLine(file: file, header: members)
            } catch {
                throw .io(path: chainPath(path), reason: error.description)
            }
            built = Built(file: members, chainFile: first, chain: CumulativeChain(header: members), schemas: [], considered: [], included: [])
        }
        for release in releases.dropFirst(built.considered.count) {
            built.considered.append(release.release)
            guard let (data, schema) = try read(release), let schema else { continue }
            let parsed = try records(data, file: "\(release.dataset)/\(release.release)/\(file)")
            guard parsed.header == header else { continue }
            var members = Data()
            // A release with no rows (a period file on a night no period ended) types nothing and adds no member.
            if !parsed.lines.isEmpty {
                built.schemas.removeAll { $0 == schema }
                built.schemas.append(schema)
                // Rows are copied as published, each prefixed with its release: no field is re-parsed or re-quoted.
                var text = Data()
                let prefix = Data("\(release.release),".utf8)
                parsed.body.withUnsafeBytes { body in
                    for range in parsed.lines {
                        text.append(prefix)
                        text.append(contentsOf: UnsafeRawBufferPointer(rebasing: body[range]))
                        text.append(0x0A)
                    }
                }
                members = try compress(text, path: path)
            }
            built.chain.append(release: release.release, manifestSHA256: release.manifestSHA256, fileSHA256: StreamingDigest.sha256Hex(data),
                               rows: parsed.lines.count, members: members)
            built.file.append(members)
            built.included.append(release.release)
        }
        do {
            built.chainFile += try built.chain.entryLines()
        } catch {
            throw .io(path: chainPath(path), reason: error.description)
        }
        built.chain.entries = []
        return built
    }

    /// `text` as deterministic gzip members (``ReleaseFormat/Gzip/compress(_:level:)``).
    static func compress(_ text: Data, path: String) throws(PublisherError) -> Data {
        do {
            return try Gzip.compress(text)
        } catch {
            throw .io(path: path, reason: error.description)
        }
    }

    /// Reads the files of published releases under one dataset folder, each release's manifest
    /// checked once (``VerifiedRelease``).
    struct VerifiedSource {
        let folder: PublicFolder
        var verified: [String: VerifiedRelease] = [:]

        init(folder: PublicFolder) { self.folder = folder }

        /// `file` of `release` as its manifest lists it; nil when it has no such file.
        mutating func read(_ file: String, of release: PublishedRelease) throws(PublisherError) -> Data? {
            if let known = verified[release.release] { return try known.read(file) }
            let opened = try VerifiedRelease(release, in: folder)
            verified[release.release] = opened
            return try opened.read(file)
        }
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
    /// without the level that release was published at. `bytes` and `sha256` are the cumulative
    /// file's size and SHA-256, as the schema's resource states them.
    static func schema(combining schemas_: [Data], bytes: Int, sha256: String, output: String, path: String) throws(PublisherError) -> Data {
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
        let resource = DataPackage.Resource(name: output + "-all", path: "\(output).all.csv.gz", title: output + ", every release",
                                            bytes: bytes, sha256: sha256, fields: fields, primaryKey: key)
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
