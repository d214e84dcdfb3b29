import Foundation
import GRDB
import Tabular
import Testing
import TestSupport
@testable import OperationalStore

/// Hostile but legal tables, plans and writers against the guarantee of ``ColumnBlocks``: a read
/// through the blocks returns exactly the table the row reader returns, and the copy is never stale.
/// Each test builds its table with SQL, copies it into blocks of 7 rows, and compares
/// (a) `store.read(plan)` with the row reader and (b) `ColumnBlocks.read` (when it answers) with it.
@Suite struct ColumnBlocksAdversarialTests {
    // MARK: - Helpers

    static func fresh(_ label: String) throws -> OperationalStore {
        try OperationalStore(path: TestSupport.temporaryFolder("adv-" + label) + "/store.sqlite", create: true)
    }

    /// `sql`, then the blocks of `table` refreshed (blocks of 7 rows).
    static func store(_ label: String, _ sql: String, table: String = "t") throws -> OperationalStore {
        let store = try fresh(label)
        try store.write { db in try db.execute(sql: sql) }
        try refresh(store, table)
        return store
    }

    static func refresh(_ store: OperationalStore, _ table: String = "t") throws {
        try ColumnBlocks.$blockRows.withValue(7) { try store.write { db in try ColumnBlocks.refresh(table: table, in: db) } }
    }

    static func rows(_ store: OperationalStore, _ plan: ReadPlan) throws -> Tabular.Table {
        try ColumnBlocks.$enabled.withValue(false) { try store.read(plan, pseudonymizer: nil) }
    }

    static func blocks(_ store: OperationalStore, _ plan: ReadPlan) throws -> [Tabular.Column]? {
        try store.read { db in try ColumnBlocks.read(plan, names: plan.columns + plan.derived.map(\.name), in: db) }
    }

    /// nil when equal, else the first difference.
    static func difference(_ left: Tabular.Table, _ right: Tabular.Table) -> String? {
        if left.columns.map(\.name) != right.columns.map(\.name) {
            return "names \(left.columns.map(\.name)) vs \(right.columns.map(\.name))"
        }
        for (l, r) in zip(left.columns, right.columns) where l.dictionary != r.dictionary || l.codes != r.codes {
            func show(_ c: Tabular.Column) -> String {
                "dictionary \(c.dictionary.map { Array($0.utf8) }) \(c.dictionary.map { $0.debugDescription }) codes \(c.codes)"
            }
            return "column \(l.name): \(show(l)) vs rows \(show(r))"
        }
        return nil
    }

    /// Checks (a) and (b); returns whether the blocks answered.
    @discardableResult
    static func check(_ store: OperationalStore, _ plan: ReadPlan, _ label: String,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        let expected = try rows(store, plan)
        let read = try store.read(plan, pseudonymizer: nil)
        let a = difference(read, expected)
        #expect(a == nil, "\(label): store.read differs from the row reader: \(a ?? "")", sourceLocation: sourceLocation)
        guard let columns = try blocks(store, plan) else { return false }
        let b = difference(Tabular.Table(columns: columns), expected)
        #expect(b == nil, "\(label): ColumnBlocks.read differs from the row reader: \(b ?? "")", sourceLocation: sourceLocation)
        return true
    }

    static let day = Date(timeIntervalSince1970: 1_772_409_600)  // 2026-03-02 00:00 UTC

    /// `count` filler rows of `t (k, at)` (so the interesting rows land in several blocks).
    static func filler(_ count: Int, start: Int = 0) -> String {
        (0..<count).map { "INSERT INTO t (k, at) VALUES ('v\(($0 + start) % 5)', '2026-03-02 0\(($0 + start) % 10):00:00');" }.joined(separator: "\n")
    }

    // MARK: - Values

    /// Two different invalid UTF-8 byte strings, and a valid U+FFFD: the row reader keys its
    /// dictionary by raw bytes, so a column holding U+FFFD after decoding is not copied.
    @Test func invalidUTF8TextInAColumn() throws {
        let store = try Self.store("utf8", """
            CREATE TABLE t (k TEXT, at TEXT);
            INSERT INTO t VALUES (CAST(X'FF' AS TEXT), '2026-03-02 10:00:00');
            INSERT INTO t VALUES (CAST(X'FE' AS TEXT), '2026-03-02 10:00:00');
            INSERT INTO t VALUES (CAST(X'EFBFBD' AS TEXT), '2026-03-02 10:00:00');
            INSERT INTO t VALUES ('ok', '2026-03-02 10:00:00');
            """)
        try Self.check(store, ReadPlan(table: "t", columns: ["k"]), "invalid UTF-8, plain read")
    }

