import Foundation
import GRDB
import GRDBSQLite
import PrivacyPolicy
import ReleaseFormat
import Tabular

/// One release's charge over many people, stored once: the charge and the sorted ledger ids of
/// everyone the release charged (table `person_segments`), instead of one `person_charges` row
/// per person (``PersonLedger``).
///
/// A person's history is their row's charges followed by the charge of every segment holding
/// their id, so a segment changes no decision: a cap check, the largest yearly charge and the
/// ledger's seal read the same charges as if each person's row held it (the property tests of
/// `LedgerHorizonTests` and the repeat callers of `PersonLedgerTests` run with and without segments). What it changes is the cost: a backfill charging millions
/// of people writes one sorted blob (16 bytes a person) rather than a B-tree row each, and a later
/// release finds its people in it by binary search.
///
/// Bounds: a release writes segments only when it charges at least ``PersonLedger/segmentMinimum``
/// people and the population would then hold at most ``maximumPerPopulation`` of them (otherwise
/// rows, as before), so that every look-up visits a few sorted arrays; a segment holds at most
/// ``maximumIDs`` ids (a release charging more writes several). A segment whose charge ends at or
/// before the trim horizon (``LedgerHorizon``) is deleted whole by the next ledger check.
struct LedgerSegment: Sendable {
    /// The row's id (`AUTOINCREMENT`: never reused, so two segments with the same charge and
    /// people still hash differently in the seal).
    var rowID: Int64
    var population: String
    /// The charge, as encoded (``PersonLedger/encode(_:)``, one charge: 48 bytes).
    var encodedCharge: Data
    var charge: PersonLedger.Charge
    /// Everyone charged, strictly ascending (stored as their 16 bytes each, ``LedgerID/packInOrder(_:)``).
    var ids: [LedgerID]
    var dataset: String
    var window: String
    var sequence: Int

    /// Most segments one population may hold at once; a mask of one byte names any subset of them.
    static let maximumPerPopulation = 8
    /// Most ids in one segment (64 MiB of blob, far below SQLite's 1 GB limit on a value).
    static let maximumIDs = 1 << 22

    // MARK: Reading and writing

    /// The segments of `population`, oldest first.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when a segment is malformed or the population holds
    ///   more than ``maximumPerPopulation`` (``init(row:)``): the ledger was edited outside opendata.
    static func all(population: String, in db: Database) throws -> [LedgerSegment] {
        try read(where: "WHERE population = ?", [population], in: db)
    }

    /// Every segment of every population, oldest first.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` as ``all(population:in:)``.
    static func all(in db: Database) throws -> [LedgerSegment] {
        try read(where: "", [], in: db)
    }

    /// The segments `condition` selects, oldest first, refused when a population holds more than a
    /// mask can name (only an edit outside opendata makes that: ``PersonLedger`` never writes a ninth).
    private static func read(where condition: String, _ arguments: StatementArguments, in db: Database) throws -> [LedgerSegment] {
        let segments = try Row.fetchAll(db, sql: "SELECT id, population, charge, units, dataset, window, sequence FROM person_segments \(condition) ORDER BY id",
                                        arguments: arguments).map(Self.init(row:))
        for (population, held) in Dictionary(grouping: segments, by: \.population) where held.count > maximumPerPopulation {
            throw PublisherError.refused(malformed("population \(population) holds \(held.count) segments, more than the \(maximumPerPopulation) opendata writes"))
        }
        return segments
    }

    /// The one-line refusal for a ledger whose segments were edited outside opendata.
    static func malformed(_ what: String) -> String {
        "the privacy ledger's segments were edited outside opendata (\(what)), and releasing now could give people budget they have spent. Restore the state database from its backup"
    }

    /// How many segments `population` holds.
    static func count(population: String, in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM person_segments WHERE population = ?", arguments: [population]) ?? 0
    }

