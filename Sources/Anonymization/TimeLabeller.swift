import Foundation
import Tabular

/// Calendar labels of timestamps for the `time` hierarchy builder, fast enough
/// for every distinct timestamp of a large window: timestamps are parsed by
/// hand, local time comes from the zone's offset at that instant, and ISO weeks
/// are computed once per local day.
struct TimeLabeller {
    let timezone: TimeZone
    private var weeks: [Int: String] = [:]
    private let calendar: Calendar

    init(timezone: TimeZone) {
        self.timezone = timezone
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? timezone
        self.calendar = calendar
    }

    /// Seconds since 1970 of `YYYY-MM-DD[(T| )HH:MM[:SS[.f]]][Z|±HH[:]MM]`. A value
    /// without a zone is wall-clock time in `naiveZone` (UTC when nil): the instant
    /// whose local time it is (in the repeated hour when clocks go back, the first;
    /// in the skipped hour when they go forward, the offset before the change).
    static func epochSeconds(_ text: String, naiveIn naiveZone: TimeZone? = nil) -> Int? {
        guard let parts = ISOTimestamp.parse(text) else { return nil }
        if let offset = parts.offset { return parts.wallSeconds - offset }
        if let zone = naiveZone { return WallClock.instant(wall: parts.wallSeconds, in: zone) }
        return parts.wallSeconds
    }

    /// The label of the calendar unit holding `seconds` in the zone: `2026-11-22T14`,
    /// `2026-11-22`, `2026-W47` (ISO week), `2026-11`, `2026-Q4`, `2026`.
    mutating func label(_ seconds: Int, _ granularity: HierarchyRecipe.TimeGranularity) -> String {
        let local = seconds + timezone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let (year, month, day) = WallClock.civilFromDays(days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        func four(_ n: Int) -> String { n < 1000 ? String(format: "%04d", n) : String(n) }
        switch granularity {
        case .hour: return "\(four(year))-\(two(month))-\(two(day))T\(two((local - days * 86400) / 3600))"
        case .day: return "\(four(year))-\(two(month))-\(two(day))"
        case .week:
            if let cached = weeks[days] { return cached }
            let parts = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear],
                                                from: Date(timeIntervalSince1970: TimeInterval(days * 86400)))
            let label = "\(four(parts.yearForWeekOfYear ?? 0))-W\(two(parts.weekOfYear ?? 0))"
            weeks[days] = label
            return label
        case .month: return "\(four(year))-\(two(month))"
        case .quarter: return "\(four(year))-Q\((month - 1) / 3 + 1)"
        case .year: return four(year)
        }
    }
}
