@testable import DifferentialPrivacy
import Demo
import Foundation
@testable import PublicSite
import OperationalStore
@testable import PrivacyPolicy
import Tabular
import Testing
import TestSupport
@testable import Publisher

/// `kind: disparity` as privacy officers write it and residents read it: parsed with clear
/// errors, charged like any DP output, published as rates with intervals that are a function of
/// the published noisy counts alone, and never drawn twice.
@Suite(.serialized) struct DisparityOutputTests {
    static let end = ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z") ?? Date()

    static func policy(_ output: String, extraColumns: String = "") -> String {
        """
        policy: 1
        dataset: {id: cases, title: Cases, description: d, publisher: p, contact: c, license: CC-BY-4.0}
        source: {table: cases, window_by: received_at, timezone: UTC}
        columns:
          received_at:
            generalize: {time: [day, month]}
          race: keep
          finding: sensitive
          seconds: keep
        \(extraColumns)
        outputs:
        \(output)
        budget: {per_release_epsilon: 1.0}
        """
    }

    static let output = """
          - id: sustained
            kind: disparity
            compare: race
            keys: [A, B, C]
            outcome: {column: finding, is: [Sustained], among: [Sustained, Unfounded]}
            reference: A
            min_group_size: 20
            privacy: {epsilon: 0.5}
        """

    static func parse(_ text: String) throws(PolicyError) -> Policy {
        try PolicyLoader.parse(bytes: Data(text.utf8), path: "/tmp/disparity-test.yaml")
    }

