@testable import DifferentialPrivacy
import Foundation
import GRDB
@testable import PrivacyPolicy
import Tabular
import Testing
import TestSupport
@testable import Publisher

/// `totals_over:`: period totals noised once when each period ends, from the exact bounded
/// days kept in the state database, charged within the daily output's ε, never drawn twice.
@Suite(.serialized) struct PeriodTotalsTests {
    static func policy(epsilon: Double, levels: String = "[month]", weights: String = "") -> String {
        """
        policy: 1
        dataset: {id: cases, title: Cases, description: d, publisher: p, contact: c, license: CC-BY-4.0}
        source: {table: cases, window_by: received_at, timezone: UTC}
        columns:
          received_at:
            generalize: {time: [day, month]}
          district: keep
          seconds: keep
        outputs:
          - id: per-day
            kind: aggregate
            group_by: [district, {received_at: day}]
            keys: {district: [A, B]}
            statistics:
              - count
              - sum: seconds
                bounds: [0, 100]
              - mean: seconds
                bounds: [0, 100]
            totals_over: \(levels)\(weights)
            privacy: {epsilon: \(epsilon)}
        budget: {per_release_epsilon: \(epsilon)}
        """
    }

    static func parse(_ text: String) throws(PolicyError) -> Policy {
        try PolicyLoader.parse(bytes: Data(text.utf8), path: "/tmp/totals-test.yaml")
    }

    static let utc = TimeZone(identifier: "UTC") ?? .current

    /// One day's rows: `count(day, district)` records with seconds = 7 each.
    static func table(day: String) -> (Tabular.Table, [String: Int]) {
        var table = Tabular.Table(columnNames: ["received_at", "district", "seconds"])
        var exact: [String: Int] = [:]
        let number = Int(day.suffix(2)) ?? 1
        for (district, count) in [("A", 3 + number % 5), ("B", 10 + number % 3)] {
            for index in 0..<count { table.append(row: ["\(day)T0\(index % 10):00:00Z", district, "7"]) }
            exact[district] = count
        }
        return (table, exact)
    }

    @Test func theOutputsAndTheirBudgets() throws {
        let policy = try Self.parse(Self.policy(epsilon: 0.9, levels: "[month, year]"))
        #expect(policy.publishedOutputs.map(\.id) == ["per-day", "per-day-monthly", "per-day-yearly"])
        guard case let .aggregate(monthly) = policy.publishedOutputs[1].kind, case let .aggregate(daily) = policy.outputs[0].kind else {
            Issue.record("not aggregates")
            return
        }
        #expect(monthly.groupBy == [GroupKey(column: "district", level: nil), GroupKey(column: "received_at", level: "month")])
        #expect(monthly.statistics.map(\.name) == ["count", "sum_seconds"], "means do not add up")
        #expect(monthly.privacy == .epsilon(0.3, delta: nil) && daily.dailyPrivacy == .epsilon(0.3, delta: nil))
        // The ledger charges the whole ε each night: the day's share and both levels'.
        #expect(policy.outputs[0].epsilon == 0.9)
        #expect(PersonLedger.Cost(policy: policy).epsilon == 0.9)
        // The forecast covers the period outputs at their share.
        #expect(PolicyForecast.lines(for: policy).contains { $0.hasPrefix("per-day-monthly: 95% margins: count ±") })
    }

