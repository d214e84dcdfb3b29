import Tabular

/// The type `import` infers for a CSV column from every one of its values.
public enum ColumnType: String, Sendable, Equatable, CaseIterable {
    /// Whole numbers that fit in 64 bits, without leading zeros (so "00501" stays text).
    case integer
    /// Finite decimal numbers (not whole numbers beyond 64 bits, which stay exact as text).
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

    /// A finite decimal number that a REAL keeps as written: a whole number too large for 64 bits
    /// (`99999999999999999999`) is not one (as REAL it would become `1.0e+20`), so it stays text.
    static func isReal(_ value: String) -> Bool {
        guard let number = Double(value), number.isFinite else { return false }
        let digits = value.hasPrefix("-") || value.hasPrefix("+") ? value.dropFirst() : Substring(value)
        if !digits.isEmpty && digits.allSatisfy({ $0.isASCII && $0.isNumber }) && Int64(value) == nil { return false }
        return !(digits.count > 1 && digits.hasPrefix("0") && !digits.hasPrefix("0."))
    }

    /// ISO-8601 (``ISOTimestamp``): `YYYY-MM-DD`, optionally `[T ]HH:MM[:SS[.frac]]` and a zone.
    static func isDateTime(_ value: String) -> Bool { ISOTimestamp.parse(value) != nil }
}
