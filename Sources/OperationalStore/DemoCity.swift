import Foundation
import GRDB
import Tabular

/// Size and shape of a synthetic city.
public struct DemoCityOptions: Sendable, Equatable {
    /// Calls for service to generate (complaints are 1%, engagement logs 10% of this).
    public var records: Int
    /// Days of recent activity, ending at `end` (exclusive).
    public var days: Int
    /// Seed of the deterministic generator.
    public var seed: UInt64
    /// End of the recent period: midnight UTC after the last day.
    public var end: Date

    public init(records: Int = 100_000, days: Int = 3, seed: UInt64 = 1, end: Date) {
        self.records = records
        self.days = days
        self.seed = seed
        self.end = end
    }
}

/// What ``DemoCity/build(at:options:)`` wrote, per table.
public struct DemoCitySummary: Sendable, Equatable {
    public var calls: Int
    public var complaints: Int
    public var engagementLogs: Int
    public var legalHolds: Int

    /// Counts read back from an existing demo store (legal holds are not counted: 0).
    ///
    /// - Throws: ``StoreError/noSuchTable(_:)`` when one of the three demo tables is missing;
    ///   ``StoreError/io(path:reason:)`` when a query fails.
    public init(existing store: OperationalStore) throws(StoreError) {
        calls = try store.rowCount(of: "calls_for_service")
        complaints = try store.rowCount(of: "complaints")
        engagementLogs = try store.rowCount(of: "engagement_logs")
        legalHolds = 0
    }

    init(calls: Int, complaints: Int, engagementLogs: Int, legalHolds: Int) {
        self.calls = calls
        self.complaints = complaints
        self.engagementLogs = engagementLogs
        self.legalHolds = legalHolds
    }
}

/// A synthetic city shaped like real operational data, for demos, tests and benchmarks.
///
/// Three tables (DESIGN.md, "Demo city"):
/// - `calls_for_service`: exact addresses and coordinates, call types with a
///   Zipf tail, diurnal and weekly seasonality, repeat callers, priorities,
///   lognormal response and service times, caller ages, free-text narratives
///   that repeat names and addresses, and about 1% legal holds;
/// - `complaints`: complainant demographics, allegations, findings, officer badges;
/// - `engagement_logs`: resident contacts by channel with satisfaction scores.
///
/// 95% of records fall in the `days` before `end`; 5% are history spread over
/// the previous eight years, so retention has something to delete. The output
/// depends only on the options: the same seed and end give the same bytes of data.
public enum DemoCity {
    /// Largest supported `records`.
    public static let maximumRecords = 10_000_000
    /// Largest supported `days` (ten years: enough to watch the per-person ledger roll over).
    public static let maximumDays = 3660

    /// Builds the three tables in a new store at `path`.
    ///
    /// - Throws: ``StoreError/invalidArgument(_:)`` when `records` or `days` is out of range;
    ///   ``StoreError/io(path:reason:)`` when a file already exists at `path`, or creating,
    ///   writing or checkpointing the store fails.
    public static func build(at path: String, options: DemoCityOptions) throws(StoreError) -> DemoCitySummary {
        guard (1...maximumRecords).contains(options.records) else {
            throw .invalidArgument("--records must be between 1 and \(maximumRecords), got \(options.records)")
        }
        guard (1...maximumDays).contains(options.days) else {
            throw .invalidArgument("--days must be between 1 and \(maximumDays), got \(options.days)")
        }
        if FileManager.default.fileExists(atPath: path) {
            throw .io(path: path, reason: "a store already exists here; the demo builds a new one (remove it or choose another --workdir)")
        }
        let store = try OperationalStore(path: path, create: true)
        var generator = DemoGenerator(options: options)
        let summary = try store.write { db in
            try db.execute(sql: "PRAGMA cache_size = -262144")
            try db.execute(sql: DemoGenerator.schema)
            let summary = try generator.fill(db)
            try db.execute(sql: DemoGenerator.indexes)
            // The city is a complete export of its span: every local day (Chicago) from its oldest
            // record through the day before `end` is covered, whether or not a day holds a record.
            let zone = TimeZone(identifier: "America/Chicago")
            let last = ImportCoverage.localDay(of: DemoGenerator.iso(Int(options.end.timeIntervalSince1970) - 1), zone: zone)
            for (table, column) in [("calls_for_service", "received_at"), ("complaints", "received_at"), ("engagement_logs", "occurred_at")] {
                if let oldest = try String.fetchOne(db, sql: "SELECT min(\(column)) FROM \(table)"),
                   let first = ImportCoverage.localDay(of: oldest, zone: zone), let last, first <= last {
                    try ImportCoverage.record(table: table, column: column, days: first...last, in: db)
                }
            }
            return summary
        }
        try store.checkpoint()
        return summary
    }
}

