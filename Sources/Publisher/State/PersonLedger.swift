import Foundation
import GRDB
import GRDBSQLite
import OperationalStore
import PrivacyPolicy
import Tabular

/// Individual privacy accounting: each person is charged only for the releases
/// whose window holds their records, and a person whose charges would pass the
/// cap is left out of a release, silently.
///
/// Theorem (personalised differential privacy with silent exclusion; Ebadi,
/// Sands & Schneider, "Differential Privacy: Now it's Getting Personal", POPL
/// 2015, Thm. 1; compare the individual privacy filter of Feldman & Zrnic 2021):
/// if a release is (ε, δ)-DP and a person's records are removed from it
/// whenever their accumulated loss plus (ε, δ) would pass their budget, and
/// that decision depends only on their own records and on public release
/// history, then every person's total loss over the releases is at most their
/// budget, whatever the other people do. A person not in a window is not
/// affected by its release (adding or removing their data does not change it),
/// so they are not charged for it.
///
/// Here the budget is the policy's `rolling_365_day_epsilon` (and
/// `rolling_365_day_delta`, if set) over every 365-day span that overlaps the
/// window being released (not only those that contain it). Pure and approximate
/// DP charges add up in ε and δ; ρ-zCDP charges add up in ρ and are converted
/// to (ε, δ) once, at the smallest δ any of them states (Bun & Steinke 2016,
/// Lemma 2.3 and Prop. 1.3), then added. How many people were left out is not
/// published (it is a count of protected people); the steward's log has it.
///
/// People are known to the ledger only by HMAC-SHA256 of their unit value under
/// a random key kept in the state database, in the namespace of their
/// population (``PrivacyPolicy/Policy/population``), so every dataset and policy
/// over the same people shares one budget. Populations without a unit
/// (`records:<table>`) are accounted per window: each record belongs to the one
/// window it falls in, so a record is charged by the releases of that window
/// only, and a release that would pass the cap for some instant is refused.
///
/// Charges that can no longer count for any window the tool accepts are trimmed
/// (``LedgerHorizon``): those ending more than 2 × 365 days before the newest charged
/// window; a first release of a window more than 365 days older than that one is refused.
///
/// Storage: one `person_charges` row per person, holding their charges, except that a release
/// charging at least ``segmentMinimum`` people stores its charge once with their sorted ids
/// (``LedgerSegment``); a person's history is their row's charges and those of the segments
/// holding them, read the same way by every decision and figure.
public struct PersonLedger {
    let state: StateStore

    public init(state: StateStore) {
        self.state = state
    }

    /// The fewest people a release must charge to be stored as a ``LedgerSegment`` rather than a row
    /// each (a task-local value, so tests can store every release either way and compare).
    @TaskLocal static var segmentMinimum = 100_000

    /// One release's privacy loss for each person in it (``PrivacyPolicy/PrivacyCost``).
    public typealias Cost = PrivacyCost

    /// A charge: the cost of one release, over its window.
    public struct Charge: Sendable, Equatable {
        public var start: Date
        public var end: Date
        public var cost: Cost
    }

    static let year: TimeInterval = 365 * 86400

    /// The largest total, over every 365-day span [s, s + 365 d) that overlaps
    /// `window`, of the `charges` in the span plus `adding` (charged on `window`).
    ///
    /// The total is piecewise constant in s: a charge enters when s passes its
    /// start − 365 d and leaves when s reaches its end, so the maximum is found
    /// just after the left end of the range of s or just after a charge enters.
    public static func busiestSpan(_ charges: [Charge], overlapping window: ReleaseWindow, adding: Cost) -> Cost {
        let low = window.start.addingTimeInterval(-year), high = window.end
        var candidates = [low.addingTimeInterval(0.5)]
        for charge in charges {
            let s = charge.start.addingTimeInterval(-year + 0.5)
            if s > low && s < high { candidates.append(s) }
        }
        var busiest = adding
        for s in candidates {
            let e = s.addingTimeInterval(year)
            let total = charges.filter { $0.start < e && $0.end > s }.reduce(adding) { $0 + $1.cost }
            if total.converted.epsilon > busiest.converted.epsilon { busiest = total }
        }
        return busiest
    }

