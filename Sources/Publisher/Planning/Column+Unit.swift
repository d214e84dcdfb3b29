import Tabular

extension Column {
    /// For a privacy-unit column: the code of the empty string (``Column/nullCode`` when no row
    /// holds it), the second code that names no one (``namesNoOne(_:empty:)``).
    var emptyUnitCode: Int32 { code(of: "") ?? Column.nullCode }

    /// Whether a row of a privacy-unit column whose code is `code` names no one: NULL or the empty
    /// string (`empty`, the column's ``emptyUnitCode``). Such rows are nobody in particular, so
    /// every DP output and record file leaves them out rather than treating each as a person of its own.
    @inline(__always)
    static func namesNoOne(_ code: Int32, empty: Int32) -> Bool {
        code == Column.nullCode || code == empty
    }

    /// For a privacy-unit column: true for each row that names no one (``namesNoOne(_:empty:)``).
    func rowsWithoutUnit() -> [Bool] {
        let empty = emptyUnitCode
        return codes.map { Self.namesNoOne($0, empty: empty) }
    }

    /// How many rows ``rowsWithoutUnit()`` marks, counted without building the marks.
    func countOfRowsWithoutUnit() -> Int {
        let empty = emptyUnitCode
        return codes.reduce(0) { $0 + (Self.namesNoOne($1, empty: empty) ? 1 : 0) }
    }
}
