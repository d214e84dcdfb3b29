import Demo
import Foundation
import GRDB
import OperationalStore
import PrivacyPolicy
import Tabular
import Testing
import TestSupport
@testable import Publisher

/// Trimming the per-person ledger behind its horizon (``LedgerHorizon``) changes no cap decision
/// and no figure for any window the tool accepts, refuses the windows it cannot check before
/// anything is written, and leaves the ledger's seal as strong as before.
@Suite(.serialized) struct LedgerHorizonTests {
    static let day: TimeInterval = 86400
    static let base = Date(timeIntervalSince1970: 1_600_000_000 - 1_600_000_000.truncatingRemainder(dividingBy: 86400))

    /// A deterministic 64-bit LCG: the tests need variety, not secrecy.
    struct LCG {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static func window(_ start: Date, days: Int) throws -> ReleaseWindow {
        let utc = try #require(TimeZone(identifier: "UTC"))
        var window = try #require(ReleaseWindow(day: "2020-01-01", timezone: utc))
        window.start = start
        window.end = start.addingTimeInterval(Double(days) * day)
        window.label = "\(Int(start.timeIntervalSince1970))+\(days)"
        return window
    }

    static func cost(_ random: inout LCG) -> PersonLedger.Cost {
        switch random.next(4) {
        case 0: PersonLedger.Cost(epsilon: 2.75, delta: 0, rho: 0, rhoDelta: 0)
        case 1: PersonLedger.Cost(epsilon: 0.5, delta: 1e-7, rho: 0, rhoDelta: 0)
        case 2: PersonLedger.Cost(epsilon: 1, delta: 0, rho: 0.02, rhoDelta: 1e-6)
        default: PersonLedger.Cost(epsilon: 4, delta: 0, rho: 0, rhoDelta: 0)
        }
    }

    /// The total over the 365 days before `now`, as ``PersonLedger/largestYearlyCharge(population:now:)`` counts it.
    static func yearly(_ charges: [PersonLedger.Charge], now: Date) -> PersonLedger.Cost {
        charges.filter { $0.end > now.addingTimeInterval(-PersonLedger.year) && $0.start < now }.reduce(.zero) { $0 + $1.cost }
    }