    /// Writes segments of `sorted` (ascending, no repeats, packed) charged `charge`, in parts of at
    /// most ``maximumIDs``; returns the XOR of their seal elements (``sealElement``).
    ///
    /// Each part's row id is the one SQLite's AUTOINCREMENT would give (one more than the largest it
    /// has handed out or holds; the write transaction keeps it so), written explicitly, so its seal
    /// element is hashed on one core while SQLite stores the row on the other, both reading the
    /// packed ids in place (bound without a copy). The element is what ``sealElement()`` computes
    /// from the stored row.
    static func write(population: String, charge: PersonLedger.Charge, sorted: LedgerID.Packed, dataset: String, window: String,
                      sequence: Int, in db: Database) throws -> [UInt8] {
        let encoded = PersonLedger.encode([charge])
        var digest = [UInt8](repeating: 0, count: 32)
        let insert = try db.makeStatement(sql: """
            INSERT INTO person_segments (id, population, charge, units, dataset, window, sequence) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for start in stride(from: 0, to: sorted.count, by: maximumIDs) {
            let rowID = try Int64.fetchOne(db, sql: """
                SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'person_segments'), 0),
                           coalesce((SELECT max(id) FROM person_segments), 0)) + 1
                """) ?? 1
            // The units are bound below, on SQLite's handle, from the packed ids' own memory.
            try insert.setArguments([rowID, population, encoded, Data(), dataset, window, sequence])
            let handle = insert.sqliteStatement
            let work = sorted.withBytes(start..<min(start + maximumIDs, sorted.count)) { units in
                // SQLITE_STATIC (nil): SQLite reads the bytes while stepping, which ends before this closure does.
                let bound = sqlite3_bind_blob(handle, 4, units.baseAddress, Int32(units.count), nil)
                // SQLite steps on this connection's own handle on one core (no GRDB call off its queue); the hash on the other.
                return Parallel.map(2) { task -> (status: Int32, seal: [UInt8]) in
                    guard task == 0 else {
                        return (SQLITE_DONE, sealElement(rowID: rowID, population: population, dataset: dataset, window: window,
                                                         sequence: sequence, encodedCharge: encoded, unitsLength: units.count) { $0.update(units) })
                    }
                    guard bound == SQLITE_OK else { return (bound, []) }
                    let status = sqlite3_step(handle)
                    sqlite3_reset(handle)
                    sqlite3_clear_bindings(handle)
                    return (status, [])
                }
            }
            guard work[0].status == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: work[0].status), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                                    sql: insert.sql)
            }
            LedgerSeal.fold(&digest, work[1].seal)
        }
        return digest
    }

    /// How many segments a release charging `people` would write.
    static func parts(_ people: Int) -> Int { (people + maximumIDs - 1) / maximumIDs }

    // MARK: The seal

    /// This segment's element of the ledger's digest (``LedgerSeal``): SHA-256 of `segment`, then
    /// the row id, population, dataset, window and sequence, the encoded charge and the stored ids,
    /// each as its length in bytes, a colon and its bytes. Every field's boundary is in the hash, so
    /// bytes moved from one field to the next (ids into the charge, the charge into the ids, part
    /// of the population into the dataset) change it, as does removing, adding or moving one id.
    func sealElement() -> [UInt8] {
        // The stored ids (``init(row:)`` reads only whole ones, so these are their bytes), packed a block at a time.
        Self.sealElement(rowID: rowID, population: population, dataset: dataset, window: window, sequence: sequence,
                         encodedCharge: encodedCharge, unitsLength: ids.count * 16) { digest in
            for start in stride(from: 0, to: ids.count, by: 4096) { digest.update(LedgerID.packInOrder(ids[start..<min(start + 4096, ids.count)])) }
        }
    }

    /// ``sealElement()`` of a segment row with these fields, whose stored ids are `unitsLength`
    /// bytes that `units` feeds the digest.
    static func sealElement(rowID: Int64, population: String, dataset: String, window: String, sequence: Int,
                            encodedCharge: Data, unitsLength: Int, units: (StreamingDigest) -> Void) -> [UInt8] {
        let digest = StreamingDigest(.sha256)
        digest.update(Data("segment".utf8))
        for field in [Data(String(rowID).utf8), Data(population.utf8), Data(dataset.utf8), Data(window.utf8), Data(String(sequence).utf8),
                      encodedCharge] {
            digest.update(Data("\(field.count):".utf8))
            digest.update(field)
        }
        digest.update(Data("\(unitsLength):".utf8))
        units(digest)
        return digest.finish()
    }

    // MARK: Membership

    /// True when `id` is one of this segment's people (binary search).
    func contains(_ id: LedgerID) -> Bool {
        var low = 0, high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < ids.count && ids[low] == id
    }

    /// For each of `ids`, the mask of `segments` holding it (bit i: `segments[i]`), on both cores
    /// for a large query. At most ``maximumPerPopulation`` segments.
    static func masks(of ids: [LedgerID], in segments: [LedgerSegment]) -> [UInt8] {
        guard !segments.isEmpty else { return [UInt8](repeating: 0, count: ids.count) }
        return Parallel.map(ranges: ids.count, minimum: 50_000) { range -> [UInt8] in
            ids[range].map { id in
                var mask: UInt8 = 0
                for (index, segment) in segments.enumerated() where segment.contains(id) { mask |= 1 << UInt8(index) }
                return mask
            }
        }.flatMap { $0 }
    }

    /// The charges of the segments a mask names, oldest first.
    static func charges(_ mask: UInt8, of segments: [LedgerSegment]) -> [PersonLedger.Charge] {
        segments.indices.filter { mask & (1 << UInt8($0)) != 0 }.map { segments[$0].charge }
    }
}

extension LedgerSegment {
    /// A stored row, read by position (the columns of ``all(population:in:)``), checked: a charge
    /// of exactly one encoded charge, whole ids in strictly ascending order, at most ``maximumIDs``.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` naming the segment when the row is malformed (never
    ///   a charge made up to stand in for a missing one).
    init(row: Row) throws {
        let id = Int64.fromDatabaseValue(row[0] as DatabaseValue) ?? -1
        func refuse(_ what: String) -> PublisherError { .refused(Self.malformed("segment \(id): \(what)")) }
        guard let population = String.fromDatabaseValue(row[1] as DatabaseValue),
              let encodedCharge = Data.fromDatabaseValue(row[2] as DatabaseValue), let units = Data.fromDatabaseValue(row[3] as DatabaseValue),
              let dataset = String.fromDatabaseValue(row[4] as DatabaseValue), let window = String.fromDatabaseValue(row[5] as DatabaseValue),
              let sequence = Int.fromDatabaseValue(row[6] as DatabaseValue), id >= 0 else {
            throw refuse("a column of the wrong type")
        }
        guard encodedCharge.count == PersonLedger.chargeSize, let charge = PersonLedger.decode(encodedCharge).first else {
            throw refuse("its charge is \(encodedCharge.count) bytes, not \(PersonLedger.chargeSize)")
        }
        guard units.count % 16 == 0, units.count / 16 <= Self.maximumIDs else {
            throw refuse("its ids are \(units.count) bytes, not whole 16-byte ids up to \(Self.maximumIDs)")
        }
        let ids = LedgerID.unpack(units)
        guard zip(ids, ids.dropFirst()).allSatisfy({ $0 < $1 }) else { throw refuse("its ids are not in ascending order") }
        self.init(rowID: id, population: population, encodedCharge: encodedCharge, charge: charge, ids: ids,
                  dataset: dataset, window: window, sequence: sequence)
    }
}

/// A walk over the people of a few segments in ascending id order, beside a stream of person rows
/// in the same order: for each row's id, which segments hold it; and, for the ids on the way that
/// only segments hold, which combinations of segments they are in. Each id is visited once:
/// O(people × segments).
struct SegmentWalk {
    let segments: [LedgerSegment]
    private var positions: [Int]
    /// `alone[mask]`: some id held by exactly the segments of `mask`, and by no row, was passed.
    private(set) var alone = [Bool](repeating: false, count: 256)

    init(_ segments: [LedgerSegment]) {
        self.segments = segments
        positions = [Int](repeating: 0, count: segments.count)
    }

    /// Moves past `id` (nil: to the end), noting in ``alone`` each smaller id only segments hold,
    /// and returns the mask of the segments holding `id`.
    mutating func advance(to id: LedgerID?) -> UInt8 {
        while true {
            // The smallest id any segment has not passed yet, if below `id`.
            var smallest: LedgerID?
            for (index, segment) in segments.enumerated() where positions[index] < segment.ids.count {
                let next = segment.ids[positions[index]]
                if smallest.map({ next < $0 }) ?? true { smallest = next }
            }
            guard let next = smallest, id.map({ next < $0 }) ?? true else { break }
            alone[Int(take(next))] = true
        }
        guard let id else { return 0 }
        return take(id)
    }

    /// The mask of segments whose next id is `id`, each moved past it.
    private mutating func take(_ id: LedgerID) -> UInt8 {
        var mask: UInt8 = 0
        for (index, segment) in segments.enumerated() where positions[index] < segment.ids.count && segment.ids[positions[index]] == id {
            mask |= 1 << UInt8(index)
            positions[index] += 1
        }
        return mask
    }
}

/// The segments whose charge counts in the year [`start`, `end`), walked beside a population's
/// person rows for the largest total of one person (``PersonLedger/largestYearlyCharge(population:now:)``).
struct YearTotals {
    var walk: SegmentWalk
    private var totals = [PrivacyCost?](repeating: nil, count: 256)

    init(segments: [LedgerSegment], after start: Date, before end: Date) {
        walk = SegmentWalk(segments.filter { $0.charge.end > start && $0.charge.start < end })
    }

    /// The composition of the charges of the segments `mask` names, oldest first.
    mutating func total(_ mask: UInt8) -> PrivacyCost {
        if let known = totals[Int(mask)] { return known }
        let total = LedgerSegment.charges(mask, of: walk.segments).reduce(PrivacyCost.zero) { $0 + $1.cost }
        totals[Int(mask)] = total
        return total
    }

    /// The mask of the segments holding `id` (the next row's, in ascending order).
    mutating func advance(to id: LedgerID) -> UInt8 { walk.advance(to: id) }

    /// The larger of `largest` and the total of everyone passed who has no row.
    mutating func finish(_ largest: PrivacyCost) -> PrivacyCost {
        _ = walk.advance(to: nil)
        var result = largest
        for mask in 1..<256 where walk.alone[mask] { result = PersonLedger.larger(result, total(UInt8(mask))) }
        return result
    }
}