/// The row generator behind ``DemoCity``.
struct DemoGenerator {
    static let schema = """
        CREATE TABLE calls_for_service (
            call_id INTEGER PRIMARY KEY, received_at TEXT NOT NULL, arrived_at TEXT, closed_at TEXT,
            caller_id INTEGER, caller_name TEXT, caller_phone TEXT, caller_age INTEGER,
            address TEXT, latitude REAL, longitude REAL, beat TEXT, district TEXT,
            call_type TEXT, priority INTEGER, narrative TEXT, legal_hold INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE complaints (
            complaint_id INTEGER PRIMARY KEY, received_at TEXT NOT NULL, closed_at TEXT,
            complainant_name TEXT, complainant_phone TEXT, complainant_age INTEGER, complainant_gender TEXT,
            complainant_race TEXT, district TEXT, allegation TEXT, finding TEXT, officer_badge TEXT,
            narrative TEXT, legal_hold INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE engagement_logs (
            interaction_id INTEGER PRIMARY KEY, resident_name TEXT, resident_email TEXT, feedback_text TEXT,
            occurred_at TEXT NOT NULL, channel TEXT, district TEXT, satisfaction INTEGER);
        """

    /// Indexes built after the rows are in: one sorted build instead of millions of random-order insertions.
    static let indexes = """
        CREATE INDEX calls_received ON calls_for_service(received_at);
        CREATE INDEX complaints_received ON complaints(received_at);
        CREATE INDEX engagement_occurred ON engagement_logs(occurred_at);
        """

    /// Relative call volume by local hour (lowest before dawn, peak in the evening).
    static let hourly: [Double] = [3.0, 2.4, 2.0, 1.6, 1.3, 1.2, 1.5, 2.2, 3.0, 3.6, 4.0, 4.3,
                                   4.6, 4.8, 5.0, 5.3, 5.7, 6.0, 6.1, 5.9, 5.5, 5.0, 4.4, 3.7]
    /// Relative volume by weekday, Monday first (busier Friday and Saturday).
    static let weekly: [Double] = [1.0, 0.97, 0.98, 1.0, 1.12, 1.18, 1.05]
    /// Offset of the city's local time from UTC, in seconds (US Central standard time).
    static let localOffset = -6 * 3600

    let options: DemoCityOptions
    var random: SeededGenerator
    let hours = WeightedChoice(weights: hourly)
    let callTypes = WeightedChoice.zipf(count: DemoVocabulary.callTypes.count, exponent: 1.05)
    let streets = WeightedChoice.zipf(count: DemoVocabulary.streets.count, exponent: 0.6)
    let callers: WeightedChoice
    let callerCount: Int

    init(options: DemoCityOptions) {
        self.options = options
        random = SeededGenerator(seed: options.seed)
        callerCount = max(options.records / 3, 1)
        // Repeat callers: a few people call very often, most call once.
        callers = WeightedChoice.zipf(count: callerCount, exponent: 0.7)
    }

    /// Seconds since 1970 of a record's local time, placed by seasonality.
    mutating func timestamp(recent: Bool) -> Int {
        let end = Int(options.end.timeIntervalSince1970)
        let spanDays = recent ? options.days : 8 * 365
        let firstDay = recent ? end / 86400 - options.days : end / 86400 - options.days - spanDays
        var day: Int
        repeat {
            day = firstDay + Int(random.next() % UInt64(spanDays))
            let weekday = (day + 3) % 7 // 1970-01-01 was a Thursday; 0 = Monday
            if random.unit() * 1.18 <= Self.weekly[weekday] { break }
        } while true
        let hour = hours.pick(&random)
        let second = Int(random.next() % 3600)
        return day * 86400 + hour * 3600 + second - Self.localOffset
    }

    mutating func lognormal(median: Double, sigma: Double) -> Double {
        median * exp(sigma * random.normal())
    }

    mutating func person(_ id: Int) -> (name: String, phone: String) {
        var local = SeededGenerator(seed: options.seed &* 31 &+ UInt64(id))
        let first = DemoVocabulary.firstNames[Int(local.next() % UInt64(DemoVocabulary.firstNames.count))]
        let last = DemoVocabulary.lastNames[Int(local.next() % UInt64(DemoVocabulary.lastNames.count))]
        let phone = String(format: "414-%03d-%04d", 200 + Int(local.next() % 800), Int(local.next() % 10000))
        return ("\(first) \(last)", phone)
    }

    mutating func place() -> (address: String, latitude: Double, longitude: Double, beat: String, district: String) {
        let streetIndex = streets.pick(&random)
        let street = DemoVocabulary.streets[streetIndex]
        let number = 100 + Int(random.next() % 9800)
        let district = streetIndex % 7 + 1
        let beat = "\(district)\(DemoVocabulary.beatLetters[number / 100 % 3])"
        let along = Double(number) / 10000
        let latitude = 42.92 + Double(streetIndex % 7) * 0.03 + (street.direction == "N" || street.direction == "S" ? along * 0.2 : 0.01)
        let longitude = -88.05 + Double(streetIndex % 5) * 0.04 + (street.direction == "W" || street.direction == "E" ? along * 0.15 : 0.01)
        let jitter = { (g: inout SeededGenerator) in (g.unit() - 0.5) * 0.0004 }
        return ("\(number) \(street.direction) \(street.name)", (latitude + jitter(&random) * 1e4).rounded() / 1e4,
                (longitude + jitter(&random) * 1e4).rounded() / 1e4, beat, String(district))
    }

