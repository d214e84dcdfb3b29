/// One dictionary-encoded column of a ``Table``.
///
/// Every distinct value is stored once in ``dictionary``; each row holds a
/// 32-bit code into it (``nullCode`` for a missing value). Stages that group,
/// count or generalise records work on the codes, which keeps equivalence-class
/// computations cheap and memory proportional to rows × 4 bytes.
public struct Column: Sendable, Equatable {
    /// The code that marks a missing value (SQL NULL, empty CSV field).
    public static let nullCode: Int32 = -1

    /// The column's name, as the policy and the output schema call it.
    public let name: String
    /// Distinct values in order of first appearance.
    public private(set) var dictionary: [String] = []
    /// One code per row: an index into ``dictionary``, or ``nullCode``.
    public private(set) var codes: [Int32] = []
    private var lookup: [String: Int32] = [:]

    /// Creates an empty column.
    public init(name: String) {
        self.name = name
    }

    /// Creates a column from values, encoding them.
    public init(name: String, values: [String?]) {
        self.name = name
        codes.reserveCapacity(values.count)
        for value in values { append(value) }
    }

    /// Number of rows.
    public var count: Int { codes.count }

    /// Appends one value (nil for missing).
    public mutating func append(_ value: String?) {
        guard let value else {
            codes.append(Column.nullCode)
            return
        }
        if let code = lookup[value] {
            codes.append(code)
        } else {
            let code = Int32(dictionary.count)
            dictionary.append(value)
            lookup[value] = code
            codes.append(code)
        }
    }

    /// The value at `row`, or nil when missing.
    public subscript(row: Int) -> String? {
        let code = codes[row]
        return code == Column.nullCode ? nil : dictionary[Int(code)]
    }

    /// The code for `value`, if it occurs in this column.
    public func code(of value: String) -> Int32? { lookup[value] }

    /// All values in row order (nil for missing).
    public var values: [String?] { (0..<count).map { self[$0] } }

    public static func == (lhs: Column, rhs: Column) -> Bool {
        lhs.name == rhs.name && lhs.values == rhs.values
    }
}
