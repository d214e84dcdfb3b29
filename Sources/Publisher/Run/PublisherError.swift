import OperationalStore
import PrivacyPolicy

/// Why a Publisher operation failed, with the exit code DESIGN.md assigns:
/// 1 invalid input, 2 usage, 3 refused by a safety rule, 4 I/O or internal.
public enum PublisherError: Error, Sendable, CustomStringConvertible {
    /// One or more policies are invalid; every diagnostic is kept.
    case invalidPolicy(PolicyError)
    /// The operational store refused or failed.
    case store(StoreError)
    /// A safety rule refused the operation; nothing was changed.
    case refused(String)
    /// Reading or writing a file outside the store failed.
    case io(path: String, reason: String)
    /// Arguments that cannot work together.
    case usage(String)
    /// Input that fails a check (verification), with its file and check named.
    case invalidInput(String)

    /// The process exit code for this failure.
    public var exitCode: Int32 {
        switch self {
        case .invalidPolicy: 1
        case let .store(error):
            switch error {
            case .io: 4
            case .invalidArgument: 2
            case .massDeletion: 3
            case .malformedCSV, .noSuchTable, .tableExists, .noSuchColumn, .pseudonymKey: 1
            }
        case .refused: 3
        case .io: 4
        case .usage: 2
        case .invalidInput: 1
        }
    }

    /// One line per problem (a policy may have several).
    public var description: String {
        switch self {
        case let .invalidPolicy(error): error.description
        case let .store(error): error.description
        case let .refused(reason): "refused: \(reason)"
        case let .io(path, reason): "\(path): \(reason)"
        case let .usage(reason): reason
        case let .invalidInput(reason): reason
        }
    }
}
