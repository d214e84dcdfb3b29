import Foundation
import GRDB
import Tabular

/// The days an import covers, per table and timestamp column: what makes a window
/// publishable, instead of whether it happens to hold a record.
///
/// Why: a release that exists exactly when its window holds a record tells anyone
/// that a record exists (one person's single call decides whether the day is
/// published). A window is published when the store says its days were imported,
/// and a covered window with no records publishes noise like any other.
///
/// `import` records, in the same transaction as its rows, the local days from its
/// earliest to its latest timestamp in each timestamp column, or the days given with
/// `--covers FIRST..LAST`, which do not depend on the data at all. The dates are
/// local days: in `--timezone` when it is given, else as each value is written. The
/// demo city records the span it generated. A PostgreSQL source reads the same
/// table, `opendata_coverage`, when the loading job keeps one (see the README).
public enum ImportCoverage {
    /// The table the store keeps coverage in.
    public static let table = "opendata_coverage"

    /// Creates the coverage table if needed (inside a write).
    static func create(in db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS \(table) (
                table_name TEXT NOT NULL, column_name TEXT NOT NULL,
                first_day TEXT NOT NULL, last_day TEXT NOT NULL, recorded_at TEXT NOT NULL)
            """)
    }

    /// Records that `days` of `column` in `table` are imported (inside the import's transaction).
    static func record(table name: String, column: String, days: ClosedRange<String>, in db: Database) throws {
        try create(in: db)
        try db.execute(sql: "INSERT INTO \(table) (table_name, column_name, first_day, last_day, recorded_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [name, column, days.lowerBound, days.upperBound, ISO8601DateFormatter().string(from: Date())])
    }

    /// The earliest day an import may say it covers.
    public static let earliestDay = "1900-01-01"

    /// The UTC offset at which a day ends last (UTC−12): a naive time without a zone could be from
    /// anywhere, so its day has surely ended only once it has ended there.
    static let latestOffset = -12 * 3600

    /// Today's local day (`YYYY-MM-DD`) at `now`: in `zone`, or at UTC−12 when there is none.
    public static func today(zone: TimeZone?, now: Date) -> String {
        day(of: now, offset: zone?.secondsFromGMT(for: now) ?? latestOffset)
    }

    /// The local day of the instant `date` at UTC offset `offset` seconds.
    static func day(of date: Date, offset: Int) -> String {
        WallClock.isoDay(Int(((date.timeIntervalSince1970 + Double(offset)) / 86400).rounded(.down)))
    }

    /// The local day of a stored timestamp (as ``localDay(of:zone:)``) when that day has ended at
    /// `now`, else nil: ended in `zone` when one is given, else at the value's own offset, else (a
    /// naive value) at UTC−12.
    public static func endedDay(of value: String, zone: TimeZone?, now: Date) -> String? {
        guard let parts = ISOTimestamp.parse(value) else { return nil }
        let day = localDay(of: parts, zone: zone)
        let offset = zone.map { $0.secondsFromGMT(for: now) } ?? parts.offset ?? latestOffset
        return day < Self.day(of: now, offset: offset) ? day : nil
    }

    /// The local day (`YYYY-MM-DD`) of a stored timestamp: in `zone` when the value has an offset
    /// and a zone is given, else as the value is written. Nil for a value that is not a timestamp.
    public static func localDay(of value: String, zone: TimeZone?) -> String? {
        ISOTimestamp.parse(value).map { localDay(of: $0, zone: zone) }
    }

    /// The local day of a parsed timestamp, as ``localDay(of:zone:)`` gives it.
    static func localDay(of parts: ISOTimestamp, zone: TimeZone?) -> String {
        var wall = parts.wallSeconds
        if let offset = parts.offset, let zone {
            let instant = wall - offset
            wall = instant + zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
        }
        let days = Int((Double(wall) / 86400).rounded(.down))
        return WallClock.isoDay(days)
    }

    /// True when the days `first`…`last` all lie in the union of `ranges`.
    public static func covers(_ ranges: [ClosedRange<String>], first: String, last: String) -> Bool {
        // In order of their first day: each range must start by the first day not yet covered.
        var cursor = first
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where range.upperBound >= cursor {
            guard range.lowerBound <= cursor else { return false }
            if range.upperBound >= last { return true }
            guard let next = following(range.upperBound) else { return false }
            cursor = next
        }
        return false
    }

    /// The day after `day`.
    static func following(_ day: String) -> String? {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return WallClock.isoDay(WallClock.daysFromCivil(parts[0], parts[1], parts[2]) + 1)
    }

    /// Day ranges read from `rows` of (first_day, last_day).
    static func ranges(_ rows: [(String, String)]) -> [ClosedRange<String>] {
        rows.compactMap { first, last in first <= last ? first...last : nil }
    }
}

extension OperationalStore {
    /// The days imported for `column` of `table` (``ImportCoverage``), or nil when the store
    /// records no coverage for `table` at all (a store filled by other means).
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails.
    public func coveredDays(of table: String, column: String) throws(StoreError) -> [ClosedRange<String>]? {
        try read { db in
            guard try db.tableExists(ImportCoverage.table) else { return nil }
            let rows = try Row.fetchAll(db, sql: "SELECT column_name, first_day, last_day FROM \(ImportCoverage.table) WHERE lower(table_name) = lower(?)",
                                        arguments: [table])
            if rows.isEmpty { return nil }
            return ImportCoverage.ranges(rows.filter { ($0["column_name"] as String) == column }.map { ($0["first_day"], $0["last_day"]) })
        }
    }
}
