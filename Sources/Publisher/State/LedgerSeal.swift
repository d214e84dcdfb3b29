import Foundation
import GRDB
import GRDBSQLite
import PrivacyPolicy
import ReleaseFormat
import Tabular

/// A digest over every charge in the ledger, kept beside it and checked on every run,
/// so charges deleted or edited outside opendata are found before anyone is released.
///
/// The digest is the XOR, over every row of `person_charges`, `person_segments` and
/// `window_charges`, of the SHA-256 of the row's contents (``LedgerSegment/sealElement()``): a set hash (Bellare & Micciancio 1997, "A new
/// paradigm for collision-free hashing: incrementality at reduced cost"), so a release
/// updates it in its own commit from the rows it replaces and writes, without reading
/// the rest, and a full scan at the start of the next run recomputes it. A deleted
/// person, a deleted charge inside a person's row or a deleted window charge changes it.
/// The trim horizon (``LedgerHorizon``) is folded in as one more element, SHA-256 of
/// `horizon\0` and its 8 bytes: the check trims what the horizon says, so an edited,
/// deleted or malformed horizon must not match (else one edit outside opendata would make
/// opendata itself delete charges and reseal the ledger). Digests stored before the horizon
/// was covered are recognised by a missing `ledger_digest_covers_horizon` key, checked the
/// old way once and upgraded; deleting that key does not help an edit, since the stored digest
/// then includes the horizon's element (or that of no horizon) the old way does not. Not covered:
/// a horizon edited before a pre-upgrade state's first check, and a deleted digest, which is
/// resealed as for a ledger made before the seal existed.
///
/// What it cannot do: someone who can write the state database can also rewrite the
/// digest (it is not keyed by anything outside the database), and deleting the whole
/// state database deletes the digest with it (``StateStore/bindPublishedFolder(_:)``
/// then refuses a fresh state on a folder that holds releases, and the store's
/// binding refuses a fresh state on a bound store). Back the state up.
enum LedgerSeal {
    static let metaKey = "ledger_digest"
    /// Present when the stored digest includes the horizon's element (every digest this version stores).
    static let coversHorizonKey = "ledger_digest_covers_horizon"

    /// The horizon's element of the digest: SHA-256 of `horizon\0` and the 8 stored bytes, or of
    /// `horizon\0none` when no horizon is stored. Never all zeros (XOR's identity): a sealed ledger
    /// without a horizon then differs from its rows alone, so deleting the marker below and planting
    /// a horizon does not pass as a digest from before the horizon was covered.
    static func horizonElement(_ horizon: Date?) -> [UInt8] {
        var bytes = Data("horizon\u{0}".utf8)
        if let horizon {
            var seconds = Int64(horizon.timeIntervalSince1970.rounded(.down)).littleEndian
            withUnsafeBytes(of: &seconds) { bytes.append(contentsOf: $0) }
        } else {
            bytes.append(contentsOf: Data("none".utf8))
        }
        return StreamingDigest.hash(bytes, .sha256)
    }

    /// The digest as this version keeps it (rows and horizon), before a release updates it: the
    /// stored one, upgraded when it predates the horizon's element (the run's check has compared
    /// it with the rows), or a full scan for a ledger never sealed.
    static func current(in db: Database) throws -> [UInt8] {
        guard var digest = try stored(in: db) else { return try compute(in: db) }
        if try !coversHorizon(in: db) { fold(&digest, horizonElement(try LedgerHorizon.stored(in: db))) }
        return digest
    }

