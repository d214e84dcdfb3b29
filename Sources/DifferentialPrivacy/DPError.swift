/// Why a DP computation refused to run.
public enum DPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parameters cannot give the stated guarantee.
    case invalidParameters(String)

    public var description: String {
        switch self {
        case let .invalidParameters(reason): reason
        }
    }
}
