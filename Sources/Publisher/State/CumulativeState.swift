import Foundation
import GRDB
import PublicSite

/// Where one output's cumulative file stands after a night (``CumulativeFiles``): the releases it
/// has considered, in window order, the header and Table Schemas it combines, and the SHA-256 of
/// the file and of its chain (``CumulativeChain``) as written. The next night appends to the file
/// only when the published file and chain still hash to these and the releases considered are a
/// prefix of the new list; otherwise it rebuilds the file from every signed release.
///
/// Holds published facts only (release names, hashes, schemas), nothing from the records.
struct CumulativeState: Codable, Equatable {
    /// Every release considered, in window order (included or, with other columns, left out).
    var considered: [String]
    /// The CSV header line the file's rows follow (without the leading `release` column).
    var header: String
    /// Each distinct Table Schema of an included release with rows, the newest last.
    var schemas: [String]
    /// The releases included, in window order.
    var included: [String]
    var fileSHA256: String
    var chainSHA256: String
    /// The chain's last link and the file's size (``CumulativeChain``).
    var head: String
    var bytes: Int

    init(considered: [String], header: String, schemas: [String], included: [String], fileSHA256: String, chainSHA256: String,
         head: String, bytes: Int) {
        (self.considered, self.header, self.schemas, self.included) = (considered, header, schemas, included)
        (self.fileSHA256, self.chainSHA256, self.head, self.bytes) = (fileSHA256, chainSHA256, head, bytes)
    }

    enum CodingKeys: String, CodingKey { case considered, header, schemas, included, fileSHA256, chainSHA256, head, bytes }

    /// The two release lists grow by one name a night and are read and written every night: each is
    /// stored as one string, the names joined by line breaks (a release name is a window label with
    /// an optional `-sN`, never a line break), so encoding and decoding do not cost one JSON value
    /// per release. A list stored as a JSON array (states written before) is read as well.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.joined(considered), forKey: .considered)
        try container.encode(header, forKey: .header)
        try container.encode(schemas, forKey: .schemas)
        try container.encode(Self.joined(included), forKey: .included)
        try container.encode(fileSHA256, forKey: .fileSHA256)
        try container.encode(chainSHA256, forKey: .chainSHA256)
        try container.encode(head, forKey: .head)
        try container.encode(bytes, forKey: .bytes)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        considered = try Self.names(container, .considered)
        header = try container.decode(String.self, forKey: .header)
        schemas = try container.decode([String].self, forKey: .schemas)
        included = try Self.names(container, .included)
        fileSHA256 = try container.decode(String.self, forKey: .fileSHA256)
        chainSHA256 = try container.decode(String.self, forKey: .chainSHA256)
        head = try container.decode(String.self, forKey: .head)
        bytes = try container.decode(Int.self, forKey: .bytes)
    }

    /// `names` joined by line breaks. A name holding a line break (no release name does) cannot be
    /// joined so: it throws rather than store a list that would read back differently.
    static func joined(_ names: [String]) throws -> String {
        if names.contains(where: { $0.utf8.contains(0x0A) }) {
            throw EncodingError.invalidValue(names, .init(codingPath: [], debugDescription: "a release name holds a line break"))
        }
        return names.joined(separator: "\n")
    }

    /// A release list stored joined (``joined(_:)``) or, as before, as a JSON array.
    static func names(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [String] {
        if let text = try? container.decode(String.self, forKey: key) {
            return text.isEmpty ? [] : text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        }
        return try container.decode([String].self, forKey: key)
    }
}

extension StateStore {
    /// The stored state of `output`'s cumulative file; nil when none is stored or it cannot be decoded
    /// (the file is then rebuilt).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state database cannot be read.
    func cumulativeState(dataset: String, output: String) throws(PublisherError) -> CumulativeState? {
        try storedJSON(CumulativeState.self, sql: "SELECT state FROM cumulative_files WHERE dataset = ? AND output = ?",
                       arguments: [dataset, output], what: "the cumulative files' state")
    }

    /// Stores where `output`'s cumulative file stands.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state database cannot be written.
    func saveCumulativeState(_ state: CumulativeState, dataset: String, output: String) throws(PublisherError) {
        try storeJSON(state, sql: "INSERT OR REPLACE INTO cumulative_files (dataset, output, state) VALUES (?, ?, ?)",
                      arguments: [dataset, output], what: "the cumulative files' state")
    }

    /// The running equity totals stored for `release` (``DatasetHistory/RunningEquityTotals``); nil
    /// when none are stored or they cannot be decoded (they are then added up again).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state database cannot be read.
    func equityTotals(dataset: String, release: String) throws(PublisherError) -> DatasetHistory.RunningEquityTotals? {
        try storedJSON(DatasetHistory.RunningEquityTotals.self, sql: "SELECT totals FROM equity_totals WHERE dataset = ? AND release = ?",
                       arguments: [dataset, release], what: "the stored equity totals")
    }

    /// Stores the running equity totals through one release (published values only).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state database cannot be written.
    func saveEquityTotals(_ totals: DatasetHistory.RunningEquityTotals, dataset: String, release: String) throws(PublisherError) {
        try storeJSON(totals, sql: "INSERT OR REPLACE INTO equity_totals (dataset, release, totals) VALUES (?, ?, ?)",
                      arguments: [dataset, release], what: "the equity totals")
    }

    /// One release's stored dashboard summary (``DatasetHistory/Summary``); nil when none is stored
    /// or it cannot be decoded (it is then computed again).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state database cannot be read.
    func releaseSummary(dataset: String, release: String) throws(PublisherError) -> DatasetHistory.Summary? {
        try storedJSON(DatasetHistory.Summary.self, sql: "SELECT summary FROM release_summaries WHERE dataset = ? AND release = ?",
                       arguments: [dataset, release], what: "the stored release summaries")
    }

    /// Stores one release's dashboard summary (published values only).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state database cannot be written.
    func saveReleaseSummary(_ summary: DatasetHistory.Summary, dataset: String, release: String) throws(PublisherError) {
        try storeJSON(summary, sql: "INSERT OR REPLACE INTO release_summaries (dataset, release, summary) VALUES (?, ?, ?)",
                      arguments: [dataset, release], what: "the release summaries")
    }

    /// The JSON blob `sql` selects, decoded; nil when there is none or it does not decode (the
    /// caller computes it again: these tables hold values derived from published ones).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` naming `what` when the state database cannot be read.
    private func storedJSON<T: Decodable>(_ type: T.Type, sql: String, arguments: StatementArguments, what: String) throws(PublisherError) -> T? {
        do {
            let data = try queue.read { db in try Data.fetchOne(db, sql: sql, arguments: arguments) }
            return data.flatMap { try? JSONDecoder().decode(T.self, from: $0) }
        } catch {
            throw .io(path: path, reason: "cannot read \(what) (\(error))")
        }
    }

    /// Stores `value` as JSON, the last argument of `sql` after `arguments`.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` naming `what` when the state database cannot be written.
    private func storeJSON<T: Encodable>(_ value: T, sql: String, arguments: StatementArguments, what: String) throws(PublisherError) {
        do {
            var all = arguments
            all += [try JSONEncoder().encode(value)]
            try queue.write { db in try db.execute(sql: sql, arguments: all) }
        } catch {
            throw .io(path: path, reason: "cannot store \(what) (\(error))")
        }
    }
}
