import Foundation
import ReleaseFormat

/// `catalog/<dataset>/<output>.all.chain.json`: how a cumulative file (``CumulativeFiles``) is
/// made of its releases, so anyone can check it without trusting the publisher's rebuild.
///
/// The cumulative file is a gzip file of several members (RFC 1952 §2.2: a reader decompresses
/// them one after another). Its first member holds the header line; then each included release
/// adds its own members, holding exactly that release's rows, each prefixed with the release.
/// Each entry here names the release, the SHA-256 of its signed manifest and of the file its rows
/// come from (as that manifest lists it), and where its members sit in the cumulative file.
///
/// The entries form a hash chain: `chain₀ = SHA-256(header members)`, and for each entry
/// `chainᵢ = SHA-256(chainᵢ₋₁ ‖ SHA-256(its members) ‖ its manifest's SHA-256 ‖ release name)`
/// (digests as raw bytes). `head` is the last link. Guarantees:
/// - **Append-only**: a night only appends members, so yesterday's file is a byte prefix of
///   today's, and yesterday's `head` is a link of today's chain. A portal that kept yesterday's head
///   checks in one pass that nothing it already ingested was rewritten.
/// - **Signed**: the chain file and the cumulative file are in the signed snapshot
///   (``ReleaseSnapshot``), and every manifest it names is signed by the release key.
/// - **Rebuildable**: a full rebuild from the signed releases (`opendata rebuild`) writes the
///   same bytes, because each release's members are compressed from its rows alone, always the
///   same way (``ReleaseFormat/Gzip``, deterministic).
///
/// What it does not cover: a re-issued window, or an output whose columns changed, makes the
/// next night rebuild the file from every signed release instead of appending (the chain then
/// starts again; the snapshot signs the new one).
public struct CumulativeChain: Codable, Sendable, Equatable {
    /// One included release.
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

    public var type = "opendata-cumulative-chain"
    public var version = 1
    /// The cumulative file's name, beside this one.
    public var file: String
    /// Bytes of the header members at the start of the file.
    public var headerBytes: Int
    public var entries: [Entry] = []
    /// The last link (the header's digest when no release is included).
    public var head: String
    /// The cumulative file's size.
    public var bytes: Int

    enum CodingKeys: String, CodingKey { case type, version, file, headerBytes = "header_bytes", entries, head, bytes }

    /// A chain holding only the header members `header` of `file`.
    public init(file: String, header: Data) {
        self.file = file
        headerBytes = header.count
        head = StreamingDigest.sha256Hex(header)
        bytes = header.count
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

    /// The chain as its canonical JSON.
    ///
    /// - Throws: ``ReleaseFormat/ReleaseFormatError`` when it cannot be encoded (it always can).
    public func json() throws(ReleaseFormatError) -> Data { try CanonicalJSON.encode(self) }
}
