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
        let b = Array(text.utf8)
        func number(_ start: Int, _ length: Int) -> Int? {
            guard start + length <= b.count else { return nil }
            var value = 0
            for i in start..<(start + length) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard b.count >= 10, b[4] == 45, b[7] == 45, let year = number(0, 4), let month = number(5, 2),
              let day = number(8, 2), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, offset = 0
        var zoned = false
        var i = 10
        if b.count > 10 {
            guard b[10] == 84 || b[10] == 32, let h = number(11, 2), b.count > 13, b[13] == 58, let m = number(14, 2) else { return nil }
            hour = h
            minute = m
            i = 16
            if i < b.count, b[i] == 58 {
                guard let s = number(i + 1, 2) else { return nil }
                second = s
                i += 3
                if i < b.count, b[i] == 46 {
                    i += 1
                    while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
                }
            }
            if i < b.count {
                zoned = true
                if b[i] == 90 {
                    i += 1
                } else if b[i] == 43 || b[i] == 45 {
                    let sign = b[i] == 45 ? -1 : 1
                    guard let oh = number(i + 1, 2) else { return nil }
                    var j = i + 3
                    if j < b.count, b[j] == 58 { j += 1 }
                    guard let om = number(j, 2) else { return nil }
                    offset = sign * (oh * 3600 + om * 60)
                    i = j + 2
                } else {
                    return nil
                }
            }
            guard i == b.count, hour < 24, minute < 60, second < 61 else { return nil }
        }
        let wall = WallClock.daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
        if !zoned, let zone = naiveZone { return WallClock.instant(wall: wall, in: zone) }
        return wall - offset
    }

    /// (year, month, day) of days since 1970-01-01 (Hinnant).
    static func civil(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The label of the calendar unit holding `seconds` in the zone: `2026-11-22T14`,
    /// `2026-11-22`, `2026-W47` (ISO week), `2026-11`, `2026-Q4`, `2026`.
    mutating func label(_ seconds: Int, _ granularity: HierarchyRecipe.TimeGranularity) -> String {
        let local = seconds + timezone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let (year, month, day) = Self.civil(days)
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
