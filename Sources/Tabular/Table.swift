/// The in-memory columnar table every stage reads and writes.
///
/// A table is a list of equally long, dictionary-encoded ``Column``s. It holds
/// only what a stage was given: the minimisation stage builds it from the
/// columns a policy allows, so a dropped column can never appear here.
public struct Table: Sendable, Equatable {
    /// Columns in output order.
    public private(set) var columns: [Column]

    /// Creates an empty table with the given column names.
    public init(columnNames: [String]) {
        columns = columnNames.map { Column(name: $0) }
    }

    /// Creates a table from complete columns, which must have equal lengths.
    public init(columns: [Column]) {
        precondition(Set(columns.map(\.count)).count <= 1, "columns of a table must have equal lengths")
        self.columns = columns
    }

    /// Number of rows.
    public var rowCount: Int { columns.first?.count ?? 0 }

    /// Column names in order.
    public var columnNames: [String] { columns.map(\.name) }

    /// Appends one row; `values` must have one entry per column.
    public mutating func append(row values: [String?]) {
        precondition(values.count == columns.count, "row has \(values.count) values for \(columns.count) columns")
        for index in columns.indices { columns[index].append(values[index]) }
    }

    /// The column called `name`, if any.
    public func column(named name: String) -> Column? {
        columns.first { $0.name == name }
    }

    /// The values of row `row`, in column order.
    public func row(_ row: Int) -> [String?] {
        columns.map { $0[row] }
    }
}
