import Demo
import Foundation
import OperationalStore
import Testing
import TestSupport
import Tabular
@testable import Publisher
@testable import PublicSite

/// A DP record file keeps its month's generalisation: the month's first night chooses it (and
/// pays for choosing), every later night of the month reuses it, spends nothing on choosing and
/// the whole ε on sampling, and says which release chose it.
/// False-failure probability: zero. Which nights choose is fixed by the calendar, except that a
/// month's choice is dropped when its night published fewer than half the sample expected
/// (`DatasetRelease.keptLevels`), which chance decides; the test checks the rule either way.
@Suite struct KeptGeneralisationTests {
    @Test func laterNightsOfAMonthKeepTheFirstNightsColumns() throws {
        let workdir = TestSupport.temporaryFolder("kept-levels")
        let end = try #require(ISO8601DateFormatter().date(from: "2026-12-03T00:00:00Z"))
        // Nights 2026-11-30, 12-01 and 12-02: a month's last night, then two nights of the next.
        let report = try Demo.run(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 9000, days: 3, seed: 8, end: end),
                                               policiesFolder: nil)) { _ in }
        let state = try StateStore(path: report.statePath)
        let ledger = BudgetLedger(state: state)
        var records: [(window: String, records: DPMicrodataRelease.Records)] = []
        for release in try state.releasesByWindow(dataset: "calls-for-service") {
            let stored = try ledger.storedRecords(dataset: "calls-for-service", window: release.window, sequence: release.windowSequence)
            records.append((release.window, try #require(stored["calls"])))
        }
        #expect(records.map(\.window) == ["2026-11-30", "2026-12-01", "2026-12-02"])
        let (november, first, second) = (records[0].records, records[1].records, records[2].records)
        // Each month's first night chooses, with its search share.
        for chosen in [november, first] {
            #expect(chosen.keptFrom == nil)
            #expect(abs(chosen.epsilonSearch - chosen.epsilon * DPMicrodataRelease.searchShare) < 1e-12)
        }
        let outcome = report.outcomes.last { $0.dataset == "calls-for-service" }
        let folder = try #require(outcome?.folder)
        let document = try JSONDecoder().decode(PrivacyReport.Document.self,
                                                from: Data(contentsOf: URL(fileURLWithPath: folder + "/privacy-report.json")))
        let reported = document.microdata.first { $0.output == "calls" }?.differentialPrivacy?.keptFrom
        let people = try #require(first.noisyPeople)
        if Double(first.table.rowCount) < 0.5 * first.beta * Double(max(people, 0)) {
            // December's first file fell short of half its expected sample: its choice is not kept.
            #expect(second.keptFrom == nil && reported == nil)
            #expect(abs(second.epsilonSearch - second.epsilon * DPMicrodataRelease.searchShare) < 1e-12)
        } else {
            // The next night of December keeps December's choice and spends all of ε on sampling.
            #expect(second.keptFrom == "2026-12-01")
            #expect(second.levels == first.levels)
            #expect(second.epsilonSearch == 0 && second.epsilonSampling == second.epsilon)
            #expect(second.beta > first.beta, "the whole ε samples more people")
            // The published report says so.
            #expect(reported == "2026-12-01")
        }
    }
}

/// Rows whose every column is `*` (or empty) say only that a record exists and read as blank rows
/// in Table Schema: a DP record file leaves them out (post-processing).
@Suite struct BlankRecordTests {
    @Test func rowsWithEveryColumnRemovedAreLeftOut() {
        var table = Tabular.Table(columnNames: ["district", "call_type"])
        table.append(row: ["*", "*"])
        table.append(row: ["3", "*"])
        table.append(row: [nil, "*"])
        table.append(row: ["*", "THEFT"])
        let kept = DPMicrodataRelease.withoutBlankRows(table)
        #expect(kept.rowCount == 2)
        #expect(kept.column(named: "district")?[0] == "3" && kept.column(named: "call_type")?[1] == "THEFT")
    }
}
