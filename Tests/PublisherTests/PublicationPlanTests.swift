import Demo
import Foundation
import ReleaseFormat
import GRDB
import OperationalStore
import PrivacyPolicy
import Tabular
import Testing
import TestSupport
@testable import Publisher

/// The privacy model of a whole publication: one population per table of people
/// however the policies spell it, one unit and one cap for it, no plain records
/// beside DP datasets of the same people (in one run or across runs), the unit
/// read for every output kind, and exact figures about people kept out of public files.
@Suite(.serialized) struct PublicationPlanTests {
    static let end = ISO8601DateFormatter().date(from: "2026-11-15T00:00:00Z") ?? Date()
    static let day = "2026-11-13"

    /// A small demo city (its store, keys and policies), without any release.
    static func city(_ label: String) throws -> Demo.Prepared {
        try Demo.prepare(Demo.Options(workdir: TestSupport.temporaryFolder(label),
                                      city: DemoCityOptions(records: 1500, days: 3, seed: 5, end: end), policiesFolder: nil)) { _ in }
    }

    /// The demo calls policy, edited by `edit`, written beside the original (so its hierarchy files resolve).
    static func variant(_ prepared: Demo.Prepared, name: String, _ edit: (String) -> String) throws -> String {
        let original = try #require(prepared.policies.first { $0.hasSuffix("calls-for-service.yaml") })
        let path = ((original as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        TestSupport.write(edit(try String(contentsOfFile: original, encoding: .utf8)), to: path)
        return path
    }

    /// A second dataset id, so two policies over one table can be in one run.
    static func renamed(_ text: String, to id: String) -> String {
        text.replacingOccurrences(of: "  id: calls-for-service\n", with: "  id: \(id)\n")
    }

    /// Only the DP record file, with a budget to match.
    static func recordOnly(_ text: String, plain: Bool) -> String {
        var lines: [String] = []
        var section = "", skipping = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first != " ", first != "#" { section = String(line.prefix { $0 != ":" }) }
            if section == "outputs", line.hasPrefix("  - id: ") { skipping = line != "  - id: calls" }
            if section == "map" || (section == "outputs" && skipping) { continue }
            lines.append(String(line))
        }
        var result = lines.joined(separator: "\n").replacingOccurrences(of: "per_release_epsilon: 2.75", with: "per_release_epsilon: 0.5")
        if plain {
            result = result.replacingOccurrences(of: "    privacy: {epsilon: 0.5, delta: 1.0e-6}   # SafePub: sampled, coarsening chosen privately, small groups removed",
                                                 with: "    k: 2\n    max_suppression: 100%")
                .replacingOccurrences(of: "  frequency: daily\n", with: "  frequency: daily\n  guarantee: k_anonymity\n")
        }
        return result
    }

    static func plan(_ paths: [String], store: any RecordSource, published: [PublicationPlan.PublishedDataset] = []) throws
        -> (PublicationPlan, [PolicyDiagnostic])
    {
        let policies = try paths.map { path in
            let (policy, problems) = try PolicyCheck.check(path: path, store: store)
            #expect(problems.isEmpty, "\(path): \(problems.map(\.description))")
            return try #require(policy)
        }
        return try PublicationPlan.build(policies: policies, store: store, published: published)
    }

    static func release(_ prepared: Demo.Prepared, _ policies: [String], day: String = day, state: String? = nil) throws -> [ReleaseRun.Outcome] {
        var options = ReleaseRun.Options(store: prepared.storePath, key: prepared.key, policies: policies, window: .day(day),
                                         out: prepared.releases, state: state, pseudonymKey: prepared.pseudonymKey,
                                         now: end.addingTimeInterval(86400))
        options.confirmMassDeletion = true   // the small city's history is more than a night's share
        return try ReleaseRun.run(options) { _ in }
    }

    @Test func aSecondPolicyOverTheSamePeopleCannotOpenASecondBudget() throws {
        let prepared = try Self.city("plan-budget")
        let store = try OperationalStore(path: prepared.storePath)
        let original = try #require(prepared.policies.first { $0.hasSuffix("calls-for-service.yaml") })
        // The table in capitals, with a cap of its own.
        let capped = try Self.variant(prepared, name: "calls-capped.yaml") {
            Self.renamed($0, to: "calls-again").replacingOccurrences(of: "table: calls_for_service", with: "table: CALLS_FOR_SERVICE")
                .replacingOccurrences(of: "rolling_365_day_epsilon: 60.0", with: "rolling_365_day_epsilon: 1000")
        }
        let (_, capProblems) = try Self.plan([original, capped], store: store)
        #expect(capProblems.count == 1, "\(capProblems.map(\.description))")
        let cap = try #require(capProblems.first)
        #expect(cap.location.file == capped && cap.description.contains(original) && cap.description.contains("rolling_365_day_epsilon"))

        // Another population name for the same callers.
        let renamed = try Self.variant(prepared, name: "calls-population.yaml") {
            Self.renamed($0, to: "calls-elsewhere").replacingOccurrences(of: "  caller_id: privacy_unit", with: "  caller_id: {privacy_unit: {population: residents}}")
        }
        let (_, populationProblems) = try Self.plan([original, renamed], store: store)
        #expect(populationProblems.contains { $0.location.file == renamed && $0.description.contains("population 'residents'") && $0.description.contains(original) })

        // Another unit for the same table.
        let phone = try Self.variant(prepared, name: "calls-phone.yaml") {
            Self.renamed($0, to: "calls-by-phone").replacingOccurrences(of: "  caller_phone: drop", with: "  caller_phone: privacy_unit")
                .replacingOccurrences(of: "  caller_id: privacy_unit", with: "  caller_id: drop")
        }
        let (_, unitProblems) = try Self.plan([original, phone], store: store)
        #expect(unitProblems.contains { $0.location.file == phone && $0.description.contains("privacy unit is 'caller_phone'") })

        // The same people through a view: one population, so the cap conflict is found too.
        let queue = try DatabaseQueue(path: prepared.storePath)
        try queue.write { db in try db.execute(sql: "CREATE VIEW recent_calls AS SELECT * FROM calls_for_service WHERE received_at > '2000'") }
        #expect(try store.baseTable(of: "recent_calls") == "calls_for_service")
        #expect(try store.baseTable(of: "Main.CALLS_FOR_SERVICE") == "calls_for_service")
        #expect(try store.baseTable(of: "no_such_table") == nil)
        let viewed = try Self.variant(prepared, name: "calls-view.yaml") {
            Self.renamed($0, to: "calls-view").replacingOccurrences(of: "table: calls_for_service", with: "table: recent_calls")
                .replacingOccurrences(of: "rolling_365_day_epsilon: 60.0", with: "rolling_365_day_epsilon: 61")
        }
        let (plan, viewProblems) = try Self.plan([original, viewed], store: store)
        #expect(plan.populations.count == 1 && plan.populations.first?.datasets.count == 2)
        #expect(viewProblems.contains { $0.location.file == viewed && $0.description.contains("rolling_365_day_epsilon") })

        // A release with the conflicting pair changes nothing.
        #expect(throws: PublisherError.self) { try Self.release(prepared, [original, capped]) }
        #expect(!FileManager.default.fileExists(atPath: prepared.releases + "/calls-for-service"))
    }

    @Test func plainRecordsAreRefusedBesideDifferentiallyPrivateDatasetsOfTheSamePeople() throws {
        let prepared = try Self.city("plan-mix")
        let store = try OperationalStore(path: prepared.storePath)
        let dp = try #require(prepared.policies.first { $0.hasSuffix("calls-for-service.yaml") })
        let plain = try Self.variant(prepared, name: "calls-plain.yaml") { Self.renamed(Self.recordOnly($0, plain: true), to: "calls-records") }
        // In one run (or one `policy check` of both files).
        let (_, together) = try Self.plan([dp, plain], store: store)
        #expect(together.contains { $0.location.file == plain && $0.description.contains("plain k-anonymous records") && $0.description.contains(dp) })
        #expect(together.contains { $0.location.file == dp && $0.description.contains("calls-records") })

        // Across runs: the plain records are published first; the DP policy is then refused, by the state's memory.
        let first = try Self.release(prepared, [plain])
        #expect(first.map(\.status) == [.published])
        let state = try StateStore(path: prepared.statePath)
        let published = try state.publishedDatasets()
        #expect(published.map(\.dataset) == ["calls-records"] && published.first?.plainRecords == true)
        #expect(published.first?.population == "calls_for_service.caller_id")
        do {
            _ = try Self.release(prepared, [dp])
            Issue.record("the DP policy was released beside published plain records of the same callers")
        } catch {
            guard case let .invalidPolicy(problems)? = error as? PublisherError else { throw error }
            #expect(problems.diagnostics.contains { $0.location.file == dp && $0.description.contains("calls-records") })
        }
        #expect(!FileManager.default.fileExists(atPath: prepared.releases + "/calls-for-service"))
    }

    @Test func aRecordOnlyPolicyPublishesOneRowPerPersonAndChargesPeople() throws {
        let prepared = try Self.city("plan-record-only")
        // One caller with 300 identical calls on the day released.
        let queue = try DatabaseQueue(path: prepared.storePath)
        try queue.write { db in
            for _ in 0..<300 {
                try db.execute(sql: """
                    INSERT INTO calls_for_service (received_at, arrived_at, closed_at, caller_id, caller_name, caller_phone, caller_age,
                        address, latitude, longitude, beat, district, call_type, priority, narrative, legal_hold)
                    VALUES ('2026-11-13T18:00:00Z', '2026-11-13T18:05:00Z', '2026-11-13T19:00:00Z', 777777, 'X', '555', 40,
                        '100 N MAIN ST', 43.0, -87.9, '7C', '7', 'NOISE NUISANCE', 4, '', 0)
                    """)
            }
        }
        let plain = try Self.variant(prepared, name: "calls-plain.yaml") { Self.renamed(Self.recordOnly($0, plain: true), to: "calls-records") }
        let policy = try PolicyLoader.load(path: plain)
        // The unit is read although no output is an aggregate.
        #expect(MinimisationPlanner.plan(for: policy, window: nil).columns.contains("caller_id"))
        let outcome = try #require(try Self.release(prepared, [plain]).first)
        #expect(outcome.status == .published)
        let zone = try #require(TimeZone(identifier: "America/Chicago"))
        let window = try #require(ReleaseWindow(day: Self.day, timezone: zone))
        let store = try OperationalStore(path: prepared.storePath)
        let read = UnitColumn.attach(to: try store.read(MinimisationPlanner.plan(for: policy, window: window), pseudonymizer: nil), policy: policy)
        let callers = Set(try #require(read.column(named: "caller_id")).codes).count
        let records = try #require(outcome.microdata.first?.records)
        #expect(records <= callers && read.rowCount >= callers + 299, "\(records) rows for \(callers) callers in \(read.rowCount) calls")
        // The ledger charged people, the heavy caller among them (plain records cost ε 0, but the run records who was in it).
        let state = try StateStore(path: prepared.statePath)
        let charged = try PersonLedger(state: state).allCharges(population: policy.population)
        #expect(charged.count >= callers - 1, "\(charged.count) people charged for \(callers) callers")
    }

    @Test func aUnitOfSeveralColumnsIsOnePersonAndComplaintsCountComplainants() throws {
        let table = Table(columns: [Column(name: "complainant_name", values: ["Ann Lee", " ann lee", "Bo", nil, "Bo"]),
                                    Column(name: "complainant_phone", values: ["555", "555", "1", nil, "2"]),
                                    Column(name: "allegation", values: ["a", "b", "c", "d", "e"])])
        let prepared = try Self.city("plan-complainant")
        let path = try #require(prepared.policies.first { $0.hasSuffix("complaints.yaml") })
        let policy = try PolicyLoader.load(path: path)
        #expect(policy.privacyUnitColumns == ["complainant_name", "complainant_phone"])
        let unit = try #require(policy.privacyUnit)
        let joined = UnitColumn.attach(to: table, policy: policy)
        let column = try #require(joined.column(named: unit))
        #expect(joined.column(named: "complainant_name") == nil)
        #expect(column.codes[0] == column.codes[1] && column.codes[2] != column.codes[4])
        #expect(column.rowsWithoutUnit() == [false, false, false, true, false])
        // A release: at most one complaint per complainant in the record file, and complainants charged.
        let plan = MinimisationPlanner.plan(for: policy, window: nil)
        #expect(plan.columns.contains("complainant_name") && plan.columns.contains("complainant_phone"))
        let outcome = try #require(try Self.release(prepared, [path]).first)
        #expect(outcome.status == .published)
        let zone = try #require(TimeZone(identifier: policy.source.timezone))
        let window = try #require(ReleaseWindow(day: Self.day, timezone: zone))
        let store = try OperationalStore(path: prepared.storePath)
        let pseudonymizer = try Pseudonymizer.load(path: prepared.pseudonymKey)
        let read = UnitColumn.attach(to: try store.read(MinimisationPlanner.plan(for: policy, window: window), pseudonymizer: pseudonymizer),
                                     policy: policy)
        let complainants = Set(try #require(read.column(named: unit)).codes).count
        #expect(try #require(outcome.microdata.first?.records) <= complainants)
        #expect(try PersonLedger(state: try StateStore(path: prepared.statePath)).allCharges(population: policy.population).count == complainants)
    }

    @Test func whatIsPrintedIsWhatIsChargedAndNoExactFigureAboutPeopleIsPublished() throws {
        let prepared = try Self.city("plan-figures")
        let outcomes = try Self.release(prepared, prepared.policies.filter { $0.hasSuffix(".yaml") })
        #expect(outcomes.allSatisfy { $0.status == .published })
        for outcome in outcomes {
            let policy = try PolicyLoader.load(path: try #require(prepared.policies.first { $0.contains(outcome.dataset == "community-engagement" ? "engagement" : outcome.dataset) }))
            #expect(outcome.cost == policy.releaseCost)
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: try #require(outcome.folder) + "/privacy-report.json")))
            let budget = try #require((report as? [String: Any])?["budget"] as? [String: Any])
            #expect(budget["release_epsilon"] as? Double == outcome.cost.converted.epsilon)
            #expect(budget["largest_person_365_day_epsilon"] == nil)
            // Each statistic names its own mechanism: a quantile is the exponential mechanism, not Laplace noise.
            for aggregate in (report as? [String: Any])?["aggregates"] as? [[String: Any]] ?? [] {
                for statistic in aggregate["statistics"] as? [[String: Any]] ?? [] {
                    let name = statistic["statistic"] as? String ?? ""
                    let mechanism = (statistic["noise"] as? [String: Any])?["mechanism"] as? String
                    #expect(name.hasPrefix("median_") == (mechanism == "exponential mechanism over ranks"), "\(name): \(mechanism ?? "")")
                }
            }
        }
        // Every file a policy reads is signed with its release: the calls policy's hierarchy and boundary files.
        let calls = try #require(outcomes.first { $0.dataset == "calls-for-service" }?.folder)
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: calls + "/manifest.json"))) as? [String: Any])
        let files = try #require(manifest["files"] as? [[String: Any]])
        let policiesFolder = (try #require(prepared.policies.first { $0.hasSuffix("calls-for-service.yaml") }) as NSString).deletingLastPathComponent
        for written in ["hierarchies/beats.csv", "boundaries/districts.geojson"] {
            let entry = files.first { $0["path"] as? String == written }
            let source = try Data(contentsOf: URL(fileURLWithPath: policiesFolder + "/" + written))
            #expect(entry?["sha256"] as? String == StreamingDigest.sha256Hex(source), "\(written) is in the signed manifest")
        }
        // The calls policy: its record file's ε is in the figure (0.5 + 1.0 + 0.5 + 0.5 + 0.25).
        #expect(outcomes.first { $0.dataset == "calls-for-service" }?.cost.converted.epsilon == 2.75)
        let index = try String(contentsOfFile: prepared.releases + "/index.html", encoding: .utf8)
        #expect(!index.contains("Most any one person"))
    }

    /// The ledger stays bound: its digest follows every release (equal to a full recompute), a
    /// deleted charge or person is found before anything is released, and a fresh state on a
    /// published folder is refused with the path of the right one.
    @Test func theLedgerCannotLoseChargesQuietly() throws {
        let prepared = try Self.city("plan-seal")
        let policies = prepared.policies.filter { $0.hasSuffix(".yaml") }
        #expect(try Self.release(prepared, policies, day: "2026-11-12").allSatisfy { $0.status == .published })
        #expect(try Self.release(prepared, policies, day: "2026-11-13").allSatisfy { $0.status == .published })
        let state = try StateStore(path: prepared.statePath)
        let (stored, recomputed) = try state.queue.read { db in (try LedgerSeal.stored(in: db), try LedgerSeal.compute(in: db)) }
        #expect(stored == recomputed, "the incremental digest is the full one")
        let windows = try state.queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM window_charges") ?? 0 }
        #expect(windows > 0, "the record-level engagement dataset charges windows")

        // A fresh state beside the published folder: refused, naming the state that published it.
        do {
            _ = try Self.release(prepared, policies, day: "2026-11-14", state: TestSupport.temporaryFolder("plan-seal-fresh") + "/state.sqlite")
            Issue.record("a fresh state was used on a folder with releases")
        } catch {
            guard case let .refused(why)? = error as? PublisherError else { throw error }
            #expect(why.contains(prepared.statePath) || why.contains("Releases.private/state.sqlite"), "\(why)")
        }

        // One person's charges deleted: the next run is refused before anything is read or published.
        let backup = prepared.statePath + ".backup"
        try? FileManager.default.removeItem(atPath: backup)
        try FileManager.default.copyItem(atPath: prepared.statePath, toPath: backup)
        try state.queue.write { db in try db.execute(sql: "DELETE FROM person_charges WHERE unit = (SELECT unit FROM person_charges LIMIT 1)") }
        func refusedForTheDigest() throws {
            do {
                _ = try Self.release(prepared, policies, day: "2026-11-14")
                Issue.record("a ledger with deleted charges was used")
            } catch {
                guard case let .refused(why)? = error as? PublisherError else { throw error }
                #expect(why.contains("does not match its digest"), "\(why)")
            }
            #expect(!FileManager.default.fileExists(atPath: prepared.releases + "/calls-for-service/2026-11-14"))
        }
        try refusedForTheDigest()
        // A record-level window charge deleted instead.
        try FileManager.default.removeItem(atPath: prepared.statePath)
        try FileManager.default.copyItem(atPath: backup, toPath: prepared.statePath)
        let restored = try StateStore(path: prepared.statePath)
        try restored.queue.write { db in try db.execute(sql: "DELETE FROM window_charges WHERE id = (SELECT min(id) FROM window_charges)") }
        try refusedForTheDigest()
        // The backup restored: the night goes through.
        try FileManager.default.removeItem(atPath: prepared.statePath)
        try FileManager.default.copyItem(atPath: backup, toPath: prepared.statePath)
        #expect(try Self.release(prepared, policies, day: "2026-11-14").allSatisfy { $0.status == .published })
    }

    /// The ε of a release is one figure everywhere: the composed cost, which the per-release cap,
    /// the guarantee statement and the explanation all use, for every built-in and reference policy.
    @Test func everyPolicyStatesTheCostItIsCharged() throws {
        let fixtures = ["calls-for-service-dp.yaml", "engagement-minimal.yaml"].map { TestSupport.sharedPath("fixtures/policies/" + $0) }
        let builtIn = ["calls-for-service.yaml", "complaints.yaml", "engagement-logs.yaml"].map { TestSupport.repositoryPath("Policies/" + $0) }
        let expected: [String: Double] = ["calls-for-service-dp.yaml": 2.0, "engagement-minimal.yaml": 0.5, "calls-for-service.yaml": 2.75,
                                          "complaints.yaml": 1.0, "engagement-logs.yaml": 0.75]
        for path in fixtures + builtIn {
            let policy = try PolicyLoader.load(path: path)
            let epsilon = policy.releaseCost.converted.epsilon
            #expect(epsilon == expected[(path as NSString).lastPathComponent], "\(path): ε \(epsilon)")
            #expect(epsilon <= policy.budget.perReleaseEpsilon + 1e-12)
            if policy.dataset.guarantee == .differentialPrivacy {
                #expect(GuaranteeCheck.statement(for: policy).contains("(ε = \(PolicyExplainer.format(epsilon))"), "\(path)")
            }
            // Record-level datasets say "record" where they would say "person".
            let explained = PolicyExplainer.explain(policy).joined(separator: "\n")
            #expect(policy.privacyUnit != nil || !explained.contains("one person"), "\(path)")
        }
    }
}