    mutating func fill(_ db: Database) throws -> DemoCitySummary {
        var holds = 0
        let calls = options.records
        let insertCall = try db.makeStatement(sql: "INSERT INTO calls_for_service VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for id in 1...calls {
            let received = timestamp(recent: random.unit() >= 0.05)
            let type = DemoVocabulary.callTypes[callTypes.pick(&random)]
            let priority = min(5, max(1, type.priority + (random.unit() < 0.15 ? (random.unit() < 0.5 ? -1 : 1) : 0)))
            let callerId = callers.pick(&random) + 1
            let caller = person(callerId)
            let age = min(95, max(16, Int(42 + 16 * random.normal())))
            let where_ = place()
            let arrived: Int? = random.unit() < 0.03 ? nil
                : received + Int(lognormal(median: [360, 600, 1200, 1800, 2700][priority - 1], sigma: 0.6))
            let closed = (arrived ?? received) + Int(lognormal(median: 1800, sigma: 0.8))
            let hold = random.unit() < 0.01
            if hold { holds += 1 }
            let narrative = "Caller \(caller.name) (\(caller.phone)) reports \(type.name.lowercased()) at \(where_.address). "
                + (random.unit() < 0.3 ? "Repeat location; caller known to officers." : "Unit dispatched.")
            try insertCall.execute(arguments: [
                id, Self.iso(received), arrived.map(Self.iso), Self.iso(closed), callerId, caller.name, caller.phone, age,
                where_.address, where_.latitude, where_.longitude, where_.beat, where_.district, type.name, priority,
                narrative, hold ? 1 : 0,
            ])
        }
        let complaints = max(calls / 100, 1)
        let insertComplaint = try db.makeStatement(sql: "INSERT INTO complaints VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let allegations = WeightedChoice.zipf(count: DemoVocabulary.allegations.count, exponent: 0.9)
        for id in 1...complaints {
            let received = timestamp(recent: random.unit() >= 0.3)
            let person = person(1_000_000_000 + id)
            let closed: Int? = random.unit() < 0.2 ? nil : received + Int(lognormal(median: 60 * 86400, sigma: 0.7))
            let hold = random.unit() < 0.01
            if hold { holds += 1 }
            let allegation = DemoVocabulary.allegations[allegations.pick(&random)]
            let badge = String(1000 + Int(random.next() % 1800))
            try insertComplaint.execute(arguments: [
                id, Self.iso(received), closed.map(Self.iso), person.name, person.phone,
                min(90, max(16, Int(38 + 14 * random.normal()))), pick(DemoVocabulary.genders, [48, 48, 2, 2]),
                pick(DemoVocabulary.races, [38, 36, 16, 4, 1, 3, 2]), String(1 + Int(random.next() % 7)), allegation,
                pick(DemoVocabulary.findings, [35, 25, 20, 12, 8]), badge,
                "\(person.name) states that officer \(badge) showed \(allegation.lowercased()) during a stop.",
                hold ? 1 : 0,
            ])
        }
        let contacts = max(calls / 10, 1)
        let insertContact = try db.makeStatement(sql: "INSERT INTO engagement_logs VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        for id in 1...contacts {
            let person = person(2_000_000_000 + id)
            let email = person.name.lowercased().replacingOccurrences(of: " ", with: ".") + "\(id % 97)@example.net"
            let feedback = DemoVocabulary.feedback[Int(random.next() % UInt64(DemoVocabulary.feedback.count))]
            try insertContact.execute(arguments: [
                id, person.name, email, "\(feedback) \(place().address). — \(person.name)",
                Self.iso(timestamp(recent: random.unit() >= 0.05)), pick(DemoVocabulary.channels, [40, 35, 20, 5]),
                String(1 + Int(random.next() % 7)), 1 + Int(min(4, max(0, (3.6 + 1.1 * random.normal()).rounded()))),
            ])
        }
        return DemoCitySummary(calls: calls, complaints: complaints, engagementLogs: contacts, legalHolds: holds)
    }

    mutating func pick(_ values: [String], _ weights: [Double]) -> String {
        values[WeightedChoice(weights: weights).pick(&random)]
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for seconds since 1970, without Foundation's
    /// formatter (``Tabular/WallClock/civilFromDays(_:)``), which is fast enough
    /// for ten million rows.
    static func iso(_ seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let (year, month, day) = WallClock.civilFromDays(days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }
}