    /// An exclusion on a column of invalid UTF-8: SQLite compares the raw bytes; such a column is not copied.
    @Test func invalidUTF8TextInAnExclusion() throws {
        let store = try Self.store("utf8-ex", """
            CREATE TABLE t (k TEXT, at TEXT);
            INSERT INTO t VALUES (CAST(X'FF' AS TEXT), '2026-03-02 10:00:00');
            INSERT INTO t VALUES ('ok', '2026-03-02 10:00:00');
            """)
        var plan = ReadPlan(table: "t", columns: ["at"])
        plan.exclude = [("k", ["\u{FFFD}"])]
        try Self.check(store, plan, "invalid UTF-8, exclusion of U+FFFD")
    }

    /// Invalid UTF-8 in a timestamp column used by a window and a time difference.
    @Test func invalidUTF8TextInAWindow() throws {
        let store = try Self.store("utf8-win", """
            CREATE TABLE t (k TEXT, at TEXT, ended TEXT);
            INSERT INTO t VALUES ('a', '2026-03-02 10:00:00', '2026-03-02 10:00:05');
            INSERT INTO t VALUES ('b', '2026-03-02 10:00:00' || CAST(X'FF' AS TEXT), '2026-03-02 11:00:00');
            INSERT INTO t VALUES ('c', CAST(X'FF' AS TEXT) || '2026-03-02 10:00:00', '2026-03-02 11:00:00');
            INSERT INTO t VALUES ('d', '2026-03-02 10:00:00Z' || CAST(X'80' AS TEXT), '2026-03-02 11:00:00');
            INSERT INTO t VALUES ('e', '2026-03-02 10:00:00' || CAST(X'00' AS TEXT) || 'Z', '2026-03-02 11:00:00');
            INSERT INTO t VALUES ('f', '2026-03-02 10:00:00' || CAST(X'0041' AS TEXT), '2026-03-02 11:00:00');
            """)
        var plan = ReadPlan(table: "t", columns: ["k", "at"], derived: [("s", .secondsBetween(start: "at", end: "ended"))])
        plan.window = ("at", Self.day, Self.day.addingTimeInterval(86400))
        plan.naiveZone = TimeZone(identifier: "America/Chicago")
        try Self.check(store, plan, "invalid UTF-8 / NUL in a window column")
        plan.naiveZone = nil
        try Self.check(store, plan, "invalid UTF-8 / NUL in a window column, UTC")
    }

    /// An exclusion value holding a NUL: SQLite gets it bound up to the NUL (GRDB binds text with
    /// length −1), and the blocks compare it up to the NUL too.
    @Test func nulInAnExclusionValue() throws {
        let store = try Self.store("nul-ex", """
            CREATE TABLE t (k TEXT, at TEXT);
            INSERT INTO t VALUES ('NOISE', '2026-03-02 10:00:00');
            INSERT INTO t VALUES ('NOISE' || CAST(X'00' AS TEXT) || 'x', '2026-03-02 10:00:00');
            INSERT INTO t VALUES ('FIRE', '2026-03-02 10:00:00');
            """)
        var plan = ReadPlan(table: "t", columns: ["k"])
        plan.exclude = [("k", ["NOISE\u{0}x"])]
        try Self.check(store, plan, "exclusion value with a NUL")
    }

    /// BLOB values: read plainly, excluded on, and as a window column.
    @Test func blobValues() throws {
        let store = try Self.store("blob", """
            CREATE TABLE t (k, at);
            INSERT INTO t VALUES (X'00FF', '2026-03-02 10:00:00');
            INSERT INTO t VALUES (X'', '2026-03-02 10:00:00');
            INSERT INTO t VALUES ('AP8=', X'323032362D30332D30322031303A30303A3030');
            INSERT INTO t VALUES ('', '2026-03-02 10:00:00');
            """)
        try Self.check(store, ReadPlan(table: "t", columns: ["k", "at"]), "blobs, plain")
        var plan = ReadPlan(table: "t", columns: ["k"])
        plan.exclude = [("k", ["AP8=", ""])]
        try Self.check(store, plan, "blobs, exclusion")
        plan.window = ("at", Self.day, Self.day.addingTimeInterval(86400))
        try Self.check(store, plan, "blobs, window on a column with a blob")
    }

