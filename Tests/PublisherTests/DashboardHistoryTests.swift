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
        let end = ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z") ?? Date()
        let report = try Demo.run(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 3000, days: 4, seed: 3, end: end),
                                               policiesFolder: nil)) { _ in }
        let state = try StateStore(path: report.statePath)
        let releases = workdir + "/Releases"
        let now = end
        func pages() throws -> [String] {
            var pages: [String] = []
            for path in try Demo.policyPaths(in: workdir + "/Policies") {
                let policy = try PolicyLoader.load(path: path)
                let entries = try BudgetLedger(state: state).entries(dataset: policy.dataset.id)
                let history = try DatasetHistory.load(policy: policy, state: state, ledger: entries, out: releases)
                #expect(history.total == 4 && history.releases.count == 4)
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
        #expect(stored.contains { $0.contains("All 4 releases together") }, "the pooled equity comparison is drawn")
        #expect(try state.queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM release_summaries") ?? 0 } >= 9)
    }
}
