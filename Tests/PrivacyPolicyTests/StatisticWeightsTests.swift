import Foundation
import Testing
import TestSupport
@testable import PrivacyPolicy

/// `weights:` and `missing:` on aggregate statistics: parsed from the reference
/// policy's shape, and every mistake reported at its own line.
@Suite struct StatisticWeightsTests {
    static let statistics = """
        statistics:
              - count
              - median: response_seconds
                bounds: [0, 7200]
              - mean: response_seconds
                bounds: [0, 7200]
        """

    func load(replacing statistics: String) throws -> (Result<Policy, PolicyError>, text: String) {
        var text = try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/calls-for-service-dp.yaml"), encoding: .utf8)
        #expect(text.contains(Self.statistics))
        text = text.replacingOccurrences(of: Self.statistics, with: statistics)
        let folder = TestSupport.temporaryFolder("weights")
        try FileManager.default.copyItem(atPath: TestSupport.sharedPath("fixtures/policies/hierarchies"), toPath: folder + "/hierarchies")
        TestSupport.write(text, to: folder + "/policy.yaml")
        do { return (.success(try PolicyLoader.load(path: folder + "/policy.yaml")), text) } catch { return (.failure(error), text) }
    }

    func line(of needle: String, in text: String) -> Int {
        (text.components(separatedBy: "\n").firstIndex { $0.contains(needle) } ?? -1) + 1
    }

    @Test func weightsAndMissingAreParsed() throws {
        let (result, _) = try load(replacing: """
            statistics:
                  - count
                  - median: response_seconds
                    bounds: [0, 7200]
                    missing: refuse
                  - mean: response_seconds
                    bounds: [0, 7200]
                    missing: refuse
                weights: {count: 1, mean_response_seconds: 2.5}
            """)
        let policy = try result.get()
        let spec = try #require(policy.outputs.compactMap { if case let .aggregate(spec) = $0.kind { spec } else { nil } }.first)
        #expect(spec.weights == ["count": 1, "mean_response_seconds": 2.5])
        #expect(spec.complete == ["response_seconds"])
        #expect(spec.statistics.map(\.name) == ["count", "median_response_seconds", "mean_response_seconds"])
    }

    @Test func mistakesAreReportedWhereTheyAre() throws {
        let (result, text) = try load(replacing: """
            statistics:
                  - count
                  - median: response_seconds
                    bounds: [0, 7200]
                    missing: skip
                  - mean: response_seconds
                    bounds: [0, 7200]
                    missing: refuse
                  - quantile: response_seconds
                    q: 0.9
                    bounds: [0, 7200]
                    missing: sometimes
                  - count
                weights: {count: 0, mean_response_second: 2}
            """)
        guard case let .failure(error) = result else { Issue.record("the policy loaded"); return }
        let found = error.diagnostics
        let all = found.map(\.description).joined(separator: "\n")
        func at(_ needle: String) -> [String] { found.filter { $0.location.line == line(of: needle, in: text) }.map(\.message) }
        #expect(at("missing: refuse").contains { $0.contains("disagree on missing") && $0.contains("policy.yaml:") }, "\(all)")
        #expect(at("missing: sometimes").contains { $0.contains("must be skip") && $0.contains("refuse") }, "\(all)")
        #expect(at("weights:").contains { $0.contains("count must be greater than 0") }, "\(all)")
        #expect(found.contains { $0.message.contains("lists count twice") && $0.location.line == line(of: "statistics:", in: text) + 1 }, "\(all)")
        #expect(at("weights:").contains { $0.contains("'mean_response_second' is not a statistic") && $0.contains("did you mean 'mean_response_seconds'") }, "\(all)")
    }
}
