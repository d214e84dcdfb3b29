import Tabular

extension Column {
    /// For a privacy-unit column: true for each row that names no one (NULL or the
    /// empty string). Such rows are nobody in particular, so every DP output and
    /// record file leaves them out rather than treating each as a person of its own.
    func rowsWithoutUnit() -> [Bool] {
        let empty = code(of: "")
        return codes.map { $0 == Column.nullCode || $0 == empty }
    }

    /// How many rows ``rowsWithoutUnit()`` marks, counted without building the marks.
    func countOfRowsWithoutUnit() -> Int {
        let empty = code(of: "") ?? Column.nullCode
        return codes.reduce(0) { $0 + ($1 == Column.nullCode || $1 == empty ? 1 : 0) }
    }
}
