import Foundation
import Testing
import TestSupport
@testable import PrivacyPolicy

@Suite struct FixturePolicyTests {
    @Test func referencePoliciesParseUnchanged() throws {
        let calls = try PolicyLoader.load(path: TestSupport.sharedPath("fixtures/policies/calls-for-service.yaml"))
        #expect(calls.dataset.id == "calls-for-service")
        #expect(calls.source == SourceSpec(table: "calls", windowBy: "received_at", timezone: "America/Chicago"))
        #expect(calls.retention == RetentionSpec(deleteAfter: RetentionPeriod(amount: 7, unit: .years),
                                                 measuredFrom: "closed_at", keepIf: "legal_hold"))
        #expect(calls.columns.count == 15)
        #expect(calls.privacyUnit == "caller_id")
        #expect(calls.treatment(of: "address") == .generalize(.streetBlock([100, 1000])))
        #expect(calls.treatment(of: "caller_age") == .generalize(.bands([5, 10, 20], top: 80)))
        #expect(calls.treatment(of: "received_at") == .generalize(.time([.hour, .day, .week, .month])))
        #expect(calls.treatment(of: "beat") == .generalize(.file("hierarchies/beats.csv")))
        #expect(calls.exclude == [ExcludeRule(column: "call_type", values: ["DOMESTIC VIOLENCE", "SEXUAL ASSAULT", "CHILD ABUSE"])])
        #expect(calls.derived.map(\.kind) == [.secondsBetween("received_at", "arrived_at")])
        #expect(calls.outputs.map(\.id) == ["calls", "calls-by-district-day", "calls-by-type"])
        guard case let .microdata(microdata) = calls.outputs[0].kind else {
            Issue.record("first output should be microdata")
            return
        }
        #expect(microdata.k == 10)
        #expect(microdata.maxSuppression == 0.02)
        #expect(microdata.lDiversity == LDiversitySpec(column: "call_type", l: 2, variant: .distinct))
        guard case let .aggregate(byDistrict) = calls.outputs[1].kind,
              case let .aggregate(byType) = calls.outputs[2].kind else {
            Issue.record("outputs 2 and 3 should be aggregates")
            return
        }
        #expect(byDistrict.groupBy == [GroupKey(column: "district", level: nil), GroupKey(column: "received_at", level: "day"),
                                       GroupKey(column: "priority", level: nil)])
        #expect(byDistrict.keys["priority"] == .values(["1", "2", "3", "4", "5"]))
        #expect(byDistrict.statistics == [.count, .median(column: "response_seconds", bounds: 0...7200),
                                          .mean(column: "response_seconds", bounds: 0...7200)])
        #expect(byDistrict.contribution == ContributionSpec(groupsPerUnit: 2, rowsPerUnitPerGroup: 1))
        #expect(byType.keys["call_type"] == .private)
        #expect(byType.privacy == .epsilon(0.5, delta: 1.0e-7))
        #expect(calls.budget == BudgetSpec(perReleaseEpsilon: 2.0, rolling365DayEpsilon: 60.0))

        let engagement = try PolicyLoader.load(path: TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml"))
        #expect(engagement.dataset.id == "community-engagement")
        #expect(engagement.privacyUnit == nil)
        #expect(engagement.outputs.map(\.epsilon) == [0.5])
        #expect(engagement.budget.rolling365DayEpsilon == nil)
    }

    @Test func shippedPoliciesParse() throws {
        let folder = TestSupport.repositoryPath("Policies")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names == ["calls-for-service.yaml", "complaints.yaml", "engagement-logs.yaml"])
        for name in names {
            let policy = try PolicyLoader.load(path: folder + "/" + name)
            #expect(!policy.outputs.isEmpty, "\(name) publishes nothing")
        }
    }

    @Test func rhoIsChargedAtItsEpsilonEquivalent() {
        // Bun & Steinke 2016, Prop. 1.3: ρ-zCDP implies (ρ + 2√(ρ ln(1/δ)), δ)-DP.
        let privacy = PrivacySpec.rho(0.5, delta: 1e-6)
        #expect(abs(privacy.epsilonEquivalent - (0.5 + 2 * (0.5 * log(1e6)).squareRoot())) < 1e-12)
    }

    @Test func retentionPeriodsSubtractCalendarUnits() throws {
        let reference = try #require(ISO8601DateFormatter().date(from: "2026-03-31T12:00:00Z"))
        let month = try #require(PolicyParser.period("1 month"))
        #expect(ISO8601DateFormatter().string(from: month.subtracted(from: reference)) == "2026-02-28T12:00:00Z")
        #expect(PolicyParser.period("7 years") == RetentionPeriod(amount: 7, unit: .years))
        #expect(PolicyParser.period("0 days") == nil)
        #expect(PolicyParser.period("seven years") == nil)
    }
}
