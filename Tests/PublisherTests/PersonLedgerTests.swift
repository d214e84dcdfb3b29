import Demo
import Foundation
import GRDB
import OperationalStore
import PrivacyPolicy
import Tabular
import Testing
import TestSupport
@testable import Publisher

/// Individual accounting end to end: people are charged only for the windows
/// that hold their records, a person at the cap is left out while the nightly
/// run goes on, every policy over the same people shares one budget, and the
/// ledger cannot be swapped for a fresh one.
@Suite(.serialized) struct PersonLedgerTests {
    static let end = ISO8601DateFormatter().date(from: "2026-11-15T00:00:00Z") ?? Date()
    static let heavyCallers = 50
    static let days = 14

    /// A small city over `days` days plus fifty callers who each call every day from beat 7C,
    /// and a calls policy whose per-person cap is ten releases' worth.
    static func city(_ label: String) throws -> (workdir: String, prepared: Demo.Prepared, policy: String) {
        let workdir = TestSupport.temporaryFolder(label)
        let prepared = try Demo.prepare(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 1400, days: days, seed: 21, end: end),
                                                     policiesFolder: nil)) { _ in }
        let queue = try DatabaseQueue(path: prepared.storePath)
        try queue.write { db in
            for day in 0..<days {
                let date = ISO8601DateFormatter().string(from: end.addingTimeInterval(Double(day - days) * 86400 + 16 * 3600))
                for caller in 0..<heavyCallers {
                    try db.execute(sql: """
                        INSERT INTO calls_for_service (received_at, arrived_at, closed_at, caller_id, caller_name, caller_phone, caller_age,
                            address, latitude, longitude, beat, district, call_type, priority, narrative, legal_hold)
                        VALUES (?, ?, ?, ?, 'X', '555', 40, '100 N MAIN ST', 43.0, -87.9, '7C', '7', 'NOISE NUISANCE', 4, '', 0)
                        """, arguments: [date, date, date, 900_000 + caller])
                }
            }
        }
        let policy = try #require(prepared.policies.first { $0.hasSuffix("calls-for-service.yaml") })
        let text = try String(contentsOfFile: policy, encoding: .utf8)
            .replacingOccurrences(of: "rolling_365_day_epsilon: 60.0", with: "rolling_365_day_epsilon: 27.5")
        TestSupport.write(text, to: policy)
        return (workdir, prepared, policy)
    }

    static func day(_ index: Int) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "America/Chicago")
        return formatter.string(from: end.addingTimeInterval(Double(index - days) * 86400 + 12 * 3600))
    }

    static func release(_ prepared: Demo.Prepared, policies: [String], day: String, state: String? = nil,
                        newSequence: Bool = false) throws -> [ReleaseRun.Outcome] {
        try ReleaseRun.run(ReleaseRun.Options(store: prepared.storePath, key: prepared.key, policies: policies, window: .day(day),
                                              out: prepared.releases, state: state, newSequence: newSequence,
                                              pseudonymKey: prepared.pseudonymKey, now: end.addingTimeInterval(86400))) { _ in }
    }

    /// The published count of beat 7C in a release.
    static func beatCount(_ folder: String) throws -> Double {
        let (status, text) = try OutsideTool.run("gzip", ["-dc", folder + "/calls-by-beat.csv.gz"])
        #expect(status == 0)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("7C,") })
        return Double(line.split(separator: ",")[2]) ?? -1
    }

    /// With `segments`, every night the ledger allows is stored as one ``LedgerSegment`` (eight of
    /// the fourteen; the rest as rows), and the same callers are left out on the same nights.
    @Test(OutsideTool.needed("gzip"), arguments: [false, true])
    func repeatCallersRunOutWhileEveryoneElseKeepsBeingPublished(segments: Bool) throws {
        guard OutsideTool.available("gzip") else { return }
        try PersonLedger.$segmentMinimum.withValue(segments ? 0 : .max) { try Self.repeatCallers(segments: segments) }
    }

    static func repeatCallers(segments: Bool) throws {
        let (_, prepared, policy) = try Self.city("person-ledger")
        var counts: [Double] = []
        for index in 0..<Self.days {
            let outcomes = try Self.release(prepared, policies: [policy], day: Self.day(index))
            #expect(outcomes.map(\.status) == [.published], "night \(index) is published")
            counts.append(try Self.beatCount(try #require(outcomes.first?.folder)))
        }
        // ε 2.75 a night against a cap of 27.5: the fifty callers are in the first ten releases, then left out.
        // Compared as averages (each night's count has discrete Laplace noise of scale 4, its day's share of
        // ε 0.25): the fifty callers lift the first ten nights by 50; a gap of 25 between the averages fails by
        // chance with probability far below 10⁻⁶, where a per-night threshold failed about 3% of runs.
        let before = counts.prefix(10).reduce(0, +) / 10, after = counts.suffix(4).reduce(0, +) / 4
        #expect(before - after >= 25 && before >= 40, "the group falls to its ordinary level once they are left out: \(counts)")

        // Recompute every caller's charges independently from the store: a caller with records in a
        // night's window is charged 2.75 unless that would pass 27.5 (all nights lie within one year).
        let store = try OperationalStore(path: prepared.storePath)
        let loaded = try PolicyCheck.require(path: policy, store: store)
        let zone = try #require(TimeZone(identifier: loaded.source.timezone))
        var expected: [String: Int] = [:]
        for index in 0..<Self.days {
            let window = try #require(ReleaseWindow(day: Self.day(index), timezone: zone))
            let table = try store.read(MinimisationPlanner.plan(for: loaded, window: window), pseudonymizer: nil)
            for caller in Set(table.column(named: "caller_id")?.values.compactMap { $0 } ?? []) where !caller.isEmpty {
                if Double(expected[caller, default: 0] + 1) * 2.75 <= 27.5 + 1e-9 { expected[caller, default: 0] += 1 }
            }
        }
        let state = try StateStore(path: prepared.statePath)
        let key = try state.ledgerKey()
        let charges = try PersonLedger(state: state).allCharges(population: loaded.population)
        #expect(charges.count == expected.count, "everyone with records was charged, nobody else")
        for (caller, nights) in expected {
            let recorded = charges[PersonLedger.id(of: caller, population: loaded.population, key: key)] ?? []
            #expect(recorded.count == nights, "caller \(caller)")
            #expect(recorded.reduce(0) { $0 + $1.cost.epsilon } <= 27.5 + 1e-9)
        }
        #expect(expected["900000"] == 10)
        // No raw id is kept: the ledger holds 16-byte keyed hashes only, in rows and in segments.
        let (storedUnits, segmentUnits, segmentCount) = try state.queue.read { db in
            (try Data.fetchAll(db, sql: "SELECT unit FROM person_charges WHERE population = ?", arguments: [loaded.population]),
             try Data.fetchAll(db, sql: "SELECT units FROM person_segments WHERE population = ?", arguments: [loaded.population]),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM person_segments") ?? 0)
        }
        #expect(segmentCount == (segments ? LedgerSegment.maximumPerPopulation : 0))
        #expect(storedUnits.allSatisfy { $0.count == 16 } && segmentUnits.allSatisfy { $0.count % 16 == 0 })
        let segmentIDs = segmentUnits.flatMap(LedgerID.unpack)
        #expect(Set(storedUnits.map { LedgerID(bytes: $0) }).union(segmentIDs) == Set(charges.keys))
        #expect(segments || storedUnits.count == expected.count)
    }

    @Test func aFreshOrDifferentStateIsRefusedAndPoliciesOverThePeopleShareOneBudget() throws {
        let (workdir, prepared, policy) = try Self.city("person-ledger-binding")
        // A second policy over the same table under another dataset id: one population, one budget.
        let twin = workdir + "/Policies/calls-twin.yaml"
        TestSupport.write(try String(contentsOfFile: policy, encoding: .utf8)
            .replacingOccurrences(of: "id: calls-for-service", with: "id: calls-twin"), to: twin)
        for index in 0..<5 {
            let outcomes = try Self.release(prepared, policies: [policy, twin], day: Self.day(index))
            #expect(outcomes.map(\.status) == [.published, .published])
        }
        let state = try StateStore(path: prepared.statePath)
        let key = try state.ledgerKey()
        let population = try PolicyLoader.load(path: policy).population
        #expect(population == (try PolicyLoader.load(path: twin).population))
        let heavy = try PersonLedger(state: state).charges(population: population,
                                                             units: [PersonLedger.id(of: "900001", population: population, key: key)])
        // Five nights, two policies, ε 2.75 each: the cap of 27.5 is reached after ten charges, both policies counted.
        #expect(heavy.values.first?.count == 10)
        let sixth = try Self.release(prepared, policies: [policy, twin], day: Self.day(5))
        #expect(sixth.map(\.status) == [.published, .published], "the nightly run goes on")
        #expect(try PersonLedger(state: state).charges(population: population, units: Array(heavy.keys)).values.first?.count == 10,
                "a person at the cap is left out, not charged")

        // Raising the cap is allowed, and on the record: the report lists every cap so far.
        TestSupport.write(try String(contentsOfFile: policy, encoding: .utf8)
            .replacingOccurrences(of: "rolling_365_day_epsilon: 27.5", with: "rolling_365_day_epsilon: 33.0"), to: policy)
        let raised = try Self.release(prepared, policies: [policy], day: Self.day(6))
        let folder = try #require(raised.first?.folder)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/privacy-report.json"))) as? [String: Any])
        let caps = ((report["budget"] as? [String: Any])?["cap_history"] as? [[String: Any]])?.compactMap { $0["epsilon_cap"] as? Double }
        // One row per dataset that joined the population and per change: 27.5 (calls), 27.5 (twin), then 33.
        #expect(caps == [27.5, 27.5, 33])
        #expect(try PersonLedger(state: state).charges(population: population, units: Array(heavy.keys)).values.first?.count == 11,
                "the raised cap lets the busiest callers back in (27.5 + 2.75 ≤ 33)")

        // A fresh state against this store is refused before anything happens, naming both databases.
        #expect {
            try Self.release(prepared, policies: [policy], day: Self.day(7), state: workdir + "/fresh.sqlite")
        } throws: { error in
            guard let error = error as? PublisherError, error.exitCode == 3 else { return false }
            return error.description.contains(prepared.statePath) && error.description.contains(workdir + "/fresh.sqlite")
        }
    }

    @Test func aRefusedDatasetDoesNotStopTheOthers() throws {
        let (workdir, prepared, policy) = try Self.city("person-ledger-refusal")
        // Engagement contacts have no privacy unit: each record is charged for its one window.
        let engagement = try #require(prepared.policies.first { $0.hasSuffix("engagement-logs.yaml") })
        let tight = workdir + "/Policies/engagement-tight.yaml"
        let text = try String(contentsOfFile: engagement, encoding: .utf8)
        let capped = text.replacingOccurrences(of: "rolling_365_day_epsilon: 20.0", with: "rolling_365_day_epsilon: 1.0")
        #expect(capped != text)
        TestSupport.write(capped, to: tight)
        let day = Self.day(3)
        _ = try Self.release(prepared, policies: [tight, policy], day: day)
        _ = try Self.release(prepared, policies: [tight], day: day, newSequence: true)
        // A third release of the same window would charge its records 1.5 > 1: refused, the calls still published.
        let third = try Self.release(prepared, policies: [tight, policy], day: Self.day(4), newSequence: false)
        #expect(third.map(\.status) == [.published, .published])
        let again = try Self.release(prepared, policies: [tight, policy], day: day, newSequence: true)
        #expect(again.map(\.status) == [.refused, .published])
        #expect(again.first?.refusal?.contains("rolling 365-day cap") == true)
    }
}