    /// For a record-level population: a record lies at one instant, so its total is the sum of the
    /// charges whose windows contain that instant; the largest such total over the instants of
    /// `window`, plus `adding`. (The sum only changes where a charge's window starts, so those
    /// instants and the window's start are enough.)
    public static func busiestInstant(_ charges: [Charge], in window: ReleaseWindow, adding: Cost) -> Cost {
        let overlapping = charges.filter { $0.start < window.end && $0.end > window.start }
        var candidates = [window.start]
        candidates += overlapping.map(\.start).filter { $0 > window.start }
        var busiest = adding
        for t in candidates {
            let total = overlapping.filter { $0.start <= t && $0.end > t }.reduce(adding) { $0 + $1.cost }
            if total.converted.epsilon > busiest.converted.epsilon { busiest = total }
        }
        return busiest
    }

    /// True when `total` stays within the policy's caps.
    static func within(_ total: Cost, budget: BudgetSpec) -> Bool {
        let (epsilon, delta) = total.converted
        if let cap = budget.rolling365DayEpsilon, epsilon > cap + 1e-12 { return false }
        if let cap = budget.rolling365DayDelta, delta > cap * (1 + 1e-9) { return false }
        return true
    }

    // MARK: Planning a release

    /// Who a release charges and who it leaves out.
    public struct Plan: Sendable {
        public var population: String
        public var cost: Cost
        public var window: ReleaseWindow
        /// True for a population without units (charged per window).
        public var recordLevel: Bool
        /// Ledger ids of the people charged (empty for a record-level population).
        public var charged: [LedgerID]
        /// Their charges so far, as stored (absent for people never charged).
        var previous: [LedgerID: Data] = [:]
        /// Ledger ids of the people left out because of the cap.
        public var excluded: Set<LedgerID>
        /// Rows of the table to keep (nil: all).
        public var keep: [Bool]?
        /// The largest total over any 365 days of anyone in this release, this release included
        /// (nil for a re-run, which charges nobody).
        public var largestCharged: Cost? = nil
    }

