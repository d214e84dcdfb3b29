import Foundation
import GRDB
import Tabular
import Testing
import TestSupport
@testable import OperationalStore

/// The columnar copy (``ColumnBlocks``) answers exactly as the row reader does, for any plan, and
/// never with rows the table no longer holds as they were copied, whoever changed them.
@Suite struct ColumnBlocksTests {
    /// A random export of `rows` rows: integers (some beyond the reader's small-integer path,
    /// some negative or missing), reals, text with look-alike accents, timestamps with and
    /// without zones and fractional seconds.
    static func export(rows: Int, firstID: Int, random: inout SeededGenerator) -> String {
        var lines = ["id,person,amount,n,at,ended,kind"]
        let kinds = ["THEFT", "NOISE", "caf\u{E9}", "cafe\u{301}", "", "FIRE, ALARM", "5"]
        for row in 0..<rows {
            let day = Int.random(in: 1...6, using: &random), hour = Int.random(in: 0...23, using: &random)
            let minute = Int.random(in: 0...59, using: &random), second = Int.random(in: 0...59, using: &random)
            var at = String(format: "2026-03-%02d %02d:%02d:%02d", day, hour, minute, second)
            if Bool.random(using: &random) { at += ".5" }
            switch Int.random(in: 0..<4, using: &random) {
            case 0: at += "Z"
            case 1: at += "+05:30"
            default: break
            }
            let ended = Int.random(in: 0..<5, using: &random) == 0 ? "" : String(format: "2026-03-%02d %02d:%02d:%02d.%d", day, min(hour + 1, 23),
                                                                           minute, Int.random(in: 0...59, using: &random), Int.random(in: 0...9, using: &random))
            let n = [String(Int.random(in: 0..<50, using: &random)), String(Int.random(in: -5_000_000_000...5_000_000_000, using: &random)), ""]
                .randomElement(using: &random) ?? ""
            let amount = Bool.random(using: &random) ? String(Int.random(in: 0..<100, using: &random)) : String(format: "%.2f", Double.random(in: 0..<100, using: &random))
            let kind = kinds.randomElement(using: &random) ?? ""
            lines.append("\(firstID + row),P\(Int.random(in: 0..<(rows / 3 + 1), using: &random)),\(amount),\(n),\(at),\(ended),\"\(kind)\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A store of three appended nights, copied into blocks of `blockRows` rows.
    static func store(_ label: String, seed: UInt64, blockRows: Int = 97) throws -> (OperationalStore, String) {
        let folder = TestSupport.temporaryFolder(label)
        let store = try OperationalStore(path: folder + "/store.sqlite", create: true)
        var random = SeededGenerator(seed: seed)
        var options = ImportOptions()
        options.append = true
        var next = 1
        for night in 0..<3 {
            let rows = [300, 5, 250][night]
            TestSupport.write(export(rows: rows, firstID: next, random: &random), to: folder + "/night\(night).csv")
            _ = try ColumnBlocks.$blockRows.withValue(blockRows) {
                try CSVImporter.importFile(folder + "/night\(night).csv", into: store, table: "calls", options: options)
            }
            next += rows
        }
        return (store, folder)
    }

    /// A random plan over the export's columns: a window (zoned or naive), exclusions, a time difference.
    static func plan(random: inout SeededGenerator) -> ReadPlan {
        let all = ["id", "person", "amount", "n", "at", "ended", "kind"]
        var plan = ReadPlan(table: "calls", columns: all.filter { _ in Bool.random(using: &random) })
        if Bool.random(using: &random) { plan.derived = [("seconds", .secondsBetween(start: "at", end: "ended"))] }
        if Int.random(in: 0..<4, using: &random) > 0 {
            let first = Int.random(in: 1...5, using: &random)
            let from = Date(timeIntervalSince1970: 1_772_323_200 + Double(first) * 86400)  // 2026-03-01 + first days
            plan.window = ("at", from, from.addingTimeInterval(86400 * Double(Int.random(in: 1...2, using: &random))))
            plan.naiveZone = [nil, TimeZone(identifier: "UTC"), TimeZone(identifier: "America/Chicago"), TimeZone(identifier: "Asia/Kolkata")]
                .randomElement(using: &random) ?? nil
        }
        if Bool.random(using: &random) { plan.exclude.append(("kind", ["NOISE", "caf\u{E9}", "5"])) }
        if Int.random(in: 0..<4, using: &random) == 0 { plan.exclude.append(("n", ["7", "12"])) }
        return plan
    }

    static func same(_ left: Tabular.Table, _ right: Tabular.Table) -> Bool {
        left.columns.map(\.name) == right.columns.map(\.name)
            && zip(left.columns, right.columns).allSatisfy { $0.dictionary == $1.dictionary && $0.codes == $1.codes }
    }

    /// What the row reader returns for `plan`.
    static func rows(_ store: OperationalStore, _ plan: ReadPlan) throws -> Tabular.Table {
        try ColumnBlocks.$enabled.withValue(false) { try store.read(plan, pseudonymizer: nil) }
    }

    /// What the blocks answer for `plan` (nil: they cannot, and the row reader runs).
    static func blocks(_ store: OperationalStore, _ plan: ReadPlan) throws -> [Tabular.Column]? {
        try store.read { db in try ColumnBlocks.read(plan, names: plan.columns + plan.derived.map(\.name), in: db) }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func anyPlanReadsTheSameTableFromTheBlocksAsFromTheRows(seed: UInt64) throws {
        let (store, _) = try Self.store("blocks-plans", seed: seed)
        var random = SeededGenerator(seed: seed &* 7919)
        var answered = 0
        for _ in 0..<40 {
            let plan = Self.plan(random: &random)
            let expected = try Self.rows(store, plan)
            let read = try store.read(plan, pseudonymizer: nil)
            let equal = Self.same(read, expected)
            #expect(equal, "plan \(plan.columns) \(plan.exclude.map(\.column))")
            if let columns = try Self.blocks(store, plan) {
                answered += 1
                let equal = Self.same(Tabular.Table(columns: columns), expected)
                #expect(equal, "blocks for \(plan.columns) \(plan.exclude.map(\.column))")
            }
        }
        // The blocks answer every plan but those excluding on a column they cannot compare exactly.
        #expect(answered >= 25)
        let covered = try store.read { db in try Int64.fetchOne(db, sql: "SELECT last_rowid FROM \(ColumnBlocks.coverTable)") }
        #expect(covered == 555, "the three nights' 555 rows are all in blocks")
    }

    /// Six nights of 33 calls in time order, imported in blocks of 16 (see the test below).
    static func nightlyStore(_ label: String) throws -> OperationalStore {
        let folder = TestSupport.temporaryFolder(label)
        let store = try OperationalStore(path: folder + "/store.sqlite", create: true)
        var lines = ["id,person,n,at,kind"]
        for day in 1...6 {
            for call in 0..<33 {
                let row = lines.count - 1
                let at = row % 7 == 0 && day % 2 == 1 ? "" : String(format: "2026-03-%02d %02d:%02d:00", day, call * 24 / 33, call % 60) + (call % 3 == 0 ? "Z" : "")
                lines.append("\(row),P\(row % 40),\(row % 9),\(at),\(["THEFT", "NOISE"][row % 2])")
            }
        }
        TestSupport.write(lines.joined(separator: "\n") + "\n", to: folder + "/nights.csv")
        _ = try ColumnBlocks.$blockRows.withValue(16) { try CSVImporter.importFile(folder + "/nights.csv", into: store, table: "calls", options: ImportOptions()) }
        return store
    }

    /// A block's row count edited outside opendata (none, negative, more than its rowids hold) makes the
    /// blocks decline the read, and the row reader answers; no code lands outside its column's place.
    @Test(arguments: [0, -16, 17, 1_000_000])
    func anEditedRowCountIsRefused(count: Int) throws {
        let store = try Self.nightlyStore("blocks-row-count")
        var plan = ReadPlan(table: "calls", columns: ["person", "n"])
        let from = Date(timeIntervalSince1970: 1_772_323_200 + 86400)
        plan.window = ("at", from, from.addingTimeInterval(86400))
        let expected = try Self.rows(store, plan)
        #expect(try Self.blocks(store, plan) != nil)
        try store.write { db in
            try db.execute(sql: "UPDATE \(ColumnBlocks.table) SET row_count = ? WHERE first_rowid = (SELECT min(first_rowid) FROM \(ColumnBlocks.table))",
                           arguments: [count])
        }
        #expect(try Self.blocks(store, plan) == nil)
        #expect(Self.same(try store.read(plan, pseudonymizer: nil), expected))
    }

    /// Any other field of the blocks table edited outside opendata (a flag saying a column has no NULL
    /// cleared, a count or flag of the wrong type, a name or schema gone, a blob of another length) never
    /// makes a read differ from the row reader's, nor stops the process: the blocks answer the same rows
    /// or decline. Each edit is read through windows over every night, with the window's column read
    /// for the window alone and for output.
    @Test(arguments: [
        "kinds = kinds & ~\(ColumnBlocks.nullKind) WHERE column_name = 'at'",
        "kinds = kinds & ~\(ColumnBlocks.nullKind)",
        "row_count = 'sixteen'",
        "row_count = 16.5",
        "kinds = 'x' WHERE column_name = 'at'",
        "first_rowid = 'one' WHERE first_rowid = (SELECT max(first_rowid) FROM \(ColumnBlocks.table))",
        "column_name = 42 WHERE column_name = 'person'",
        "schema_sql = X'00'",
        "times = X'00' WHERE column_name = 'at'",
        "codes = substr(codes, 1, 8) WHERE column_name = 'at'",
    ])
    func anEditedBlockFieldNeverChangesARead(edit: String) throws {
        let store = try Self.nightlyStore("blocks-fields")
        try store.write { db in try db.execute(sql: "UPDATE \(ColumnBlocks.table) SET \(edit)") }
        for first in 0...6 {
            for columns in [["person", "n"], ["person", "at"]] {
                var plan = ReadPlan(table: "calls", columns: columns)
                let from = Date(timeIntervalSince1970: 1_772_323_200 + Double(first) * 86400)
                plan.window = ("at", from, from.addingTimeInterval(86400))
                let expected = try Self.rows(store, plan)
                if let columns = try Self.blocks(store, plan) {
                    let equal = Self.same(Tabular.Table(columns: columns), expected)
                    #expect(equal, "day \(first + 1), \(plan.columns)")
                }
                #expect(Self.same(try store.read(plan, pseudonymizer: nil), expected))
            }
        }
    }

    /// A store as nights append it (each night's calls together, in time order, 33 a night in blocks
    /// of 16, every seventh call of the odd nights without a time): a one-night window finds blocks
    /// wholly before it, wholly inside it (with and without a call without a time, which is never
    /// inside), wholly after it, and blocks it splits, one of them with a single call inside. The
    /// blocks answer every such plan, with the window's column read or not, and answer as the row
    /// reader does.
    @Test func aWindowOverNightlyBlocksReadsWhatTheRowsRead() throws {
        let store = try Self.nightlyStore("blocks-nightly")
        var answered = 0
        for first in 0...6 {
            for days in [1, 2] {
                for columns in [["person", "n"], ["person", "at"], ["at"]] {
                    for excluding in [false, true] {
                        var plan = ReadPlan(table: "calls", columns: columns)
                        let from = Date(timeIntervalSince1970: 1_772_323_200 + Double(first) * 86400)
                        plan.window = ("at", from, from.addingTimeInterval(86400 * Double(days)))
                        if excluding { plan.exclude.append(("kind", ["NOISE"])) }
                        let expected = try Self.rows(store, plan)
                        if let columns = try Self.blocks(store, plan) {
                            answered += 1
                            let equal = Self.same(Tabular.Table(columns: columns), expected)
                            #expect(equal, "day \(first + 1) for \(days), \(plan.columns), excluding \(excluding)")
                        }
                    }
                }
            }
        }
        #expect(answered == 7 * 2 * 3 * 2, "the blocks answer every plan")
    }

    @Test func theRoundingAndCastAreSQLitesOwn() throws {
        let store = try OperationalStore(path: TestSupport.temporaryFolder("blocks-round") + "/store.sqlite", create: true)
        var random = SeededGenerator(seed: 11)
        let samples = [0.5, -0.5, 1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994, 4_503_599_627_370_495.5, 1e300, -1e300]
            + (0..<2000).map { _ in Double.random(in: -1e6...1e6, using: &random).rounded(.down) + [0.5, 0.25, 0.75, 0.49999999999].randomElement(using: &random)! }
        for value in samples {
            let sqlite = try store.read { db in try Int64.fetchOne(db, sql: "SELECT CAST(round(?) AS INTEGER)", arguments: [value]) }
            #expect(sqlite == ColumnBlocks.sqliteInteger(ColumnBlocks.sqliteRound(value)), "round(\(value))")
        }
    }

    @Test func changesByAnyWriterNeverReachAReadThroughTheBlocks() throws {
        let changes: [(String, String)] = [
            ("update", "UPDATE calls SET person = 'CHANGED', kind = 'NEW' WHERE id IN (5, 200, 420)"),
            ("update rowid", "UPDATE calls SET rowid = 100000 WHERE id = 10"),
            ("delete", "DELETE FROM calls WHERE id BETWEEN 150 AND 160"),
            ("replace", "INSERT OR REPLACE INTO calls (rowid, id, person, at, kind) VALUES (42, 42, 'REPLACED', '2026-03-02 10:00:00', 'THEFT')"),
            ("append", "INSERT INTO calls (id, person, at, kind) VALUES (9001, 'APPENDED', '2026-03-02 10:00:00', 'THEFT')"),
            ("into a gap", "DELETE FROM calls WHERE id = 300; INSERT INTO calls (rowid, id, person, at) VALUES (300, 300, 'GAP', '2026-03-02 11:00:00')"),
            ("add column", "ALTER TABLE calls ADD COLUMN extra TEXT; UPDATE calls SET extra = 'x'"),
            ("rename column", "ALTER TABLE calls RENAME COLUMN kind TO kind_old; ALTER TABLE calls ADD COLUMN kind TEXT"),
            ("drop and create", """
                CREATE TABLE copy AS SELECT * FROM calls; DROP TABLE calls;
                CREATE TABLE calls (id INTEGER, person TEXT, amount REAL, n INTEGER, at TEXT, ended TEXT, kind TEXT);
                INSERT INTO calls SELECT id, 'NEW ' || person, amount, n, at, ended, 'NEW' FROM copy ORDER BY rowid; DROP TABLE copy
                """),
        ]
        let plan = ReadPlan(table: "calls", columns: ["id", "person", "kind", "at"])
        for (name, sql) in changes {
            let (store, _) = try Self.store("blocks-change", seed: 5)
            #expect(try Self.blocks(store, plan) != nil)
            try store.write { db in try db.execute(sql: sql) }
            let (read, expected) = (try store.read(plan, pseudonymizer: nil), try Self.rows(store, plan))
            let equal = Self.same(read, expected)
            #expect(equal, "after \(name)")
            if let columns = try Self.blocks(store, plan) {
                let blocksEqual = Self.same(Tabular.Table(columns: columns), expected)
                #expect(blocksEqual, "the blocks after \(name)")
            }
            // The next import puts the copy right again: every row in a block, the same answer.
            var options = ImportOptions()
            options.append = true
            if name != "add column" && name != "rename column" && name != "drop and create" {
                let late = TestSupport.temporaryFolder("blocks-late") + "/late.csv"
                TestSupport.write("id,person,amount,n,at,ended,kind\n9999,LATE,1,1,2026-03-03 10:00:00,,FIRE\n", to: late)
                _ = try ColumnBlocks.$blockRows.withValue(97) { try CSVImporter.importFile(late, into: store, table: "calls", options: options) }
                let (columns, expected) = (try Self.blocks(store, plan), try Self.rows(store, plan))
                #expect(columns != nil, "after \(name), the import rebuilt the blocks")
                let rebuiltEqual = columns.map { Self.same(Tabular.Table(columns: $0), expected) } == true
                #expect(rebuiltEqual, "after \(name) and an import")
            }
        }
    }

    @Test func retentionLeavesNoCopyOfADeletedRow() throws {
        let (store, _) = try Self.store("blocks-retention", seed: 9)
        let gone = try store.read { db in try String.fetchSet(db, sql: "SELECT person FROM calls WHERE julianday(at) < julianday('2026-03-03')") }
        let kept = try store.read { db in try String.fetchSet(db, sql: "SELECT person FROM calls WHERE julianday(at) >= julianday('2026-03-03')") }
        var rule = RetentionRule(table: "calls", measuredFrom: "at", keepIf: nil, cutoff: Date(timeIntervalSince1970: 1_772_496_000))  // 2026-03-03
        rule.naiveZone = TimeZone(identifier: "UTC")
        let result = try store.applyRetention(rule, dryRun: false)
        #expect(result.deleted > 0)
        let plan = ReadPlan(table: "calls", columns: ["id", "person", "at"])
        let copied = {
            try store.read { db in try Data.fetchAll(db, sql: "SELECT dictionary FROM \(ColumnBlocks.table) WHERE column_name = 'person'") }
                .compactMap(ColumnBlocks.decode).flatMap { batch in
                    batch.bytes.withUnsafeBytes { bytes in (0..<batch.count).map { String(decoding: batch.value($0, in: bytes), as: UTF8.self) } }
                }
        }
        // The deletion took the blocks of the deleted rows with it (the triggers, same transaction);
        // the next import rebuilds them from the rows that remain.
        for moment in ["after retention", "after the next import"] {
            if moment == "after the next import" {
                let late = TestSupport.temporaryFolder("blocks-retention-late") + "/late.csv"
                TestSupport.write("id,person,amount,n,at,ended,kind\n9999,LATE,1,1,2026-03-05 10:00:00,,FIRE\n", to: late)
                var options = ImportOptions()
                options.append = true
                _ = try ColumnBlocks.$blockRows.withValue(97) { try CSVImporter.importFile(late, into: store, table: "calls", options: options) }
            }
            let (read, columns, expected) = (try store.read(plan, pseudonymizer: nil), try Self.blocks(store, plan), try Self.rows(store, plan))
            let equal = Self.same(read, expected) && columns.map { Self.same(Tabular.Table(columns: $0), expected) } != false
            #expect(equal, "\(moment)")
            // No block holds a person whose every row was deleted.
            let values = try copied()
            let leftOver = Set(values).intersection(gone.subtracting(kept))
            #expect(leftOver.isEmpty, "\(moment)")
            if moment == "after the next import" { #expect(columns != nil && !values.isEmpty) }
        }
    }

    /// Opening a store (GRDB primes an empty WAL with a table it creates and drops) keeps the copy;
    /// a VACUUM by another program while no store is open (rowids renumbered over the gaps of
    /// deleted rows, no trigger fired) leaves it unused.
    @Test func theCopySurvivesReopeningButNotAVacuum() throws {
        let plan = ReadPlan(table: "calls", columns: ["id", "person", "at"])
        var folder = ""
        do {
            let (store, path) = try Self.store("blocks-reopen", seed: 4)
            folder = path
            try store.write { db in try db.execute(sql: "DELETE FROM calls WHERE id % 7 = 0") }
            try ColumnBlocks.$blockRows.withValue(97) { try store.write { db in try ColumnBlocks.refresh(table: "calls", in: db) } }
            #expect(try Self.blocks(store, plan) != nil)
        }
        do {
            let reopened = try OperationalStore(path: folder + "/store.sqlite")
            #expect(try Self.blocks(reopened, plan) != nil, "reopening keeps the copy")
        }
        do {
            let other = try DatabaseQueue(path: folder + "/store.sqlite")
            try other.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
            try other.close()
        }
        let reopened = try OperationalStore(path: folder + "/store.sqlite")
        #expect(try Self.blocks(reopened, plan) == nil, "a VACUUM leaves the copy unused")
        try reopened.write { db in try db.execute(sql: "INSERT INTO calls (id, person, at) VALUES (5000, 'NEW', '2026-03-02 10:00:00')") }
        let (read, expected) = (try reopened.read(plan, pseudonymizer: nil), try Self.rows(reopened, plan))
        let equal = Self.same(read, expected)
        #expect(equal && expected.rowCount == 555 - 555 / 7 + 1)
    }
}