    @Test func refusals() {
        func messages(_ text: String) -> [String] {
            do { _ = try Self.parse(text); return [] } catch { return error.diagnostics.map(\.description) }
        }
        let base = Self.policy(epsilon: 1)
        #expect(messages(base.replacingOccurrences(of: "[month]", with: "[fortnight]")).contains { $0.contains("unknown level 'fortnight'") })
        #expect(messages(base.replacingOccurrences(of: "{received_at: day}", with: "{received_at: month}")).contains { $0.contains("exactly one time column at day") })
        #expect(messages(base.replacingOccurrences(of: "keys: {district: [A, B]}", with: "keys: {district: private}")
            .replacingOccurrences(of: "{epsilon: 1.0}", with: "{epsilon: 1.0, delta: 1.0e-7}")).contains { $0.contains("needs public keys") })
        #expect(messages(base.replacingOccurrences(of: "      - count\n      - sum: seconds\n        bounds: [0, 100]\n", with: ""))
            .contains { $0.contains("has neither") })
        #expect(messages(base.replacingOccurrences(of: "[month]", with: "[fortnight]")).allSatisfy { $0.hasPrefix("/tmp/totals-test.yaml:") })
    }

    /// Nights of Nov 28 … Dec 2: the monthly file is empty until the night of Nov 30, the last
    /// day of November, which publishes November's total. The exact bounded days wait in the
    /// state database until then and are deleted after. With the count weighted to almost all
    /// of ε 20 (noise scale 0.1), the published count is the exact sum of the three days.
    @Test func aPeriodIsAddedUpOnceWhenItEnds() throws {
        let policy = try Self.parse(Self.policy(epsilon: 20, weights: "\n    weights: {count: 1000000, sum_seconds: 0.000001}"))
        let state = try StateStore(path: TestSupport.temporaryFolder("totals") + "/state.sqlite")
        var november = ["A": 0, "B": 0]
        var monthly: [String: [[String]]] = [:]
        for day in ["2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02"] {
            let window = try #require(ReleaseWindow(day: day, timezone: Self.utc))
            let (table, exact) = Self.table(day: day)
            if day.hasPrefix("2026-11") { for (key, count) in exact { november[key, default: 0] += count } }
            if day == "2026-11-30" {
                // What waits in the state: each earlier day's exact count and sum, per district.
                let stored = try state.queue.read { db in
                    try Row.fetchAll(db, sql: "SELECT day, totals FROM period_days ORDER BY day").map { row -> (String, ExactTotals) in
                        let data: Data = row["totals"]
                        return (row["day"], try JSONDecoder().decode(ExactTotals.self, from: data))
                    }
                }
                #expect(stored.map(\.0) == ["2026-11-28", "2026-11-29"])
                for (day, totals) in stored {
                    let counts = Self.table(day: day).1
                    #expect(totals.groupKeys == [["A", day], ["B", day]])
                    #expect(totals.values == [[counts["A"] ?? -1, counts["B"] ?? -1], [7 * (counts["A"] ?? -1), 7 * (counts["B"] ?? -1)]])
                }
            }
            let outcome = try AggregateRelease.run(policy: policy, window: window, table: table, state: state,
                                                   random: try SystemRandom(), newSequence: false)
            #expect(outcome.results.map { $0.output } == ["per-day", "per-day-monthly"])
            let file = try #require(outcome.results.last?.table)
            monthly[day] = (0..<file.rowCount).map { row in file.columns.map { $0[row] ?? "" } }
            #expect(file.columnNames == ["district", "received_at", "days", "count", "count_moe95", "count_flag", "sum_seconds", "sum_seconds_moe95", "sum_seconds_flag"])
        }
        #expect(monthly["2026-11-28"] == [] && monthly["2026-11-29"] == [] && monthly["2026-12-01"] == [] && monthly["2026-12-02"] == [])
        let closing = try #require(monthly["2026-11-30"])
        // At noise scale 0.1 the published total is the exact sum, or one off with probability 2·10⁻⁴
        // (two off: 8·10⁻⁹); a day dropped or counted twice moves it by at least 3.
        #expect(closing.map { Array($0[0...2]) } == [["A", "2026-11", "3"], ["B", "2026-11", "3"]])
        for (row, district) in zip(closing, ["A", "B"]) {
            #expect(abs((Double(row[3]) ?? -99) - Double(november[district] ?? -99)) <= 1, "\(row) against \(november)")
        }
        // November's days are deleted once November is published; December's wait for theirs.
        let days = try state.queue.read { db in try String.fetchAll(db, sql: "SELECT day FROM period_days ORDER BY day") }
        #expect(days == ["2026-12-01", "2026-12-02"])
        // A November night released late is charged but not added to the published November, nor kept.
        let late = try AggregateRelease.run(policy: policy, window: try #require(ReleaseWindow(day: "2026-11-27", timezone: Self.utc)),
                                            table: Self.table(day: "2026-11-27").0, state: state, random: try SystemRandom(), newSequence: false)
        #expect(late.results.last?.result.rows.isEmpty == true)
        #expect(try state.queue.read { db in try String.fetchAll(db, sql: "SELECT day FROM period_days ORDER BY day") } == days)
        // Every night charged the output's whole ε once.
        let entries = try BudgetLedger(state: state).entries(dataset: "cases")
        #expect(entries.count == 6 && entries.allSatisfy { $0.output == "per-day" && $0.epsilon == 20 })
    }

    /// With real noise: the re-run of the closing night and its re-issue publish the same
    /// November total, and its noise is one draw at the level's share (not a sum of daily noises).
    /// A period keeps its bounds: days released with one mean range, then a night whose policy
    /// widens it while November is open, is refused naming November and its first released day;
    /// back on the old settings, the night goes through, and December may use new ones.
    @Test func aPeriodKeepsTheBoundsItWasReleasedWith() throws {
        let state = try StateStore(path: TestSupport.temporaryFolder("totals-bounds") + "/state.sqlite")
        let original = try Self.parse(Self.policy(epsilon: 1))
        let widened = try Self.parse(Self.policy(epsilon: 1).replacingOccurrences(of: "bounds: [0, 100]", with: "bounds: [0, 5000]"))
        let richer = try Self.parse(Self.policy(epsilon: 2))
        func night(_ day: String, _ policy: Policy) throws -> AggregateRelease.Outcome {
            let window = try #require(ReleaseWindow(day: day, timezone: Self.utc))
            return try AggregateRelease.run(policy: policy, window: window, table: Self.table(day: day).0, state: state,
                                            random: try SystemRandom(), newSequence: false)
        }
        _ = try night("2026-11-27", original)
        _ = try night("2026-11-28", original)
        for changed in [widened, richer] {
            do {
                _ = try night("2026-11-29", changed)
                Issue.record("a night with other bounds or ε was released while November was open")
            } catch {
                guard case let .refused(why)? = error as? PublisherError else { throw error }
                #expect(why.contains("period 2026-11 is open") && why.contains("released from 2026-11-27"), "\(why)")
            }
        }
        _ = try night("2026-11-29", original)
        _ = try night("2026-11-30", original)   // closes November
        _ = try night("2026-12-01", widened)    // a new period may start with new bounds
    }

    @Test func aPeriodIsNeverDrawnTwice() throws {
        let policy = try Self.parse(Self.policy(epsilon: 1.5))
        let state = try StateStore(path: TestSupport.temporaryFolder("totals-redraw") + "/state.sqlite")
        func night(_ day: String, again: Bool = false) throws -> AggregateResult {
            let window = try #require(ReleaseWindow(day: day, timezone: Self.utc))
            let outcome = try AggregateRelease.run(policy: policy, window: window, table: Self.table(day: day).0, state: state,
                                                   random: try SystemRandom(), newSequence: again)
            return try #require(outcome.results.last?.result)
        }
        _ = try night("2026-11-29")
        let first = try night("2026-11-30")
        #expect(first.rows.count == 2)
        // ε 1.5 over the day table and the months: 0.75 each; count and sum share it (weights 1 and 1): Δ = 1 → scale 8/3.
        #expect(first.noise[0].distribution == .discreteLaplace(scale: 1 / 0.375))
        #expect(abs(first.epsilon - 0.75) < 1e-12)
        let rerun = try night("2026-11-30")
        let reissue = try night("2026-11-30", again: true)
        #expect(rerun.rows == first.rows && reissue.rows == first.rows)
        #expect(try night("2026-12-01").rows.isEmpty, "a published period is not published again the next night")
    }
}