    /// Decides, before anything is computed, who is in this release: every
    /// person whose busiest overlapping span plus this release stays within the
    /// cap. A record-level population whose window would pass the cap is refused.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when a record-level population's window would pass its
    ///   rolling 365-day cap, or when the window starts more than 365 days before the newest charged
    ///   window (``LedgerHorizon``; nothing is published or spent); ``PublisherError/io(path:reason:)``
    ///   when the ledger or the state's ledger key cannot be read.
    public func plan(policy: Policy, table: Tabular.Table, window: ReleaseWindow) throws(PublisherError) -> Plan {
        let cost = Cost(policy: policy)
        let population = policy.population
        // Charges behind the horizon are trimmed: a window whose spans could reach them is never charged.
        if cost != .zero {
            try LedgerHorizon.refuseIfBehind(window, dataset: policy.dataset.id, horizon: try LedgerHorizon.current(state))
        }
        guard let unit = policy.privacyUnit, let units = table.column(named: unit) else {
            let busiest = Self.busiestInstant(try windowCharges(population: population), in: window, adding: cost)
            guard Self.within(busiest, budget: policy.budget) else {
                throw .refused("dataset \(policy.dataset.id): the records of \(window.label) would pass the rolling 365-day cap of population \(population) (ε \(format(busiest.converted.epsilon)) of \(format(policy.budget.rolling365DayEpsilon ?? .infinity)) with this release); nothing was published or spent")
            }
            return Plan(population: population, cost: cost, window: window, recordLevel: true, charged: [], excluded: [], keep: nil,
                        largestCharged: busiest)
        }
        let key = try state.ledgerKey()
        var ids = Self.ids(of: units.dictionary, population: population, key: key)
        let (stored, allSegments) = try stored(population: population, units: ids)
        let existing = stored.mapValues(Self.decode)
        // Only segments some span overlapping the window can reach (a span starts after window.start − 365 d
        // and before window.end).
        let reach = (from: window.start.addingTimeInterval(-Self.year), to: window.end.addingTimeInterval(Self.year))
        let segments = allSegments.filter { $0.charge.end > reach.from && $0.charge.start < reach.to }
        let masks = LedgerSegment.masks(of: ids, in: segments)
        var excludedCodes = [Bool](repeating: false, count: ids.count)
        var excluded: Set<LedgerID> = []
        // The people charged are gathered at the front of `ids` itself, in code order (a code's id is read
        // before any later one is written over it), so millions of ids are not held twice.
        var charged = 0
        var largest = cost
        // Everyone without charges in reach is decided alike: this release's cost alone.
        let newcomerWithin = Self.within(cost, budget: policy.budget)
        for code in ids.indices where !units.dictionary[code].isEmpty {
            let id = ids[code]
            if masks[code] == 0 && (existing.isEmpty || existing[id] == nil) {
                if newcomerWithin {
                    ids[charged] = id
                    charged += 1
                } else {
                    excludedCodes[code] = true
                    excluded.insert(id)
                }
                continue
            }
            // Their row's charges, then those of the segments holding them.
            var history = existing[id] ?? []
            if masks[code] != 0 { history += LedgerSegment.charges(masks[code], of: segments) }
            let busiest = history.isEmpty ? cost : Self.busiestSpan(history, overlapping: window, adding: cost)
            if Self.within(busiest, budget: policy.budget) {
                ids[charged] = id
                charged += 1
                if busiest.converted.epsilon > largest.converted.epsilon { largest = busiest }
            } else {
                excludedCodes[code] = true
                excluded.insert(id)
            }
        }
        let keep = excluded.isEmpty ? nil : units.codes.map { $0 == Column.nullCode || !excludedCodes[Int($0)] }
        ids.removeSubrange(charged...)
        return Plan(population: population, cost: cost, window: window, recordLevel: false, charged: ids, previous: stored,
                    excluded: excluded, keep: keep, largestCharged: largest)
    }

    /// The plan of a release already charged (a re-run rolling it forward): the same
    /// people left out, nobody charged again.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the excluded units or the ledger key cannot be read.
    public func storedPlan(policy: Policy, table: Tabular.Table, window: ReleaseWindow, dataset: String, sequence: Int) throws(PublisherError) -> Plan {
        let population = policy.population
        let excluded = try state.excludedUnits(dataset: dataset, window: window.label, sequence: sequence)
        var keep: [Bool]?
        if !excluded.isEmpty, let unit = policy.privacyUnit, let units = table.column(named: unit) {
            let key = try state.ledgerKey()
            let out = Self.ids(of: units.dictionary, population: population, key: key).map { excluded.contains($0) }
            keep = units.codes.map { $0 == Column.nullCode || !out[Int($0)] }
        }
        return Plan(population: population, cost: Cost(policy: policy), window: window, recordLevel: policy.privacyUnit == nil,
                    charged: [], excluded: excluded, keep: keep)
    }