    static func coversHorizon(in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM meta WHERE key = ?)", arguments: [coversHorizonKey]) ?? false
    }

    /// SHA-256 of one person's row.
    static func personRow(population: String, unit: Data, charges: Data) -> [UInt8] {
        let digest = StreamingDigest(.sha256)
        digest.update(Data("person\u{0}\(population)\u{0}".utf8))
        digest.update(unit)
        digest.update(Data([0]))
        digest.update(charges)
        return digest.finish()
    }

    /// The XOR of ``personRow(population:unit:charges:)`` over the rows a release replaces and
    /// writes: for each of `ids`, its row before (`previous[id]`, when it had one) and its row
    /// after (the charges it keeps, `kept[id]`, else `previous[id]`, followed by `appended`).
    /// XOR is order-free, so the ids are hashed in parts on up to `cores` cores and the result
    /// is the fold of the rows one by one.
    static func personRows(population: String, ids: [LedgerID], previous: [LedgerID: Data], kept: [LedgerID: Data] = [:],
                           appended: Data, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> [UInt8] {
        let hash = PrefixedSHA256(prefix: Array("person\u{0}\(population)\u{0}".utf8))
        let partial = Parallel.map(ranges: ids.count, minimum: 50_000, cores: cores) { range -> [UInt8] in
            let session = hash.session()
            var total = [UInt8](repeating: 0, count: 32)
            var output = [UInt8](repeating: 0, count: 32)
            var zero: UInt8 = 0
            func add(_ unit: UnsafeRawBufferPointer, _ charges: Data) {
                withUnsafeBytes(of: &zero) { separator in
                    charges.withUnsafeBytes { blob in
                        output.withUnsafeMutableBytes { session.digest([unit, separator, blob], into: $0) }
                    }
                }
                for index in 0..<32 { total[index] ^= output[index] }
            }
            for id in ids[range] {
                id.withBytes { unit in
                    if let before = previous[id] {
                        add(unit, before)
                        add(unit, (kept[id] ?? before) + appended)
                    } else {
                        add(unit, appended)
                    }
                }
            }
            return total
        }
        var digest = [UInt8](repeating: 0, count: 32)
        for part in partial { fold(&digest, part) }
        return digest
    }

    /// The columns of a record-level window charge that its hash covers, in order: a row given to
    /// ``windowRow(_:)`` is selected with these first.
    static let windowColumns = "population, window_start, window_end, epsilon, delta, rho, rho_delta, dataset, window, sequence"

    /// SHA-256 of one record-level window charge: its ``windowColumns`` (the row's first ten
    /// columns, read by position rather than by name, which folds the name's case per cell).
    static func windowRow(_ row: Row) -> [UInt8] {
        let fields: [String] = (0..<10).map { index in (row[index] as DatabaseValue).description }
        return StreamingDigest.hash(Data(("window\u{0}" + fields.joined(separator: "\u{0}")).utf8), .sha256)
    }

    /// `digest` XOR `other`, in place.
    static func fold(_ digest: inout [UInt8], _ other: [UInt8]) {
        for index in digest.indices { digest[index] ^= other[index] }
    }

    /// The digest of everything in the ledger now (a full scan), the stored horizon included.
    static func compute(in db: Database) throws -> [UInt8] {
        var digest = try scan(in: db, horizon: nil).digest
        fold(&digest, horizonElement(try LedgerHorizon.stored(in: db)))
        return digest
    }

    /// A person's row holding charges that end at or before the ledger's horizon, with its share of
    /// the digest and the charges it keeps (nil: none, the row goes).
    struct ExpiredRow {
        var population: String
        var unit: Data
        var hash: [UInt8]
        var kept: Data?
    }

    /// The digest of everything in the ledger now (a full scan), the person rows holding charges
    /// that end at or before `horizon` (none when it is nil), and the segments whose charge does
    /// (their row ids and seal elements).
    static func scan(in db: Database, horizon: Date?)
        throws -> (digest: [UInt8], expired: [ExpiredRow], expiredSegments: [(rowID: Int64, hash: [UInt8])]) {
        let limit = horizon.map { Int64($0.timeIntervalSince1970.rounded(.down)) }
        var expired: [ExpiredRow] = []
        var digest = [UInt8](repeating: 0, count: 32)
        let segments = try LedgerSegment.all(in: db)
        var expiredSegments: [(rowID: Int64, hash: [UInt8])] = []
        for segment in segments {
            let hash = segment.sealElement()
            fold(&digest, hash)
            if let limit, Int64(segment.charge.end.timeIntervalSince1970) <= limit { expiredSegments.append((segment.rowID, hash)) }
        }
        // Millions of people after a backfill: stepped with the C API, each row hashed in place from
        // its population's prepared prefix (the same bytes as ``personRow(population:unit:charges:)``).
        let statement = try db.makeStatement(sql: "SELECT population, unit, charges FROM person_charges ORDER BY population, unit")
        let handle = statement.sqliteStatement
        var sessions: [String: PrefixedSHA256.Session] = [:]
        var current: PrefixedSHA256.Session?
        var lastName: [UInt8] = []
        var output = [UInt8](repeating: 0, count: 32)
        var zero: UInt8 = 0
        while true {
            guard try statement.nextRow(in: db) else { break }
            // Rows come in key order, so a population's rows follow one another: its name is made
            // into a String only when it changes.
            let name = UnsafeRawBufferPointer(start: sqlite3_column_text(handle, 0), count: Int(sqlite3_column_bytes(handle, 0)))
            if current == nil || !lastName.elementsEqual(name) {
                lastName = Array(name)
                let population = String(decoding: name, as: UTF8.self)
                if let known = sessions[population] {
                    current = known
                } else {
                    let made = PrefixedSHA256(prefix: Array("person\u{0}\(population)\u{0}".utf8)).session()
                    sessions[population] = made
                    current = made
                }
            }
            guard let session = current else { continue }
            let unit = UnsafeRawBufferPointer(start: sqlite3_column_blob(handle, 1), count: Int(sqlite3_column_bytes(handle, 1)))
            // A row's hash runs the unit into its charges with one zero byte between: only with every
            // unit exactly 16 bytes is that boundary fixed (else bytes moved across it keep the hash).
            guard unit.count == 16 else {
                throw PublisherError.refused("the privacy ledger holds a person whose id is \(unit.count) bytes, not 16: it was edited outside opendata, and releasing now could give people budget they have spent. Restore the state database from its backup")
            }
            let charges = UnsafeRawBufferPointer(start: sqlite3_column_blob(handle, 2), count: Int(sqlite3_column_bytes(handle, 2)))
            withUnsafeBytes(of: &zero) { separator in
                output.withUnsafeMutableBytes { session.digest([unit, separator, charges], into: $0) }
            }
            fold(&digest, output)
            if let limit, LedgerHorizon.firstEnd(charges) <= limit {
                let kept = LedgerHorizon.lastEnd(charges) <= limit ? nil : LedgerHorizon.kept(Data(charges), horizon: horizon)
                expired.append(ExpiredRow(population: String(decoding: lastName, as: UTF8.self), unit: Data(unit), hash: output, kept: kept))
            }
        }
        let windows = try Row.fetchCursor(db, sql: "SELECT \(windowColumns) FROM window_charges")
        while let row = try windows.next() { fold(&digest, windowRow(row)) }
        return (digest, expired, expiredSegments)
    }

    /// Deletes the record-level window charges ending at or before `horizon`; returns the XOR of
    /// their rows' hashes (their share of the digest, to fold out of it).
    static func trimWindowCharges(horizon: Date, in db: Database) throws -> [UInt8] {
        var removed = [UInt8](repeating: 0, count: 32)
        let rows = try Row.fetchAll(db, sql: "SELECT \(windowColumns), id FROM window_charges WHERE window_end <= ?", arguments: [horizon])
        for row in rows {
            fold(&removed, windowRow(row))
            try db.execute(sql: "DELETE FROM window_charges WHERE id = ?", arguments: [row[10] as Int64])
        }
        return removed
    }

    /// The stored digest, or nil for a ledger never sealed (made by an earlier version).
    static func stored(in db: Database) throws -> [UInt8]? {
        try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [metaKey]).map { [UInt8]($0) }
    }

    /// Stores `digest`, which covers the rows and the horizon.
    static func store(_ digest: [UInt8], in db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [metaKey, Data(digest)])
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [coversHorizonKey, Data([1])])
    }

    /// Checks the ledger against its digest, sealing a ledger that has none; a mismatch is refused.
    /// A ledger that matches then loses the charges that end at or before the trim horizon
    /// (``LedgerHorizon``), and the people who have no other, with the digest updated for every
    /// row deleted or rewritten, in the same transaction.
    static func check(_ state: StateStore) throws(PublisherError) {
        do {
            try state.queue.write { db in
                let horizon = try LedgerHorizon.stored(in: db)
                let scanned = try scan(in: db, horizon: horizon)
                var now = scanned.digest
                fold(&now, horizonElement(horizon))
                let expired = scanned.expired, expiredSegments = scanned.expiredSegments
                guard let sealed = try stored(in: db) else {
                    try store(now, in: db)
                    return
                }
                // A digest stored before the horizon was covered matches the rows alone; it is upgraded below.
                let covers = try coversHorizon(in: db)
                if sealed != (covers ? now : scanned.digest) {
                    throw PublisherError.refused("the privacy ledger in \(state.path) does not match its digest: charges were deleted or edited outside opendata, and releasing now could give people budget they have spent. Restore the state database from its backup (the digest covers every person's and every window's charges)")
                }
                // Segments are trimmed whole: their one charge ends at or before the horizon.
                for segment in expiredSegments {
                    fold(&now, segment.hash)
                    try db.execute(sql: "DELETE FROM person_segments WHERE id = ?", arguments: [segment.rowID])
                }
                guard !expired.isEmpty else {
                    if !covers || !expiredSegments.isEmpty { try store(now, in: db) }
                    return
                }
                let delete = try db.makeStatement(sql: "DELETE FROM person_charges WHERE population = ? AND unit = ?")
                let update = try db.makeStatement(sql: "UPDATE person_charges SET charges = ? WHERE population = ? AND unit = ?")
                for row in expired {
                    fold(&now, row.hash)
                    if let kept = row.kept {
                        try update.execute(arguments: [kept, row.population, row.unit])
                        fold(&now, personRow(population: row.population, unit: row.unit, charges: kept))
                    } else {
                        try delete.execute(arguments: [row.population, row.unit])
                    }
                }
                try store(now, in: db)
            }
        } catch let error as PublisherError {
            throw error
        } catch {
            throw .io(path: state.path, reason: "cannot check the privacy ledger's digest (\(error))")
        }
    }
}
