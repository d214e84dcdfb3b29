import Foundation
import GRDB
import Tabular
import Testing
import TestSupport
@testable import OperationalStore
@testable import PostgresStore

@Suite struct MinimisationTests {
    @Test func onlyPlannedColumnsAreReturnedWithExclusionsWindowAndDerivations() throws {
        let store = try OperationalStore(path: TestSupport.temporaryFolder("read") + "/s.sqlite", create: true)
        try store.write { db in
            try db.execute(sql: "CREATE TABLE calls (id INTEGER, received_at TEXT, arrived_at TEXT, kind TEXT, badge TEXT, secret TEXT)")
            try db.execute(sql: """
                INSERT INTO calls VALUES
                (1, '2026-11-22T10:00:00Z', '2026-11-22T10:07:30Z', 'THEFT', 'B1', 'x'),
                (2, '2026-11-22T11:00:00Z', NULL, 'DOMESTIC VIOLENCE', 'B2', 'x'),
                (3, '2026-11-23T00:30:00Z', '2026-11-23T00:31:00Z', 'THEFT', 'B1', 'x'),
                (4, '2026-11-21T23:59:59Z', '2026-11-22T00:09:59Z', NULL, 'B3', 'x')
                """)
        }
        let formatter = ISO8601DateFormatter()
        let plan = ReadPlan(table: "calls", columns: ["kind", "badge"], pseudonymized: ["badge"],
                            derived: [("response_seconds", .secondsBetween(start: "received_at", end: "arrived_at"))],
                            exclude: [("kind", ["DOMESTIC VIOLENCE"])],
                            window: ("received_at", try #require(formatter.date(from: "2026-11-22T00:00:00Z")),
                                     try #require(formatter.date(from: "2026-11-23T00:00:00Z"))))
        #expect(plan.touchedColumns == ["kind", "badge", "received_at", "arrived_at"])
        let pseudonymizer = try Pseudonymizer(key: Array(repeating: 7, count: 32))
        let table = try store.read(plan, pseudonymizer: pseudonymizer)
        #expect(table.columnNames == ["kind", "badge", "response_seconds"])
        #expect(table.rowCount == 1)
        #expect(table.row(0) == ["THEFT", pseudonymizer.pseudonym("B1"), "450"])
        #expect(table.column(named: "secret") == nil)

        #expect(throws: StoreError.self) { try store.read(plan, pseudonymizer: nil) }
    }

    /// A table large enough to be read in rowid ranges on several cores reads exactly
    /// like one ordered scan: same rows, same order, same dictionaries.
    @Test func aSplitScanEqualsOneScan() throws {
        let store = try OperationalStore(path: TestSupport.temporaryFolder("split") + "/s.sqlite", create: true)
        try store.write { db in
            try db.execute(sql: "CREATE TABLE t (n INTEGER, label TEXT, ratio REAL, at TEXT, unit INTEGER, mixed)")
            let insert = try db.makeStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)")
            for i in 0..<250_000 {
                // `mixed` holds what SQLite lets one column hold: small integers (read through the
                // reader's integer array), the same numbers as text, negative and huge integers
                // (hashed as digits), and NULL; `unit` has ~83,000 distinct ids, three rows each.
                let mixed: DatabaseValueConvertible? = switch i % 7 {
                case 0: "\(i % 50)"
                case 1: nil
                case 2: -(i % 30)
                case 3: (Int64(1) << 40) + Int64(i % 5)
                default: i % 50
                }
                try insert.execute(arguments: [i % 1_000, i % 9 == 0 ? nil : "label \(i % 40_000)", Double(i % 13) / 4,
                                               "2026-11-22T\(10 + i % 10):00:00Z", i / 3, mixed])
            }
        }
        let names = ["n", "label", "ratio", "unit", "mixed"]
        let plan = ReadPlan(table: "t", columns: names)
        let table = try store.read(plan, pseudonymizer: nil)
        let rows = try store.read { db in try Row.fetchAll(db, sql: "SELECT n, label, ratio, unit, mixed FROM t ORDER BY rowid") }
        for (index, name) in names.enumerated() {
            let expected = Column(name: name, values: rows.map { OperationalStore.text($0[index] as DatabaseValue) })
            let column = try #require(table.column(named: name))
            #expect(column.dictionary == expected.dictionary && column.codes == expected.codes)
        }
        // The window test is exact at both ends (from ≤ t < to).
        let formatter = ISO8601DateFormatter()
        let window = ReadPlan(table: "t", columns: ["n"], window: ("at", try #require(formatter.date(from: "2026-11-22T12:00:00Z")),
                                                                      try #require(formatter.date(from: "2026-11-22T14:00:00Z"))))
        #expect(try store.read(window, pseudonymizer: nil).rowCount == 50_000)
    }

    @Test func hmacMatchesRFC4231() throws {
        // RFC 4231 test case 6: a 131-byte key of 0xaa.
        let pseudonymizer = try Pseudonymizer(key: Array(repeating: 0xAA, count: 131))
        #expect(pseudonymizer.pseudonym("Test Using Larger Than Block-Size Key - Hash Key First")
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(throws: StoreError.self) { try Pseudonymizer(key: Array("short".utf8)) }
    }

    @Test func operatorKeysMustBeSecretAndRandom() throws {
        let folder = TestSupport.temporaryFolder("pseudonym-keys")
        func key(_ text: String, mode: Int) -> String {
            let path = folder + "/key-\(UUID().uuidString)"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]))
            return path
        }
        // 32 random bytes in base64, as the error message recommends (hex digits can repeat past the
        // key's entropy rule by chance, about once in 250,000 keys).
        let random = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        _ = try Pseudonymizer.load(path: key(random, mode: 0o600))
        #expect(throws: StoreError.self) { try Pseudonymizer.load(path: key(random, mode: 0o644)) }
        #expect(throws: StoreError.self) { try Pseudonymizer.load(path: key(String(repeating: "0", count: 64), mode: 0o600)) }
        #expect(throws: StoreError.self) { try Pseudonymizer.load(path: key(String(repeating: "ab", count: 32), mode: 0o600)) }
    }
}

/// The SELECT sent to PostgreSQL names only what the plan touches.
@Suite struct PostgresSQLTests {
    @Test func theSelectNamesOnlyTouchedColumns() throws {
        var plan = ReadPlan(table: "cad.calls", columns: ["district", "call_type"], pseudonymized: [],
                            derived: [("response_seconds", .secondsBetween(start: "received_at", end: "arrived_at"))],
                            exclude: [("call_type", ["DOMESTIC VIOLENCE"])],
                            window: ("received_at", Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 86400)))
        plan.naiveZone = TimeZone(identifier: "America/Chicago")
        let (sql, arguments) = PostgresSQL.select(plan, types: ["received_at": "timestamp with time zone", "arrived_at": "timestamp without time zone"])
        #expect(sql.hasPrefix("SELECT \"district\"::text, \"call_type\"::text, round(extract(epoch FROM ((\"arrived_at\")::timestamptz - \"received_at\")))::bigint::text FROM \"cad\".\"calls\""), "\(sql)")
        #expect(sql.contains("\"received_at\" >= $1 AND \"received_at\" < $2") && sql.contains("NOT IN ($3)"), "\(sql)")
        #expect(arguments.count == 3)
        // Every quoted identifier in the statement is one the plan touches, or the table.
        let identifiers = Set(sql.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) })
        #expect(identifiers.isSubset(of: plan.touchedColumns.union(["cad", "calls"])), "\(identifiers)")
    }
}