    /// REAL and INTEGER Julian days in a timestamp column.
    @Test func realValuesInATimestampColumn() throws {
        let store = try Self.store("real", """
            CREATE TABLE t (k TEXT, at, ended);
            INSERT INTO t VALUES ('a', '2026-03-02 10:00:00', 2461101.5);
            INSERT INTO t VALUES ('b', 2461101.75, '2026-03-02 10:00:00');
            INSERT INTO t VALUES ('c', 2461102, '2026-03-02 10:00:00');
            INSERT INTO t VALUES ('d', 1e300, '2026-03-02 10:00:00');
            INSERT INTO t VALUES ('e', -0.0, '2026-03-02 10:00:00');
            """)
        var plan = ReadPlan(table: "t", columns: ["k", "at", "ended"], derived: [("s", .secondsBetween(start: "at", end: "ended"))])
        try Self.check(store, plan, "REAL timestamps, time difference")
        plan.window = ("at", Self.day, Self.day.addingTimeInterval(86400))
        try Self.check(store, plan, "REAL timestamps, window")
        plan.exclude = [("at", ["2461101.75", "0.0", "-0.0"])]
        try Self.check(store, plan, "REAL timestamps, exclusion")
    }

    /// A column that is NULL in a whole block (the first), then timestamps.
    @Test func aColumnNullInAWholeBlock() throws {
        var sql = "CREATE TABLE t (k TEXT, at TEXT, ended TEXT);\n"
        for i in 0..<20 { sql += "INSERT INTO t VALUES (\(i < 10 ? "NULL" : "'k\(i % 3)'"), \(i < 8 ? "NULL" : "'2026-03-02 1\(i % 10):00:00'"), '2026-03-02 12:00:00');\n" }
        let store = try Self.store("nullblock", sql)
        var plan = ReadPlan(table: "t", columns: ["k", "at"], derived: [("s", .secondsBetween(start: "at", end: "ended"))])
        try Self.check(store, plan, "NULL block, plain")
        plan.exclude = [("k", ["k1"])]
        try Self.check(store, plan, "NULL block, exclusion")
        plan.window = ("at", Self.day, Self.day.addingTimeInterval(86400))
        try Self.check(store, plan, "NULL block, window")
    }

    /// Timestamps in odd but valid SQLite formats, after a usual one.
    @Test func oddTimestampFormats() throws {
        let odd = ["2026-03-02 10:00:00", "2026-03-02T10:00", "2026-03-02", "2461101.5", "2461101", " 2026-03-02 10:00:00",
                   "2026-03-02 10:00:00 ", "2026-03-02 10:00:00z", "2026-03-02 10:00:00 Z", "2026-03-02 10:00:00+0530",
                   "2026-03-02 10:00:00 +05:30", "2026-03-02 10:00:00.123456789", "2026-03-02 10:00:00-00:00", "10:00",
                   "2026-03-02T10:00:00.5+05:30", "2026-03-02 23:59:59.9999", "2026-03-01 23:59:59.9999Z", "2026-03-02 10:00:00 z ",
                   "2026-3-2 10:00:00", "+2026-03-02 10:00:00", "2026-03-02 24:00:00", "2026-02-30 10:00:00", "1772445600",
                   "2026-03-02 10:00:00+14:00", "2026-03-02 10:00:00-14:00", "2026-03-03 00:00:00+00:01", "2026-03-01 23:59:59.999-00:01"]
        var sql = "CREATE TABLE t (k TEXT, at TEXT, ended TEXT);\n"
        for (i, value) in odd.enumerated() { sql += "INSERT INTO t VALUES ('k\(i)', '\(value)', '2026-03-02 12:00:00');\n" }
        let store = try Self.store("odd", sql)
        for zone in [nil, TimeZone(identifier: "UTC"), TimeZone(identifier: "America/Chicago"), TimeZone(identifier: "Asia/Kolkata")] {
            var plan = ReadPlan(table: "t", columns: ["k", "at"], derived: [("s", .secondsBetween(start: "at", end: "ended")),
                                                                           ("r", .secondsBetween(start: "ended", end: "at"))])
            plan.window = ("at", Self.day, Self.day.addingTimeInterval(86400))
            plan.naiveZone = zone
            let answered = try Self.check(store, plan, "odd timestamps, zone \(zone?.identifier ?? "nil")")
            _ = answered
        }
    }

    /// `'now'` is a valid SQLite time whose Julian day is the query's moment: a block holding it has no Julian days.
    @Test func nowIsNotAFixedTime() throws {
        let store = try Self.store("now", """
            CREATE TABLE t (k TEXT, at TEXT, ended TEXT);
            INSERT INTO t VALUES ('a', '2026-03-02 10:00:00', '2026-03-02 10:00:05');
            INSERT INTO t VALUES ('b', '2026-03-02 10:00:00', 'now');
            """)
        Thread.sleep(forTimeInterval: 2.2)
        let plan = ReadPlan(table: "t", columns: ["k"], derived: [("s", .secondsBetween(start: "at", end: "ended"))])
        try Self.check(store, plan, "'now' in a time difference")
        // A window that held 'now' at build time and no longer does.
        var windowed = ReadPlan(table: "t", columns: ["k"])
        let built = Date().addingTimeInterval(-2.2)
        windowed.window = ("ended", built.addingTimeInterval(-30), built.addingTimeInterval(1))
        try Self.check(store, windowed, "'now' in a window")
    }

