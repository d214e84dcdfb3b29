import Foundation
import GRDB
import GRDBSQLite
import Tabular

/// A columnar copy of a store table, kept in the store beside its rows, so a release reads the few
/// columns its policy needs as blocks of codes instead of stepping SQLite through every row.
///
/// Layout: table `opendata_column_blocks`, one row per block and column. A block covers every row
/// of the table whose rowid lies in `first_rowid…last_rowid` when it was built (at most
/// ``blockRows`` rows) and holds, for one column, the column's distinct values as the row reader
/// renders them (integers in decimal, text as stored), one 32-bit code per row (−1 for NULL), the
/// SQLite storage classes it saw, and, for a timestamp column, the Julian day SQLite's own
/// `julianday()` gives each distinct value and whether the value names its zone.
/// `opendata_column_cover` holds, per table, the largest rowid any block has covered and the
/// schema cookie the copy was recorded at. `opendata import` builds the copy (``refresh(table:in:versionBefore:)``).
///
/// Guarantees:
/// - **Never stale.** Triggers on the table delete the block of any row that is updated (at its
///   old and new rowid), deleted, or inserted at a rowid up to the largest one ever covered
///   (so INSERT OR REPLACE too), inside the writer's transaction, whoever the writer is. A reader
///   uses the blocks only when those triggers are on the table, the table's schema is the one the
///   blocks were built for and SQLite's schema cookie is the one recorded, so DROP and CREATE,
///   ALTER TABLE, a rename or a VACUUM (which may renumber rowids) leave them unused. Rows no
///   block covers (rows another program appended) are read from the table, in the same snapshot.
/// - **The same table as the row reader.** ``read(_:names:in:)`` returns exactly the columns
///   ``OperationalStore/read(_:pseudonymizer:progress:)`` builds from the rows: the same values,
///   in rowid order, with the same dictionaries. Where a block cannot answer exactly (a window or
///   a time difference on a column without Julian days; an exclusion on a column holding floating-
///   point or blob values; a column not copied; a block that does not decode) it answers nil and
///   the row reader runs.
/// - **Minimisation and retention.** Only the blocks of the plan's columns are read, so a dropped
///   column's copy is never read either. A deleted row's block goes with it (the trigger), in the
///   deleting transaction, and the store's `secure_delete` overwrites the old pages as it does the
///   rows'; the next import rebuilds it from the rows that remain.
///
/// Not copied (read row by row): a column holding text that is not valid UTF-8 (the row reader
/// keeps raw values apart that decode alike) or long mostly-distinct text (over
/// ``textBytesPerRow`` a row); tables with a column named `rowid`, without rowids, with a
/// collation (an exclusion compares under it) or with a unique index (`REPLACE` deletes a
/// conflicting row without firing a delete trigger).
public enum ColumnBlocks {
    /// The table holding the blocks.
    public static let table = "opendata_column_blocks"
    /// The table holding, per source table, the largest rowid a block has covered and the schema cookie.
    public static let coverTable = "opendata_column_cover"
    /// Rows per block at most: big enough that a block's overhead (a few rows of SQLite) is
    /// nothing, small enough that rebuilding the block of one changed row is quick. (Task-local so
    /// tests can build many small blocks.)
    @TaskLocal public static var blockRows = 1 << 14
    /// Text columns whose distinct values in a block take more bytes than this per row are not copied.
    static let textBytesPerRow = 40
    /// Tests and benchmarks turn the copy off to compare with (or time) the row reader.
    @TaskLocal public static var enabled = true

    static let integerKind: Int32 = 1 << SQLITE_INTEGER, floatKind: Int32 = 1 << SQLITE_FLOAT,
               textKind: Int32 = 1 << SQLITE_TEXT, blobKind: Int32 = 1 << SQLITE_BLOB, nullKind: Int32 = 1 << SQLITE_NULL

    /// The names of the three triggers that keep `source`'s blocks true.
    static func triggers(_ source: String) -> [String] {
        ["insert", "update", "delete"].map { "opendata_blocks_\(source)_\($0)" }
    }

