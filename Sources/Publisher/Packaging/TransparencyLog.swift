import Foundation
import ReleaseFormat

/// `Releases/log/`: a tamper-evident, append-only record of every release
/// ever published, so a release cannot be silently withdrawn or rewritten.
///
/// It is an RFC 6962 Merkle tree whose leaves, in publication order, are
/// SHA-256(0x00 ‖ manifest SHA-256 ‖ "dataset/release"), with a checkpoint
/// signed by the release key as a C2SP signed note. `entries.json` lists the
/// leaves; anyone can recompute the root from the releases on disk and, given
/// an older checkpoint, check that the new tree extends it (consistency proof).
public enum TransparencyLog {
    /// One logged release.
    public struct Entry: Sendable, Equatable, Codable {
        public var dataset: String
        public var release: String
        public var manifestSHA256: String

        enum CodingKeys: String, CodingKey { case dataset, release, manifestSHA256 = "manifest_sha256" }

        /// The leaf input: the manifest's SHA-256 bytes, then "dataset/release".
        public var leaf: [UInt8] { hexBytes(manifestSHA256) + Array("\(dataset)/\(release)".utf8) }
    }

    /// The signed note's key name, which is also the checkpoint's origin (C2SP tlog-checkpoint).
    public static func signerName(_ key: Minisign.PublicKey) -> String { "opendata/\(key.keyIDText)" }

    /// The checkpoint `text` signed by one of `keys` (under the current key name, or the
    /// `opendata-release-<id>` name of checkpoints written before it equalled the origin), or nil.
    public static func openCheckpoint(_ text: String, keys: [Minisign.PublicKey], file: String) -> Checkpoint? {
        for key in keys {
            for name in [signerName(key), "opendata-release-\(key.keyIDText)"] {
                if let checkpoint = try? Checkpoint.verify(text, name: name, publicKey: key.key, file: file) { return checkpoint }
            }
        }
        return nil
    }

    /// Rewrites `log/entries.json` and `log/checkpoint` from the publication history (append-only by construction).
    /// Returns the SHA-256 of the bytes written to each of the log's files, by path relative to `out`
    /// (`log/entries.json`, `log/checkpoint`, `log/verifier`), for the snapshot to sign.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the entries cannot be encoded, the checkpoint cannot
    ///   be signed, or a file cannot be written; ``PublisherError/refused(_:)`` when `log` or one of its
    ///   files is a link.
    @discardableResult
    public static func write(out: String, entries: [Entry], key: Minisign.SecretKey, now: Date = Date()) throws(PublisherError) -> [String: String] {
        let folder = (out as NSString).appendingPathComponent("log")
        let leaves = entries.map { MerkleTree.leafHash($0.leaf) }
        let checkpoint = Checkpoint(origin: "opendata/\(key.keyIDText)", size: leaves.count, root: MerkleTree.root(leaves[...]), timestamp: now)
        let list: Data, note: String
        do {
            list = try CanonicalJSON.encode(entries)
            note = try checkpoint.signed(name: signerName(key.publicKeyFile), key: key)
        } catch {
            throw .io(path: folder, reason: error.description)
        }
        let log = try PublicFolder.root(out).folder("log")
        let files = [("entries.json", list), ("checkpoint", Data(note.utf8)), ("verifier", Data((verifierKey(key.publicKeyFile) + "\n").utf8))]
        var written: [String: String] = [:]
        for (name, data) in files {
            try log.replace(name, with: data)
            written["log/" + name] = StreamingDigest.sha256Hex(data)
        }
        return written
    }

