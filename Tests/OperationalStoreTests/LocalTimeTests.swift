import Foundation
import GRDB
import Tabular
import Testing
import TestSupport
@testable import OperationalStore

/// Naive timestamps (no offset, as dispatch exports write them) are wall-clock time
/// in the source's zone: a day's window is local midnight to local midnight, on the
/// 23- and 25-hour days when clocks change too, while values with an offset are instants.
@Suite struct LocalTimeTests {
    static let chicago = TimeZone(identifier: "America/Chicago") ?? .current

    /// Local midnight of `day` (YYYY-MM-DD) in Chicago, and of the next day.
    static func localDay(_ day: String) throws -> (Date, Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = chicago
        let parts = day.split(separator: "-").compactMap { Int($0) }
        let start = try #require(calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])))
        let end = try #require(calendar.date(byAdding: .day, value: 1, to: start))
        return (start, end)
    }

    func ids(in day: String, zone: TimeZone?, store: OperationalStore) throws -> [Int] {
        let (start, end) = try Self.localDay(day)
        var plan = ReadPlan(table: "calls", columns: ["id"], window: ("received_at", start, end))
        plan.naiveZone = zone
        let table = try store.read(plan, pseudonymizer: nil)
        let column = try #require(table.column(named: "id"))
        return (0..<table.rowCount).compactMap { Int(column.dictionary[Int(column.codes[$0])]) }.sorted()
    }

    @Test func naiveTimestampsAreLocalTimeInTheSourceZone() throws {
        let path = TestSupport.temporaryFolder("local-time") + "/store.sqlite"
        let store = try OperationalStore(path: path, create: true)
        let rows: [(Int, String)] = [
            (1, "2026-05-01 23:30:00"),        // 23:30 local: in May 1 (as UTC it would be 04:30 on May 2)
            (2, "2026-05-01 00:10:28"),        // just after local midnight
            (3, "2026-05-02 00:00:00"),        // local midnight of May 2: not in May 1
            (4, "2026-05-01T04:30:00Z"),       // an instant: 23:30 on April 30 in Chicago
            (5, "2026-05-01T23:30:00-05:00"),  // an instant: 23:30 CDT, May 1
            (6, "2026-03-08 01:30:00"),        // spring forward: before the skipped hour
            (7, "2026-03-08 23:59:59"),        // the last second of a 23-hour day
            (8, "2026-11-01 01:30:00"),        // fall back: the repeated hour
            (9, "2026-11-01 23:30:00"),        // late on a 25-hour day
            (10, "2026-11-02 00:00:00"),
        ]
        try store.write { db in
            try db.execute(sql: "CREATE TABLE calls (id INTEGER, received_at TEXT)")
            for (id, time) in rows { try db.execute(sql: "INSERT INTO calls VALUES (?, ?)", arguments: [id, time]) }
        }
        #expect(try ids(in: "2026-05-01", zone: Self.chicago, store: store) == [1, 2, 5])
        #expect(try ids(in: "2026-04-30", zone: Self.chicago, store: store) == [4])
        #expect(try ids(in: "2026-05-02", zone: Self.chicago, store: store) == [3])
        #expect(try ids(in: "2026-03-08", zone: Self.chicago, store: store) == [6, 7])
        #expect(try ids(in: "2026-11-01", zone: Self.chicago, store: store) == [8, 9])
        #expect(try ids(in: "2026-11-02", zone: Self.chicago, store: store) == [10])
        // Without a zone, naive values are UTC (the old reading): 00:10 UTC is the evening before in Chicago.
        #expect(try !ids(in: "2026-05-01", zone: nil, store: store).contains(2))
    }
}

/// Retention measures a naive timestamp's age in the policy's zone too.
@Suite struct LocalRetentionTests {
    @Test func naiveTimestampsExpireByLocalTime() throws {
        for (zone, expected) in [(TimeZone(identifier: "America/Chicago"), 2), (nil, 3)] as [(TimeZone?, Int)] {
            let path = TestSupport.temporaryFolder("local-retention") + "/store.sqlite"
            let store = try OperationalStore(path: path, create: true)
            try store.write { db in
                try db.execute(sql: "CREATE TABLE t (id INTEGER, at TEXT)")
                for (id, at) in [(1, "2019-12-31 23:30:00"), (2, "2020-01-01 00:30:00"), (3, "2020-01-01T05:30:00Z"), (4, "2020-01-01T06:30:00Z")] {
                    try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [id, at])
                }
            }
            // The cutoff is local midnight in Chicago (06:00 UTC).
            var rule = RetentionRule(table: "t", measuredFrom: "at", keepIf: nil,
                                     cutoff: try #require(ISO8601DateFormatter().date(from: "2020-01-01T06:00:00Z")))
            rule.naiveZone = zone
            let result = try store.applyRetention(rule, dryRun: false)
            #expect(result.deleted == expected, "zone \(String(describing: zone)): \(result)")
        }
    }

    /// A local time the clocks skip (2018-03-11 02:30 in Chicago) or pass twice (2018-11-04 01:15)
    /// is refused with its line unless the import declares how to read it; then the rule is applied
    /// and the values it resolved are counted.
    @Test func clockChangesAreRefusedOrResolvedByADeclaredRule() throws {
        let folder = TestSupport.temporaryFolder("dst-import")
        let file = folder + "/calls.csv"
        TestSupport.write("id,received_at\n1,2018-03-11 01:59:00\n2,2018-03-11 02:30:00\n3,2018-11-04 01:15:00\n4,2018-11-04 03:00:00\n", to: file)
        var options = ImportOptions()
        options.timestamps = TimestampParser(zone: LocalTimeTests.chicago)
        let store = try OperationalStore(path: folder + "/refused.sqlite", create: true)
        #expect {
            try CSVImporter.importFile(file, into: store, table: "calls", options: options)
        } throws: { error in
            "\(error)".contains("calls.csv:3:2:") && "\(error)".contains("2018-03-11 02:30:00") && "\(error)".contains("does not exist in America/Chicago")
        }
        options.timestamps.nonexistent = .forward
        #expect {
            try CSVImporter.importFile(file, into: store, table: "calls", options: options)
        } throws: { error in
            "\(error)".contains("calls.csv:4:2:") && "\(error)".contains("happens twice")
        }
        for (rule, offset) in [(TimestampParser.Ambiguous.earlier, "-05:00"), (.later, "-06:00")] {
            options.timestamps.ambiguous = rule
            let resolved = try OperationalStore(path: folder + "/\(rule).sqlite", create: true)
            let report = try CSVImporter.importFile(file, into: resolved, table: "calls", options: options)
            #expect(report.skippedLocalTimes == 1 && report.repeatedLocalTimes == 1)
            let stored = try resolved.pool.read { db in try String.fetchAll(db, sql: "SELECT received_at FROM calls ORDER BY id") }
            #expect(stored == ["2018-03-11T01:59:00-06:00", "2018-03-11T02:30:00-06:00", "2018-11-04T01:15:00\(offset)", "2018-11-04T03:00:00-06:00"],
                    "\(rule): \(stored)")
        }
    }
}
