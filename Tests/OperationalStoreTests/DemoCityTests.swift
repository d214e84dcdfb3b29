import Foundation
import GRDB
import Testing
import TestSupport
@testable import OperationalStore

@Suite struct DemoCityTests {
    static let end = ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z") ?? Date()

    func build(seed: UInt64, records: Int = 20_000) throws -> (OperationalStore, DemoCitySummary) {
        let path = TestSupport.temporaryFolder("city") + "/store.sqlite"
        let summary = try DemoCity.build(at: path, options: DemoCityOptions(records: records, days: 3, seed: seed, end: Self.end))
        return (try OperationalStore(path: path), summary)
    }

    func dump(_ store: OperationalStore) throws -> [String] {
        try store.pool.read { db in
            try ["calls_for_service", "complaints", "engagement_logs"].flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1").map { $0.description }
            }
        }
    }

    @Test func theSameSeedGivesTheSameCity() throws {
        let (a, _) = try build(seed: 42, records: 3000)
        let (b, _) = try build(seed: 42, records: 3000)
        let (c, _) = try build(seed: 43, records: 3000)
        #expect(try dump(a) == dump(b))
        #expect(try dump(a) != dump(c))
    }

    @Test func theCityLooksLikeRealDispatchData() throws {
        let (store, summary) = try build(seed: 7)
        #expect(summary.calls == 20_000)
        #expect(summary.complaints == 200)
        #expect(summary.engagementLogs == 2000)
        #expect(try store.columns(of: "calls_for_service") == [
            "call_id", "received_at", "arrived_at", "closed_at", "caller_id", "caller_name", "caller_phone", "caller_age",
            "address", "latitude", "longitude", "beat", "district", "call_type", "priority", "narrative", "legal_hold",
        ])
        try store.pool.read { db in
            // About 1% legal holds.
            let holds = try Int.fetchOne(db, sql: "SELECT count(*) FROM calls_for_service WHERE legal_hold = 1") ?? 0
            #expect((120...280).contains(holds))
            // Zipf tail: the most common call type far outnumbers the 20th.
            let counts = try Int.fetchAll(db, sql: "SELECT count(*) AS n FROM calls_for_service GROUP BY call_type ORDER BY n DESC")
            #expect(counts.count >= 35)
            #expect(counts[0] > 8 * counts[19])
            // Diurnal: evenings (local 17–21 h, 23–03 UTC) are busier than before dawn (local 3–6 h, 9–12 UTC).
            let evening = try Int.fetchOne(db, sql: "SELECT count(*) FROM calls_for_service WHERE CAST(substr(received_at, 12, 2) AS INTEGER) IN (23, 0, 1, 2)") ?? 0
            let dawn = try Int.fetchOne(db, sql: "SELECT count(*) FROM calls_for_service WHERE CAST(substr(received_at, 12, 2) AS INTEGER) IN (9, 10, 11, 12)") ?? 0
            #expect(evening > 3 * dawn)
            // Repeat callers: someone calls many times.
            let top = try Int.fetchOne(db, sql: "SELECT count(*) AS n FROM calls_for_service GROUP BY caller_id ORDER BY n DESC LIMIT 1") ?? 0
            #expect(top >= 20)
            // Lognormal response times: median for priority 1 under that for priority 5.
            let p1 = try Double.fetchOne(db, sql: "SELECT avg((julianday(arrived_at) - julianday(received_at)) * 86400) FROM calls_for_service WHERE priority = 1") ?? 0
            let p5 = try Double.fetchOne(db, sql: "SELECT avg((julianday(arrived_at) - julianday(received_at)) * 86400) FROM calls_for_service WHERE priority = 5") ?? 0
            #expect(p1 < p5 / 3)
            // Narratives repeat personal data, as real ones do.
            let narrative = try String.fetchOne(db, sql: "SELECT narrative || '|' || caller_name || '|' || address FROM calls_for_service LIMIT 1") ?? ""
            let parts = narrative.split(separator: "|").map(String.init)
            #expect(parts[0].contains(parts[1]) && parts[0].contains(parts[2]))
            // Most records are recent; a few are history older than seven years.
            let old = try Int.fetchOne(db, sql: "SELECT count(*) FROM calls_for_service WHERE received_at < '2019-11-01'") ?? 0
            #expect(old > 50 && old < 1000)
        }
    }

    @Test func impossibleSizesAreRefused() {
        #expect(throws: StoreError.self) {
            try DemoCity.build(at: TestSupport.temporaryFolder("city") + "/s.sqlite",
                               options: DemoCityOptions(records: 0, days: 3, seed: 1, end: Self.end))
        }
    }

    @Test func isoTimestampsMatchFoundation() {
        let formatter = ISO8601DateFormatter()
        for seconds in [0, 951_782_400, 1_795_000_000, -86_400 * 400 + 5, 4_102_444_799] {
            #expect(DemoGenerator.iso(seconds) == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))))
        }
    }
}
