/// The parts of an ISO 8601 timestamp as exports write it: `YYYY-MM-DD`, then
/// optionally `T` or a space, `HH:MM[:SS[.fraction]]` and a zone in any common
/// spelling (`Z`, `±HH`, `±HHMM`, `±HH:MM`). One hand-written parser, fast enough
/// for every distinct value of a large window, used by import (to store
/// timestamps canonically) and by anonymisation (to label them).
public struct ISOTimestamp: Sendable, Equatable {
    public var year: Int, month: Int, day: Int
    public var hour = 0, minute = 0, second = 0
    /// The digits after the decimal point of the seconds, as written.
    public var fraction = ""
    /// Offset from UTC in seconds, when the value has a zone.
    public var offset: Int?
    /// True for a date without a time.
    public var dateOnly = false

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    /// Parses `text`; nil when it is not in the form above or is not a real date and time
    /// (month 1–12, a day the month has, hour < 24, minute < 60, second < 61).
    public static func parse(_ text: String) -> ISOTimestamp? {
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
        guard b.count >= 10, b[4] == 45, b[7] == 45, let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              (1...12).contains(month), day >= 1, day <= WallClock.daysIn(month: month, year: year) else { return nil }
        var parts = ISOTimestamp(year: year, month: month, day: day)
        if b.count == 10 {
            parts.dateOnly = true
            return parts
        }
        guard b[10] == 84 || b[10] == 32, let hour = number(11, 2), b.count >= 16, b[13] == 58, let minute = number(14, 2),
              hour < 24, minute < 60 else { return nil }
        parts.hour = hour
        parts.minute = minute
        var i = 16
        if i < b.count, b[i] == 58 {
            guard let second = number(i + 1, 2), second < 61 else { return nil }
            parts.second = second
            i += 3
            if i < b.count, b[i] == 46 {
                let start = i + 1
                i = start
                while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
                guard i > start else { return nil }
                parts.fraction = String(decoding: b[start..<i], as: UTF8.self)
            }
        }
        if i == b.count { return parts }
        if b[i] == 90 || b[i] == 122 {
            parts.offset = 0
            return i + 1 == b.count ? parts : nil
        }
        guard b[i] == 43 || b[i] == 45, let hours = number(i + 1, 2), hours <= 14 else { return nil }
        let sign = b[i] == 45 ? -1 : 1
        var j = i + 3
        var minutes = 0
        if j < b.count {
            if b[j] == 58 { j += 1 }
            guard let m = number(j, 2), j + 2 == b.count, m < 60 else { return nil }
            minutes = m
        }
        parts.offset = sign * (hours * 3600 + minutes * 60)
        return parts
    }

    /// Wall-clock seconds since 1970-01-01 00:00, as if the time were UTC.
    public var wallSeconds: Int {
        WallClock.daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    }
}
