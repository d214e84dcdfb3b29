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
    /// Two levels: the value itself, or `*`. Published columns without a hierarchy
    /// of their own are quasi-identifiers too (a `keep` column in a record file).
    case valueOrSuppressed

    /// Calendar units of the time builder.
    public enum TimeGranularity: String, Sendable, CaseIterable {
        case hour, day, week, month, quarter, year
    }

    /// Each value's label at one calendar granularity: what `.time([granularity], timezone:)`'s
    /// hierarchy gives at level 1, without building or validating a hierarchy (a single
    /// granularity under `*` always nests). A naive timestamp is local time in `timezone`.
    ///
    /// - Throws: ``AnonymizationError/unreadableValue(column:value:reason:)`` for a value that is not
    ///   an ISO-8601 date-time.
    public static func timeLabels(_ values: [String], granularity: TimeGranularity, timezone: TimeZone,
                                  column: String) throws(AnonymizationError) -> [String] {
        var labeller = TimeLabeller(timezone: timezone)
        var labels: [String] = []
        labels.reserveCapacity(values.count)
        for value in values {
            guard let seconds = TimeLabeller.epochSeconds(value, naiveIn: timezone) else {
                throw .unreadableValue(column: column, value: value, reason: "not an ISO-8601 date-time")
            }
            labels.append(labeller.label(seconds, granularity))
        }
        return labels
    }

    /// The hierarchy of `column` over its distinct `values` (missing values excluded).
    ///
    /// - Throws: ``AnonymizationError/unreadableValue(column:value:reason:)`` for a value the recipe
    ///   cannot read (not an ISO-8601 date-time for `time`, not a number for `bands` or `round`);
    ///   ``AnonymizationError/notAFunction(column:value:level:)`` when the levels built do not nest
    ///   (bands whose widths are not multiples of each other, say); for an `explicit` hierarchy,
    ///   whatever ``Hierarchy/validate(covering:nested:)`` throws, notably
    ///   ``AnonymizationError/valueNotCovered(column:value:)`` for a value it lacks.
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
                // A naive timestamp is local time in the policy's zone (the source's own clock).
                guard let seconds = TimeLabeller.epochSeconds(value, naiveIn: timezone) else {
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
            return Self.asciiStreetBlocks(value, sizes: sizes) ?? Self.streetBlocks(value, sizes: sizes)
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
        case .explicit, .valueOrSuppressed:
            return []
        }
    }

    /// Number of levels (level 0 and `*` included) of every hierarchy this
    /// recipe builds, whatever the data: the lattice's shape must not depend on
    /// it when a transformation is chosen with differential privacy.
    public var height: Int {
        switch self {
        case let .time(granularities, _): granularities.count + 2
        case let .bands(widths, _): widths.count + 2
        case let .streetBlock(sizes): sizes.count + 3
        case let .prefix(masks): masks.count + 2
        case let .round(places): places.count + 2
        case let .explicit(hierarchy): hierarchy.height
        case .valueOrSuppressed: 2
        }
    }

    /// The street-block levels of `value`: its house number rounded down to each
    /// block size, then the street alone. A unit suffix such as "3017-A" belongs
    /// to the number; a value without a house number (an intersection, a place)
    /// is already coarse and stays as it is.
    static func streetBlocks(_ value: String, sizes: [Int]) -> [String] {
        let digits = value.prefix { $0.isNumber }
        guard let number = Int(digits), !digits.isEmpty else { return sizes.map { _ in value } + [value] }
        var rest = value.dropFirst(digits.count)
        if rest.first == "-" { rest = rest.drop { !$0.isWhitespace } }
        let street = rest.trimmingCharacters(in: .whitespaces)
        return sizes.map { "\(number / $0 * $0) BLOCK \(street)" } + [street]
    }

    /// ``streetBlocks(_:sizes:)`` of an all-ASCII `value`, straight from its
    /// bytes (the same result, many times faster on the hundreds of thousands
    /// of addresses of a backfill); nil for any other value.
    static func asciiStreetBlocks(_ value: String, sizes: [Int]) -> [String]? {
        let bytes = Array(value.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
        // Character.isWhitespace on ASCII: tab, line feed, vertical tab, form feed, carriage return, space.
        func isWhitespace(_ byte: UInt8) -> Bool { (0x09...0x0D).contains(byte) || byte == 0x20 }
        // CharacterSet.whitespaces on ASCII: space and tab.
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var number = 0
        var start = 0
        while start < bytes.count, isDigit(bytes[start]) {
            let (times, overflow) = number.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(Int(bytes[start] - 0x30))
            // A number Int cannot hold counts as no house number, as in the general path.
            if overflow || carry { return sizes.map { _ in value } + [value] }
            number = sum
            start += 1
        }
        if start == 0 { return sizes.map { _ in value } + [value] }
        if start < bytes.count, bytes[start] == UInt8(ascii: "-") {
            while start < bytes.count, !isWhitespace(bytes[start]) { start += 1 }
        }
        var end = bytes.count
        while start < end, isBlank(bytes[start]) { start += 1 }
        while end > start, isBlank(bytes[end - 1]) { end -= 1 }
        let street = String(decoding: bytes[start..<end], as: UTF8.self)
        return sizes.map { "\(number / $0 * $0) BLOCK \(street)" } + [street]
    }
}
