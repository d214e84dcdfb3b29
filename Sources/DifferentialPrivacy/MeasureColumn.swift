/// One measured column of an ``AggregateInput``: each row's value, stored as a code per row into
/// the column's distinct values, as the table holds it.
///
/// A per-row `[Double?]` takes 16 bytes a row (160 MB at ten million rows, built anew for every
/// output); the codes are the table column's own array, shared without a copy, and a value such as
/// a duration in seconds has a few thousand distinct values. The engine clamps and converts each
/// distinct value once (``clamped(_:_:)``) and looks rows up by code.
public struct MeasureColumn: Sendable, ExpressibleByArrayLiteral {
    /// Per row, an index into ``values``, or a negative code where the value is missing.
    public let codes: [Int32]
    /// The distinct values; nil for one that is not a number (it counts as missing).
    public let values: [Double?]

    /// A column whose row `i` holds `values[codes[i]]` (missing where the code is negative).
    /// - Precondition: every non-negative code is an index into `values`.
    public init(codes: [Int32], values: [Double?]) {
        precondition(codes.allSatisfy { $0 < values.count }, "a measure's code is outside its values")
        self.codes = codes
        self.values = values
    }

    /// A column of the given per-row values (each row its own code).
    public init(_ perRow: [Double?]) {
        self.init(codes: perRow.indices.map { Int32($0) }, values: perRow)
    }

    public init(arrayLiteral elements: Double?...) {
        self.init(elements)
    }

    /// Number of rows.
    public var count: Int { codes.count }

    /// Row `row`'s value (nil when missing).
    @inlinable
    public subscript(row: Int) -> Double? {
        let code = codes[row]
        return code < 0 ? nil : values[Int(code)]
    }

    /// Every row's value in row order (nil where missing).
    public var perRow: [Double?] { codes.indices.map { self[$0] } }

    /// Per distinct value, the integer ``AggregateEngine`` counts it as within `[low, high]`: rounded
    /// and clamped, a value that is not finite counted as `low`; nil for a missing one.
    func clamped(_ low: Int, _ high: Int) -> [Int?] {
        values.map { $0.map { AggregateEngine.clampInteger($0, low, high) } }
    }
}
