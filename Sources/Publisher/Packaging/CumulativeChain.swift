import Foundation
import ReleaseFormat

/// `catalog/<dataset>/<output>.all.chain.jsonl`: how a cumulative file (``CumulativeFiles``) is
/// made of its releases, so anyone can check it without trusting the publisher's rebuild.
///
/// The cumulative file is a gzip file of several members (RFC 1952 §2.2: a reader decompresses
/// them one after another). Its first members hold the header line; then each included release
/// adds its own members, holding exactly that release's rows, each prefixed with the release.
/// The chain file is JSON Lines: a first line naming the file and its header members
/// (``Start``), then one line per included release (``Entry``): the release, the SHA-256 of its
/// signed manifest and of the file its rows come from (as that manifest lists it), and where its
/// members sit in the cumulative file.
///
/// The entries form a hash chain: `chain₀ = SHA-256(header members)`, and for each entry
/// `chainᵢ = SHA-256(chainᵢ₋₁ ‖ SHA-256(its members) ‖ its manifest's SHA-256 ‖ release name)`
/// (digests as raw bytes). Guarantees:
/// - **Append-only**: a night only appends members and lines, so yesterday's files are byte
///   prefixes of today's, and yesterday's last link is a link of today's chain. A portal that kept
///   it checks in one pass that nothing it already ingested was rewritten.
/// - **Signed**: the chain file and the cumulative file are in the signed snapshot
///   (``ReleaseSnapshot``), and every manifest it names is signed by the release key.
/// - **Rebuildable**: a full rebuild from the signed releases (`opendata rebuild`) writes the
///   same bytes, because each release's members are compressed from its rows alone, always the
///   same way (``ReleaseFormat/Gzip``, deterministic).
///
/// What it does not cover: a re-issued window, or an output whose columns changed, makes the
/// next night rebuild the file from every signed release instead of appending (the chain then
/// starts again; the snapshot signs the new one).
public struct CumulativeChain: Sendable, Equatable {
    /// The first line: which file, and its header members.
    public struct Start: Codable, Sendable, Equatable {
        public var type = "opendata-cumulative-chain"
        public var version = 1
        /// The cumulative file's name, beside this one.
        public var file: String
        /// Bytes of the header members at the start of the file, and their SHA-256 (the first link).
        public var headerBytes: Int
        public var headerSHA256: String

        enum CodingKeys: String, CodingKey { case type, version, file, headerBytes = "header_bytes", headerSHA256 = "header_sha256" }
    }

    /// One included release (a line after the first).
    public struct Entry: Codable, Sendable, Equatable {
        /// The release name (its window, with `-sN` when re-issued).
        public var release: String
        /// SHA-256 of the release's signed `manifest.json`.
        public var manifestSHA256: String
        /// SHA-256 of the release's own file of this output, as its manifest lists it.
        public var fileSHA256: String
        /// Rows the release adds.
        public var rows: Int
        /// Where its members start in the cumulative file, and how many bytes they take (0 for no rows).
        public var offset: Int
        public var bytes: Int
        /// SHA-256 of those bytes.
        public var sha256: String
        /// The chain link after this entry (hex).
        public var chain: String

        enum CodingKeys: String, CodingKey {
            case release, manifestSHA256 = "manifest_sha256", fileSHA256 = "file_sha256", rows, offset, bytes, sha256, chain
        }
    }

    /// The last link (the header's digest when no release is included).
    public var head: String
    /// The cumulative file's size so far.
    public var bytes: Int
    /// The entries appended since this value was made (all of them for a new chain).
    public var entries: [Entry] = []

    /// A chain holding only the header members `header`.
    public init(header: Data) {
        head = StreamingDigest.sha256Hex(header)
        bytes = header.count
    }

    /// A chain continued from its last link `head`, over a file of `bytes` bytes.
    public init(head: String, bytes: Int) {
        (self.head, self.bytes) = (head, bytes)
    }

    /// Appends one release's members `members` (empty when it has no rows) to the chain.
    public mutating func append(release: String, manifestSHA256: String, fileSHA256: String, rows: Int, members: Data) {
        let digest = StreamingDigest.hash(members, .sha256)
        let link = StreamingDigest(.sha256)
        link.update(Data(TransparencyLog.hexBytes(head)))
        link.update(Data(digest))
        link.update(Data(TransparencyLog.hexBytes(manifestSHA256)))
        link.update(Data(release.utf8))
        head = Encoding.hex(link.finish())
        entries.append(Entry(release: release, manifestSHA256: manifestSHA256, fileSHA256: fileSHA256, rows: rows, offset: bytes,
                             bytes: members.count, sha256: Encoding.hex(digest), chain: head))
        bytes += members.count
    }

    /// The first line of the chain file of `file` whose header members are `header`.
    ///
    /// - Throws: ``ReleaseFormat/ReleaseFormatError`` when it cannot be encoded (it always can).
    public static func startLine(file: String, header: Data) throws(ReleaseFormatError) -> Data {
        try CanonicalJSON.encode(Start(file: file, headerBytes: header.count, headerSHA256: StreamingDigest.sha256Hex(header))) + Data("\n".utf8)
    }

    /// The lines of ``entries``, each canonical JSON ending in a line break.
    ///
    /// - Throws: ``ReleaseFormat/ReleaseFormatError`` when one cannot be encoded (they always can).
    public func entryLines() throws(ReleaseFormatError) -> Data {
        var lines = Data()
        for entry in entries { lines += try CanonicalJSON.encode(entry) + Data("\n".utf8) }
        return lines
    }

    /// Every line of a chain file, each decoded: its start and its entries.
    ///
    /// - Throws: ``ReleaseFormat/ReleaseFormatError`` when a line is not what the format says.
    public static func parse(_ data: Data, file: String) throws(ReleaseFormatError) -> (start: Start, entries: [Entry]) {
        let lines = data.split(separator: 0x0A)
        guard let first = lines.first else { throw .malformed(file: file, reason: "an empty chain file") }
        let start = try CanonicalJSON.decode(Start.self, from: Data(first), file: file)
        var entries: [Entry] = []
        for line in lines.dropFirst() { entries.append(try CanonicalJSON.decode(Entry.self, from: Data(line), file: file)) }
        return (start, entries)
    }
}
