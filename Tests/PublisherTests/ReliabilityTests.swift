import Foundation
import PrivacyPolicy
import Tabular
import Testing
import TestSupport
@testable import Publisher

/// Every published statistic carries a reliability flag a reader can recompute from the same
/// file (value, margin, the group's noisy count) and the policy's bounds; means and quantiles of
/// groups under the stated size are withheld, never published as a bound.
@Suite(.serialized) struct ReliabilityTests {
    @Test func everyFlagFollowsFromThePublishedValues() throws {
        let prepared = try PublicationPlanTests.city("reliability")
        let outcomes = try PublicationPlanTests.release(prepared, prepared.policies.filter { $0.hasSuffix(".yaml") })
        var checked = 0, withheld = 0, kinds: Set<String> = []
        for outcome in outcomes {
            let folder = try #require(outcome.folder)
            let policy = try PolicyLoader.load(path: folder + "/policy.yaml")
            for output in policy.publishedOutputs {
                guard case let .aggregate(spec) = output.kind, spec.disparity == nil else { continue }
                let (status, text) = try OutsideTool.run("gzip", ["-dc", folder + "/\(output.id).csv.gz"])
                #expect(status == 0)
                let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
                guard let header = lines.first else { continue }
                let countIndex = header.firstIndex(of: "count")
                for statistic in spec.statistics {
                    guard let value = header.firstIndex(of: statistic.name), let flag = header.firstIndex(of: Reliability.column(statistic.name)) else {
                        Issue.record("\(output.id): \(statistic.name) has no flag column")
                        continue
                    }
                    let margin = value + 1
                    for row in lines.dropFirst() where row.count == header.count {
                        let count = countIndex.flatMap { Double(row[$0]) }
                        if row[flag] == Reliability.withheld.rawValue {
                            #expect(row[value].isEmpty && row[margin].isEmpty && (count ?? 0) < Reliability.minimumGroup, "\(output.id) \(row)")
                            withheld += 1
                        } else {
                            let expected = Reliability.of(statistic, value: Double(row[value]) ?? .nan,
                                                          margin: Double(row[margin]) ?? .nan, count: count)
                            #expect(row[flag] == expected.rawValue, "\(output.id) \(statistic.name): \(row)")
                        }
                        kinds.insert(statistic.name.components(separatedBy: "_").first ?? "")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 100 && kinds.isSuperset(of: ["count", "mean", "median"]), "\(checked) values of \(kinds)")
        #expect(withheld > 0, "some small groups' means or medians are withheld in a small city")
    }

    @Test func theRuleOnHandMadeValues() {
        let mean = StatisticSpec.mean(column: "s", bounds: 0...100)
        #expect(Reliability.of(.count, value: 10, margin: 12, count: nil) == .noise)
        #expect(Reliability.of(.count, value: 100, margin: 12, count: nil) == .reliable)
        #expect(Reliability.of(.count, value: 30, margin: 12, count: nil) == .lowPrecision)
        #expect(Reliability.of(mean, value: 50, margin: 60, count: 500) == .noise)
        #expect(Reliability.of(mean, value: 50, margin: 5, count: 500) == .reliable)
        #expect(Reliability.of(mean, value: 100, margin: 1, count: 19) == .withheld)
        let median = StatisticSpec.median(column: "s", bounds: 0...100)
        #expect(Reliability.of(median, value: 40, margin: 151, count: 100) == .noise)
        #expect(Reliability.of(median, value: 40, margin: 5, count: 1000) == .reliable)
        #expect(Reliability.of(median, value: 40, margin: 5, count: nil) == .unrated)
    }

    /// `policy check` warns, in the statistic's own unit, when a quantile would be noise in
    /// every group of a hundred records or more, as it does for means.
    @Test func quantilesThatWouldBeNoiseAreWarnedInRecords() throws {
        let base = try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml"), encoding: .utf8)
        let edited = base.replacingOccurrences(of: "      - mean: satisfaction\n        bounds: [1, 5]\n",
                                               with: "      - median: satisfaction\n        bounds: [1, 5]\n")
            .replacingOccurrences(of: "privacy: {epsilon: 0.5}", with: "privacy: {epsilon: 0.02}")
        let policy = try PolicyLoader.parse(bytes: Data(edited.utf8), path: "/tmp/quantile-warning.yaml")
        let warnings = PolicyForecast.warnings(for: policy).map(\.message)
        #expect(warnings.contains { $0.contains("median_satisfaction would be noise in every group of") && $0.contains("records away from the true rank") },
                "\(warnings)")
        // At a useful ε, no warning.
        let fine = try PolicyLoader.parse(bytes: Data(edited.replacingOccurrences(of: "privacy: {epsilon: 0.02}", with: "privacy: {epsilon: 2}")
            .replacingOccurrences(of: "per_release_epsilon: 0.5", with: "per_release_epsilon: 2").utf8), path: "/tmp/quantile-fine.yaml")
        #expect(!PolicyForecast.warnings(for: fine).contains { $0.message.contains("median_satisfaction") })
    }

    /// Counts and sums are warned in their own units too: a count whose margin is 100 records or
    /// more, a sum whose margin exceeds 100 records' sum at the larger bound.
    @Test func countsAndSumsThatWouldBeNoiseAreWarned() throws {
        let base = try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml"), encoding: .utf8)
        let edited = base.replacingOccurrences(of: "      - mean: satisfaction\n        bounds: [1, 5]\n",
                                               with: "      - sum: satisfaction\n        bounds: [1, 5]\n")
        func warnings(_ epsilon: String) throws -> [String] {
            let text = edited.replacingOccurrences(of: "privacy: {epsilon: 0.5}", with: "privacy: {epsilon: \(epsilon)}")
                .replacingOccurrences(of: "per_release_epsilon: 0.5", with: "per_release_epsilon: 2")
            #expect(text != base)
            return PolicyForecast.warnings(for: try PolicyLoader.parse(bytes: Data(text.utf8), path: "/tmp/sum-warning.yaml")).map(\.message)
        }
        let noisy = try warnings("0.005")
        #expect(noisy.contains { $0.contains("count would be noise in every group of") }, "\(noisy)")
        #expect(noisy.contains { $0.contains("sum_satisfaction would be noise in every group of") && $0.contains("every value at 5") }, "\(noisy)")
        #expect(try warnings("2").filter { $0.contains("would be noise") }.isEmpty)
    }
}
