import Foundation
import OperationalStore
import PrivacyPolicy
import ReleaseFormat
import Tabular

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
    /// What one output's cumulative file holds.
    public struct Coverage: Sendable, Equatable {
        public var output: String
        /// Releases included, in window order.
        public var releases: [String]
        /// Window starts and ends of the first and last included release.
        public var start: Date
        public var end: Date
    }

    /// The cumulative file of `output` (relative to the published folder).
    public static func allPath(dataset: String, output: String) -> String { "catalog/\(dataset)/\(output).all.csv.gz" }
    /// The copy of the newest release's file of `output`.
    public static func latestPath(dataset: String, output: String) -> String { "catalog/\(dataset)/\(output).latest.csv.gz" }
    /// The Table Schema beside a file written here (`x.all.csv.gz` → `x.all.schema.json`).
    public static func schemaPath(_ file: String) -> String { String(file.dropLast(".csv.gz".count)) + ".schema.json" }

    /// Rebuilds the files of every output of `dataset` under `out`. Returns each output's coverage
    /// and every path written (relative to `out`), for the catalogs and the snapshot.
    public static func write(dataset: PublicIndex.Dataset, out: String) throws(PublisherError) -> (coverage: [Coverage], paths: [String]) {
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
        var coverage: [Coverage] = []
        var paths: [String] = []
        for output in dataset.policy.outputs {
            let file = "\(output.id).csv.gz", schemaFile = "\(output.id).schema.json"
            guard let latestData = try published(file, of: latest, in: folder, dataset: id),
                  let latestSchema = try published(schemaFile, of: latest, in: folder, dataset: id) else { continue }
            let latestRows = try rows(latestData, file: "\(id)/\(latest.release)/\(file)")
            guard let header = latestRows.first else { continue }
            var combined = Table(columnNames: ["release"] + header)
            var text = ([ "release"] + header).map { CSVTableWriter.escape($0, ",") }.joined(separator: ",") + "\n"
            var included: [StateStore.PublishedRelease] = []
            for release in releases {
                let data: Data
                if release == latest {
                    data = latestData
                } else {
                    guard let stored = try published(file, of: release, in: folder, dataset: id) else { continue }
                    data = stored
                }
                let parsed = release == latest ? latestRows : try rows(data, file: "\(id)/\(release.release)/\(file)")
                guard parsed.first == header else { continue }
                included.append(release)
                for row in parsed.dropFirst() {
                    combined.append(row: [release.release] + row.map { Optional($0) })
                    text += ([release.release] + row).map { CSVTableWriter.escape($0, ",") }.joined(separator: ",") + "\n"
                }
            }
            let compressed: Data
            do {
                compressed = try Gzip.compress(Data(text.utf8))
            } catch {
                throw .io(path: (out as NSString).appendingPathComponent(allPath(dataset: id, output: output.id)), reason: error.description)
            }
            try target.replace("\(output.id).all.csv.gz", with: compressed)
            try target.replace("\(output.id).all.schema.json", with: try schema(combined, latestSchema: latestSchema, compressed: compressed,
                                                                               output: output, path: "\(id)/\(latest.release)/\(schemaFile)"))
            try target.replace("\(output.id).latest.csv.gz", with: latestData)
            try target.replace("\(output.id).latest.schema.json", with: latestSchema)
            let all = allPath(dataset: id, output: output.id), copy = latestPath(dataset: id, output: output.id)
            paths += [all, schemaPath(all), copy, schemaPath(copy)]
            let windows = included.compactMap { release in
                dataset.ledger.first { $0.window == release.window && $0.sequence == release.windowSequence }
            }
            if let first = windows.first, let last = windows.last {
                coverage.append(Coverage(output: output.id, releases: included.map(\.release), start: first.windowStart, end: last.windowEnd))
            }
        }
        return (coverage, paths)
    }

    /// The bytes of `file` in `release` as its signed manifest lists them; nil when the release
    /// has no such file (the output did not exist then). Throws when the manifest is not the one
    /// recorded at publication or the file does not match it.
    static func published(_ file: String, of release: StateStore.PublishedRelease, in folder: PublicFolder,
                          dataset: String) throws(PublisherError) -> Data? {
        let path = "\(folder.path)/\(release.release)"
        guard folder.entryType(release.release) == S_IFDIR else {
            throw .refused("\(path): published release is missing from the published folder; restore it from a backup")
        }
        let releaseFolder = try folder.folder(release.release, create: false)
        guard let manifestData = releaseFolder.read("manifest.json"), Digest.sha256Hex(manifestData) == release.manifestSHA256 else {
            throw .refused("\(path)/manifest.json is not the manifest signed at publication; restore the release from a backup")
        }
        let manifest: Manifest
        do {
            manifest = try Manifest.parse(manifestData, file: "\(path)/manifest.json")
        } catch {
            throw .refused("\(path)/manifest.json: \(error.description)")
        }
        guard let entry = manifest.files.first(where: { $0.path == file }) else { return nil }
        guard let data = releaseFolder.read(file), Digest.sha256Hex(data) == entry.sha256 else {
            throw .refused("\(path)/\(file) differs from its signed manifest; restore the release from a backup (nothing was rebuilt from it)")
        }
        return data
    }

    /// The Table Schema of a cumulative file: `release` first, then each column typed from every
    /// value the file holds (a column published by day one night and by week another is a
    /// string), described as in the newest release.
    static func schema(_ table: Table, latestSchema: Data, compressed: Data, output: OutputSpec, path: String) throws(PublisherError) -> Data {
        let object: [String: Any]
        do {
            object = try CanonicalJSON.object(latestSchema, file: path)
        } catch {
            throw .io(path: path, reason: error.description)
        }
        let latestFields = object["fields"] as? [[String: Any]] ?? []
        var descriptions: [String: String] = [:]
        for field in latestFields {
            // The level one release was published at does not hold for every release here.
            if let name = field["name"] as? String, let description = field["description"] as? String {
                descriptions[name] = description.replacingOccurrences(of: "; published at [^;]* \\(level [0-9]+\\)", with: "; the level varies by release (see each release's report)",
                                                                      options: .regularExpression)
            }
        }
        let fields = table.columnNames.map { name in
            name == "release"
                ? DataPackage.Field(name: name, type: "string", description: "the release the row was published in: its window (a day), with -sN when that window was re-issued",
                                    pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}(\\.\\.[0-9]{4}-[0-9]{2}-[0-9]{2})?(-s[0-9]+)?$")
                : ReleasePackager.field(name, table.column(named: name), description: descriptions[name] ?? name)
        }
        let key = (object["primaryKey"] as? [String]).map { ["release"] + $0 } ?? []
        let resource = DataPackage.Resource(name: output.id + "-all", path: "\(output.id).all.csv.gz", title: (output.title ?? output.id) + ", every release",
                                            bytes: compressed.count, sha256: Digest.sha256Hex(compressed), fields: fields, primaryKey: key)
        do {
            return try DataPackage.tableSchemaJSON(resource)
        } catch {
            throw .io(path: path, reason: error.description)
        }
    }

    /// The records of a published CSV file (RFC 4180: quoted fields may hold commas, quotes and
    /// line breaks), header first.
    static func rows(_ gzip: Data, file: String) throws(PublisherError) -> [[String]] {
        let bytes: Data
        do {
            bytes = try Gzip.decompress(gzip, file: file)
        } catch {
            throw .io(path: file, reason: error.description)
        }
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var quoted = false, afterQuote = false
        func endField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            afterQuote = false
        }
        for byte in bytes {
            if quoted {
                if byte == UInt8(ascii: "\"") { quoted = false; afterQuote = true } else { field.append(byte) }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                if afterQuote { field.append(byte) }
                quoted = true
            case UInt8(ascii: ","):
                endField()
            case UInt8(ascii: "\n"):
                endField()
                rows.append(row)
                row.removeAll(keepingCapacity: true)
            case UInt8(ascii: "\r"):
                continue
            default:
                field.append(byte)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            endField()
            rows.append(row)
        }
        return rows
    }
}
