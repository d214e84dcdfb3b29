import DifferentialPrivacy
import Demo
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
        // Noise is drawn before the spend is committed, but nothing of it is on disk or returned
        // until the spend and every result are committed together.
        random.beforeFirstDraw = {
            let entries = (try? StateStore(path: statePath)).flatMap { try? BudgetLedger(state: $0).entries(dataset: policy.dataset.id) } ?? []
            #expect(entries.isEmpty, "nothing is recorded before the one commit")
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
        #expect(spent.map(\.sequence) == [1, 1, 1, 1, 2, 2, 2, 2])
        #expect(spent.reduce(0) { $0 + $1.epsilon } == 4.5)
    }

    @Test func thePerReleaseCapRefusesBeforeAnythingIsSpentOrDrawn() throws {
        var (workdir, _, policy, table, window) = try demo()
        policy.budget.perReleaseEpsilon = 1.5 // the tables alone need 2
        let state = try StateStore(path: workdir + "/state.sqlite")
        let random = try WatchedRandom()
        #expect {
            try AggregateRelease.run(policy: policy, window: window, table: table, state: state, random: random, newSequence: false)
        } throws: { error in
            guard let error = error as? PublisherError, error.exitCode == 3 else { return false }
            return error.description.contains("per-release cap is 1.5") && error.description.contains("needs ε 2")
        }
        #expect(random.drawn == 0, "no noise was drawn")
        #expect(try BudgetLedger(state: state).entries(dataset: policy.dataset.id).isEmpty, "nothing was recorded")
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

    @Test func theBusiestSpanIsAnyYearOverlappingTheWindow() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        func charge(_ day: String, _ epsilon: Double) throws -> PersonLedger.Charge {
            let window = try #require(ReleaseWindow(day: day, timezone: utc))
            return PersonLedger.Charge(start: window.start, end: window.end, cost: .init(epsilon: epsilon, delta: 0, rho: 0, rhoDelta: 0))
        }
        let charges = [try charge("2025-01-10", 1), try charge("2025-06-01", 2), try charge("2025-12-20", 4), try charge("2026-09-01", 8)]
        // Spans overlapping 2026-01-05 reach from 2025-01-06 to 2027-01-04: the busiest holds 2025-12-20 and 2026-09-01.
        let window = try #require(ReleaseWindow(day: "2026-01-05", timezone: utc))
        #expect(PersonLedger.busiestSpan(charges, overlapping: window, adding: .zero).converted.epsilon == 12)
        let early = try #require(ReleaseWindow(day: "2025-03-01", timezone: utc))
        #expect(PersonLedger.busiestSpan(charges, overlapping: early, adding: .zero).converted.epsilon == 7)
        // The edge case of a span that only overlaps: a person charged 2 on 2025-03-01 is charged 4 in
        // [2025-03-01 12:00, 2026-03-01 12:00) if released again on 2026-03-01, which a cap of 2 forbids.
        let edge = try #require(ReleaseWindow(day: "2026-03-01", timezone: utc))
        let total = PersonLedger.busiestSpan([try charge("2025-03-01", 2)], overlapping: edge, adding: .init(epsilon: 2, delta: 0, rho: 0, rhoDelta: 0))
        #expect(total.converted.epsilon == 4)
        #expect(!PersonLedger.within(total, budget: BudgetSpec(perReleaseEpsilon: 2, rolling365DayEpsilon: 2)))
        let later = try #require(ReleaseWindow(day: "2026-03-02", timezone: utc))
        #expect(PersonLedger.busiestSpan([try charge("2025-03-01", 2)], overlapping: later, adding: .init(epsilon: 2, delta: 0, rho: 0, rhoDelta: 0)).converted.epsilon == 2)
    }

    @Test func zCDPChargesComposeInRhoAndConvertOnce() {
        // Two ρ = 0.1 releases: ρ = 0.2 converted once at δ = 1e-6 (Bun & Steinke 2016, Prop. 1.3), plus a pure ε = 0.5.
        let rho = PersonLedger.Cost(epsilon: 0, delta: 0, rho: 0.1, rhoDelta: 1e-6)
        let pure = PersonLedger.Cost(epsilon: 0.5, delta: 1e-7, rho: 0, rhoDelta: 0)
        let total = rho + rho + pure
        #expect(abs(total.converted.epsilon - (0.5 + 0.2 + 2 * (0.2 * log(1e6)).squareRoot())) < 1e-12)
        #expect(abs(total.converted.delta - (1e-7 + 1e-6)) < 1e-18)
        // Converting each release separately and adding would charge more.
        let separately = 2 * (0.1 + 2 * (0.1 * log(1e6)).squareRoot()) + 0.5
        #expect(total.converted.epsilon < separately)
    }

    @Test func chargesRoundTripThroughTheirCompactEncoding() throws {
        let charges = [PersonLedger.Charge(start: Date(timeIntervalSince1970: 1_790_000_000), end: Date(timeIntervalSince1970: 1_790_086_400),
                                           cost: .init(epsilon: 2.5, delta: 1.1e-6, rho: 0.01, rhoDelta: 1e-7))]
        #expect(PersonLedger.decode(PersonLedger.encode(charges + charges)) == charges + charges)
        #expect(PersonLedger.encode(charges).count == 48)
    }
}
