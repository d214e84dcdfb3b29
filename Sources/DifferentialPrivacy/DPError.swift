/// Why a DP computation refused to run.
public enum DPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parameters cannot give the stated guarantee.
    case invalidParameters(String)
    /// A column declared never missing has `rows` kept rows without a value.
    case missingValues(column: String, rows: Int)

    public var description: String {
        switch self {
        case let .invalidParameters(reason): reason
        case let .missingValues(column, rows):
            "\(rows) records have no \(column), but the policy says it is never missing (missing: refuse); fix the source, or set missing: skip so the mean averages only the records with a value"
        }
    }
}