    // MARK: - Rowids

    /// Explicit INTEGER PRIMARY KEYs: negative ones down to Int64.min, large ones up to Int64.max − 1.
    /// (Each set keeps max − min under about 2^62; wider spans: ``theRowReaderOverflowsOnAWideRowidSpan()``.)
    @Test(arguments: [
        [Int64.min, Int64.min + 1, -1000, -5, -2],
        [0, 1, 2, 3, 1000, 3_000_000_000_000_000_000],
        [9_223_372_036_854_775_787, 9_223_372_036_854_775_798, 9_223_372_036_854_775_800, 9_223_372_036_854_775_804, 9_223_372_036_854_775_805, 9_223_372_036_854_775_806],
        [-5, -1, 0, 1, 2, 3, 1000, 100_000, 1_000_000],
    ] as [[Int64]])
    func integerPrimaryKeysNegativeAndHugeRowids(ids: [Int64]) throws {
        var sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, at TEXT);\n"
        for (i, id) in ids.enumerated() { sql += "INSERT INTO t VALUES (\(id), 'k\(i % 4)', '2026-03-02 1\(i % 10):00:00');\n" }
        let store = try Self.store("rowids", sql)
        var plan = ReadPlan(table: "t", columns: ["id", "k", "at"])
        #expect(try Self.check(store, plan, "rowids \(ids)"))
        plan.exclude = [("id", ["-1", "0", "9223372036854775806", "-9223372036854775808"])]
        try Self.check(store, plan, "rowids \(ids), exclusion on id")
        let middle = ids[ids.count / 2]
        let free = [middle - 1, middle + 1, -3, -2].first { !ids.contains($0) } ?? 77
        try store.write { db in
            try db.execute(sql: "UPDATE t SET k = 'moved' WHERE id = \(middle); INSERT INTO t VALUES (\(free), 'new', '2026-03-02 10:00:00'); DELETE FROM t WHERE id = \(ids[1])")
        }
        try Self.check(store, plan, "rowids \(ids), after writes")
        try Self.refresh(store)
        try Self.check(store, plan, "rowids \(ids), after writes and a refresh")
    }

    /// The row reader itself (`scanInParts`, `high - low`) trapped on a table holding rowids
    /// Int64.min and 1; such a span is now read in one part.
    @Test func theRowReaderOverflowsOnAWideRowidSpan() async {
        await #expect(processExitsWith: .success) {
            let store = try OperationalStore(path: TestSupport.temporaryFolder("adv-span") + "/store.sqlite", create: true)
            try store.write { db in
                try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT); INSERT INTO t VALUES (-9223372036854775808, 'a'), (1, 'b')")
            }
            _ = try ColumnBlocks.$enabled.withValue(false) { try store.read(ReadPlan(table: "t", columns: ["k"]), pseudonymizer: nil) }
        }
    }

    /// A row at rowid Int64.max: `refresh` stops at the last block instead of computing `end + 1`.
    @Test func aRowAtTheLargestRowid() async {
        await #expect(processExitsWith: .success) {
            let store = try OperationalStore(path: TestSupport.temporaryFolder("adv-max") + "/store.sqlite", create: true)
            try store.write { db in
                try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT); INSERT INTO t VALUES (1, 'a'), (9223372036854775807, 'b')")
            }
            try ColumnBlocks.$blockRows.withValue(7) { try store.write { db in try ColumnBlocks.refresh(table: "t", in: db) } }
        }
    }

    // MARK: - Names

    @Test func quotedSpacedAndMixedCaseNames() throws {
        // No double quote in the names: GRDB's `db.columns(in:)` (used by the row reader and the
        // refresh alike) runs `PRAGMA main.table_xinfo("My "T"")` without doubling it.
        let table = "My T 'x' ", column = "a 'c' D"
        let store = try Self.fresh("names")
        try store.write { db in
            try db.execute(sql: "CREATE TABLE \(SQL.quote(table)) (\(SQL.quote(column)) TEXT, \"At\" TEXT, \"at \" TEXT)")
            for i in 0..<10 {
                try db.execute(sql: "INSERT INTO \(SQL.quote(table)) VALUES ('v\(i % 3)', '2026-03-02 1\(i):00:00', 'x\(i)')")
            }
        }
        try Self.refresh(store, table)
        var plan = ReadPlan(table: table, columns: [column, "At", "at "])
        plan.exclude = [(column, ["v1"])]
        plan.window = ("At", Self.day, Self.day.addingTimeInterval(86400))
        #expect(try Self.check(store, plan, "quoted names"), "the blocks answer for quoted names")
        plan.table = table.uppercased()
        try Self.check(store, plan, "the table named in upper case")
        plan.table = table
        plan.columns = [column.lowercased(), "at"]
        plan.exclude = [(column.uppercased(), ["v1"])]
        plan.window = ("AT", Self.day, Self.day.addingTimeInterval(86400))
        if (try? Self.rows(store, plan)) != nil { try Self.check(store, plan, "the columns named in another case") }
        try store.write { db in try db.execute(sql: "UPDATE \(SQL.quote(table)) SET \(SQL.quote(column)) = 'changed' WHERE rowid = 3") }
        plan = ReadPlan(table: table, columns: [column])
        try Self.check(store, plan, "quoted names after an update")
    }

    @Test func aViewNamedInAPlan() throws {
        let store = try Self.store("view", """
            CREATE TABLE t (k TEXT, at TEXT);
            \(Self.filler(20))
            CREATE VIEW v AS SELECT k, at FROM t WHERE k <> 'v1';
            """)
        try Self.refresh(store, "v")
        try Self.check(store, ReadPlan(table: "v", columns: ["k", "at"]), "a view")
    }

    @Test func withoutRowidTables() throws {
        let store = try Self.store("norowid", """
            CREATE TABLE t (id TEXT PRIMARY KEY, k TEXT, at TEXT) WITHOUT ROWID;
            INSERT INTO t VALUES ('b', 'x', '2026-03-02 10:00:00'), ('a', 'y', '2026-03-02 10:00:00');
            """)
        try Self.check(store, ReadPlan(table: "t", columns: ["id", "k"]), "WITHOUT ROWID")
        // The same with the keywords spaced or commented apart: a legal WITHOUT ROWID table.
        for (name, sql) in [("spaced", "CREATE TABLE u (id TEXT PRIMARY KEY, k TEXT) WITHOUT  ROWID"),
                            ("newline", "CREATE TABLE u (id TEXT PRIMARY KEY, k TEXT) WITHOUT\nROWID"),
                            ("comment", "CREATE TABLE u (id TEXT PRIMARY KEY, k TEXT) WITHOUT/**/ROWID")] {
            let store = try Self.fresh("norowid-" + name)
            try store.write { db in try db.execute(sql: sql + "; INSERT INTO u VALUES ('b', 'x'), ('a', 'y')") }
            #expect(throws: Never.self, "refresh of a WITHOUT ROWID table written \(name)") { try Self.refresh(store, "u") }
            try Self.check(store, ReadPlan(table: "u", columns: ["id", "k"]), "WITHOUT ROWID \(name)")
        }
    }

    @Test func generatedColumns() throws {
        let store = try Self.store("generated", """
            CREATE TABLE t (k TEXT, at TEXT, g TEXT GENERATED ALWAYS AS (upper(k)) VIRTUAL, s TEXT GENERATED ALWAYS AS (k || '!') STORED);
            \(Self.filler(20))
            """)
        var plan = ReadPlan(table: "t", columns: ["k", "g", "s"])
        plan.exclude = [("g", ["V1"])]
        try Self.check(store, plan, "generated columns")
        try store.write { db in try db.execute(sql: "UPDATE t SET k = 'zz' WHERE rowid IN (2, 15)") }
        try Self.check(store, plan, "generated columns after an update")
    }

    // MARK: - Collations

    /// `CAST(column AS TEXT)` keeps the column's collation, so SQLite's NOT IN compares with it:
    /// a table with a collation has no copy.
    @Test func columnCollations() throws {
        let store = try Self.store("collate", """
            CREATE TABLE t (k TEXT COLLATE NOCASE, r TEXT COLLATE RTRIM, at TEXT);
            INSERT INTO t VALUES ('NOISE', 'FIRE', '2026-03-02 10:00:00');
            INSERT INTO t VALUES ('noise', 'FIRE  ', '2026-03-02 10:00:00');
            INSERT INTO t VALUES ('Theft', 'fire', '2026-03-02 10:00:00');
            """)
        var plan = ReadPlan(table: "t", columns: ["k", "r"])
        plan.exclude = [("k", ["noise"])]
        try Self.check(store, plan, "COLLATE NOCASE exclusion")
        plan.exclude = [("r", ["FIRE"])]
        try Self.check(store, plan, "COLLATE RTRIM exclusion")
    }

    // MARK: - Writers

    /// Runs `change` on a fresh table of 40 rows, with and without a UNIQUE column, then checks
    /// several plans. A table with a unique index has no copy (`REPLACE` deletes a row that
    /// conflicts on it without firing a delete trigger): the blocks must decline it.
    static func afterChange(_ name: String, _ change: String, setup: String = "", refreshAfter: Bool = true) throws {
        for unique in [true, false] {
            try afterChange(name, change, setup: setup, refreshAfter: refreshAfter, unique: unique)
        }
    }

    static func afterChange(_ name: String, _ change: String, setup: String, refreshAfter: Bool, unique: Bool) throws {
        var sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT\(unique ? " UNIQUE" : ""), k TEXT, at TEXT);\n"
        for i in 1...40 { sql += "INSERT INTO t VALUES (\(i), 'c\(i)', 'v\(i % 5)', '2026-03-02 \(String(format: "%02d", i % 24)):00:00');\n" }
        let store = try Self.store("change", sql + setup)
        var plans = [ReadPlan(table: "t", columns: ["id", "code", "k", "at"])]
        plans.append(ReadPlan(table: "t", columns: ["code", "k"], exclude: [("k", ["v1"])]))
        plans.append(ReadPlan(table: "t", columns: ["id", "k"], window: ("at", Self.day, Self.day.addingTimeInterval(43200))))
        #expect((try Self.blocks(store, plans[0]) != nil) == !unique, "\(name): blocks answer exactly without a unique index")
        do {
            try store.write { db in try db.execute(sql: change) }
        } catch {
            // A change that fails leaves nothing behind; the reads must still agree.
        }
        for plan in plans { try Self.check(store, plan, "after \(name)") }
        if refreshAfter {
            try Self.refresh(store)
            for plan in plans { try Self.check(store, plan, "after \(name) and a refresh") }
        }
    }

    @Test func updateOrReplaceOnAUniqueColumn() throws {
        try Self.afterChange("UPDATE OR REPLACE (unique)", "UPDATE OR REPLACE t SET code = 'c3' WHERE id = 30")
    }

    @Test func updateOrReplaceOnThePrimaryKey() throws {
        try Self.afterChange("UPDATE OR REPLACE (rowid)", "UPDATE OR REPLACE t SET id = 3 WHERE id = 30")
    }

    @Test func insertOrReplaceOnAUniqueColumn() throws {
        try Self.afterChange("INSERT OR REPLACE (unique)", "INSERT OR REPLACE INTO t (code, k, at) VALUES ('c3', 'NEW', '2026-03-02 01:00:00')")
    }

    @Test func replaceIntoOnAUniqueColumn() throws {
        try Self.afterChange("REPLACE INTO (unique)", "REPLACE INTO t (id, code, k, at) VALUES (41, 'c5', 'NEW', '2026-03-02 01:00:00')")
    }

    @Test func replaceIntoOnThePrimaryKey() throws {
        try Self.afterChange("REPLACE INTO (rowid)", "REPLACE INTO t (id, code, k, at) VALUES (5, 'c5x', 'NEW', '2026-03-02 01:00:00')")
    }

    @Test func upserts() throws {
        try Self.afterChange("UPSERT on code", "INSERT INTO t (code, k, at) VALUES ('c3', 'NEW', '2026-03-02 01:00:00') ON CONFLICT(code) DO UPDATE SET k = 'UPSERTED'")
        try Self.afterChange("UPSERT on id", "INSERT INTO t (id, code, k, at) VALUES (12, 'zz', 'NEW', '2026-03-02 01:00:00') ON CONFLICT(id) DO UPDATE SET k = excluded.k")
        try Self.afterChange("UPSERT DO NOTHING", "INSERT INTO t (id, code, k) VALUES (12, 'zz', 'NEW') ON CONFLICT DO NOTHING")
    }

    @Test func deleteAllAndReinsertTheSameRowids() throws {
        try Self.afterChange("delete all and reinsert", """
            CREATE TABLE saved AS SELECT * FROM t; DELETE FROM t;
            INSERT INTO t SELECT id, code, 'again ' || k, at FROM saved ORDER BY id; DROP TABLE saved
            """)
        try Self.afterChange("delete all, vacuum, reinsert", "DELETE FROM t; INSERT INTO t (code, k, at) VALUES ('new', 'NEW', '2026-03-02 01:00:00')")
    }

    @Test func vacuum() throws {
        // A table without an INTEGER PRIMARY KEY: VACUUM may renumber its rowids.
        var sql = "CREATE TABLE t (k TEXT, at TEXT);\n" + Self.filler(40)
        sql += "\nDELETE FROM t WHERE rowid % 3 = 0;"
        let store = try Self.store("vacuum", sql)
        let plan = ReadPlan(table: "t", columns: ["k", "at"])
        try Self.check(store, plan, "before VACUUM")
        let before = try store.read { db in try Int64.fetchAll(db, sql: "SELECT rowid FROM t ORDER BY rowid") }
        try store.pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
        let after = try store.read { db in try Int64.fetchAll(db, sql: "SELECT rowid FROM t ORDER BY rowid") }
        // VACUUM renumbers the rowids of a table without an INTEGER PRIMARY KEY or index (here
        // 1, 2, 4, 5, … become 1, 2, 3, 4, …) and fires no trigger; it moves the schema cookie on,
        // so the blocks are no longer used.
        try Self.check(store, plan, "after VACUUM (rowids \(before == after ? "kept" : "renumbered"))")
        try store.write { db in try db.execute(sql: Self.filler(5, start: 2)) }
        try Self.check(store, plan, "after VACUUM and an insert")
    }

    @Test func alterTableDropColumn() throws {
        try Self.afterChange("DROP COLUMN", "ALTER TABLE t ADD COLUMN extra TEXT; ALTER TABLE t DROP COLUMN extra", refreshAfter: true)
        let store = try Self.store("dropcol", "CREATE TABLE t (k TEXT, x TEXT, at TEXT);\n" + Self.filler(20) + "\nUPDATE t SET x = 'secret';")
        try store.write { db in try db.execute(sql: "ALTER TABLE t DROP COLUMN x; ALTER TABLE t ADD COLUMN x TEXT") }
        try Self.check(store, ReadPlan(table: "t", columns: ["k", "x"]), "DROP COLUMN then ADD COLUMN of the same name")
    }

    @Test func renameTheTableAndCreateANewOneWithTheOldName() throws {
        // The old name written quoted, so the renamed-back schema text is the same.
        let setup = "CREATE TABLE \"t\" (k TEXT, at TEXT);\n" + Self.filler(20)
        for (name, change) in [
            ("rename away, new table", "ALTER TABLE t RENAME TO old; CREATE TABLE \"t\" (k TEXT, at TEXT); INSERT INTO t SELECT 'NEW ' || k, at FROM old"),
            ("rename away and back", "ALTER TABLE t RENAME TO old; UPDATE old SET k = 'CHANGED' WHERE rowid = 4; ALTER TABLE old RENAME TO t"),
            ("rename away, refresh old, new table",
             "ALTER TABLE t RENAME TO old; CREATE TABLE \"t\" (k TEXT, at TEXT); INSERT INTO t SELECT 'NEW ' || k, at FROM old"),
        ] {
            let store = try Self.store("rename", setup)
            try store.write { db in try db.execute(sql: change) }
            if name.contains("refresh old") { try Self.refresh(store, "old") }
            try Self.check(store, ReadPlan(table: "t", columns: ["k", "at"]), name)
            if name.contains("refresh old") {
                try store.write { db in try db.execute(sql: "UPDATE old SET k = 'X' WHERE rowid = 2; DELETE FROM old WHERE rowid = 9") }
                try Self.check(store, ReadPlan(table: "old", columns: ["k", "at"]), name + ", old written")
            }
            try Self.refresh(store)
            try Self.check(store, ReadPlan(table: "t", columns: ["k", "at"]), name + ", refreshed")
            try store.write { db in try db.execute(sql: "UPDATE t SET k = 'LATER' WHERE rowid = 3") }
            try Self.check(store, ReadPlan(table: "t", columns: ["k", "at"]), name + ", refreshed and written")
        }
    }

    @Test func recursiveTriggers() throws {
        let store = try Self.store("recursive", "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE, k TEXT, at TEXT);\n"
            + (1...30).map { "INSERT INTO t VALUES (\($0), 'c\($0)', 'v\($0 % 5)', '2026-03-02 10:00:00');" }.joined(separator: "\n"))
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA recursive_triggers = ON")
            try db.execute(sql: "BEGIN; UPDATE OR REPLACE t SET code = 'c3' WHERE id = 25; INSERT OR REPLACE INTO t (code, k) VALUES ('c9', 'NEW'); COMMIT")
            try db.execute(sql: "PRAGMA recursive_triggers = OFF")
        }
        try Self.check(store, ReadPlan(table: "t", columns: ["id", "code", "k"]), "recursive triggers on")
    }

    @Test func aRolledBackTransaction() throws {
        let store = try Self.store("rollback", "CREATE TABLE t (k TEXT, at TEXT);\n" + Self.filler(30))
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN; UPDATE t SET k = 'GONE' WHERE rowid < 10; DELETE FROM t WHERE rowid > 20; ROLLBACK")
            try db.execute(sql: "BEGIN; SAVEPOINT s; UPDATE t SET k = 'GONE' WHERE rowid = 12; ROLLBACK TO s; UPDATE t SET k = 'KEPT' WHERE rowid = 15; COMMIT")
        }
        try Self.check(store, ReadPlan(table: "t", columns: ["k"]), "rolled back")
        try Self.refresh(store)
        try Self.check(store, ReadPlan(table: "t", columns: ["k"]), "rolled back, refreshed")
    }

    @Test func foreignKeyActions() throws {
        let store = try Self.store("fk", """
            CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
            CREATE TABLE t (k TEXT REFERENCES p(name) ON UPDATE CASCADE ON DELETE SET NULL, at TEXT);
            CREATE UNIQUE INDEX p_name ON p(name);
            INSERT INTO p VALUES (1, 'v0'), (2, 'v1'), (3, 'v2'), (4, 'v3'), (5, 'v4');
            \(Self.filler(30))
            """)
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "UPDATE p SET name = 'renamed' WHERE id = 2; DELETE FROM p WHERE id = 3")
        }
        try Self.check(store, ReadPlan(table: "t", columns: ["k"]), "foreign key actions")
    }

    /// An exclusion on an integer column holding text that looks like an integer, and the reverse.
    @Test func integerLookalikes() throws {
        let store = try Self.store("ints", """
            CREATE TABLE t (n, m INTEGER, at TEXT);
            INSERT INTO t VALUES (7, '7', '2026-03-02 10:00:00'), ('7', ' 7', '2026-03-02 10:00:00'), ('07', '07', '2026-03-02 10:00:00'),
              (7.0, 7.0, '2026-03-02 10:00:00'), (-0, '-0', '2026-03-02 10:00:00'), (9223372036854775807, '9223372036854775808', '2026-03-02 10:00:00'),
              (-9223372036854775808, 1e3, '2026-03-02 10:00:00'), (16384, '16384', '2026-03-02 10:00:00');
            """)
        var plan = ReadPlan(table: "t", columns: ["n", "m"])
        try Self.check(store, plan, "integer look-alikes, plain")
        plan.exclude = [("m", ["7", "1000", "9223372036854775807"])]
        try Self.check(store, plan, "integer look-alikes, exclusion on m")
        plan.exclude = [("n", ["7", "07", "-9223372036854775808"])]
        try Self.check(store, plan, "integer look-alikes, exclusion on n")
    }

    /// Duplicate plan columns, a derived column named like a source column.
    @Test func oddPlans() throws {
        let store = try Self.store("plans", "CREATE TABLE t (k TEXT, at TEXT, ended TEXT);\n" + Self.filler(20) + "\nUPDATE t SET ended = '2026-03-02 12:00:00';")
        try Self.check(store, ReadPlan(table: "t", columns: ["k", "k", "at"]), "a column twice")
        try Self.check(store, ReadPlan(table: "t", columns: ["at"], derived: [("at", .secondsBetween(start: "at", end: "ended"))]), "derived named like a column")
        try Self.check(store, ReadPlan(table: "t", columns: [], derived: [("s", .secondsBetween(start: "ended", end: "ended"))]), "only derived")
        try Self.check(store, ReadPlan(table: "t", columns: [], exclude: [("k", ["v1"])]), "no columns")
        var plan = ReadPlan(table: "t", columns: ["k"], exclude: [("k", ["v1"]), ("k", ["v2"]), ("at", [])])
        try Self.check(store, plan, "two exclusions on a column")
        plan.window = ("at", Self.day.addingTimeInterval(3 * 3600), Self.day.addingTimeInterval(3 * 3600 + 0.001))
        try Self.check(store, plan, "a one-millisecond window")
    }

    /// An empty window (from == to): `ReadPlan.windowDays` built `from...to.nextDown`, a reversed
    /// ClosedRange, and trapped; its bounds are now a pair no value lies between.
    @Test func anEmptyWindow() async {
        await #expect(processExitsWith: .success) {
            let store = try OperationalStore(path: TestSupport.temporaryFolder("adv-empty") + "/store.sqlite", create: true)
            try store.write { db in try db.execute(sql: "CREATE TABLE t (k TEXT, at TEXT); INSERT INTO t VALUES ('a', '2026-03-02 10:00:00')") }
            let day = Date(timeIntervalSince1970: 1_772_409_600)
            _ = try ColumnBlocks.$enabled.withValue(false) {
                try store.read(ReadPlan(table: "t", columns: ["k"], window: ("at", day, day)), pseudonymizer: nil)
            }
        }
    }
}