    /// Reads `log/entries.json`.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the file cannot be read or parsed, or an entry has
    ///   no 64-digit `manifest_sha256`.
    public static func entries(out: String) throws(PublisherError) -> [Entry] {
        let path = (out as NSString).appendingPathComponent("log/entries.json")
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(path: path, reason: "cannot read the log entries") }
        let list: [Entry]
        do {
            list = try CanonicalJSON.decode([Entry].self, from: data, file: path)
        } catch {
            throw .io(path: path, reason: "cannot read the log entries (\(error))")
        }
        if let bad = list.first(where: { $0.manifestSHA256.count != 64 }) {
            throw .io(path: path, reason: "the log entry of \(bad.dataset) \(bad.release) has no 64-digit manifest_sha256")
        }
        return list
    }

    /// Checks the log against the releases on disk and, optionally, an older checkpoint.
    /// Returns the checks that passed; throws naming the first failure.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the checkpoint, the entries or the older checkpoint
    ///   at `since` cannot be read; ``PublisherError/invalidInput(_:)`` naming the first check that fails
    ///   (checkpoint signature, tree size, a logged release missing or altered, root, consistency).
    public static func verify(out: String, keys: [Minisign.PublicKey], since: String?) throws(PublisherError) -> [String] {
        let checkpointPath = (out as NSString).appendingPathComponent("log/checkpoint")
        guard let text = try? String(contentsOfFile: checkpointPath, encoding: .utf8) else {
            throw .io(path: checkpointPath, reason: "no checkpoint; nothing has been logged here")
        }
        func open(_ text: String, _ file: String) throws(PublisherError) -> Checkpoint {
            guard let checkpoint = openCheckpoint(text, keys: keys, file: file) else {
                throw .invalidInput("\(file): check 'checkpoint-signature' failed: not signed by a trusted key")
            }
            return checkpoint
        }
        let checkpoint = try open(text, checkpointPath)
        var passed = ["checkpoint-signature: tree of \(checkpoint.size) releases"
                      + (checkpoint.timestamp.map { ", signed \(ISO8601DateFormatter().string(from: $0))" } ?? "")]
        let logged = try entries(out: out)
        guard logged.count == checkpoint.size else {
            throw .invalidInput("\(checkpointPath): check 'tree-size' failed: the checkpoint covers \(checkpoint.size) releases, entries.json lists \(logged.count)")
        }
        for entry in logged {
            let manifest = ((out as NSString).appendingPathComponent(entry.dataset) as NSString).appendingPathComponent(entry.release + "/manifest.json")
            guard let bytes = FileManager.default.contents(atPath: manifest) else {
                throw .invalidInput("\(manifest): check 'logged-release-present' failed: release \(entry.dataset)/\(entry.release) was logged but is missing")
            }
            guard StreamingDigest.sha256Hex(bytes) == entry.manifestSHA256 else {
                throw .invalidInput("\(manifest): check 'logged-release-unaltered' failed: the manifest differs from the one logged")
            }
        }
        passed.append("logged-releases: all \(logged.count) present and unaltered")
        let leaves = logged.map { MerkleTree.leafHash($0.leaf) }
        guard MerkleTree.root(leaves[...]) == checkpoint.root else {
            throw .invalidInput("\(checkpointPath): check 'root' failed: the tree recomputed from the releases does not match the signed root")
        }
        passed.append("root: recomputed tree matches the signed checkpoint")
        if let since {
            guard let oldText = try? String(contentsOfFile: since, encoding: .utf8) else { throw .io(path: since, reason: "cannot read the older checkpoint") }
            let old = try open(oldText, since)
            guard old.size <= checkpoint.size else {
                throw .invalidInput("\(since): check 'consistency' failed: the older checkpoint has \(old.size) releases, more than the current \(checkpoint.size) (releases were withdrawn)")
            }
            let proof = MerkleTree.consistencyProof(old.size, leaves[...])
            guard MerkleTree.verifyConsistency(oldSize: old.size, newSize: checkpoint.size, oldRoot: old.root, newRoot: checkpoint.root, proof: proof) else {
                throw .invalidInput("\(since): check 'consistency' failed: the current log does not extend the older checkpoint (history was rewritten)")
            }
            passed.append("consistency: the log extends the checkpoint of \(old.size) releases")
        }
        return passed
    }

    /// The log's verifier key in the C2SP signed-note format, `<name>+<key hash>+<base64(0x01 ‖ public key)>`,
    /// as note verifiers (e.g. golang.org/x/mod/sumdb/note) take it.
    public static func verifierKey(_ key: Minisign.PublicKey) -> String {
        let name = signerName(key)
        return "\(name)+\(Encoding.hex(Checkpoint.keyHash(name: name, publicKey: key.key)))+\(Data([0x01] + key.key).base64EncodedString())"
    }

    /// The bytes of hex digits, two characters a byte (a pair that is not a hex number gives 0, a
    /// lone last character is dropped). Plain hex digits, as every recorded hash is, are read from
    /// the UTF-8 bytes (the log decodes every release's manifest hash each night); anything else
    /// as before, pair by pair of characters.
    static func hexBytes(_ hex: String) -> [UInt8] {
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        let digits = Array(hex.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index + 1 < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return characterPairs(hex) }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// ``hexBytes(_:)`` of text that is not plain hex digits: each pair of characters parsed as a
    /// base-16 number, 0 when it is not one.
    static func characterPairs(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}
