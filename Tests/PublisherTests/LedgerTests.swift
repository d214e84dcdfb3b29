import DifferentialPrivacy
import Foundation
import OperationalStore
import PrivacyPolicy
import Tabular
import Testing
import TestSupport
@testable import Publisher

/// A CSPRNG that counts the words it hands out and runs a check before the first.
final class WatchedRandom: RandomSource {
    let inner: SystemRandom
    var drawn = 0
    var beforeFirstDraw: (() -> Void)?

    init() throws {
        inner = try SystemRandom()
    }

    var isCryptographic: Bool { true }

    func nextWord() -> UInt64 {
        if drawn == 0 { beforeFirstDraw?() }
        drawn += 1
        return inner.nextWord()
    }
}

@Suite struct LedgerTests {
    static let end = ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z") ?? Date()

    func demo() throws -> (workdir: String, store: OperationalStore, policy: Policy, table: Table, window: ReleaseWindow) {
        let workdir = TestSupport.temporaryFolder("ledger")
        let report = try Demo.run(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 4000, days: 2, seed: 8, end: Self.end),
                                               policiesFolder: nil)) { _ in }
        let store = try OperationalStore(path: report.storePath)
        let policy = try PolicyCheck.require(path: workdir + "/Policies/calls-for-service.yaml", store: store)
        let zone = try #require(TimeZone(identifier: policy.source.timezone))
        let window = try #require(ReleaseWindow(day: "2026-11-20", timezone: zone))
        let table = try store.read(MinimisationPlanner.plan(for: policy, window: window), pseudonymizer: nil)
        return (workdir, store, policy, table, window)
    }

    @Test func theSameWindowNeverDrawsNoiseTwice() throws {
        let (workdir, _, policy, table, window) = try demo()
        let statePath = workdir + "/state.sqlite"
        let random = try WatchedRandom()
        var state: StateStore? = try StateStore(path: statePath)
        // The spend is on disk before the first random word is drawn.
        random.beforeFirstDraw = {
            let entries = (try? StateStore(path: statePath)).flatMap { try? BudgetLedger(state: $0).entries(dataset: policy.dataset.id) } ?? []
            #expect(entries.filter { $0.window == window.label }.count == 3, "spend must be recorded before noise is drawn")
        }
        let first = try AggregateRelease.run(policy: policy, window: window, table: table, state: try #require(state),
                                             random: random, newSequence: false)
        #expect(!first.reused)
        #expect(first.sequence == 1)
        #expect(random.drawn > 0)
        state = nil
        // A new process: same window, no new sequence → the stored results, no noise.
        let again = try WatchedRandom()
        let second = try AggregateRelease.run(policy: policy, window: window, table: table, state: try StateStore(path: statePath),
                                              random: again, newSequence: false)
        #expect(second.reused)
        #expect(again.drawn == 0)
        #expect(second.results.map(\.result) == first.results.map(\.result))
        // An explicit new sequence spends again and draws fresh noise.
        let third = try AggregateRelease.run(policy: policy, window: window, table: table, state: try StateStore(path: statePath),
                                             random: again, newSequence: true)
        #expect(third.sequence == 2)
        #expect(again.drawn > 0)
        let spent = try BudgetLedger(state: try StateStore(path: statePath)).entries(dataset: policy.dataset.id)
        #expect(spent.map(\.sequence) == [1, 1, 1, 2, 2, 2])
        #expect(spent.reduce(0) { $0 + $1.epsilon } == 4.0)
    }

    @Test func theRollingCapRefusesBeforeAnythingIsSpentOrDrawn() throws {
        var (workdir, _, policy, table, window) = try demo()
        policy.budget.rolling365DayEpsilon = 5.0 // room for two releases of ε 2
        let state = try StateStore(path: workdir + "/state.sqlite")
        let random = try WatchedRandom()
        let zone = try #require(TimeZone(identifier: policy.source.timezone))
        _ = try AggregateRelease.run(policy: policy, window: window, table: table, state: state, random: random, newSequence: false)
        let other = try #require(ReleaseWindow(day: "2026-06-01", timezone: zone))
        _ = try AggregateRelease.run(policy: policy, window: other, table: table, state: state, random: random, newSequence: false)
        let drawn = random.drawn
        let third = try #require(ReleaseWindow(day: "2026-11-21", timezone: zone))
        #expect {
            try AggregateRelease.run(policy: policy, window: third, table: table, state: state, random: random, newSequence: false)
        } throws: { error in
            guard let error = error as? PublisherError, error.exitCode == 3 else { return false }
            return error.description.contains("rolling 365-day cap per privacy unit is ε 5") && error.description.contains("4 is spent")
                && error.description.contains("1 remains") && error.description.contains("needs 2")
        }
        #expect(random.drawn == drawn, "no noise was drawn")
        #expect(try BudgetLedger(state: state).entries(dataset: policy.dataset.id).count == 6, "nothing was recorded")
        // More than a year later the old spend has rolled off.
        let nextYear = try #require(ReleaseWindow(day: "2027-12-01", timezone: zone))
        _ = try AggregateRelease.run(policy: policy, window: nextYear, table: table, state: state, random: random, newSequence: false)
    }

    @Test func seededRandomIsRefused() throws {
        let (workdir, _, policy, table, window) = try demo()
        let state = try StateStore(path: workdir + "/state.sqlite")
        #expect {
            try AggregateRelease.run(policy: policy, window: window, table: table, state: state, random: SeededRandom(seed: 1),
                                     newSequence: false)
        } throws: { error in (error as? PublisherError)?.exitCode == 3 }
        #expect(try BudgetLedger(state: state).entries(dataset: policy.dataset.id).isEmpty)
    }

    @Test func rollingSpendTakesTheBusiestYear() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        func entry(_ day: String, _ epsilon: Double) throws -> LedgerEntry {
            let window = try #require(ReleaseWindow(day: day, timezone: utc))
            return LedgerEntry(dataset: "d", window: day, windowStart: window.start, windowEnd: window.end, sequence: 1,
                               output: "o", epsilon: epsilon, delta: nil, rho: nil, recordedAt: Date())
        }
        let entries = [try entry("2025-01-10", 1), try entry("2025-06-01", 2), try entry("2025-12-20", 4), try entry("2026-09-01", 8)]
        // A window on 2026-01-05: spans containing it see at most 2 + 4 (from 2025-06-01 to 2026-05-31) or 4 + 8.
        let window = try #require(ReleaseWindow(day: "2026-01-05", timezone: utc))
        #expect(BudgetLedger.rollingSpend(entries, containing: window) == 12)
        let early = try #require(ReleaseWindow(day: "2025-03-01", timezone: utc))
        #expect(BudgetLedger.rollingSpend(entries, containing: early) == 7)
    }
}
