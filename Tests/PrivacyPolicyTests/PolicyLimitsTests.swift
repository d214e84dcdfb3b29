import Foundation
import Testing
import TestSupport
@testable import PrivacyPolicy

/// Parameters a release could not honour are refused by `policy check`, not by a crash at release time.
@Suite struct PolicyLimitsTests {
    static func parse(_ edit: (String) -> String) throws -> [PolicyDiagnostic] {
        let base = try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml"), encoding: .utf8)
        let edited = edit(base)
        #expect(edited != base, "the edit applies")
        do {
            _ = try PolicyLoader.parse(bytes: Data(edited.utf8), path: "/tmp/limits.yaml")
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func epsilonOutsideTheSupportedRangeIsRefused() throws {
        for tiny in ["1.0e-9", "0.0005", "25"] {
            let problems = try Self.parse { $0.replacingOccurrences(of: "privacy: {epsilon: 0.5}", with: "privacy: {epsilon: \(tiny)}") }
            #expect(problems.contains { $0.description.contains("privacy.epsilon must be between 0.001 and 20") }, "\(tiny): \(problems)")
        }
        #expect(try Self.parse { $0.replacingOccurrences(of: "privacy: {epsilon: 0.5}", with: "privacy: {epsilon: 0.001}") }.isEmpty)
    }

    @Test func reservedDatasetIdsAreRefused() throws {
        for reserved in ["log", "catalog"] {
            let problems = try Self.parse { $0.replacingOccurrences(of: "id: community-engagement", with: "id: \(reserved)") }
            #expect(problems.contains { $0.description.contains("dataset.id '\(reserved)' is reserved") }, "\(problems)")
        }
    }

    /// Bounds so wide they crashed the planner (Double to Int) or would overflow exact sums are refused.
    @Test func absurdBoundsAreRefusedAtTheirLine() throws {
        for (low, high) in [("0", "1e19"), ("-1e308", "1e308"), ("0", "2000000000")] {
            let problems = try Self.parse { $0.replacingOccurrences(of: "bounds: [1, 5]", with: "bounds: [\(low), \(high)]") }
            #expect(problems.contains { $0.description.contains("are beyond ±1000000000") && $0.location.line > 1 }, "[\(low), \(high)]: \(problems)")
        }
        #expect(try Self.parse { $0.replacingOccurrences(of: "bounds: [1, 5]", with: "bounds: [-1000000000, 1000000000]") }.isEmpty)
    }

    /// An output named like a period-total file another output generates would overwrite it.
    @Test func idsOfGeneratedPeriodFilesAreTaken() throws {
        let problems = try Self.parse { text in
            text.replacingOccurrences(of: "    group_by: [district, channel]", with: "    group_by: [district, channel, {occurred_at: day}]")
                .replacingOccurrences(of: "    privacy: {epsilon: 0.5}\n", with: "    totals_over: [month]\n    privacy: {epsilon: 0.25}\n  - id: engagement-by-channel-monthly\n    kind: aggregate\n    group_by: [district]\n    keys:\n      district: [\"1\"]\n    statistics: [count]\n    privacy: {epsilon: 0.25}\n")
                .replacingOccurrences(of: "      - mean: satisfaction\n        bounds: [1, 5]\n", with: "")
        }
        #expect(problems.contains { $0.description.contains("output id 'engagement-by-channel-monthly' is also the id of the period-total file") }, "\(problems)")
    }

    /// `grid: log` is for a median or quantile with bounds from 0; anything else is named at its line.
    @Test func aLogGridIsForQuantilesFromZero() throws {
        let onMean = try Self.parse { $0.replacingOccurrences(of: "        bounds: [1, 5]\n", with: "        bounds: [1, 5]\n        grid: log\n") }
        #expect(onMean.contains { $0.description.contains("grid is for a median or quantile's candidate values, not a mean") }, "\(onMean)")
        let median = "      - median: satisfaction\n        bounds: [1, 5]\n        grid: log\n"
        let good = try Self.parse { $0.replacingOccurrences(of: "      - count\n", with: "      - count\n" + median) }
        #expect(good.isEmpty, "\(good)")
        let negative = try Self.parse { $0.replacingOccurrences(of: "      - count\n", with: "      - count\n" + median.replacingOccurrences(of: "[1, 5]", with: "[-5, 5]")) }
        #expect(negative.contains { $0.description.contains("grid: log needs bounds from 0 up") }, "\(negative)")
        let word = try Self.parse { $0.replacingOccurrences(of: "      - count\n", with: "      - count\n" + median.replacingOccurrences(of: "grid: log", with: "grid: linear")) }
        #expect(word.contains { $0.description.contains("grid must be log") }, "\(word)")
        let policy = try PolicyLoader.parse(bytes: Data(try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml"),
                                                                    encoding: .utf8).replacingOccurrences(of: "      - count\n", with: "      - count\n" + median).utf8),
                                            path: "/tmp/grid.yaml")
        guard case let .aggregate(spec)? = policy.outputs.first?.kind else { Issue.record("no aggregate output"); return }
        #expect(spec.logGrids == ["median_satisfaction": PolicyParser.logGridPoints])
    }
}

/// `contribution: auto` is parsed in both forms and refused where bounds must hold across releases.
@Suite struct AutoContributionPolicyTests {
    static func calls(_ edit: (String) -> String) throws -> (Policy?, [PolicyDiagnostic]) {
        let base = try String(contentsOfFile: TestSupport.sharedPath("fixtures/policies/calls-for-service-dp.yaml"), encoding: .utf8)
        let edited = edit(base)
        #expect(edited != base, "the edit applies")
        do {
            return (try PolicyLoader.parse(bytes: Data(edited.utf8), path: TestSupport.sharedPath("fixtures/policies/auto.yaml")), [])
        } catch {
            return (nil, error.diagnostics)
        }
    }

