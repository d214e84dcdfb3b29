import Foundation
import PublicSite

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
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        return DateComponents(year: year, month: month, day: day)
    }

    /// Days of `month` in the proleptic Gregorian calendar.
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The first and last day of a window label (`2026-11-22`, or `2026-11-01..2026-11-07`).
    public static func days(of label: String) -> (first: String, last: String) { WindowLabel.days(of: label) }

    /// `text` with each date's month and day padded to two digits (`2018-5-5` → `2018-05-05`, also
    /// in a range); anything else unchanged.
    public static func padded(_ text: String) -> String {
        text.components(separatedBy: "..").map { day in
            let parts = day.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
                  parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return day }
            return parts[0] + "-" + (parts[1].count == 1 ? "0" : "") + parts[1] + "-" + (parts[2].count == 1 ? "0" : "") + parts[2]
        }.joined(separator: "..")
    }

    /// Why `text` is not a window, in one line a steward can act on; nil when it is one
    /// (`yesterday`, `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`; month and day may be unpadded).
    public static func problem(_ given: String) -> String? {
        let text = padded(given)
        if text == "yesterday" { return nil }
        let days = text.components(separatedBy: "..")
        guard days.count <= 2 else { return "'\(text)' is not a window; use yesterday, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD" }
        for day in days where components(day) == nil {
            let parts = day.split(separator: "-", omittingEmptySubsequences: false).compactMap { Int($0) }
            if parts.count == 3, (1...12).contains(parts[1]), parts[2] > daysIn(month: parts[1], year: parts[0]),
               day.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }) {
                return "\(day) is not a date: month \(parts[1]) of \(parts[0]) has \(daysIn(month: parts[1], year: parts[0])) days; check the window"
            }
            return "'\(day)' is not a date; use YYYY-MM-DD (e.g. 2026-11-22), yesterday, or FIRST..LAST"
        }
        if days.count == 2, days[1] < days[0] {
            return "the range \(text) ends before it starts; write the earlier day first"
        }
        return nil
    }

    public var description: String { label }
}
