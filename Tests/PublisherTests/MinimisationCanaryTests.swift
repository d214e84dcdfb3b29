import Foundation
import GRDB
import OperationalStore
import PrivacyPolicy
import Tabular
import Testing
import TestSupport
@testable import Publisher

/// Dropped columns never leave the store: a canary planted in every dropped
/// column appears nowhere in what the minimisation stage returns.
@Suite struct MinimisationCanaryTests {
    static let canary = "CANARY-7f3a9e"

    /// A `calls` table with exactly the columns of the reference policy.
    func store() throws -> OperationalStore {
        let store = try OperationalStore(path: TestSupport.temporaryFolder("canary") + "/store.sqlite", create: true)
        let path = store.path
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE calls (call_id TEXT, caller_name TEXT, caller_phone TEXT, narrative TEXT, legal_hold TEXT,
                  closed_at TEXT, arrived_at TEXT, caller_id TEXT, received_at TEXT, address TEXT, beat TEXT,
                  district TEXT, caller_age INTEGER, call_type TEXT, priority INTEGER)
                """)
            let types = ["THEFT", "BATTERY", "DOMESTIC VIOLENCE", "SHOTSPOTTER"]
            for i in 0..<400 {
                let drop = { (name: String) in "\(Self.canary) \(name) \(i)" }
                let received = String(format: "2026-11-22T%02d:%02d:00Z", 6 + i % 12, i % 60)
                // arrived_at is dropped but feeds response_seconds: its canary must not leak either.
                let arrived = String(format: "2026-11-22T%02d:%02d:30Z", 6 + i % 12, i % 60)
                try db.execute(sql: "INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
                    drop("call_id"), drop("caller_name"), drop("caller_phone"), drop("narrative"), drop("legal_hold"),
                    drop("closed_at"), arrived, "caller-\(i % 50)", received, "\(100 + i) N MAIN ST", "1A",
                    String(1 + i % 7), 20 + i % 60, types[i % 4], 1 + i % 5,
                ])
            }
        }
        return store
    }

    @Test func noDroppedByteLeavesTheStore() throws {
        let policy = try PolicyLoader.load(path: TestSupport.sharedPath("fixtures/policies/calls-for-service.yaml"))
        let store = try store()
        let zone = try #require(TimeZone(identifier: policy.source.timezone))
        let window = try #require(ReleaseWindow(day: "2026-11-22", timezone: zone))
        let plan = MinimisationPlanner.plan(for: policy, window: window)

        let dropped = Set(policy.columns.filter { $0.treatment == .drop }.map(\.name))
        #expect(dropped.isDisjoint(with: plan.columns), "a dropped column is SELECTed")
        #expect(plan.columns == ["caller_id", "received_at", "address", "beat", "district", "caller_age", "call_type", "priority"])

        let table = try store.read(plan, pseudonymizer: nil)
        #expect(table.columnNames == plan.columns + ["response_seconds"])
        #expect(table.rowCount > 0)
        var bytes = ""
        for column in table.columns {
            bytes += column.name
            for value in column.dictionary { bytes += "\u{0}" + value }
        }
        #expect(!bytes.contains(Self.canary))
        for word in ["CANARY", "7f3a9e"] { #expect(!bytes.contains(word)) }
        // The exclusion list is applied in the query.
        #expect(table.column(named: "call_type")?.dictionary.contains("DOMESTIC VIOLENCE") == false)
        // The derived column comes out of SQLite as seconds.
        #expect(Set(table.column(named: "response_seconds")?.dictionary ?? []) == ["30"])
    }

    @Test func pseudonymisedColumnsAreReplacedAndOthersUntouched() throws {
        let text = try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/calls-for-service.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "  district: keep", with: "  district: pseudonymize")
            .replacingOccurrences(of: "group_by: [district, {received_at: day}, priority]", with: "group_by: [{received_at: day}, priority]")
            .replacingOccurrences(of: "      district: [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\"]\n", with: "")
            .replacingOccurrences(of: "columns: [received_at, address, beat, caller_age, call_type, priority]",
                                  with: "columns: [received_at, address, beat, caller_age, call_type, priority, district]")
        let path = TestSupport.temporaryFolder("pseudo") + "/calls.yaml"
        TestSupport.write(text, to: path)
        try FileManager.default.copyItem(atPath: TestSupport.sharedPath("fixtures/policies/hierarchies"),
                                         toPath: (path as NSString).deletingLastPathComponent + "/hierarchies")
        let policy = try PolicyLoader.load(path: path)
        let plan = MinimisationPlanner.plan(for: policy, window: nil)
        #expect(plan.pseudonymized == ["district"])
        let key = try Pseudonymizer(key: Array("an example key of at least thirty-two bytes".utf8))
        let table = try store().read(plan, pseudonymizer: key)
        let districts = try #require(table.column(named: "district"))
        #expect(Set(districts.dictionary) == Set((1...7).map { key.pseudonym(String($0)) }))
        #expect(districts.dictionary.allSatisfy { $0.count == 64 })
    }
}
