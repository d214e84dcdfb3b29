import Demo
import DifferentialPrivacy
import Foundation
@testable import PrivacyPolicy
import Testing
import TestSupport
@testable import Publisher

/// A release of the demo's calls by type with `roll_up`: the category rows are in the file after the
/// selected types, every category is published, the schema, report and forecast say what they are,
/// and the stored noise is what a re-run reads back (nothing drawn again).
@Suite(.serialized) struct RollUpReleaseTests {
    /// Three categories over some of the demo's call types; every other type counts under the catch-all.
    static let hierarchy = """
        # Test grouping of demo call types.
        TRAFFIC STOP;Traffic
        PARKING TROUBLE;Traffic
        RECKLESS DRIVING;Traffic
        ACCIDENT PROPERTY DAMAGE;Traffic
        ACCIDENT INJURY;Traffic
        THEFT;Property
        RETAIL THEFT;Property
        BURGLARY;Property
        ENTRY TO AUTO;Property
        STOLEN VEHICLE;Property
        BATTERY;Violence
        FIGHT;Violence
        SHOTS FIRED;Violence

        """

    static func rolledUp(_ prepared: Demo.Prepared) throws -> String {
        let original = try #require(prepared.policies.first { $0.hasSuffix("calls-for-service.yaml") })
        TestSupport.write(hierarchy, to: ((original as NSString).deletingLastPathComponent as NSString).appendingPathComponent("hierarchies/call-categories.csv"))
        return try PublicationPlanTests.variant(prepared, name: "calls-rolled-up.yaml") {
            $0.replacingOccurrences(of: "      call_type: private\n",
                                    with: "      call_type: {private: true, roll_up: hierarchies/call-categories.csv}\n")
        }
    }

    /// A recorded value that starts as a category row's key is kept in its category: a published key
    /// starting with the prefix always means a category row.
    @Test func aRawValueThatReadsAsACategoryRowStaysInItsCategory() throws {
        var spec = AggregateSpec(groupBy: [GroupKey(column: "district", level: nil), GroupKey(column: "call_type", level: nil)],
                                 keys: ["call_type": .private, "district": .values(["1", "2", "category: Property"])], statistics: [.count], contribution: nil,
                                 privacy: .epsilon(0.5, delta: 1e-6))
        let rollUp = RollUpSpec(column: "call_type", file: "c.csv", categoryOf: ["THEFT": "Property"], order: ["Property"], unlisted: "Other",
                                share: 0.2, location: SourceLocation(file: "p.yaml", line: 1, column: 1))
        spec.rollUp = rollUp
        let keys = [["1", "THEFT"], ["1", "category: Property"], ["2", "category: "], ["category: Property", "FIGHT"]]
        let input = AggregatePlanner.rollUpInput(rollUp, spec: spec, groupKeys: keys, publicLists: [["1", "2", "category: Property"], nil],
                                                 share: 0.2)
        #expect(input.onlyInCategory == [false, true, true, false], "only the rolled-up column's values are kept back")
        #expect(input.categoryOfGroup[1] == input.categoryOfGroup[0] + 1, "a value not in the file counts under the catch-all")
    }

    /// The roll-up takes its share off the statistics; a record-level output that rolls up discloses
    /// no counted total (its rows add up to it), so its selection keeps what the disclosure had.
    @Test func theSharesAddUpToTheOutputsBudget() throws {
        var spec = AggregateSpec(groupBy: [GroupKey(column: "call_type", level: nil)], keys: ["call_type": .private],
                                 statistics: [.count], contribution: nil, privacy: .epsilon(0.5, delta: 1e-6))
        let plain = AggregateParameters(spec, personLevel: false)
        spec.rollUp = RollUpSpec(column: "call_type", file: "c.csv", categoryOf: ["A": "X"], order: ["X"], unlisted: "Other",
                                 share: 0.2, location: SourceLocation(file: "p.yaml", line: 1, column: 1))
        let recordLevel = AggregateParameters(spec, personLevel: false)
        let personLevel = AggregateParameters(spec, personLevel: true)
        #expect(plain.disclosure == 0.1 && plain.rollUpShare == 0)
        #expect(recordLevel.disclosure == 0 && recordLevel.rollUpShare == 0.2)
        #expect(personLevel.disclosure == 0.1 && personLevel.rollUpShare == 0.2)
        #expect(abs(recordLevel.statisticsBudget.epsilonEquivalent - 0.4) < 1e-12)
        #expect(abs(personLevel.statisticsBudget.epsilonEquivalent - 0.35) < 1e-12)
        for parameters in [plain, recordLevel, personLevel] {
            #expect(parameters.budget.epsilonEquivalent == 0.5, "the output's ε, which the ledger charges, is unchanged")
        }
    }

