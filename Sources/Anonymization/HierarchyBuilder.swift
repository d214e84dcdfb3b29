import Foundation

/// Builds hierarchies from the values present in the data (DESIGN.md,
/// "Hierarchy builders"). Every builder ends at `*`.
public enum HierarchyRecipe: Sendable, Equatable {
    /// Calendar truncation of ISO-8601 timestamps, in `timezone`.
    case time([TimeGranularity], timezone: TimeZone)
    /// Numeric bands of these widths (each a multiple of the previous); values ≥ `top` share one band.
    case bands([Int], top: Int?)
    /// House numbers rounded down to blocks of these sizes, then the street alone.
    case streetBlock([Int])
    /// This many characters masked with `*` from the right, per level.
    case prefix([Int])
    /// Decimal places kept, per level.
    case round([Int])
    /// A hierarchy given in full (e.g. an ARX file).
    case explicit(Hierarchy)

    /// Calendar units of the time builder.
    public enum TimeGranularity: String, Sendable, CaseIterable {
        case hour, day, week, month, quarter, year
    }

    /// The hierarchy of `column` over its distinct `values` (missing values excluded).
    public func build(column: String, values: [String]) throws(AnonymizationError) -> Hierarchy {
        if case let .explicit(hierarchy) = self {
            try hierarchy.validate(covering: values)
            return hierarchy
        }
        var rows: [[String]] = []
        rows.reserveCapacity(values.count)
        for value in values {
            rows.append([value] + (try levels(of: value, column: column)) + ["*"])
        }
        let hierarchy = Hierarchy(column: column, rows: rows)
        var nested = true
        if case let .time(granularities, _) = self, let week = granularities.firstIndex(of: .week),
           week < granularities.count - 1 {
            nested = false
        }
        try hierarchy.validate(covering: [], nested: nested)
        return hierarchy
    }

    private func levels(of value: String, column: String) throws(AnonymizationError) -> [String] {
        switch self {
        case let .time(granularities, timezone):
            guard let date = Self.parseTimestamp(value) else {
                throw .unreadableValue(column: column, value: value, reason: "not an ISO-8601 date-time")
            }
            return granularities.map { Self.truncate(date, to: $0, in: timezone) }
        case let .bands(widths, top):
            guard let number = Double(value), number.isFinite else {
                throw .unreadableValue(column: column, value: value, reason: "bands need numbers")
            }
            return widths.map { width in
                if let top, number >= Double(top) { return "\(top)+" }
                let low = Int((number / Double(width)).rounded(.down)) * width
                let high = top.map { min(low + width, $0) } ?? low + width
                return "\(low)-\(high - 1)"
            }
        case let .streetBlock(sizes):
            let digits = value.prefix { $0.isNumber }
            guard let number = Int(digits), !digits.isEmpty else {
                // Intersections and places without a house number are already coarse.
                return sizes.map { _ in value } + [value]
            }
            var rest = value.dropFirst(digits.count)
            // Unit suffixes such as "3017-A" belong to the number.
            if rest.first == "-" { rest = rest.drop { !$0.isWhitespace } }
            let street = rest.trimmingCharacters(in: .whitespaces)
            return sizes.map { "\(number / $0 * $0) BLOCK \(street)" } + [street]
        case let .prefix(masks):
            return masks.map { mask in
                let kept = max(value.count - mask, 0)
                return String(value.prefix(kept)) + String(repeating: "*", count: value.count - kept)
            }
        case let .round(places):
            guard let number = Double(value), number.isFinite else {
                throw .unreadableValue(column: column, value: value, reason: "round needs numbers")
            }
            return places.map { String(format: "%.\($0)f", number) }
        case .explicit:
            return []
        }
    }

    /// Parses `YYYY-MM-DD[(T| )HH:MM[:SS[.f]]][Z|±HH:MM]`; a time without a zone is taken as UTC.
    static func parseTimestamp(_ text: String) -> Date? {
        var normalized = text.replacingOccurrences(of: " ", with: "T")
        if normalized.count == 10 { normalized += "T00:00:00" }
        if normalized.count == 16 { normalized += ":00" }
        let hasZone = normalized.hasSuffix("Z") || normalized.dropFirst(19).contains { $0 == "+" || $0 == "-" }
        if !hasZone { normalized += "Z" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: normalized) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: normalized)
    }

    /// The label of the calendar unit holding `date` in `zone`: `2026-11-22T14`,
    /// `2026-11-22`, `2026-W47` (ISO week), `2026-11`, `2026-Q4`, `2026`.
    static func truncate(_ date: Date, to granularity: TimeGranularity, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour], from: date)
        let (year, month, day, hour) = (parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0)
        switch granularity {
        case .hour: return String(format: "%04d-%02d-%02dT%02d", year, month, day, hour)
        case .day: return String(format: "%04d-%02d-%02d", year, month, day)
        case .week:
            var iso = Calendar(identifier: .iso8601)
            iso.timeZone = zone
            let week = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            return String(format: "%04d-W%02d", week.yearForWeekOfYear ?? 0, week.weekOfYear ?? 0)
        case .month: return String(format: "%04d-%02d", year, month)
        case .quarter: return String(format: "%04d-Q%d", year, (month - 1) / 3 + 1)
        case .year: return String(format: "%04d", year)
        }
    }
}