    static func messages(_ text: String) -> [String] {
        do {
            _ = try parse(text)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func parsesIntoTwoCountsOverPublicGroups() throws {
        let policy = try Self.parse(Self.policy(Self.output))
        let output = try #require(policy.outputs.first)
        guard case let .aggregate(spec) = output.kind, let disparity = spec.disparity else {
            Issue.record("not a disparity output")
            return
        }
        #expect(spec.statistics == [.count, .sum(column: "finding", bounds: 0...1)])
        #expect(spec.groupBy == [GroupKey(column: "race", level: nil)])
        #expect(spec.keys["race"] == .values(["A", "B", "C"]))
        #expect(disparity.reference == "A" && disparity.minimumSize == 20)
        #expect(disparity.outcome.holds("Sustained") == true)
        #expect(disparity.outcome.holds("Unfounded") == false)
        #expect(disparity.outcome.holds("Pending") == nil, "outside among: no recorded outcome")
        #expect(disparity.outcome.holds(nil) == nil)
        // Charged like any DP output: the person ledger's cost and the budget sum include it.
        #expect(PersonLedger.Cost(policy: policy).epsilon == 0.5)
        #expect(output.epsilon == 0.5)
        let explained = PolicyExplainer.explain(policy).joined(separator: "\n")
        #expect(explained.contains("correlation, not a cause"))
        #expect(explained.contains("Bonferroni"))
    }

    @Test func refusesWhatItsIntervalsCannotModel() {
        let rho = Self.output.replacingOccurrences(of: "{epsilon: 0.5}", with: "{rho: 0.1, delta: 1.0e-7}")
        #expect(Self.messages(Self.policy(rho)).contains { $0.contains("takes epsilon") })
        let delta = Self.output.replacingOccurrences(of: "{epsilon: 0.5}", with: "{epsilon: 0.5, delta: 1.0e-7}")
        #expect(Self.messages(Self.policy(delta)).contains { $0.contains("needs no delta") })
        let reference = Self.output.replacingOccurrences(of: "reference: A", with: "reference: D")
        #expect(Self.messages(Self.policy(reference)).contains { $0.contains("reference 'D' is not one of the keys") })
        let among = Self.output.replacingOccurrences(of: "among: [Sustained, Unfounded]", with: "among: [Unfounded]")
        #expect(Self.messages(Self.policy(among)).contains { $0.contains("'Sustained' is in is: but not in among:") })
        let noKeys = Self.output.split(separator: "\n").filter { !$0.contains("keys:") && !$0.contains("reference:") }.joined(separator: "\n")
        #expect(Self.messages(Self.policy(noKeys)).contains { $0.contains("needs keys") })
        let twoTests = Self.output.replacingOccurrences(of: "is: [Sustained], among: [Sustained, Unfounded]", with: "is: [Sustained], at_most: 3")
        #expect(Self.messages(Self.policy(twoTests)).contains { $0.contains("exactly one of is:") })
        let unknown = Self.output.replacingOccurrences(of: "compare: race", with: "compare: ethnicity")
        #expect(Self.messages(Self.policy(unknown)).contains { $0.contains("'ethnicity'") })
        // Every message carries the file, line and column.
        #expect(Self.messages(Self.policy(rho)).allSatisfy { $0.hasPrefix("/tmp/disparity-test.yaml:") })
    }

    /// A record without a recorded outcome (empty, or outside among:) is in neither count, and a
    /// record outside the public keys is in no group.
    @Test func recordsWithoutAnOutcomeAreInNeitherCount() throws {
        let policy = try Self.parse(Self.policy(Self.output))
        let output = try #require(policy.outputs.first)
        var table = Table(columnNames: ["received_at", "race", "finding"])
        let rows: [(String?, String?)] = [("A", "Sustained"), ("A", "Unfounded"), ("A", "Pending"), ("A", nil),
                                          ("B", "Sustained"), ("B", "Sustained"), ("C", "Unfounded"), ("Z", "Sustained")]
        for (race, finding) in rows { table.append(row: ["2026-11-22T10:00:00Z", race, finding]) }
        let window = try #require(ReleaseWindow(day: "2026-11-22", timezone: TimeZone(identifier: "UTC") ?? .current))
        let plan = try AggregatePlanner.input(for: output, of: policy, table: table, window: window)
        let sampler = ExactSampler(random: try SystemRandom())
        let bounded = try AggregateEngine.bound(plan.input, statistics: plan.parameters.statistics, keys: plan.parameters.keys, bounds: plan.parameters.bounds,
                                                budget: plan.parameters.budget, sampler: sampler)
        #expect(plan.input.groupKeys == [["A"], ["B"], ["C"]])
        #expect(bounded.counts == [2, 2, 1], "denominators: decided findings only")
        guard case let .sum(numerators)? = bounded.exact.last else {
            Issue.record("no numerator")
            return
        }
        #expect(numerators == [1, 2, 0])
    }

    /// The published table is post-processing of its two noisy count columns: recomputing the
    /// rates, intervals and findings from those columns alone gives the same file.
    @Test func publishedRatesAreAFunctionOfThePublishedCountsAndAreNeverRedrawn() throws {
        let workdir = TestSupport.temporaryFolder("disparity")
        let report = try Demo.run(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 6000, days: 1, seed: 5, end: Self.end),
                                               policiesFolder: nil)) { _ in }
        let state = try StateStore(path: report.statePath)
        var checked = 0
        for path in try FileManager.default.contentsOfDirectory(atPath: workdir + "/Policies") where path.hasSuffix(".yaml") {
            let policy = try PolicyLoader.load(path: workdir + "/Policies/" + path)
            let release = try #require(try state.releases(dataset: policy.dataset.id).last)
            let stored = try BudgetLedger(state: state).storedResults(dataset: policy.dataset.id, window: release.window,
                                                                      sequence: release.windowSequence)
            let entries = try BudgetLedger(state: state).entries(dataset: policy.dataset.id)
            for output in policy.outputs {
                guard case let .aggregate(spec) = output.kind, let disparity = spec.disparity else { continue }
                let folder = workdir + "/Releases/\(policy.dataset.id)/\(release.release)"
                let (status, text) = try OutsideTool.run("gzip", ["-dc", folder + "/\(output.id).csv.gz"])
                #expect(status == 0)
                let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
                let header = try #require(lines.first)
                #expect(header == DisparityTable.columnNames(disparity))
                let body = lines.dropFirst().filter { $0[0] != DisparityTable.overallLabel }
                #expect(body.count >= 2)
                // Recompute from the published counts only.
                let counts = body.map { DisparityEstimator.NoisyCounts(numerator: Int($0[2]) ?? 0, denominator: Int($0[1]) ?? 0) }
                let result = try #require(stored[output.id])
                let again = DisparityTable.comparison(label: nil, groups: body.map { $0[0] }, counts: counts,
                                                      scale: DisparityTable.scale(result), noiseTerms: 1, disparity: disparity)
                for (index, row) in body.enumerated() {
                    #expect(row[3] == DisparityTable.format(again.release.rates[index].estimate))
                    #expect(row[4] == DisparityTable.format(again.release.rates[index].low))
                    #expect(row[5] == DisparityTable.format(again.release.rates[index].high))
                }
                // The stored noisy results give back the published file byte for byte (a re-run draws nothing).
                let table = AggregatePlanner.table(result, spec: spec)
                #expect(table.rowCount == lines.count - 1)
                for (index, line) in lines.dropFirst().enumerated() {
                    #expect(table.columns.map { $0[index] ?? "" } == line)
                }
                // Charged in the ledger at its ε.
                #expect(entries.contains { $0.output == output.id && $0.window == release.window && abs($0.epsilon - output.epsilon) < 1e-12 })
                checked += 1
            }
        }
        #expect(checked == 4, "the demo publishes four disparity outputs")
    }
}
