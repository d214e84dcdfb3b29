import Foundation

/// A release window: whole calendar days in the policy's time zone, [start, end).
public struct ReleaseWindow: Sendable, Equatable, CustomStringConvertible {
    /// First instant of the first day.
    public var start: Date
    /// First instant after the last day.
    public var end: Date
    /// Label used as the release name: `2026-11-22` or `2026-11-01..2026-11-07`.
    public var label: String

    /// The calendar day `day` (`YYYY-MM-DD`) in `timezone`, or through `last` inclusive.
    public init?(day: String, through last: String? = nil, timezone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timezone
        guard let first = Self.components(day), let start = calendar.date(from: first) else { return nil }
        let lastDay = last ?? day
        guard let lastComponents = Self.components(lastDay), let lastStart = calendar.date(from: lastComponents),
              lastStart >= start, let end = calendar.date(byAdding: .day, value: 1, to: lastStart) else { return nil }
        self.start = start
        self.end = end
        label = last == nil || last == day ? day : "\(day)..\(lastDay)"
    }

    /// The day before `now` in `timezone`.
    public static func yesterday(now: Date, timezone: TimeZone) -> ReleaseWindow? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timezone
        guard let today = calendar.dateInterval(of: .day, for: now)?.start,
              let start = calendar.date(byAdding: .day, value: -1, to: today) else { return nil }
        let parts = calendar.dateComponents([.year, .month, .day], from: start)
        let label = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        return ReleaseWindow(day: label, timezone: timezone)
    }

    static func components(_ text: String) -> DateComponents? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]),
              let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day) else { return nil }
        return DateComponents(year: year, month: month, day: day)
    }

    public var description: String { label }
}
