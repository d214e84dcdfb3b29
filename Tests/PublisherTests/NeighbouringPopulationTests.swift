@testable import DifferentialPrivacy
import Demo
import Foundation
import GRDB
import OperationalStore
import PrivacyPolicy
import Tabular
import Testing
import TestSupport
@testable import Publisher

/// The guarantee across two policy files over one population, tested without chance: D′
/// is D plus one caller with three calls, who is in both datasets. With the same random
/// words for everyone else (the added caller is the last unit, so nobody else's choices
/// move), every exact value each mechanism is given differs between D and D′ by at most
/// the sensitivity its noise is calibrated to, the DP record file's input by at most one
/// row, and the ledger charges that caller once per dataset, in one budget. The noise
/// then bounds every published file's likelihood ratio by e^ε (ε of both files summed).
/// False-failure probability: zero (nothing here is random across runs).
@Suite(.serialized) struct NeighbouringPopulationTests {
    static let added = "987654321"

    @Test func oneMorePersonInBothFilesMovesEachMechanismByItsSensitivityAndIsChargedOnce() throws {
        let workdir = TestSupport.temporaryFolder("neighbouring-population")
        let end = try #require(ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z"))
        let prepared = try Demo.prepare(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 6000, days: 1, seed: 11, end: end),
                                                     policiesFolder: nil)) { _ in }
        let calls = try #require(prepared.policies.first { $0.hasSuffix("calls-for-service.yaml") })
        // A second file over the same callers: the same outputs under another dataset id.
        let second = (calls as NSString).deletingLastPathComponent + "/calls-second.yaml"
        TestSupport.write(try String(contentsOfFile: calls, encoding: .utf8).replacingOccurrences(of: "  id: calls-for-service\n", with: "  id: calls-second\n"),
                          to: second)
        // D′: three calls by a caller who appears nowhere else, inserted last (the last unit read).
        let neighbour = workdir + "/neighbour.sqlite"
        try FileManager.default.copyItem(atPath: prepared.storePath, toPath: neighbour)
        try DatabaseQueue(path: neighbour).write { db in
            try db.execute(sql: """
                INSERT INTO calls_for_service (received_at, arrived_at, closed_at, caller_id, caller_name, caller_phone, caller_age,
                    address, latitude, longitude, beat, district, call_type, priority, narrative, legal_hold)
                SELECT received_at, arrived_at, closed_at, \(Self.added), caller_name, caller_phone, caller_age, address, latitude,
                    longitude, beat, district, call_type, priority, narrative, legal_hold
                FROM calls_for_service WHERE received_at LIKE '2026-11-22T1%' AND legal_hold = 0 AND arrived_at IS NOT NULL
                    AND call_type NOT IN ('DOMESTIC VIOLENCE', 'SEXUAL ASSAULT', 'CHILD ABUSE') LIMIT 3
                """)
            #expect(db.changesCount == 3)
        }
        let zone = try #require(TimeZone(identifier: "America/Chicago"))
        let window = try #require(ReleaseWindow(day: "2026-11-22", timezone: zone))
        let pseudonymizer = try Pseudonymizer.load(path: prepared.pseudonymKey)
        var compared = 0
        for path in [calls, second] {
            let policy = try PolicyLoader.load(path: path)
            func read(_ store: String) throws -> Tabular.Table {
                UnitColumn.attach(to: try OperationalStore(path: store).read(MinimisationPlanner.plan(for: policy, window: window),
                                                                          pseudonymizer: pseudonymizer), policy: policy)
            }
            let (d, dPrime) = (try read(prepared.storePath), try read(neighbour))
            #expect(dPrime.column(named: "caller_id")?.dictionary.last == Self.added, "the added caller is the last unit")
            // Each output bounded on its own, from the same words for D and D′ (outputs bounded one
            // after another would shift every later output's words by what the added caller drew).
            var pairs: [(AggregateRelease.Bounded, AggregateRelease.Bounded)] = []
            for output in policy.outputs {
                var alone = policy
                alone.outputs = [output]
                let before = try AggregateRelease.bound(policy: alone, window: window, table: d, random: ReplayedRandom(seed: 7))
                let after = try AggregateRelease.bound(policy: alone, window: window, table: dPrime, random: ReplayedRandom(seed: 7))
                pairs += zip(before, after).map { ($0, $1) }
            }
            // The estimate of the records the bounds left out moves by at most its cap.
            for (x, y) in pairs {
                let (a, b) = (try #require(x.aggregate.leftOut), try #require(y.aggregate.leftOut))
                #expect(Swift.abs(b.exact - a.exact) <= a.cap, "\(path) \(x.output.id): left-out records moved by \(b.exact - a.exact)")
            }
            for (x, y) in pairs where AggregateParameters(x.spec).keys == .publicKeys {
                let bounds = AggregateParameters(x.spec).bounds
                let (a, b) = (x.aggregate.additiveTotals, y.aggregate.additiveTotals)
                #expect(a.groupKeys == b.groupKeys)
                for (index, statistic) in a.statistics.enumerated() {
                    // Counts: L1 ≤ groups × rows per unit. Sums: L1 ≤ groups × rows × the clamping bound's magnitude.
                    var magnitude = statistic == "count" ? 1 : 0
                    for case let .sum(column, low, high) in x.aggregate.statistics where "sum_\(column)" == statistic {
                        magnitude = Swift.max(Swift.abs(low), Swift.abs(high))
                    }
                    var l1 = 0
                    for (u, v) in zip(a.values[index], b.values[index]) { l1 += Swift.abs(u - v) }
                    #expect(l1 <= bounds.groupsPerUnit * bounds.rowsPerUnitPerGroup * magnitude,
                            "\(path) \(x.output.id) \(statistic): moved by \(l1)")
                    #expect(l1 > 0 || statistic != "count" || x.output.id.contains("response"), "\(x.output.id): the added caller counts somewhere")
                    compared += 1
                }
            }
            // The record file draws one row per person: one more person, one more candidate row.
            let spec = try #require(policy.outputs.compactMap { if case let .microdata(spec) = $0.kind { spec } else { nil } }.first)
            let sampler = ExactSampler(random: ReplayedRandom(seed: 3))
            let rowsD = RecordSelection.onePerUnit(d, policy: policy, columns: spec.columns, sampler: sampler).table.rowCount
            let rowsDPrime = RecordSelection.onePerUnit(dPrime, policy: policy, columns: spec.columns, sampler: sampler).table.rowCount
            #expect(rowsDPrime - rowsD == 1)
        }
        #expect(compared >= 8)

        // Both files released from D′ in one run: one population, the caller charged once per dataset.
        let options = ReleaseRun.Options(store: neighbour, key: prepared.key, policies: [calls, second], window: .day("2026-11-22"),
                                         out: workdir + "/out", pseudonymKey: prepared.pseudonymKey, now: end.addingTimeInterval(43200))
        let outcomes = try ReleaseRun.run(options) { _ in }
        #expect(outcomes.map(\.status) == [.published, .published])
        let state = try StateStore(path: options.state)
        let population = try PolicyLoader.load(path: calls).population
        #expect(population == (try PolicyLoader.load(path: second).population))
        let id = PersonLedger.id(of: Self.added, population: population, key: try state.ledgerKey())
        let charges = try PersonLedger(state: state).charges(population: population, units: [id])[id] ?? []
        #expect(charges.count == 2)
        #expect(charges.reduce(PrivacyCost.zero) { $0 + $1.cost } == outcomes.reduce(PrivacyCost.zero) { $0 + $1.cost })
    }
}
