import Foundation
import Tabular

/// Recognises the timestamps of an export and writes them unambiguously.
///
/// Accepted: ISO 8601 `YYYY-MM-DD`, `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]]` with
/// no zone or a zone in any common spelling (`Z`, `+00`, `+0000`, `+00:00`, as
/// PostgreSQL's `\copy … csv` writes `2026-12-01 05:10:28+00`), and values
/// matching any of the strptime(3)-style `formats` (``read(_:format:)``) (`%m/%d/%Y %I:%M:%S %p` for US
/// exports; `%z` reads an offset). Impossible dates (`2026-02-30`) are not
/// timestamps.
///
/// Written as: a value with a zone as `YYYY-MM-DDTHH:MM:SS[.f]±HH:MM` (or `Z`),
/// keeping the zone it was given in; a naive value, when `zone` is set, with that
/// zone's offset at that local time attached (the instant is then fixed); otherwise a naive
/// value is kept naive (`YYYY-MM-DD HH:MM:SS`), and a release reads it as local
/// time in its policy's zone. A date alone stays a date.
///
/// Clock changes: a naive local time the clocks skip (02:30 on the night they go forward)
/// or pass twice (01:15 on the night they go back) names no single instant. ``problem(_:)``
/// says so and import refuses the row, with its line, unless the import declares a rule:
/// `nonexistent` (`forward`: read the time with the offset before the change, so 02:30 CST
/// becomes 03:30 CDT) and `ambiguous` (`earlier` or `later` of the two instants).
public struct TimestampParser: Sendable {
    /// What to do with a local time the clocks skip.
    public enum Nonexistent: String, Sendable, CaseIterable {
        case refuse, forward
    }
    /// What to do with a local time the clocks pass twice.
    public enum Ambiguous: String, Sendable, CaseIterable {
        case refuse, earlier, later
    }
    /// strptime-style formats tried, in order, on values that are not ISO 8601.
    public var formats: [String]
    /// The zone naive values are local time in; nil keeps them naive.
    public var zone: TimeZone?
    /// The rule for skipped local times (refuse unless the import says otherwise).
    public var nonexistent: Nonexistent = .refuse
    /// The rule for repeated local times (refuse unless the import says otherwise).
    public var ambiguous: Ambiguous = .refuse

    /// A naive local time that does not map to exactly one instant in `zone`.
    public enum LocalTime: Equatable {
        /// The clocks skip it (no instant).
        case skipped
        /// The clocks pass it twice (two instants).
        case repeated
    }