    /// Random charge histories over four years: for every window the horizon accepts, the busiest
    /// span and the busiest instant (so every cap decision) are the same with and without the
    /// charges the horizon trims, and so is the yearly total at any later instant.
    @Test func trimmingNeverChangesACapDecisionForAnAcceptedWindow() throws {
        var random = LCG(state: 11)
        var compared = 0, trimmedHistories = 0
        for _ in 0..<400 {
            let count = 1 + random.next(40)
            let charges = (0..<count).map { _ in
                PersonLedger.Charge(start: Self.base.addingTimeInterval(Double(random.next(1500)) * Self.day),
                                    end: .distantPast, cost: Self.cost(&random))
            }.map { charge -> PersonLedger.Charge in
                var charge = charge
                charge.end = charge.start.addingTimeInterval(Double(1 + random.next(60)) * Self.day)
                return charge
            }
            // The horizon after charging every one of them, in any order.
            let horizon = charges.reduce(nil as Date?) { LedgerHorizon.advanced($0, charging: $1.start) }
            let kept = PersonLedger.decode(LedgerHorizon.kept(PersonLedger.encode(charges), horizon: horizon))
            #expect(kept.count <= charges.count)
            if kept.count < charges.count { trimmedHistories += 1 }
            let newest = charges.map(\.start).max() ?? Self.base
            let earliest = LedgerHorizon.earliestStart(horizon: horizon ?? Self.base)
            for index in 0..<20 {
                // The earliest accepted start, then random accepted windows up to 100 days after the newest.
                let offset = index == 0 ? 0 : Double(random.next(Int(newest.timeIntervalSince(earliest) / Self.day) + 100)) * Self.day
                let window = try Self.window(earliest.addingTimeInterval(offset), days: 1 + random.next(30))
                #expect(throws: Never.self) { try LedgerHorizon.refuseIfBehind(window, dataset: "d", horizon: horizon) }
                let adding = Self.cost(&random)
                #expect(PersonLedger.busiestSpan(charges, overlapping: window, adding: adding)
                        == PersonLedger.busiestSpan(kept, overlapping: window, adding: adding))
                #expect(PersonLedger.busiestInstant(charges, in: window, adding: adding)
                        == PersonLedger.busiestInstant(kept, in: window, adding: adding))
                let now = max(window.end, newest).addingTimeInterval(Double(random.next(400)) * Self.day)
                #expect(Self.yearly(charges, now: now) == Self.yearly(kept, now: now))
                compared += 1
            }
            // One second earlier is behind the horizon, and refused.
            let behind = try Self.window(earliest.addingTimeInterval(-1), days: 1)
            #expect(throws: PublisherError.self) { try LedgerHorizon.refuseIfBehind(behind, dataset: "d", horizon: horizon) }
        }
        #expect(compared == 8000)
        #expect(trimmedHistories > 100, "most histories over four years lose something to the horizon")
    }

    /// What the ledger must hold: every person's full history, as if nothing were trimmed.
    struct Reference {
        var people: [LedgerID: [PersonLedger.Charge]] = [:]
        var windows: [PersonLedger.Charge] = []
    }

    static let population = "people:test"
    static let records = "records:test"
    static let cap = 12.0

    /// The same total up to the order of composition (a person's row and segments compose their
    /// charges in another order than the releases came in): ε and δ within 10⁻¹² relative.
    static func same(_ a: PersonLedger.Cost, _ b: PersonLedger.Cost) -> Bool {
        let (x, y) = (a.converted, b.converted)
        return abs(x.epsilon - y.epsilon) <= 1e-12 * max(1, abs(y.epsilon)) && abs(x.delta - y.delta) <= 1e-12 * max(1e-12, abs(y.delta))
    }

    /// Charges in one order (start, end, ε, δ, ρ), to compare histories as multisets.
    static func canonical(_ charges: [PersonLedger.Charge]) -> [PersonLedger.Charge] {
        charges.sorted {
            ($0.start, $0.end, $0.cost.epsilon, $0.cost.delta, $0.cost.rho) < ($1.start, $1.end, $1.cost.epsilon, $1.cost.delta, $1.cost.rho)
        }
    }

    /// Records one release through the ledger's own commit path and the same release in `reference`:
    /// the people within the cap with it are charged; returns who was left out. Whether the ledger
    /// stores it as rows or as a segment is up to ``PersonLedger/segmentMinimum``.
    @discardableResult
    static func release(_ window: ReleaseWindow, people: [LedgerID], cost: PersonLedger.Cost, sequence: Int,
                        state: StateStore, reference: inout Reference) throws -> Set<LedgerID> {
        let ledger = PersonLedger(state: state)
        let stored = try ledger.storedCharges(population: population, units: people)
        let histories = try ledger.charges(population: population, units: people)
        var charged: [LedgerID] = []
        var excluded: Set<LedgerID> = []
        for id in people {
            let trimmed = PersonLedger.busiestSpan(histories[id] ?? [], overlapping: window, adding: cost)
            let full = PersonLedger.busiestSpan(reference.people[id] ?? [], overlapping: window, adding: cost)
            #expect(Self.same(trimmed, full), "the trimmed ledger decides as the full history does")
            if full.converted.epsilon <= cap + 1e-12 { charged.append(id) } else { excluded.insert(id) }
        }
        let instant = PersonLedger.busiestInstant(try ledger.windowCharges(population: records), in: window, adding: cost)
        #expect(instant == PersonLedger.busiestInstant(reference.windows, in: window, adding: cost))
        let plan = PersonLedger.Plan(population: population, cost: cost, window: window, recordLevel: false, charged: charged,
                                     previous: stored, excluded: excluded, keep: nil)
        let windowPlan = PersonLedger.Plan(population: records, cost: cost, window: window, recordLevel: true, charged: [],
                                           excluded: [], keep: nil)
        try state.queue.write { db in
            try ledger.record(plan, dataset: "people", sequence: sequence, in: db)
            try ledger.record(windowPlan, dataset: "records", sequence: sequence, in: db)
        }
        let charge = PersonLedger.Charge(start: window.start, end: window.end, cost: cost)
        for id in charged { reference.people[id, default: []].append(charge) }
        reference.windows.append(charge)
        return excluded
    }

    /// Two hundred releases over five years, some caught up out of order: decisions, the largest
    /// yearly charge and the seal agree with the full history; people whose last charge is behind
    /// the horizon leave the ledger; nobody's row grows past what the horizon keeps. With `segments`,
    /// every release the ledger allows is stored as a ``LedgerSegment`` (the rest as rows).
    static func simulate(_ label: String, segments: Bool = false) throws -> (state: StateStore, reference: Reference, people: [LedgerID]) {
        try PersonLedger.$segmentMinimum.withValue(segments ? 0 : .max) {
            let simulated = try simulateReleases(label)
            let stored = try simulated.state.queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM person_segments") ?? 0 }
            #expect(segments ? stored > 0 : stored == 0, "segments are used exactly when allowed")
            #expect(stored <= LedgerSegment.maximumPerPopulation)
            return simulated
        }
    }

    private static func simulateReleases(_ label: String) throws -> (state: StateStore, reference: Reference, people: [LedgerID]) {
        let state = try StateStore(path: TestSupport.temporaryFolder(label) + "/state.sqlite")
        var random = LCG(state: 5)
        let people = (0..<80).map { _ in LedgerID(bytes: (0..<16).map { _ in UInt8(random.next(256)) }) }
        var reference = Reference()
        var newest = Self.base
        for sequence in 1...200 {
            var start = newest.addingTimeInterval(Double(random.next(15)) * Self.day)
            let horizon = try LedgerHorizon.current(state)
            if random.next(5) == 0, let horizon {
                // A catch-up: any window the horizon still accepts, up to the newest.
                let earliest = LedgerHorizon.earliestStart(horizon: horizon)
                start = earliest.addingTimeInterval(Double(random.next(max(1, Int(newest.timeIntervalSince(earliest) / Self.day)))) * Self.day)
            }
            newest = max(newest, start)
            // Half the people come and go in eras, so some stop appearing for years.
            let era = Int(start.timeIntervalSince(Self.base) / (400 * Self.day))
            let chosen = people.enumerated().filter { index, _ in
                index < 40 ? random.next(4) == 0 : (index / 10) % 4 == era % 4 && random.next(2) == 0
            }.map(\.element)
            let window = try Self.window(start, days: 1 + random.next(7))
            try Self.release(window, people: chosen, cost: Self.cost(&random), sequence: sequence, state: state, reference: &reference)
            if sequence % 10 == 0 { try LedgerSeal.check(state) }
        }
        try LedgerSeal.check(state)
        return (state, reference, people)
    }

    @Test(arguments: [false, true]) func theTrimmedLedgerAgreesWithTheFullHistoryAndItsSeal(segments: Bool) throws {
        let (state, reference, people) = try Self.simulate("ledger-horizon", segments: segments)
        let horizon = try #require(try LedgerHorizon.current(state))
        let newest = reference.windows.map(\.start).max() ?? Self.base
        #expect(horizon == LedgerHorizon.advanced(nil, charging: newest), "the horizon trails the newest charged window by 2 × 365 days")
        let stored = try PersonLedger(state: state).allCharges(population: Self.population)
        var trimmedSomething = false
        for id in people {
            let full = reference.people[id] ?? []
            let kept = stored[id] ?? []
            #expect(kept.allSatisfy { $0.end > horizon }, "the last check trimmed every row")
            // Every charge that can still count is there; nothing that was never charged is.
            #expect(Self.canonical(full.filter { $0.end > horizon }) == Self.canonical(kept.filter { $0.end > horizon }))
            #expect(kept.allSatisfy { full.contains($0) })
            if kept.count < full.count { trimmedSomething = true }
            // Someone whose every charge is behind the horizon is no longer in the ledger at all.
            if !full.isEmpty && full.allSatisfy({ $0.end <= horizon }) { #expect(stored[id] == nil) }
        }
        #expect(trimmedSomething, "five years of releases trim something")
        #expect(try PersonLedger(state: state).windowCharges(population: Self.records).allSatisfy { $0.end > horizon })
        // The incremental digest equals a full recomputation.
        let (sealed, recomputed) = try state.queue.read { db in (try LedgerSeal.stored(in: db), try LedgerSeal.compute(in: db)) }
        #expect(sealed == recomputed)
        // The largest yearly charge equals the one computed from the full history.
        for days in [0.0, 30, 200, 364] {
            let now = (reference.windows.map(\.end).max() ?? Self.base).addingTimeInterval(days * Self.day)
            let full = reference.people.values.map { Self.yearly($0, now: now) }.max { $0.converted.epsilon < $1.converted.epsilon } ?? .zero
            #expect(Self.same(try PersonLedger(state: state).largestYearlyCharge(population: Self.population, now: now), full))
        }
    }

    /// Flips one bit of the first charge's ε (byte 16 of its encoding) in one row of `table` holding a
    /// whole charge, found by its `key` column.
    static func flipEpsilon(_ db: Database, table: String, key: String, blob: String) throws {
        let row = try #require(try Row.fetchOne(db, sql: "SELECT \(key), \(blob) FROM \(table) WHERE length(\(blob)) >= 48 LIMIT 1"))
        var charges: Data = row[1]
        charges[16] ^= 0x40
        try db.execute(sql: "UPDATE \(table) SET \(blob) = ? WHERE \(key) = ?", arguments: [charges, row[0] as DatabaseValue])
    }

    /// After trimming, a row edited, deleted or inserted outside opendata is still caught.
    @Test(arguments: [false, true]) func aTamperedRowIsStillCaughtAfterTrimming(segments: Bool) throws {
        let (state, _, _) = try Self.simulate("ledger-horizon-tamper", segments: segments)
        #expect(throws: Never.self) { try LedgerSeal.check(state) }
        // With segments: one person taken out of a segment, a segment deleted, its charge or its
        // provenance edited, one planted (even a copy of one that is there).
        let copyOldest = """
            INSERT INTO person_segments (population, charge, units, dataset, window, sequence)
            SELECT population, charge, units, dataset, window, sequence FROM person_segments WHERE id = (SELECT min(id) FROM person_segments)
            """
        let segmentTampering: [(String, (Database) throws -> Void)] = [
            ("remove one person from a segment", { db in
                try db.execute(sql: "UPDATE person_segments SET units = substr(units, 17) WHERE id = (SELECT id FROM person_segments WHERE length(units) >= 32 LIMIT 1)")
            }),
            ("delete a segment", { db in
                try db.execute(sql: "DELETE FROM person_segments WHERE id = (SELECT min(id) FROM person_segments)")
            }),
            ("edit a segment's ε", { db in try Self.flipEpsilon(db, table: "person_segments", key: "id", blob: "charge") }),
            ("move a segment's window", { db in
                try db.execute(sql: "UPDATE person_segments SET window = window || 'x' WHERE id = (SELECT min(id) FROM person_segments)")
            }),
            // An adversarial review found the first two passing the seal when it hashed the charge and the
            // ids back to back: the bytes hashed stayed the same while the people lost their charge.
            ("move a segment's ids into its charge", { db in
                try db.execute(sql: "UPDATE person_segments SET charge = CAST(charge || units AS BLOB), units = x'' WHERE id = (SELECT max(id) FROM person_segments)")
            }),
            ("move a segment's charge into its ids", { db in
                try db.execute(sql: "UPDATE person_segments SET units = CAST(charge || units AS BLOB), charge = x'' WHERE id = (SELECT max(id) FROM person_segments)")
            }),
            ("move part of a segment's population into its dataset", { db in
                try db.execute(sql: "UPDATE person_segments SET population = substr(population, 1, 3), dataset = substr(population, 4) || dataset WHERE id = (SELECT max(id) FROM person_segments)")
            }),
            ("a ninth segment", { db in
                for _ in 0..<LedgerSegment.maximumPerPopulation { try db.execute(sql: copyOldest) }
            }),
            ("copy a segment", { db in try db.execute(sql: copyOldest) }),
        ]
        let tampering: [(String, (Database) throws -> Void)] = (segments ? segmentTampering : []) + [
            ("edit", { db in
                // One charge of a person with several deleted: the row stays, shorter.
                try db.execute(sql: "UPDATE person_charges SET charges = substr(charges, 1, 48) WHERE unit = (SELECT unit FROM person_charges WHERE length(charges) > 48 LIMIT 1)")
            }),
            ("edit a charge's ε", { db in try Self.flipEpsilon(db, table: "person_charges", key: "unit", blob: "charges") }),
            ("delete", { db in
                try db.execute(sql: "DELETE FROM person_charges WHERE unit = (SELECT unit FROM person_charges LIMIT 1)")
            }),
            ("insert", { db in
                try db.execute(sql: "INSERT INTO person_charges (population, unit, charges) VALUES (?, ?, ?)",
                               arguments: [Self.population, Data(repeating: 7, count: 16), PersonLedger.encode([])])
            }),
            // The same review: a person row's unit lengthened by the zero byte and the first four bytes of
            // its charges (zero for a start before 2038) hashed the same bytes; the unit must be 16 bytes.
            ("split a person's row at another byte", { db in
                try db.execute(sql: """
                    UPDATE person_charges SET unit = CAST(unit || x'00' || substr(charges, 1, 4) AS BLOB), charges = substr(charges, 6)
                    WHERE unit = (SELECT unit FROM person_charges WHERE length(charges) >= 48 AND substr(charges, 5, 1) = x'00' LIMIT 1)
                    """)
            }),
            ("delete a window charge", { db in
                try db.execute(sql: "DELETE FROM window_charges WHERE id = (SELECT min(id) FROM window_charges)")
            }),
            // The horizon decides what the check trims, so it is in the digest too (an adversarial
            // review found one edit of it made opendata delete charges and reseal the ledger itself).
            ("move the horizon past every charge", { db in
                try LedgerHorizon.store(Date(timeIntervalSince1970: 4_000_000_000), in: db)
            }),
            ("move the horizon back a day", { db in
                let horizon = try #require(try LedgerHorizon.stored(in: db))
                try LedgerHorizon.store(horizon.addingTimeInterval(-Self.day), in: db)
            }),
            ("delete the horizon", { db in
                try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [LedgerHorizon.metaKey])
            }),
            ("a horizon that is not 8 bytes", { db in
                try db.execute(sql: "UPDATE meta SET value = x'010203' WHERE key = ?", arguments: [LedgerHorizon.metaKey])
            }),
            ("move the horizon and claim an old digest", { db in
                try LedgerHorizon.store(Date(timeIntervalSince1970: 4_000_000_000), in: db)
                try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [LedgerSeal.coversHorizonKey])
            }),
        ]
        for (what, tamper) in tampering {
            let copy = TestSupport.temporaryFolder("ledger-horizon-tampered") + "/state.sqlite"
            try FileManager.default.copyItem(atPath: state.path, toPath: copy)
            let tampered = try StateStore(path: copy)
            try tampered.queue.write { db in try tamper(db) }
            #expect(throws: PublisherError.self, "\(what) is caught") { try LedgerSeal.check(tampered) }
        }
    }

    /// A digest stored before the horizon was covered (rows only, no marker) is checked the old way
    /// once and upgraded; from then on the horizon is covered.
    @Test func aDigestFromBeforeTheHorizonWasCoveredIsUpgraded() throws {
        let (state, _, _) = try Self.simulate("ledger-horizon-legacy")
        let horizon = try #require(try LedgerHorizon.current(state))
        try state.queue.write { db in
            var rowsOnly = try LedgerSeal.compute(in: db)
            LedgerSeal.fold(&rowsOnly, LedgerSeal.horizonElement(horizon))
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = ?", arguments: [Data(rowsOnly), LedgerSeal.metaKey])
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [LedgerSeal.coversHorizonKey])
        }
        #expect(throws: Never.self) { try LedgerSeal.check(state) }
        let (covers, sealed, recomputed) = try state.queue.read { db in
            (try LedgerSeal.coversHorizon(in: db), try LedgerSeal.stored(in: db), try LedgerSeal.compute(in: db))
        }
        #expect(covers && sealed == recomputed)
        try state.queue.write { db in try LedgerHorizon.store(horizon.addingTimeInterval(Self.day), in: db) }
        #expect(throws: PublisherError.self) { try LedgerSeal.check(state) }
    }

    /// A sealed ledger with no horizon (one upgraded from before the horizon existed) cannot pass for
    /// a digest from before the horizon was covered: "no horizon" is an element of its own, so deleting
    /// the marker and planting a horizon does not match the rows alone (an adversarial review of the fix).
    @Test func plantingAHorizonWhereThereWasNoneIsCaught() throws {
        let (state, _, _) = try Self.simulate("ledger-horizon-none")
        try state.queue.write { db in
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [LedgerHorizon.metaKey])
            try LedgerSeal.store(try LedgerSeal.compute(in: db), in: db)
        }
        #expect(throws: Never.self) { try LedgerSeal.check(state) }
        try state.queue.write { db in
            try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [LedgerSeal.coversHorizonKey])
            try LedgerHorizon.store(Date(timeIntervalSince1970: 4_000_000_000), in: db)
        }
        #expect(throws: PublisherError.self) { try LedgerSeal.check(state) }
    }

    // MARK: End to end

    static let end = ISO8601DateFormatter().date(from: "2026-11-15T00:00:00Z") ?? Date()
    static let cityDays = 400

    static func dayLabel(_ index: Int) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "America/Chicago")
        return formatter.string(from: end.addingTimeInterval(Double(index - cityDays) * day + 12 * 3600))
    }

    static func release(_ prepared: Demo.Prepared, policy: String, day: String, newSequence: Bool = false) throws -> [ReleaseRun.Outcome] {
        try ReleaseRun.run(ReleaseRun.Options(store: prepared.storePath, key: prepared.key, policies: [policy], window: .day(day),
                                              out: prepared.releases, newSequence: newSequence,
                                              pseudonymKey: prepared.pseudonymKey, now: end.addingTimeInterval(86400))) { _ in }
    }

    /// Every row of every table of a SQLite database, as text.
    static func dump(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            var lines: [String] = []
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") { lines.append("\(table): \(row)") }
            }
            return lines.sorted()
        }
    }

    /// Every file under `folder` with its contents.
    static func files(_ folder: String) -> [String: Data] {
        var result: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: folder)?.allObjects ?? [] {
            var isFolder: ObjCBool = false
            let full = folder + "/" + path
            if FileManager.default.fileExists(atPath: full, isDirectory: &isFolder), !isFolder.boolValue {
                result[path] = FileManager.default.contents(atPath: full)
            }
        }
        return result
    }

    /// A city with a year and a month of records: once the newest night is charged, a night more
    /// than 365 days before it is refused before anything is written; a night already published
    /// still re-runs; a night within the catch-up room is published.
    @Test func aWindowBehindTheHorizonIsRefusedBeforeAnyWrite() throws {
        let workdir = TestSupport.temporaryFolder("ledger-horizon-city")
        let prepared = try Demo.prepare(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 1400, days: Self.cityDays, seed: 3, end: Self.end),
                                                     policiesFolder: nil)) { _ in }
        let policy = try #require(prepared.policies.first { $0.hasSuffix("calls-for-service.yaml") })
        let old = Self.dayLabel(0), newest = Self.dayLabel(Self.cityDays - 1), caughtUp = Self.dayLabel(Self.cityDays - 300)
        #expect(try Self.release(prepared, policy: policy, day: old).map(\.status) == [.published])
        #expect(try Self.release(prepared, policy: policy, day: newest).map(\.status) == [.published])

        let state = try Self.dump(prepared.statePath)
        let published = Self.files(prepared.releases)
        for (day, newSequence) in [(Self.dayLabel(1), false), (old, true)] {
            #expect {
                try Self.release(prepared, policy: policy, day: day, newSequence: newSequence)
            } throws: { error in
                guard let error = error as? PublisherError, error.exitCode == 3 else { return false }
                let text = error.description
                return !text.contains("\n") && text.contains(day) && text.contains("365 days before the newest window")
                    && text.contains("nothing was read, published or spent")
            }
            #expect(try Self.dump(prepared.statePath) == state, "the state is unchanged")
            #expect(Self.files(prepared.releases) == published, "the published folder is unchanged")
        }
        // Re-running the old night publishes nothing new and is not refused.
        #expect(try Self.release(prepared, policy: policy, day: old).map(\.status) == [.alreadyPublished])
        // A night within 365 days of the newest is still caught up.
        #expect(try Self.release(prepared, policy: policy, day: caughtUp).map(\.status) == [.published])
    }
}