    @Test(OutsideTool.needed("gzip")) func categoryRowsArePublishedWithTheirSchemaAndReport() throws {
        guard OutsideTool.available("gzip") else { return }
        let prepared = try PublicationPlanTests.city("rollup-release")
        let path = try Self.rolledUp(prepared)
        let policy = try PolicyLoader.load(path: path)
        guard case let .aggregate(spec)? = policy.outputs.first(where: { $0.id == "calls-by-type" })?.kind,
              let rollUp = spec.rollUp else {
            Issue.record("the variant has no roll-up")
            return
        }
        #expect(rollUp.categories == ["Traffic", "Property", "Violence", RollUpSpec.defaultUnlisted])
        let outcomes = try PublicationPlanTests.release(prepared, [path])
        let folder = try #require(outcomes.first?.folder)
        let (status, text) = try OutsideTool.run("gzip", ["-dc", folder + "/calls-by-type.csv.gz"])
        #expect(status == 0)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(lines.first)
        #expect(header == ["call_type", "received_at", "count", "count_moe95", "count_flag"])
        let rows = lines.dropFirst()
        let categoryRows = rows.filter { $0[0].hasPrefix(RollUpSpec.keyPrefix) }
        // Every category on the window's one day, in the hierarchy's order, after every type row.
        #expect(categoryRows.map { $0[0] } == rollUp.categories.map(RollUpSpec.key))
        #expect(categoryRows.allSatisfy { $0[1] == PublicationPlanTests.day })
        #expect(Array(rows.suffix(categoryRows.count)) == categoryRows, "category rows come last")
        #expect(categoryRows.allSatisfy { ["reliable", "low precision", "noise"].contains($0[4]) })
        let typeRows = rows.filter { !$0[0].hasPrefix(RollUpSpec.keyPrefix) }
        #expect(typeRows.map { $0[0] } == typeRows.map { $0[0] }.sorted(), "selected types stay sorted")

        // The Table Schema says what a category row is.
        let package = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/datapackage.json"))) as? [String: Any])
        let resources = try #require(package["resources"] as? [[String: Any]])
        let resource = try #require(resources.first { $0["name"] as? String == "calls-by-type" })
        let fields = try #require((resource["schema"] as? [String: Any])?["fields"] as? [[String: Any]])
        let described = try #require(fields.first { $0["name"] as? String == "call_type" }?["description"] as? String)
        #expect(described.contains("category: ") && described.contains("roll-up row"), "\(described)")
        #expect((resource["description"] as? String)?.contains("category rows") == true, "\(resource["description"] ?? "")")

        // The report states the roll-up's share and noise, never which values the file lists nor how
        // many (the file is not declared a public code list: members: public would name them).
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/privacy-report.json"))) as? [String: Any])
        let aggregate = try #require((report["aggregates"] as? [[String: Any]])?.first { $0["output"] as? String == "calls-by-type" })
        let entry = try #require(aggregate["roll_up"] as? [String: Any])
        #expect(entry["category_rows"] as? Int == 4)
        #expect(abs((entry["privacy_share"] as? Double ?? 0) - 0.5 * RollUpSpec.defaultShare) < 1e-5)
        #expect(entry["members"] == nil)
        #expect(entry["listed_values"] == nil)
        let html = try String(contentsOfFile: folder + "/privacy-report.html", encoding: .utf8)
        #expect(html.contains("Category rows"))

        // A re-run reads the stored results back: the same category counts, no new noise.
        let state = try StateStore(path: prepared.statePath)
        let window = try #require(ReleaseWindow(day: PublicationPlanTests.day, timezone: TimeZone(identifier: "America/Chicago") ?? .current))
        let stored = try #require(try AggregateRelease.stored(policy: policy, window: window, state: state, newSequence: false))
        let result = try #require(stored.results.first { $0.output == "calls-by-type" }?.result)
        #expect(result.rollUp != nil)
        #expect(result.categoryRows.map { AggregatePlanner.format($0.values[0]) } == categoryRows.map { $0[2] })
        let again = try PublicationPlanTests.release(prepared, [path])
        #expect(again.map(\.status) == [.alreadyPublished])

        // The dashboard's totals include the category rows, and it says so.
        let dashboard = try String(contentsOfFile: prepared.releases + "/catalog/calls-for-service/index.html", encoding: .utf8)
        #expect(dashboard.contains("counted in their category"), "the dashboard says where rare types went")

        // policy explain and the dry-run forecast mention it.
        #expect(PolicyExplainer.explain(policy).contains { $0.contains("category") && $0.contains("call-categories.csv") })
        #expect(PolicyForecast.lines(for: policy).contains { $0.contains("each category row's count ±") })
    }
}
