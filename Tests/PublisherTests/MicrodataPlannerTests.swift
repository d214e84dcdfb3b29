import Foundation
import OperationalStore
import PrivacyPolicy
import Testing
import TestSupport
@testable import Publisher

/// Microdata outputs go through the k-anonymity engine with the policy's settings.
@Suite struct MicrodataPlannerTests {
    @Test func demoCallsAreKAnonymousAndLDiverse() throws {
        let workdir = TestSupport.temporaryFolder("microdata")
        let end = try #require(ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z"))
        let report = try Demo.run(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 8000, days: 1, seed: 4, end: end),
                                               policiesFolder: nil)) { _ in }
        let store = try OperationalStore(path: report.storePath)
        let policy = try PolicyCheck.require(path: workdir + "/Policies/calls-for-service.yaml", store: store)
        let zone = try #require(TimeZone(identifier: policy.source.timezone))
        let window = try #require(ReleaseWindow(day: "2026-11-22", timezone: zone))
        let table = try store.read(MinimisationPlanner.plan(for: policy, window: window), pseudonymizer: nil)
        let output = try #require(policy.outputs.first { $0.id == "calls" })
        guard case let .microdata(spec) = output.kind else { throw PublisherError.usage("expected microdata") }

        let outcome = try MicrodataPlanner.anonymize(output, of: policy, table: table)
        #expect(outcome.table.columnNames == spec.columns)
        #expect(outcome.quasiIdentifiers == ["received_at", "address", "beat", "caller_age"])
        #expect(outcome.table.rowCount + outcome.result.suppressed == table.rowCount)
        #expect(Double(outcome.result.suppressed) <= 0.02 * Double(table.rowCount))
        var classes: [[String]: Set<String>] = [:]
        var sizes: [[String]: Int] = [:]
        for row in 0..<outcome.table.rowCount {
            let values = outcome.table.row(row).map { $0 ?? "" }
            let key = Array(values[0..<4])
            classes[key, default: []].insert(values[4])
            sizes[key, default: 0] += 1
        }
        #expect(sizes.values.allSatisfy { $0 >= 10 }, "every published class holds at least k = 10 records")
        #expect(classes.values.allSatisfy { $0.count >= 2 }, "every class has two distinct call types")
        // Exact addresses never survive: the street_block hierarchy is applied at level ≥ 1.
        let addresses = Set(outcome.table.column(named: "address")?.dictionary ?? [])
        #expect(addresses.allSatisfy { $0.contains("BLOCK") || !($0.first?.isNumber ?? false) })
        #expect(report.outcomes[0].microdata.first?.output == "calls")
    }
}
