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
        if case let .time(granularities, timezone) = self {
            var labeller = TimeLabeller(timezone: timezone)
            for value in values {
                guard let seconds = TimeLabeller.epochSeconds(value) else {
                    throw .unreadableValue(column: column, value: value, reason: "not an ISO-8601 date-time")
                }
                rows.append([value] + granularities.map { labeller.label(seconds, $0) } + ["*"])
            }
        } else {
            for value in values {
                rows.append([value] + (try levels(of: value, column: column)) + ["*"])
            }
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
        case .time:
            return [] // handled in build(column:values:)
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
}
