import Foundation

/// Calendar periods of `YYYY-MM-DD` day labels, with the same labels the time
/// hierarchies give (`2026-W49` ISO week, `2026-12`, `2026-Q4`, `2026`), which sort
/// in time order within a level.
enum PeriodCalendar {
    private static let utc = TimeZone(identifier: "UTC") ?? TimeZone.current

    /// The period of `level` holding `day`, or nil for a label that is not a day.
    static func period(of day: String, level: String) -> String? {
        guard let date = date(day) else { return nil }
        let parts = day.split(separator: "-")
        switch level {
        case "day": return day
        case "month": return "\(parts[0])-\(parts[1])"
        case "year": return String(parts[0])
        case "quarter":
            guard let month = Int(parts[1]) else { return nil }
            return "\(parts[0])-Q\((month - 1) / 3 + 1)"
        case "week":
            var calendar = Calendar(identifier: .iso8601)
            calendar.timeZone = utc
            let week = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            guard let year = week.yearForWeekOfYear, let number = week.weekOfYear else { return nil }
            return String(format: "%04d-W%02d", year, number)
        default: return nil
        }
    }

    /// The day after `day`.
    static func next(_ day: String) -> String? {
        guard let date = date(day) else { return nil }
        let next = date.addingTimeInterval(86_400)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        let parts = calendar.dateComponents([.year, .month, .day], from: next)
        guard let year = parts.year, let month = parts.month, let dayNumber = parts.day else { return nil }
        return String(format: "%04d-%02d-%02d", year, month, dayNumber)
    }

    /// The last day of a release window label (`2026-12-02` or `2026-11-01..2026-11-30`).
    static func lastDay(ofWindow label: String) -> String {
        ReleaseWindow.days(of: label).last
    }

    private static func date(_ day: String) -> Date? {
        let parts = day.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]), let dayNumber = Int(parts[2]) else {
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        let components = DateComponents(year: year, month: month, day: dayNumber)
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }
}