    /// Writes `plan`'s charges inside the release's commit transaction.
    func record(_ plan: Plan, dataset: String, sequence: Int, in db: Database) throws {
        let charge = Charge(start: plan.window.start, end: plan.window.end, cost: plan.cost)
        // The ledger's digest follows every row written (LedgerSeal), in this same transaction.
        var digest = try LedgerSeal.current(in: db)
        // The horizon follows the newest charged window (LedgerHorizon); charges behind it are
        // dropped from the rows this release rewrites, and window charges behind it are deleted.
        let stored = try LedgerHorizon.stored(in: db)
        let horizon = LedgerHorizon.advanced(stored, charging: plan.window.start)
        if horizon != stored {
            try LedgerHorizon.store(horizon, in: db)
            // The horizon is one element of the digest: the old one out, the new one in.
            LedgerSeal.fold(&digest, LedgerSeal.horizonElement(stored))
            LedgerSeal.fold(&digest, LedgerSeal.horizonElement(horizon))
            LedgerSeal.fold(&digest, try LedgerSeal.trimWindowCharges(horizon: horizon, in: db))
        }
        if plan.recordLevel {
            try db.execute(sql: """
                INSERT INTO window_charges (population, window_start, window_end, epsilon, delta, rho, rho_delta, dataset, window, sequence)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [plan.population, charge.start, charge.end, charge.cost.epsilon, charge.cost.delta, charge.cost.rho,
                                 charge.cost.rhoDelta, dataset, plan.window.label, sequence])
            if let row = try Row.fetchOne(db, sql: "SELECT \(LedgerSeal.windowColumns) FROM window_charges WHERE id = ?",
                                          arguments: [db.lastInsertedRowID]) {
                LedgerSeal.fold(&digest, LedgerSeal.windowRow(row))
            }
        } else if plan.charged.count >= Self.segmentMinimum,
                  try LedgerSegment.count(population: plan.population, in: db) + LedgerSegment.parts(plan.charged.count)
                    <= LedgerSegment.maximumPerPopulation {
            // Many people: the charge once, with their sorted ids; their rows are not touched.
            LedgerSeal.fold(&digest, try LedgerSegment.write(population: plan.population, charge: charge, sorted: LedgerID.sortedPacked(plan.charged),
                                                             dataset: dataset, window: plan.window.label, sequence: sequence, in: db))
            StageTiming.mark("ledger: one segment of \(plan.charged.count) people")
        } else {
            // The charges read when the plan was made are current: the release holds the lock.
            // Keys in order, so the B-tree is written front to back.
            // Millions of rows in a backfill: bound and stepped with the C API, as GRDB's per-row
            // argument arrays cost more than SQLite's own work.
            let write = try db.makeStatement(sql: "INSERT OR REPLACE INTO person_charges (population, unit, charges) VALUES (?, ?, ?)")
            let handle = write.sqliteStatement
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            let encoded = Self.encode([charge])
            sqlite3_bind_text(handle, 1, plan.population, -1, transient)
            // The seal's share of these rows (the rows replaced and written) is hashed on the other
            // core while SQLite inserts them on this one (XOR is order-free: the same digest).
            let ids = LedgerID.sorted(plan.charged)
            let connection = db.sqliteConnection
            let first = plan.previous.isEmpty
            // Each row rewritten keeps only its charges after the horizon (the same Data when none is older).
            let kept = plan.previous.mapValues { LedgerHorizon.kept($0, horizon: horizon) }
            let work = Parallel.map(2) { task -> (inserted: Int32, seal: [UInt8]) in
                guard task == 0 else {
                    return (SQLITE_DONE, LedgerSeal.personRows(population: plan.population, ids: ids, previous: plan.previous,
                                                               kept: kept, appended: encoded, cores: 1))
                }
                return encoded.withUnsafeBytes { (appended: UnsafeRawBufferPointer) -> (Int32, [UInt8]) in
                    for id in ids {
                        let status: Int32 = id.withBytes { unit in
                            _ = sqlite3_bind_blob(handle, 2, unit.baseAddress, Int32(unit.count), transient)
                            if let before = first ? nil : kept[id] {
                                let charges = before + encoded
                                charges.withUnsafeBytes { blob in _ = sqlite3_bind_blob(handle, 3, blob.baseAddress, Int32(blob.count), transient) }
                            } else {
                                // Someone charged for the first time: the same bytes for everyone, bound without a copy.
                                sqlite3_bind_blob(handle, 3, appended.baseAddress, Int32(appended.count), nil)
                            }
                            let status = sqlite3_step(handle)
                            sqlite3_reset(handle)
                            return status
                        }
                        guard status == SQLITE_DONE else { return (status, []) }
                    }
                    return (SQLITE_DONE, [])
                }
            }
            StageTiming.mark("ledger: sort, inserts and seal")
            if let failed = work.first(where: { $0.inserted != SQLITE_DONE }) {
                throw DatabaseError(resultCode: ResultCode(rawValue: failed.inserted), message: String(cString: sqlite3_errmsg(connection)),
                                    sql: write.sql)
            }
            LedgerSeal.fold(&digest, work[1].seal)
        }
        try LedgerSeal.store(digest, in: db)
        if !plan.excluded.isEmpty {
            try db.execute(sql: "INSERT INTO excluded_units (dataset, window, sequence, units) VALUES (?, ?, ?, ?)",
                           arguments: [dataset, plan.window.label, sequence, LedgerID.pack(plan.excluded)])
        }
    }

    // MARK: Reading

    /// The charges of each of `units` in `population` (those with none are absent).
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the person ledger cannot be read.
    public func charges(population: String, units: [LedgerID]) throws(PublisherError) -> [LedgerID: [Charge]] {
        let (rows, segments) = try stored(population: population, units: units)
        var result = rows.mapValues(Self.decode)
        for (id, mask) in zip(units, LedgerSegment.masks(of: units, in: segments)) where mask != 0 {
            result[id, default: []] += LedgerSegment.charges(mask, of: segments)
        }
        return result
    }

    /// The stored charges of each of `units`, as encoded.
    func storedCharges(population: String, units: [LedgerID]) throws(PublisherError) -> [LedgerID: Data] {
        try stored(population: population, units: units).rows
    }

    /// The stored rows of `units` (as ``storedCharges(population:units:)``) and every segment of
    /// `population`, read in one transaction, so both are the same moment's ledger.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the person ledger cannot be read or a
    ///   segment is malformed (``LedgerSegment/init(row:)``).
    func stored(population: String, units: [LedgerID]) throws(PublisherError) -> (rows: [LedgerID: Data], segments: [LedgerSegment]) {
        do {
            return try state.queue.read { db in
                var result: [LedgerID: Data] = [:]
                let segments = try LedgerSegment.all(population: population, in: db)
                // Nothing to look up in a population nobody was charged in (a first backfill).
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM person_charges WHERE population = ?)",
                                        arguments: [population]) == true else { return (result, segments) }
                let statement = try db.makeStatement(sql: "SELECT charges FROM person_charges WHERE population = ? AND unit = ?")
                for id in units {
                    if let blob = try Data.fetchOne(statement, arguments: [population, id.data]) { result[id] = blob }
                }
                return (result, segments)
            }
        } catch {
            throw .io(path: state.path, reason: "cannot read the person ledger (\(error))")
        }
    }

    /// Every person's charges in `population`.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the person ledger cannot be read.
    public func allCharges(population: String) throws(PublisherError) -> [LedgerID: [Charge]] {
        do {
            return try state.queue.read { db in
                var result: [LedgerID: [Charge]] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT unit, charges FROM person_charges WHERE population = ?", arguments: [population]) {
                    result[LedgerID(bytes: row["unit"] as Data)] = Self.decode(row["charges"])
                }
                for segment in try LedgerSegment.all(population: population, in: db) {
                    for id in segment.ids { result[id, default: []].append(segment.charge) }
                }
                return result
            }
        } catch {
            throw .io(path: state.path, reason: "cannot read the person ledger (\(error))")
        }
    }

    /// The window charges of a record-level population.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the window ledger cannot be read.
    public func windowCharges(population: String) throws(PublisherError) -> [Charge] {
        do {
            return try state.queue.read { db in
                // By position: the table grows with every record-level release within the horizon.
                try Row.fetchAll(db, sql: "SELECT window_start, window_end, epsilon, delta, rho, rho_delta FROM window_charges WHERE population = ?",
                                 arguments: [population]).map { row in
                    Charge(start: row[0], end: row[1], cost: Cost(epsilon: row[2], delta: row[3], rho: row[4], rhoDelta: row[5]))
                }
            }
        } catch {
            throw .io(path: state.path, reason: "cannot read the window ledger (\(error))")
        }
    }

    /// Every population the ledger has charged.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the ledger cannot be read.
    public func populations() throws(PublisherError) -> [String] {
        do {
            return try state.queue.read { db in
                try String.fetchAll(db, sql: """
                    SELECT DISTINCT population FROM person_charges UNION SELECT DISTINCT population FROM person_segments
                    UNION SELECT DISTINCT population FROM window_charges ORDER BY 1
                    """)
            }
        } catch {
            throw .io(path: state.path, reason: "cannot read the ledger (\(error))")
        }
    }

    /// The largest total any one person of `population` accrued over the 365 days before `now`
    /// (for a record-level population, any one instant's), streamed over the ledger; of two
    /// people with the same ε, the one with the larger δ. Trimming behind the ledger's horizon
    /// (``LedgerHorizon``) does not change it for any `now` after the newest charged window.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the person or window ledger cannot be read.
    public func largestYearlyCharge(population: String, now: Date) throws(PublisherError) -> Cost {
        let start = now.addingTimeInterval(-Self.year)
        var largest = Cost.zero
        var people = 0
        var hasSegments = false
        do {
            try state.queue.read { db in
                // Millions of people after a backfill: stepped with the C API, each row's blob read in
                // place, and a row holding the same charges as the row before (most people share
                // their history) not decoded again. Rows come in id order, beside the ids of the
                // segments whose charge falls in the year (SegmentWalk), which adds their charges to
                // their people's rows and finds the people who have no row.
                let segments = try LedgerSegment.all(population: population, in: db)
                hasSegments = !segments.isEmpty
                var year = YearTotals(segments: segments, after: start, before: now)
                let statement = try db.makeStatement(sql: "SELECT unit, charges FROM person_charges WHERE population = ? ORDER BY unit")
                try statement.setArguments([population])
                let handle = statement.sqliteStatement
                var previous: [UInt8] = []
                var previousTotal = Cost.zero
                while true {
                    guard try statement.nextRow(in: db) else { break }
                    people += 1
                    let length = Int(sqlite3_column_bytes(handle, 1))
                    let blob = UnsafeRawBufferPointer(start: sqlite3_column_blob(handle, 1), count: length)
                    let mask = year.advance(to: LedgerID(bytes: UnsafeRawBufferPointer(start: sqlite3_column_blob(handle, 0),
                                                                                       count: Int(sqlite3_column_bytes(handle, 0)))))
                    if people > 1 && previous.count == length && previous.withUnsafeBytes({ $0.elementsEqual(blob) }) {
                        if mask != 0 { largest = Self.larger(largest, previousTotal + year.total(mask)) }
                        continue
                    }
                    previous = Array(blob)
                    previousTotal = Self.total(blob, after: start, before: now)
                    largest = Self.larger(largest, mask == 0 ? previousTotal : previousTotal + year.total(mask))
                }
                largest = year.finish(largest)
            }
        } catch {
            throw .io(path: state.path, reason: "cannot read the person ledger (\(error))")
        }
        if people == 0 && !hasSegments {
            let charges = try windowCharges(population: population).filter { $0.end > start && $0.start < now }
            for charge in charges {
                let instant = charges.filter { $0.start <= charge.start && $0.end > charge.start }.reduce(Cost.zero) { $0 + $1.cost }
                if instant.converted.epsilon > largest.converted.epsilon { largest = instant }
            }
        }
        return largest
    }

    /// The larger of two totals: by ε (ρ converted), then by δ, so the largest of many does not
    /// depend on the order they are read in.
    static func larger(_ a: Cost, _ b: Cost) -> Cost {
        let (x, y) = (a.converted, b.converted)
        return y.epsilon > x.epsilon || (y.epsilon == x.epsilon && y.delta > x.delta) ? b : a
    }

    /// The composition (``PrivacyCost/+(_:_:)``, in row order) of the encoded charges that end
    /// after `start` and start before `end`, read in place without decoding the row.
    static func total(_ bytes: UnsafeRawBufferPointer, after start: Date, before end: Date) -> Cost {
        var epsilon = 0.0, delta = 0.0, rho = 0.0, rhoDelta = 0.0
        for offset in chargeOffsets(bytes) {
            func double(_ at: Int) -> Double {
                Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + at, as: UInt64.self)))
            }
            let from = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self))
            let to = chargeEnd(bytes, at: offset)
            if Date(timeIntervalSince1970: Double(to)) > start && Date(timeIntervalSince1970: Double(from)) < end {
                epsilon += double(16)
                delta += double(24)
                rho += double(32)
                let stated = double(40)
                if stated > 0 && (rhoDelta == 0 || stated < rhoDelta) { rhoDelta = stated }
            }
        }
        return Cost(epsilon: epsilon, delta: delta, rho: rho, rhoDelta: rhoDelta)
    }

    // MARK: Identity and encoding

    /// The ledger id of a unit value: the first 16 bytes of HMAC-SHA256(key, population ‖ 0 ‖ value).
    static func id(of value: String, population: String, key: [UInt8]) -> LedgerID {
        id(of: value, prefix: Array(population.utf8) + [0], session: KeyedHash(key: key).session())
    }

    private static func id(of value: String, prefix: [UInt8], session: KeyedHash.Session) -> LedgerID {
        let (high, low) = session.mac128(prefix: prefix, value)
        return LedgerID(high: high, low: low)
    }

    /// The ledger ids of `values`, computed on every core (millions of people in a backfill).
    static func ids(of values: [String], population: String, key: [UInt8]) -> [LedgerID] {
        let hash = KeyedHash(key: key)
        let prefix = Array(population.utf8) + [0]
        return Parallel.array(count: values.count, minimum: 100_000) { range, output in
            let session = hash.session()
            for index in range { output.initializeElement(at: index, to: id(of: values[index], prefix: prefix, session: session)) }
        }
    }

    /// 48 bytes a charge: start and end (seconds), ε, δ, ρ, δ of ρ, little-endian.
    static func encode(_ charges: [Charge]) -> Data {
        var data = Data(capacity: charges.count * 48)
        for charge in charges {
            for word in [UInt64(bitPattern: Int64(charge.start.timeIntervalSince1970.rounded())),
                         UInt64(bitPattern: Int64(charge.end.timeIntervalSince1970.rounded())),
                         charge.cost.epsilon.bitPattern, charge.cost.delta.bitPattern, charge.cost.rho.bitPattern,
                         charge.cost.rhoDelta.bitPattern] {
                withUnsafeBytes(of: word.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    static func decode(_ data: Data) -> [Charge] {
        data.withUnsafeBytes { decode($0) }
    }

    /// ``decode(_:)`` of bytes read in place.
    /// Bytes of one encoded charge (``encode(_:)``).
    static let chargeSize = 48

    /// The offset of every whole charge in an encoded row, in order (a torn tail is ignored).
    static func chargeOffsets(_ bytes: UnsafeRawBufferPointer) -> StrideTo<Int> {
        stride(from: 0, to: bytes.count - bytes.count % chargeSize, by: chargeSize)
    }

    /// The end (seconds since 1970) of the encoded charge at `offset`.
    static func chargeEnd(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int64 {
        Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: Int64.self))
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) -> [Charge] {
        func word(_ offset: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        }
        return chargeOffsets(bytes).map { offset in
            Charge(start: Date(timeIntervalSince1970: Double(Int64(bitPattern: word(offset)))),
                   end: Date(timeIntervalSince1970: Double(Int64(bitPattern: word(offset + 8)))),
                   cost: Cost(epsilon: Double(bitPattern: word(offset + 16)), delta: Double(bitPattern: word(offset + 24)),
                              rho: Double(bitPattern: word(offset + 32)), rhoDelta: Double(bitPattern: word(offset + 40))))
        }
    }

    private func format(_ value: Double) -> String { String(format: "%.4g", value) }
}
