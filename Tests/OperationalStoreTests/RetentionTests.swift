import Foundation
import GRDB
import Testing
import TestSupport
@testable import OperationalStore

@Suite struct RetentionTests {
    /// A table of old and new records; every old record carries a unique canary
    /// in each text column, a few old ones are on legal hold.
    func seeded() throws -> (OperationalStore, String) {
        let path = TestSupport.temporaryFolder("retention") + "/store.sqlite"
        let store = try OperationalStore(path: path, create: true)
        try store.write { db in
            try db.execute(sql: "CREATE TABLE calls (id INTEGER PRIMARY KEY, closed_at TEXT, caller TEXT, narrative TEXT, legal_hold INTEGER)")
            try db.execute(sql: "CREATE INDEX calls_caller ON calls(caller)")
            for id in 1...2000 {
                let old = id <= 600
                let held = old && id % 100 == 0
                let closed = old ? "2015-03-0\(1 + id % 9)T10:00:00Z" : "2026-10-01T10:00:00Z"
                let tag = held ? "HELDCANARY\(id)X" : old ? "OLDCANARY\(id)X" : "NEWRECORD\(id)X"
                try db.execute(sql: "INSERT INTO calls VALUES (?, ?, ?, ?, ?)",
                               arguments: [id, closed, "caller \(tag)", "narrative \(tag) " + String(repeating: "z", count: 200), held ? 1 : 0])
            }
            try db.execute(sql: "INSERT INTO calls VALUES (3000, NULL, 'undated', 'no close time', 0)")
        }
        return (store, path)
    }

    func rule(_ keepIf: String? = "legal_hold") throws -> RetentionRule {
        RetentionRule(table: "calls", measuredFrom: "closed_at", keepIf: keepIf,
                      cutoff: try #require(ISO8601DateFormatter().date(from: "2019-11-23T00:00:00Z")))
    }

    @Test func dryRunCountsAndChangesNothing() throws {
        let (store, _) = try seeded()
        let result = try store.applyRetention(try rule(), dryRun: true)
        #expect(result == RetentionResult(deleted: 594, held: 6, undated: 1, dryRun: true))
        #expect(try store.rowCount(of: "calls") == 2001)
    }

    @Test func deletedRecordsLeaveNoBytesBehindAndHeldRecordsSurvive() throws {
        let (store, path) = try seeded()
        // The canaries are on disk before retention.
        try store.checkpoint()
        #expect(TestSupport.file(path, contains: "OLDCANARY17X"))

        let result = try store.applyRetention(try rule(), dryRun: false)
        #expect(result == RetentionResult(deleted: 594, held: 6, undated: 1, dryRun: false))
        #expect(try store.rowCount(of: "calls") == 2001 - 594)

        for file in TestSupport.sqliteFiles(path) {
            for id in [1, 17, 250, 599] {
                #expect(!TestSupport.file(file, contains: "OLDCANARY\(id)X"), "deleted canary \(id) still in \(file)")
            }
        }
        #expect(TestSupport.file(path, contains: "NEWRECORD1500X"))
        let held = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, caller, narrative, legal_hold FROM calls WHERE legal_hold = 1 ORDER BY id")
        }
        #expect(held.map { $0["id"] as Int } == [100, 200, 300, 400, 500, 600])
        #expect(held.first?["caller"] == "caller HELDCANARY100X")
        #expect((held.first?["narrative"] as String?)?.hasPrefix("narrative HELDCANARY100X zzz") == true)
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(walSize == 0, "the WAL is truncated after retention")
    }

    @Test func withoutKeepIfEveryExpiredRecordGoes() throws {
        let (store, _) = try seeded()
        let result = try store.applyRetention(try rule(nil), dryRun: false)
        #expect(result.deleted == 600)
        #expect(result.held == 0)
    }

    @Test func unknownColumnsAreNamed() throws {
        let (store, _) = try seeded()
        var bad = try rule()
        bad.measuredFrom = "closed"
        #expect(throws: StoreError.self) { try store.applyRetention(bad, dryRun: true) }
    }
}
