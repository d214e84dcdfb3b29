@testable import Demo
import Foundation
import ReleaseFormat
import GRDB
import OperationalStore
import PrivacyPolicy
import Testing
import TestSupport
@testable import Publisher

@Suite struct DemoAndRetentionTests {
    static let end = ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z") ?? Date()

    @Test func theDemoEmbedsEveryFileOfPoliciesAsItIs() throws {
        let folder = TestSupport.repositoryPath("Policies")
        var onDisk: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".yaml") { onDisk.append(name) }
        for name in try FileManager.default.contentsOfDirectory(atPath: folder + "/hierarchies") { onDisk.append("hierarchies/" + name) }
        for name in try FileManager.default.contentsOfDirectory(atPath: folder + "/boundaries") { onDisk.append("boundaries/" + name) }
        #expect(DemoPolicies.files.map(\.path) == onDisk.sorted())
        for (path, contents) in DemoPolicies.files {
            let file = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + path))
            #expect(file == Data(contents), "Policies/\(path) is not what the binary embeds")
        }
    }

    @Test func demoRunsEveryStageAndPoliciesMatchTheStore() throws {
        let workdir = TestSupport.temporaryFolder("demo")
        var lines: [String] = []
        let report = try Demo.run(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 6000, days: 2, seed: 3, end: Self.end),
                                               policiesFolder: nil)) { lines.append($0) }
        // Two nights, three datasets each, every one published and verified.
        #expect(report.outcomes.map(\.dataset) == ["calls-for-service", "complaints", "community-engagement",
                                                   "calls-for-service", "complaints", "community-engagement"])
        #expect(report.outcomes.allSatisfy { $0.status == .published && $0.verifiedChecks >= 8 })
        #expect(report.releases.count == 6)
        #expect(report.outcomes[0].retention?.result.deleted ?? 0 > 0)
        #expect(report.outcomes[0].aggregates.map(\.output) == ["calls-by-district-day", "calls-by-type", "calls-by-beat",
                                                                 "calls-by-beat-monthly", "response-target-by-district"])
        #expect(report.outcomes[3].sequence == 2)
        let store = try OperationalStore(path: report.storePath)
        // The shipped policies and the reference engagement policy pass deny-by-default against the demo store.
        for path in try Demo.policyPaths(in: TestSupport.repositoryPath("Policies"))
            + [TestSupport.sharedPath("fixtures/policies/engagement-minimal.yaml")] {
            let (policy, diagnostics) = try PolicyCheck.check(path: path, store: store)
            #expect(policy != nil && diagnostics.isEmpty, "\(path): \(diagnostics)")
        }
        // Retention was audited, with counts and the policy hash, never contents.
        let audit = try StateStore(path: report.statePath).retentionAudit()
        #expect(audit.map(\.dataset).prefix(3) == ["calls-for-service", "complaints", "community-engagement"])
        let policyBytes = try Data(contentsOf: URL(fileURLWithPath: workdir + "/Policies/calls-for-service.yaml"))
        #expect(audit[0].policySHA256 == StreamingDigest.sha256Hex(policyBytes))
        #expect(audit[0].deleted == report.outcomes[0].retention?.result.deleted)
    }

    @Test func schemaDriftStopsEveryPolicyCommand() throws {
        let workdir = TestSupport.temporaryFolder("drift")
        let report = try Demo.run(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 500, days: 1, seed: 1, end: Self.end),
                                               policiesFolder: nil)) { _ in }
        let queue = try DatabaseQueue(path: report.storePath)
        try queue.write { db in try db.execute(sql: "ALTER TABLE complaints ADD COLUMN officer_home_address TEXT") }
        let store = try OperationalStore(path: report.storePath)
        #expect {
            try PolicyCheck.require(path: workdir + "/Policies/complaints.yaml", store: store)
        } throws: { error in
            (error as? PublisherError)?.description.contains("column 'officer_home_address' of table 'complaints' is not in the policy") == true
        }
    }

    @Test func retentionDryRunRecordsNothingAndRealRunIsAudited() throws {
        let workdir = TestSupport.temporaryFolder("retention")
        let report = try Demo.run(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 3000, days: 1, seed: 9, end: Self.end),
                                               policiesFolder: nil)) { _ in }
        let store = try OperationalStore(path: report.storePath)
        let state = try StateStore(path: workdir + "/other-state.sqlite")
        let policy = try PolicyCheck.require(path: workdir + "/Policies/calls-for-service.yaml", store: store)
        let rows = try store.rowCount(of: "calls_for_service")
        // Ten years on, more records expire.
        let later = Self.end.addingTimeInterval(3 * 365 * 86400)
        let dry = try RetentionRun.run(policy: policy, store: store, state: state, now: later, dryRun: true)
        #expect(dry?.result.dryRun == true)
        #expect((dry?.result.deleted ?? 0) > 0)
        #expect(try store.rowCount(of: "calls_for_service") == rows)
        #expect(try state.retentionAudit().isEmpty)
        let real = try RetentionRun.run(policy: policy, store: store, state: state, now: later, dryRun: false,
                                        confirmMassDeletion: true)
        #expect(real?.result.deleted == dry?.result.deleted)
        #expect(try store.rowCount(of: "calls_for_service") == rows - (dry?.result.deleted ?? 0))
        let audit = try state.retentionAudit()
        #expect(audit.count == 1)
        #expect(audit.first?.rule == "delete calls_for_service rows whose closed_at is more than 7 years old unless legal_hold is true")
    }

    @Test func retentionRefusesToDeleteMoreThanItsShareUnlessConfirmed() throws {
        let workdir = TestSupport.temporaryFolder("mass-deletion")
        let prepared = try Demo.prepare(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 3000, days: 2, seed: 9, end: Self.end),
                                                     policiesFolder: nil)) { _ in }
        let store = try OperationalStore(path: prepared.storePath)
        let state = try StateStore(path: workdir + "/state.sqlite")
        var policy = try PolicyCheck.require(path: workdir + "/Policies/engagement-logs.yaml", store: store)
        let rows = try store.rowCount(of: "engagement_logs")
        // Two years on every contact is past its 365 days: a wrong clock would delete the whole table.
        let later = Self.end.addingTimeInterval(2 * 365 * 86400)
        #expect {
            try RetentionRun.run(policy: policy, store: store, state: state, now: later, dryRun: false)
        } throws: { error in
            guard let error = error as? PublisherError, error.exitCode == 3 else { return false }
            return error.description.contains("more than its max_share_per_run of 10%") && error.description.contains("--confirm-mass-deletion")
        }
        #expect(try store.rowCount(of: "engagement_logs") == rows, "nothing was deleted")
        #expect(try state.retentionAudit().map(\.status) == ["not run"], "the refused run is on the audit record as not run")
        // A policy may allow more; or the steward confirms once.
        policy.retention?.maxSharePerRun = 1
        #expect(try RetentionRun.run(policy: policy, store: store, state: state, now: later, dryRun: true)?.result.deleted == rows)
        policy.retention?.maxSharePerRun = 0.1
        let confirmed = try RetentionRun.run(policy: policy, store: store, state: state, now: later, dryRun: false, confirmMassDeletion: true)
        #expect(confirmed?.result.deleted == rows)
        #expect(try store.rowCount(of: "engagement_logs") == 0)
    }

    @Test func windowsAreCalendarDaysInThePolicyZone() throws {
        let chicago = try #require(TimeZone(identifier: "America/Chicago"))
        let day = try #require(ReleaseWindow(day: "2026-11-22", timezone: chicago))
        let formatter = ISO8601DateFormatter()
        #expect(formatter.string(from: day.start) == "2026-11-22T06:00:00Z")
        #expect(formatter.string(from: day.end) == "2026-11-23T06:00:00Z")
        // The day DST ends in Chicago has 25 hours.
        let fallBack = try #require(ReleaseWindow(day: "2026-11-01", timezone: chicago))
        #expect(fallBack.end.timeIntervalSince(fallBack.start) == 25 * 3600)
        let range = try #require(ReleaseWindow(day: "2026-11-01", through: "2026-11-07", timezone: chicago))
        #expect(range.label == "2026-11-01..2026-11-07")
        #expect(ReleaseWindow(day: "2026-11-31x", timezone: chicago) == nil)
        let now = try #require(formatter.date(from: "2026-11-23T03:00:00Z"))
        let yesterday = try #require(ReleaseWindow.yesterday(now: now, timezone: chicago))
        #expect(yesterday.label == "2026-11-21", "03:00 UTC is still the 22nd in Chicago")
    }
}
