/// Why anonymisation could not run. Each case names the column, value and
/// level at fault so the hierarchy or the data can be fixed.
public enum AnonymizationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A hierarchy file is malformed.
    case malformedHierarchy(file: String, line: Int, reason: String)
    /// A value present in the data has no row in its column's hierarchy.
    case valueNotCovered(column: String, value: String)
    /// A hierarchy maps one value at `level` to two different values at `level + 1`.
    case notAFunction(column: String, value: String, level: Int)
    /// The last level of a hierarchy is not `*`.
    case lastLevelNotSuppressed(column: String, value: String)
    /// A builder cannot read a value (e.g. a non-number for `bands`).
    case unreadableValue(column: String, value: String, reason: String)
    /// The settings make no sense together.
    case invalidConfiguration(String)
    /// No transformation satisfies the privacy models within the suppression limit.
    case noSolution(String)

    public var description: String {
        switch self {
        case let .malformedHierarchy(file, line, reason): "\(file):\(line): \(reason)"
        case let .valueNotCovered(column, value): "column '\(column)': the value '\(value)' occurs in the data but not in its hierarchy; add a row for it"
        case let .notAFunction(column, value, level): "column '\(column)': '\(value)' at level \(level) generalises to two different values at level \(level + 1); each level must be a function of the one before"
        case let .lastLevelNotSuppressed(column, value): "column '\(column)': the last level of '\(value)' is not '*'; every hierarchy must end in full suppression"
        case let .unreadableValue(column, value, reason): "column '\(column)': cannot generalise '\(value)': \(reason)"
        case let .invalidConfiguration(reason): reason
        case let .noSolution(reason): "no transformation satisfies the privacy models: \(reason)"
        }
    }
}
