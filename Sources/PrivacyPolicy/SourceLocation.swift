/// A position in a policy file, 1-based, as editors count it.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file as the user named it.
    public var file: String
    /// Line number, from 1.
    public var line: Int
    /// Column number in Unicode scalars, from 1.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `PATH:LINE:COL`, the form compilers use so editors can jump to it.
    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in a policy, printed as `PATH:LINE:COL: message`.
public struct PolicyDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is.
    public var location: SourceLocation
    /// What is wrong and what to do, in one sentence.
    public var message: String

    /// Creates a diagnostic.
    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

/// A policy that cannot be used, with every problem found in it.
///
/// Loading never stops at the first problem: privacy officers get the whole
/// list at once, each with its line and column.
public struct PolicyError: Error, Sendable, CustomStringConvertible {
    /// All problems, in file order.
    public var diagnostics: [PolicyDiagnostic]

    /// Creates an error from diagnostics.
    public init(diagnostics: [PolicyDiagnostic]) {
        self.diagnostics = diagnostics.sorted {
            ($0.location.file, $0.location.line, $0.location.column) < ($1.location.file, $1.location.line, $1.location.column)
        }
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
