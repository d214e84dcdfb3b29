/// The type `import` infers for a CSV column from every one of its values.
public enum ColumnType: String, Sendable, Equatable, CaseIterable {
    /// Whole numbers that fit in 64 bits, without leading zeros (so "00501" stays text).
    case integer
    /// Finite decimal numbers.
    case real
    /// ISO-8601 dates or date-times ("2018-05-01", "2018-05-01 00:10:28", "…T…Z", "…+02:00").
    case datetime
    /// Anything else.
    case text

    /// The SQLite column type the store uses.
    public var sqlType: String {
        switch self {
        case .integer: "INTEGER"
        case .real: "REAL"
        case .datetime, .text: "TEXT"
        }
    }

    /// The narrowest type that holds both; `timestamps` says what a timestamp is.
    func widened(toHold value: String, timestamps: TimestampParser) -> ColumnType {
        if self == .datetime { return timestamps.normalize(value) != nil ? .datetime : .text }
        return widened(toHold: value)
    }

    /// The type of a first value; `timestamps` says what a timestamp is.
    static func of(_ value: String, timestamps: TimestampParser) -> ColumnType {
        let plain = of(value)
        if plain == .text && timestamps.normalize(value) != nil { return .datetime }
        return plain
    }

    /// The narrowest type that holds both.
    func widened(toHold value: String) -> ColumnType {
        switch self {
        case .integer:
            if Self.isInteger(value) { return .integer }
            if Self.isReal(value) { return .real }
            return .text
        case .real:
            return Self.isReal(value) ? .real : .text
        case .datetime:
            return Self.isDateTime(value) ? .datetime : .text
        case .text:
            return .text
        }
    }

    /// The type of a first value.
    static func of(_ value: String) -> ColumnType {
        if isInteger(value) { return .integer }
        if isReal(value) { return .real }
        if isDateTime(value) { return .datetime }
        return .text
    }

    static func isInteger(_ value: String) -> Bool {
        guard Int64(value) != nil else { return false }
        let digits = value.hasPrefix("-") || value.hasPrefix("+") ? value.dropFirst() : Substring(value)
        return !(digits.count > 1 && digits.hasPrefix("0"))
    }

    static func isReal(_ value: String) -> Bool {
        guard let number = Double(value), number.isFinite else { return false }
        let digits = value.hasPrefix("-") ? value.dropFirst() : Substring(value)
        return !(digits.count > 1 && digits.hasPrefix("0") && !digits.hasPrefix("0."))
    }

    /// ISO-8601: `YYYY-MM-DD`, optionally `[T ]HH:MM[:SS[.frac]]` and `Z` or `±HH[:]MM`.
    static func isDateTime(_ value: String) -> Bool {
        let b = Array(value.utf8)
        func digits(_ range: Range<Int>) -> Bool {
            range.upperBound <= b.count && range.allSatisfy { b[$0] >= 48 && b[$0] <= 57 }
        }
        guard b.count >= 10, digits(0..<4), b[4] == 45, digits(5..<7), b[7] == 45, digits(8..<10) else { return false }
        let month = Int(b[5] - 48) * 10 + Int(b[6] - 48), day = Int(b[8] - 48) * 10 + Int(b[9] - 48)
        guard (1...12).contains(month), (1...31).contains(day) else { return false }
        if b.count == 10 { return true }
        guard b[10] == 84 || b[10] == 32, digits(11..<13), b.count >= 16, b[13] == 58, digits(14..<16) else { return false }
        var i = 16
        if i < b.count, b[i] == 58 {
            guard digits(i + 1..<i + 3) else { return false }
            i += 3
            if i < b.count, b[i] == 46 {
                i += 1
                let start = i
                while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
                if i == start { return false }
            }
        }
        if i == b.count { return true }
        if b[i] == 90 { return i + 1 == b.count }
        guard b[i] == 43 || b[i] == 45, digits(i + 1..<i + 3) else { return false }
        i += 3
        if i < b.count, b[i] == 58 { i += 1 }
        return digits(i..<i + 2) && i + 2 == b.count
    }
}