    /// A SQL string literal.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// The schema text SQLite keeps for `source` (nil: no such table).
    static func schema(of source: String, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [source])
    }

    /// The schema text of `source` when it can have a copy, else nil: a rowid table without a
    /// column named `rowid`, without a collation (an exclusion would compare under it) and without
    /// a unique index (`REPLACE` removes a row that conflicts on one without firing a delete trigger).
    static func eligibleSchema(_ source: String, in db: Database) throws -> String? {
        guard let schema = try schema(of: source, in: db), !schema.uppercased().contains("COLLATE"),
              (try? db.makeStatement(sql: "SELECT rowid FROM \(SQL.quote(source)) LIMIT 0")) != nil else { return nil }
        let unique = try Row.fetchAll(db, sql: "SELECT 1 FROM pragma_index_list(?) WHERE \"unique\"", arguments: [source])
        return try unique.isEmpty && !db.columns(in: source).contains { $0.name.lowercased() == "rowid" } ? schema : nil
    }

    /// True when all three of `source`'s triggers (``triggers(_:)``) are on it.
    static func hasTriggers(_ source: String, in db: Database) throws -> Bool {
        let present = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", arguments: [source])
        return triggers(source).allSatisfy(present.contains)
    }

    /// Drops every block of `source` and its cover row.
    static func forget(_ source: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM \(table) WHERE table_name = ?", arguments: [source])
        try db.execute(sql: "DELETE FROM \(coverTable) WHERE table_name = ?", arguments: [source])
    }

    /// The store's schema cookie: every change of any table's definition, and every VACUUM
    /// (which may renumber the rowids of a table without an INTEGER PRIMARY KEY), moves it on.
    static func schemaVersion(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
    }

    /// The schema cookie in the header of the database file at `path` (bytes 40–43, big-endian,
    /// https://sqlite.org/fileformat2.html#database_header) when its WAL is missing or empty, so
    /// the file holds the whole database; nil otherwise.
    static func cookieBeforeOpening(_ path: String) -> Int64? {
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        guard wal == 0, let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 44), header.count == 44 else { return nil }
        return Int64(header[40..<44].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    /// After opening: when the cookie rose by exactly the two of GRDB's WAL priming (a table created
    /// and dropped), the copies recorded at the file's cookie are still true and are re-stamped.
    /// Any other change (a VACUUM's one, someone's schema change) leaves them unused. Best effort: a
    /// read-only store simply reads the rows.
    static func restamp(_ pool: DatabasePool, openedAt cookie: Int64) {
        try? pool.write { db in
            guard try db.tableExists(coverTable), try schemaVersion(in: db) == cookie + 2 else { return }
            try db.execute(sql: "UPDATE \(coverTable) SET schema_version = ? WHERE schema_version = ?", arguments: [cookie + 2, cookie])
        }
    }

    // MARK: - Building

    /// Makes the blocks of `source` cover every row it holds (inside the caller's write): drops
    /// blocks built for another schema or without their triggers, puts the triggers on, and builds
    /// blocks for the rows no block covers. Cost: one read of the uncovered rows.
    ///
    /// `versionBefore` is the schema cookie (``schemaVersion(in:)``) when the caller's transaction
    /// began, before its own schema changes (nil: now). Copies recorded at that cookie stay usable;
    /// copies recorded at another (a VACUUM, someone else's schema change since) are dropped.
    ///
    /// - Throws: What SQLite throws; the caller's transaction then rolls back.
    public static func refresh(table source: String, in db: Database, versionBefore: Int64? = nil) throws {
        let before = try versionBefore ?? schemaVersion(in: db)
        guard let schema = try eligibleSchema(source, in: db) else { return }
        // The tables a release may create, made now so that creating them later does not move the cookie.
        try db.execute(sql: OperationalStore.ledgerTable)
        try db.execute(sql: OperationalStore.retentionTable)
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS \(table) (
                table_name TEXT NOT NULL, first_rowid INTEGER NOT NULL, last_rowid INTEGER NOT NULL,
                row_count INTEGER NOT NULL, column_name TEXT NOT NULL, kinds INTEGER NOT NULL,
                dictionary BLOB NOT NULL, codes BLOB NOT NULL, times BLOB, schema_sql TEXT NOT NULL,
                PRIMARY KEY (table_name, first_rowid, column_name))
            """)
        if try db.tableExists(coverTable), try !db.columns(in: coverTable).contains(where: { $0.name == "schema_version" }) {
            // A copy from a build that did not record the schema cookie: started again.
            try db.execute(sql: "DELETE FROM \(table); DROP TABLE \(coverTable)")
        }
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS \(coverTable) (table_name TEXT PRIMARY KEY, last_rowid INTEGER NOT NULL, schema_version INTEGER NOT NULL)")
        // Copies recorded at another cookie than this transaction's start may be wrong: dropped.
        for stale in try String.fetchAll(db, sql: "SELECT table_name FROM \(coverTable) WHERE schema_version IS NOT ?", arguments: [before]) {
            try forget(stale, in: db)
        }
        if try !hasTriggers(source, in: db) {
            // Blocks without their triggers may have missed a change: they all go.
            try forget(source, in: db)
            for name in triggers(source) { try db.execute(sql: "DROP TRIGGER IF EXISTS \(SQL.quote(name))") }
        }
        try db.execute(sql: "DELETE FROM \(table) WHERE table_name = ? AND schema_sql IS NOT ?", arguments: [source, schema])
        try createTriggers(source, in: db)

        let columns = try db.columns(in: source).map(\.name)
        let covered = try Row.fetchAll(db, sql: "SELECT DISTINCT first_rowid, last_rowid FROM \(table) WHERE table_name = ? ORDER BY first_rowid",
                                       arguments: [source]).map { ($0[0] as Int64)...($0[1] as Int64) }
        var last = covered.last?.upperBound ?? .min
        if let span = try Row.fetchOne(db, sql: "SELECT min(rowid), max(rowid) FROM \(SQL.quote(source))"),
           let low = span[0] as Int64?, let high = span[1] as Int64? {
            gaps: for gap in gaps(between: covered, within: low...high) {
                var next = gap.lowerBound
                while next <= gap.upperBound {
                    // The block ends at its `blockRows`-th row, or with the gap.
                    let end = try Int64.fetchOne(db, sql: "SELECT rowid FROM \(SQL.quote(source)) WHERE rowid BETWEEN ? AND ? ORDER BY rowid LIMIT 1 OFFSET ?",
                                                 arguments: [next, gap.upperBound, blockRows - 1]) ?? gap.upperBound
                    try build(source, columns: columns, rowids: next...end, schema: schema, in: db)
                    last = max(last, end)
                    guard end < .max else { break gaps }
                    next = end + 1
                }
            }
        }
        // Every copy still true gets this transaction's final cookie (its own schema changes included).
        let after = try schemaVersion(in: db)
        try db.execute(sql: "UPDATE \(coverTable) SET schema_version = ? WHERE schema_version = ?", arguments: [after, before])
        try db.execute(sql: """
            INSERT INTO \(coverTable) (table_name, last_rowid, schema_version) VALUES (?, ?, ?)
            ON CONFLICT(table_name) DO UPDATE SET last_rowid = max(last_rowid, excluded.last_rowid), schema_version = excluded.schema_version
            """, arguments: [source, last, after])
    }

    /// Leaves `source`'s insert trigger off for the caller's transaction, which appends rows at
    /// new rowids only (an import); ``refresh(table:in:versionBefore:)`` puts it back before the commit.
    static func pauseInsertTrigger(_ source: String, in db: Database) throws {
        try db.execute(sql: "DROP TRIGGER IF EXISTS \(SQL.quote(triggers(source)[0]))")
    }

    /// The triggers: a changed, deleted or overwritten row takes its block with it.
    static func createTriggers(_ source: String, in db: Database) throws {
        let names = triggers(source), quoted = SQL.quote(source), name = literal(source)
        // The block holding `rowid`: the one starting last at or before it, if it reaches it.
        let drop = { (rowid: String) in
            """
            DELETE FROM \(table) WHERE table_name = \(name) AND last_rowid >= \(rowid) AND first_rowid =
                (SELECT max(first_rowid) FROM \(table) WHERE table_name = \(name) AND first_rowid <= \(rowid));
            """
        }
        try db.execute(sql: """
            CREATE TRIGGER IF NOT EXISTS \(SQL.quote(names[0])) AFTER INSERT ON \(quoted)
            WHEN NEW.rowid <= (SELECT last_rowid FROM \(coverTable) WHERE table_name = \(name))
            BEGIN \(drop("NEW.rowid")) END
            """)
        try db.execute(sql: "CREATE TRIGGER IF NOT EXISTS \(SQL.quote(names[1])) AFTER UPDATE ON \(quoted) BEGIN \(drop("OLD.rowid")) \(drop("NEW.rowid")) END")
        try db.execute(sql: "CREATE TRIGGER IF NOT EXISTS \(SQL.quote(names[2])) AFTER DELETE ON \(quoted) BEGIN \(drop("OLD.rowid")) END")
    }

    /// The parts of `span` no range of `covered` (sorted, disjoint) holds.
    static func gaps(between covered: [ClosedRange<Int64>], within span: ClosedRange<Int64>) -> [ClosedRange<Int64>] {
        var result: [ClosedRange<Int64>] = []
        var next = span.lowerBound
        for range in covered {
            if range.lowerBound > next { result.append(next...min(range.lowerBound - 1, span.upperBound)) }
            if range.upperBound >= span.upperBound { return result.filter { !$0.isEmpty } }
            next = max(next, range.upperBound + 1)
        }
        if next <= span.upperBound { result.append(next...span.upperBound) }
        return result
    }

    /// Builds and stores the block of `rowids`, reading the rows with the row reader itself.
    static func build(_ source: String, columns: [String], rowids: ClosedRange<Int64>, schema: String, in db: Database) throws {
        let list = columns.map { SQL.quote($0) }.joined(separator: ", ")
        let (read, kinds) = try OperationalStore.scanWithKinds(
            db, sql: "SELECT \(list) FROM \(SQL.quote(source)) WHERE rowid BETWEEN ? AND ?",
            arguments: [rowids.lowerBound, rowids.upperBound], names: columns, smallIntegers: Int64(blockRows))
        guard let rows = read.first?.count, rows > 0 else { return }
        for (index, column) in read.enumerated() {
            // Not copied: text that was not valid UTF-8 (the row reader keeps apart raw values that
            // decode alike, U+FFFD), and long mostly-distinct text such as narratives (more than
            // `textBytesPerRow` a row): a plan reading such a column reads the rows.
            guard !column.dictionary.contains(where: { $0.contains("\u{FFFD}") }),
                  column.dictionary.reduce(0, { $0 + $1.utf8.count }) <= textBytesPerRow * rows else { continue }
            let dictionary = encode(column.dictionary)
            var codes = Data(count: column.count * 4)
            codes.withUnsafeMutableBytes { buffer in
                for (row, code) in column.codes.enumerated() { buffer.storeBytes(of: code.littleEndian, toByteOffset: row * 4, as: Int32.self) }
            }
            // Julian days for a text column of timestamps (as the importer types them).
            var times: Data?
            // ('now' is no fixed time: its Julian day is the moment of the query.)
            if kinds[index] & ~(textKind | nullKind) == 0, let first = column.dictionary.first, ColumnType.isDateTime(first),
               !column.dictionary.contains(where: { $0.lowercased() == "now" }) {
                times = try julianDays(of: column.dictionary, in: db)
            }
            try db.execute(sql: """
                INSERT INTO \(table) (table_name, first_rowid, last_rowid, row_count, column_name, kinds, dictionary, codes, times, schema_sql)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [source, rowids.lowerBound, rowids.upperBound, rows, column.name, kinds[index], dictionary, codes, times, schema])
        }
    }

    /// `values` as one blob: their count (UInt32), each one's end offset (UInt32), then the UTF-8 bytes.
    static func encode(_ values: [String]) -> Data {
        var bytes: [UInt8] = []
        var ends: [UInt32] = []
        ends.reserveCapacity(values.count)
        for value in values {
            bytes.append(contentsOf: value.utf8)
            ends.append(UInt32(bytes.count))
        }
        var data = Data(capacity: 4 + 4 * ends.count + bytes.count)
        withUnsafeBytes(of: UInt32(values.count).littleEndian) { data.append(contentsOf: $0) }
        ends.withUnsafeBytes { raw in
            for end in raw.bindMemory(to: UInt32.self) { withUnsafeBytes(of: end.littleEndian) { data.append(contentsOf: $0) } }
        }
        data.append(contentsOf: bytes)
        return data
    }

    /// The values of an ``encode(_:)`` blob, or nil when it does not decode.
    static func decode(_ data: Data) -> ValueBatch? {
        data.withUnsafeBytes { raw -> ValueBatch? in
            guard raw.count >= 4 else { return nil }
            let count = Int(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
            guard count <= (raw.count - 4) / 4 else { return nil }
            let start = 4 + 4 * count
            var ends: [Int] = []
            ends.reserveCapacity(count)
            var previous = 0
            for i in 0..<count {
                let end = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 + 4 * i, as: UInt32.self)))
                guard end >= previous, end <= raw.count - start else { return nil }
                ends.append(end)
                previous = end
            }
            return ValueBatch(bytes: Array(raw[start...]), ends: ends)
        }
    }

    /// Per value, SQLite's `julianday(value)` (NaN for NULL) and whether it names its zone
    /// (``SQL/hasZone(_:)``): 8 bytes each, then one byte each. SQLite computes both, so a block
    /// compares exactly as the row reader's query does.
    static func julianDays(of values: [String], in db: Database) throws -> Data {
        var days: [Double] = []
        var zoned: [UInt8] = []
        days.reserveCapacity(values.count)
        let statement = try db.makeStatement(sql: "SELECT julianday(value), \(SQL.hasZone("value")) FROM json_each(?) ORDER BY key")
        var start = 0
        while start < values.count {
            let end = min(start + 4096, values.count)
            let json = try JSONSerialization.data(withJSONObject: Array(values[start..<end]))
            let rows = try Row.fetchCursor(statement, arguments: [String(decoding: json, as: UTF8.self)])
            while let row = try rows.next() {
                days.append((row[0] as Double?) ?? .nan)
                zoned.append((row[1] as Bool?) == true ? 1 : 0)
            }
            guard days.count == end else { throw DatabaseError(message: "julianday() returned \(days.count - start) values for \(end - start)") }
            start = end
        }
        var data = Data(capacity: 9 * values.count)
        for day in days { withUnsafeBytes(of: day.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: zoned)
        return data
    }
}