    /// The instants whose local time in `zone` is `wall` (wall-clock seconds since 1970 as if UTC).
    static func instants(wall: Int, in zone: TimeZone) -> [Int] {
        func offset(_ seconds: Int) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))) }
        let before = offset(wall - 86400), after = offset(wall + 86400)
        // No change of offset within a day either side (nearly always): one instant.
        if before == after { return [wall - before] }
        let offsets: Set<Int> = [before, after, offset(wall)]
        return offsets.map { wall - $0 }.filter { zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval($0))) == wall - $0 }.sorted()
    }

    /// Why `value`, a local time with `change`, cannot be imported under the declared rules, or
    /// nil when a rule says how to read it.
    public func problem(_ value: String, _ change: LocalTime) -> String? {
        let zone = zone?.identifier ?? "its zone"
        switch change {
        case .skipped where nonexistent == .refuse:
            return "'\(value)' does not exist in \(zone) (the clocks skip it when they go forward); fix the export, or import with --nonexistent-time forward to read it with the offset before the change"
        case .repeated where ambiguous == .refuse:
            return "'\(value)' happens twice in \(zone) (the clocks pass it twice when they go back); fix the export (an offset says which), or import with --ambiguous-time earlier or later"
        default:
            return nil
        }
    }

    /// A parser for `formats`, attaching `zone`'s offset to naive values.
    public init(formats: [String] = [], zone: TimeZone? = nil) {
        self.formats = formats
        self.zone = zone
    }

    typealias Parts = ISOTimestamp

    /// The canonical text of `value`, or nil when it is not a timestamp.
    public func normalize(_ value: String) -> String? {
        canonical(value)?.text
    }

    /// The canonical text of `value` (nil when it is not a timestamp), and whether it is a naive local
    /// time the clocks skip or repeat in `zone` (read by the declared rules; see ``problem(_:_:)``).
    public func canonical(_ value: String) -> (text: String, change: LocalTime?)? {
        guard let parts = Self.iso(value) ?? custom(value) else { return nil }
        guard (1...12).contains(parts.month), parts.day >= 1, parts.day <= WallClock.daysIn(month: parts.month, year: parts.year),
              parts.hour < 24, parts.minute < 60, parts.second < 61 else { return nil }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        // The year as `%04d` writes it, without a format call per value (an import reads millions).
        let year = parts.year >= 0 ? String(repeating: "0", count: max(0, 4 - String(parts.year).count)) + String(parts.year)
            : String(format: "%04d", parts.year)
        let date = year + "-\(two(parts.month))-\(two(parts.day))"
        if parts.dateOnly { return (date, nil) }
        let time = "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))" + (parts.fraction.isEmpty ? "" : "." + parts.fraction)
        var offset = parts.offset
        var change: LocalTime?
        if offset == nil, let zone {
            // One instant (nearly always); of two, the declared one; of none (skipped), the time read
            // with the offset before the change (WallClock.instant).
            let found = Self.instants(wall: parts.wallSeconds, in: zone)
            change = found.isEmpty ? .skipped : found.count > 1 ? .repeated : nil
            let instant = found.isEmpty ? WallClock.instant(wall: parts.wallSeconds, in: zone)
                : ambiguous == .later ? found[found.count - 1] : found[0]
            offset = parts.wallSeconds - instant
        }
        guard let offset else { return (date + " " + time, nil) }
        if offset == 0 && parts.offset == 0 && value.hasSuffix("Z") { return (date + "T" + time + "Z", nil) }
        let sign = offset < 0 ? "-" : "+"
        return (date + "T" + time + sign + two(abs(offset) / 3600) + ":" + two(abs(offset) % 3600 / 60), change)
    }

    /// True when `value` is already written as ``normalize(_:)`` writes a timestamp with a zone
    /// (`YYYY-MM-DDTHH:MM:SS[.f]` then `Z` or `±HH:MM`): a cheap test that lets import
    /// store such values as they are, once the first pass has checked they are timestamps.
    public static func isCanonical(_ value: String) -> Bool {
        let b = value.utf8
        guard b.count >= 20 else { return false }
        var index = b.startIndex
        func at(_ offset: Int) -> UInt8 { b[b.index(index, offsetBy: offset)] }
        guard at(10) == 84, at(13) == 58, at(16) == 58 else { return false }
        index = b.index(b.endIndex, offsetBy: -6)
        if b.last == 90 { return true }
        return (at(0) == 43 || at(0) == 45) && at(3) == 58
    }

    /// ISO 8601 in the spellings above.
    static func iso(_ value: String) -> Parts? { ISOTimestamp.parse(value) }

    /// The first of `formats` that reads the whole of `value`.
    func custom(_ value: String) -> Parts? {
        for format in formats {
            if let parts = Self.read(value, format: format) { return parts }
        }
        return nil
    }

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Reads `value` with a strptime(3)-style `format`: `%Y` (4 digits), `%y` (2, 1969–2068),
    /// `%m`, `%d`, `%e`, `%H`, `%I` (1–12, with `%p` AM/PM), `%M`, `%S` (1 or 2 digits each),
    /// `%b`/`%h` (month name or its first three letters), `%p`, `%z` (`Z`, `±HH`, `±HHMM`,
    /// `±HH:MM`), `%T` (= `%H:%M:%S`), `%F` (= `%Y-%m-%d`), `%%`; any other character must
    /// match itself, and a space matches one or more spaces. The whole value must be read.
    static func read(_ value: String, format: String) -> Parts? {
        let format = format.replacingOccurrences(of: "%T", with: "%H:%M:%S").replacingOccurrences(of: "%F", with: "%Y-%m-%d")
        let v = Array(value.utf8), f = Array(format.utf8)
        var i = 0, k = 0
        var year: Int?, month: Int?, day: Int?, hour = 0, minute = 0, second = 0, offset: Int?
        var twelve: Int?, pm: Bool?
        var hasTime = false
        func digits(_ minimum: Int, _ maximum: Int) -> Int? {
            var n = 0, count = 0
            while count < maximum, i < v.count, v[i] >= 48, v[i] <= 57 {
                n = n * 10 + Int(v[i] - 48)
                i += 1
                count += 1
            }
            return count >= minimum ? n : nil
        }
        while k < f.count {
            if f[k] == 37, k + 1 < f.count {
                let directive = f[k + 1]
                k += 2
                switch directive {
                case UInt8(ascii: "Y"): guard let n = digits(4, 4) else { return nil }; year = n
                case UInt8(ascii: "y"): guard let n = digits(2, 2) else { return nil }; year = n < 69 ? 2000 + n : 1900 + n
                case UInt8(ascii: "m"): guard let n = digits(1, 2) else { return nil }; month = n
                case UInt8(ascii: "d"), UInt8(ascii: "e"):
                    while i < v.count, v[i] == 32, directive == UInt8(ascii: "e") { i += 1 }
                    guard let n = digits(1, 2) else { return nil }; day = n
                case UInt8(ascii: "H"): guard let n = digits(1, 2) else { return nil }; hour = n; hasTime = true
                case UInt8(ascii: "I"): guard let n = digits(1, 2), (1...12).contains(n) else { return nil }; twelve = n; hasTime = true
                case UInt8(ascii: "M"): guard let n = digits(1, 2) else { return nil }; minute = n; hasTime = true
                case UInt8(ascii: "S"): guard let n = digits(1, 2) else { return nil }; second = n
                case UInt8(ascii: "p"):
                    guard i + 2 <= v.count else { return nil }
                    let text = String(decoding: v[i..<(i + 2)], as: UTF8.self).lowercased()
                    guard text == "am" || text == "pm" else { return nil }
                    pm = text == "pm"
                    i += 2
                case UInt8(ascii: "b"), UInt8(ascii: "h"):
                    var end = i
                    while end < v.count, (v[end] | 0x20) >= 97, (v[end] | 0x20) <= 122 { end += 1 }
                    let word = String(decoding: v[i..<end], as: UTF8.self).lowercased()
                    guard word.count >= 3, let index = months.firstIndex(where: { word.hasPrefix($0) }) else { return nil }
                    month = index + 1
                    i = end
                case UInt8(ascii: "z"):
                    guard i < v.count else { return nil }
                    if v[i] == 90 || v[i] == 122 {
                        offset = 0
                        i += 1
                    } else {
                        guard v[i] == 43 || v[i] == 45 else { return nil }
                        let sign = v[i] == 45 ? -1 : 1
                        i += 1
                        guard let hours = digits(2, 2) else { return nil }
                        var minutes = 0
                        if i < v.count, v[i] == 58 { i += 1 }
                        if i < v.count, v[i] >= 48, v[i] <= 57 { guard let m = digits(2, 2) else { return nil }; minutes = m }
                        offset = sign * (hours * 3600 + minutes * 60)
                    }
                case UInt8(ascii: "%"): guard i < v.count, v[i] == 37 else { return nil }; i += 1
                default: return nil
                }
            } else if f[k] == 32 {
                guard i < v.count, v[i] == 32 else { return nil }
                while i < v.count, v[i] == 32 { i += 1 }
                k += 1
            } else {
                guard i < v.count, v[i] == f[k] else { return nil }
                i += 1
                k += 1
            }
        }
        guard i == v.count, let year, let month, let day else { return nil }
        if let twelve {
            guard let pm else { return nil }
            hour = twelve % 12 + (pm ? 12 : 0)
        }
        var parts = Parts(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        parts.offset = offset
        parts.dateOnly = !hasTime
        return parts
    }
}
