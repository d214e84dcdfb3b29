import Demo
import Foundation
import GRDB
import OperationalStore
import PrivacyPolicy
import PublicSite
import Testing
import TestSupport
@testable import Publisher

/// The dashboards draw older releases from summaries kept in the state database: the page drawn
/// from them must be the page drawn from every release's stored results.
@Suite(.serialized) struct DashboardHistoryTests {
    @Test func pagesFromStoredSummariesEqualPagesFromTheResults() throws {
        let workdir = TestSupport.temporaryFolder("dashboard-history")
        let end = CumulativeFilesTests.end
        let prepared = try Demo.prepare(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 3000, days: 4, seed: 3, end: end),
                                                     policiesFolder: nil)) { _ in }
        for day in ["2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22"] {
            #expect(try CumulativeFilesTests.release(prepared, day: day).allSatisfy { $0.status == .published })
        }
        // A window re-issued after later ones: the running totals stored after it no longer sit at their position.
        #expect(try CumulativeFilesTests.release(prepared, day: "2026-11-20", newSequence: true).allSatisfy { $0.status == .published })
        let state = try StateStore(path: prepared.statePath)
        let releases = prepared.releases
        let now = end
        func pages() throws -> [String] {
            var pages: [String] = []
            for path in prepared.policies {
                let policy = try PolicyLoader.load(path: path)
                let entries = try BudgetLedger(state: state).entries(dataset: policy.dataset.id)
                let history = try DatasetHistory.load(policy: policy, state: state, ledger: entries, out: releases)
                #expect(history.total == 5 && history.releases.count == 5)
                pages.append(Dashboard.page(PublicIndex.Dataset(policy: policy, releases: try state.releasesByWindow(dataset: policy.dataset.id),
                                                                ledger: entries, history: history), now: now))
            }
            return pages
        }
        let stored = try pages()
        // Forget every summary, total and rate: the next load computes them all from the stored results.
        try state.queue.write { db in
            try db.execute(sql: "DELETE FROM release_summaries")
            try db.execute(sql: "DELETE FROM equity_totals")
            try db.execute(sql: "DELETE FROM rate_periods")
        }
        let computed = try pages()
        #expect(stored == computed)
        #expect(stored.contains { $0.contains("All 5 releases together") }, "the pooled equity comparison is drawn")
        #expect(try state.queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM release_summaries") ?? 0 } >= 9)
    }
}