    static let fixedBlock = """
            contribution:
              groups_per_unit: 2                # a caller counts in at most 2 groups per release
              rows_per_unit_per_group: 1
        """

    static func byDistrict(_ policy: Policy?) -> AggregateSpec? {
        guard case let .aggregate(spec)? = policy?.outputs.first(where: { $0.id == "calls-by-district-day" })?.kind else { return nil }
        return spec
    }

    @Test func autoIsParsedForBothOrEitherBound() throws {
        let (both, problems) = try Self.calls { $0.replacingOccurrences(of: Self.fixedBlock, with: "    contribution: auto") }
        #expect(problems.isEmpty, "\(problems)")
        let all = try #require(Self.byDistrict(both)?.contribution)
        #expect(all.autoGroups && all.autoRows && all.groupsPerUnit == ContributionSpec.autoCap && all.rowsPerUnitPerGroup == ContributionSpec.autoCap)
        let (one, none) = try Self.calls {
            $0.replacingOccurrences(of: "groups_per_unit: 2                # a caller counts in at most 2 groups per release",
                                    with: "groups_per_unit: auto")
        }
        #expect(none.isEmpty, "\(none)")
        let groups = try #require(Self.byDistrict(one)?.contribution)
        #expect(groups.autoGroups && !groups.autoRows && groups.groupsPerUnit == ContributionSpec.autoCap && groups.rowsPerUnitPerGroup == 1)
        let (_, wrong) = try Self.calls { $0.replacingOccurrences(of: Self.fixedBlock, with: "    contribution: automatic") }
        #expect(wrong.contains { $0.location.line > 1 }, "\(wrong)")
    }

    @Test func autoIsRefusedForPeriodTotalsAtItsLine() throws {
        let (_, problems) = try Self.calls {
            $0.replacingOccurrences(of: "groups_per_unit: 2                # a caller counts in at most 2 groups per release",
                                    with: "groups_per_unit: auto")
              .replacingOccurrences(of: "    contribution:\n      groups_per_unit: auto", with: "    totals_over: [month]\n    contribution:\n      groups_per_unit: auto")
        }
        #expect(problems.contains { $0.description.contains("contribution.groups_per_unit: auto chooses the bound per release") && $0.location.line > 1 },
                "\(problems)")
    }
}
