import DifferentialPrivacy
import Demo
import Foundation
import OperationalStore
import PrivacyPolicy
import Tabular
import Testing
import TestSupport
@testable import Publisher

/// Record files: one row per person, every published column a quasi-identifier
/// unless sensitive or insensitive, k counted in people, random row order, and
/// the differentially private path (SafePub) end to end on the demo city.
@Suite struct MicrodataPlannerTests {
    /// A one-day demo city, its calls policy, and the window's minimised table.
    static func demoDay(_ label: String, policyText: ((String) -> String)? = nil) throws -> (Policy, Table, OperationalStore) {
        let workdir = TestSupport.temporaryFolder(label)
        let end = try #require(ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z"))
        let report = try Demo.run(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 8000, days: 1, seed: 4, end: end),
                                               policiesFolder: nil)) { _ in }
        let store = try OperationalStore(path: report.storePath)
        var path = workdir + "/Policies/calls-for-service.yaml"
        if let policyText {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            path = workdir + "/Policies/calls-variant.yaml"
            TestSupport.write(policyText(text), to: path)
        }
        let policy = try PolicyCheck.require(path: path, store: store)
        let zone = try #require(TimeZone(identifier: policy.source.timezone))
        let window = try #require(ReleaseWindow(day: "2026-11-22", timezone: zone))
        return (policy, try store.read(MinimisationPlanner.plan(for: policy, window: window), pseudonymizer: nil), store)
    }

    /// The demo calls policy with a plain k-anonymous record file (guarantee: k_anonymity).
    static func plainVariant(_ text: String) -> String {
        text.replacingOccurrences(of: "    privacy: {epsilon: 0.5, delta: 1.0e-6}", with: "    k: 10\n    l_diversity: {column: call_type, l: 2, variant: distinct}\n    max_suppression: 2%")
            .replacingOccurrences(of: "  frequency: daily\n", with: "  frequency: daily\n  guarantee: k_anonymity\n")
    }

    @Test func plainRecordsAreKAnonymousOverEveryPublishedColumnCountingPeople() throws {
        let (policy, table, _) = try Self.demoDay("microdata-plain", policyText: Self.plainVariant)
        let output = try #require(policy.outputs.first { $0.id == "calls" })
        guard case let .microdata(spec) = output.kind else { throw PublisherError.usage("expected microdata") }
        let outcome = try MicrodataPlanner.anonymize(output, of: policy, table: table, random: try SystemRandom())
        #expect(outcome.table.columnNames == spec.columns)
        // priority is `keep`: a quasi-identifier like the generalised columns; call_type is sensitive.
        #expect(outcome.quasiIdentifiers == ["received_at", "address", "beat", "caller_age", "priority"])
        let people = Set(table.column(named: "caller_id")?.values.compactMap { $0 } ?? []).count
        #expect(outcome.consideredRows == people, "one row per caller")
        #expect(outcome.table.rowCount + outcome.result.suppressed == people)
        // Independent check over every published non-sensitive column: each class holds ≥ k rows,
        // and as each row is a different person, ≥ k people; ℓ = 2 distinct call types.
        let callType = try #require(spec.columns.firstIndex(of: "call_type"))
        var classes: [[String]: Set<String>] = [:]
        var sizes: [[String]: Int] = [:]
        for row in 0..<outcome.table.rowCount {
            var values = outcome.table.row(row).map { $0 ?? "" }
            let sensitive = values.remove(at: callType)
            classes[values, default: []].insert(sensitive)
            sizes[values, default: 0] += 1
        }
        #expect(sizes.values.allSatisfy { $0 >= 10 }, "every published class holds at least k = 10 people")
        #expect(classes.values.allSatisfy { $0.count >= 2 }, "every class has two distinct call types")
        let addresses = Set(outcome.table.column(named: "address")?.dictionary ?? [String]())
        #expect(addresses.allSatisfy { $0.contains("BLOCK") || !($0.first?.isNumber ?? false) })
    }

    @Test func differentiallyPrivateRecordsSuppressEveryClassBelowTheDerivedK() throws {
        let (policy, table, _) = try Self.demoDay("microdata-dp")
        let output = try #require(policy.outputs.first { $0.id == "calls" })
        guard case let .microdata(spec) = output.kind, let privacy = spec.privacy else { throw PublisherError.usage("expected DP microdata") }
        let zone = try #require(TimeZone(identifier: policy.source.timezone))
        let window = try #require(ReleaseWindow(day: "2026-11-22", timezone: zone))
        let (records, selected) = try DPMicrodataRelease.prepare(output, of: policy, table: table, window: window, random: try SystemRandom())
        let published = records.table
        #expect(published.columnNames == spec.columns)
        #expect(records.k == DPMicrodataRelease.parameters(privacy).safe.k)
        #expect(abs(records.epsilonSampling + records.epsilonSearch + (records.epsilonCount ?? 0) - privacy.epsilon) < 1e-12)
        #expect(published.rowCount <= selected.table.rowCount)
        // Every column is part of the class: whole published rows repeat at least k times.
        var sizes: [[String?]: Int] = [:]
        for row in 0..<published.rowCount { sizes[published.row(row), default: 0] += 1 }
        #expect(sizes.values.allSatisfy { $0 >= records.k }, "classes smaller than k = \(records.k) are suppressed")
        #expect(Set(records.levels.keys) == Set(spec.columns))
        // A seeded generator is refused.
        #expect(throws: PublisherError.self) {
            _ = try DPMicrodataRelease.prepare(output, of: policy, table: table, window: window, random: SeededRandom(seed: 1))
        }
    }

    @Test func recordSelectionKeepsOneRowPerPersonAndDropsMissingUnits() throws {
        let (policy, _, _) = try Self.demoDay("microdata-selection")
        var table = Table(columnNames: ["caller_id", "priority"])
        for (unit, priority) in [("a", "1"), ("a", "2"), ("a", "3"), ("b", "1"), (nil, "4"), ("", "5"), ("c", "2")] {
            table.append(row: [unit, priority])
        }
        let sampler = ExactSampler(random: try SystemRandom())
        var aKeptItsThirdRow = false
        for _ in 0..<200 {
            let selected = RecordSelection.onePerUnit(table, policy: policy, columns: ["priority"], sampler: sampler)
            #expect(selected.table.rowCount == 3)
            #expect(selected.withoutUnit == 2)
            #expect(selected.repeats == 2)
            #expect(selected.table.columnNames == ["priority"], "the unit itself is never kept")
            let values = Set(selected.table.column(named: "priority")?.values.compactMap { $0 } ?? [])
            #expect(!values.contains("4") && !values.contains("5"))
            if values.contains("3") { aKeptItsThirdRow = true }
        }
        #expect(aKeptItsThirdRow, "each of a unit's rows can be the one kept (here 'a's third, only it has priority 3)")
    }

    @Test func rowOrderRevealsNothing() throws {
        var table = Table(columnNames: ["position"])
        for row in 0..<2000 { table.append(row: [String(row)]) }
        let shuffled = RecordSelection.shuffled(table, sampler: ExactSampler(random: try SystemRandom()))
        let positions = (0..<shuffled.rowCount).compactMap { shuffled.column(named: "position")?[$0].flatMap(Double.init) }
        #expect(Set(positions).count == 2000)
        // Spearman's ρ between source position and published position: about N(0, 1/√n) when independent.
        let n = Double(positions.count)
        let meanRank = (n - 1) / 2
        var covariance = 0.0, variance = 0.0
        for (index, value) in positions.enumerated() {
            covariance += (Double(index) - meanRank) * (value - meanRank)
            variance += (Double(index) - meanRank) * (Double(index) - meanRank)
        }
        #expect(abs(covariance / variance) < 0.15, "rank correlation \(covariance / variance)")
    }
}
