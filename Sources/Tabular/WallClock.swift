import Foundation

/// Calendar arithmetic on wall-clock time, shared by import (attaching a zone to
/// naive timestamps) and anonymisation (labelling hours and days): proleptic
/// Gregorian days (Hinnant's algorithms, http://howardhinnant.github.io/date_algorithms.html)
/// and the instant a local time stands for in a zone.
public enum WallClock {
    /// The date `days` after 1970-01-01 (the inverse of ``daysFromCivil(_:_:_:)``, Howard Hinnant's civil_from_days).
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `YYYY-MM-DD` of the day `days` after 1970-01-01.
    public static func isoDay(_ days: Int) -> String {
        let (year, month, day) = civilFromDays(days)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    public static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Days in `month` of `year` (Gregorian leap years).
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Seconds since 1970 of the instant whose local time in `zone` is `wall`
    /// (wall-clock seconds since 1970-01-01 00:00 as if it were UTC). In the hour
    /// repeated when clocks go back, the first; in the hour skipped when they go
    /// forward, the time read with the offset in force before the change.
    public static func instant(wall: Int, in zone: TimeZone) -> Int {
        func offset(_ seconds: Int) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))) }
        let before = offset(wall - 86400)
        let guess = wall - before
        let at = offset(guess)
        if at == before { return guess }
        return offset(wall - at) == at ? wall - at : guess
    }
}
