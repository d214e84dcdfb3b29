import Foundation
import GRDB

/// What `import` did: the table it created, its inferred column types, the rows it wrote.
public struct ImportReport: Sendable, Equatable {
    public var table: String
    public var columns: [(name: String, type: ColumnType)]
    public var rows: Int

    public static func == (lhs: ImportReport, rhs: ImportReport) -> Bool {
        lhs.table == rhs.table && lhs.rows == rhs.rows
            && lhs.columns.map(\.name) == rhs.columns.map(\.name) && lhs.columns.map(\.type) == rhs.columns.map(\.type)
    }
}

/// Imports an RFC 4180 CSV file into a new table of the store, all or nothing.
///
/// Two streaming passes: the first checks every row and infers each column's
/// type (``ColumnType``), the second inserts inside one transaction. Neither
/// holds more than one record in memory, so a file of any size imports in
/// constant memory. A malformed row (wrong field count, broken quoting, bad
/// UTF-8) aborts before anything is written and names its line; a failure in
/// the second pass rolls the transaction back, so the store is unchanged.
public enum CSVImporter {
    /// Imports `file` as table `table` of `store`.
    public static func importFile(_ file: String, into store: OperationalStore, table: String,
                                  delimiter: UInt8? = UInt8(ascii: ",")) throws(StoreError) -> ImportReport {
        guard !table.isEmpty, table.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
            throw .invalidArgument("table name '\(table)' must start with a letter or '_' and hold only letters, digits and '_'")
        }
        if try store.columns(of: table) != nil { throw .tableExists(table) }

        // Pass 1: validate and infer.
        var reader = try CSVReader(path: file, delimiter: delimiter)
        guard let header = try reader.next() else {
            throw .malformedCSV(file: file, line: 1, column: nil, reason: "the file is empty; it needs a header row")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var seen: Set<String> = []
        for (index, name) in names.enumerated() {
            if name.isEmpty {
                throw .malformedCSV(file: file, line: 1, column: index + 1, reason: "header field \(index + 1) is empty; every column needs a name")
            }
            if !seen.insert(name.lowercased()).inserted {
                throw .malformedCSV(file: file, line: 1, column: index + 1, reason: "column name '\(name)' appears twice in the header")
            }
        }
        var types = [ColumnType?](repeating: nil, count: names.count)
        var rows = 0
        while let record = try reader.next() {
            if record.fields.count == 1 && record.fields[0].isEmpty { continue }
            guard record.fields.count == names.count else {
                throw .malformedCSV(file: file, line: record.line, column: nil,
                                    reason: "row has \(record.fields.count) fields, the header has \(names.count)")
            }
            for (index, value) in record.fields.enumerated() where !value.isEmpty {
                types[index] = types[index].map { $0.widened(toHold: value) } ?? ColumnType.of(value)
            }
            rows += 1
        }
        let columns = zip(names, types).map { (name: $0, type: $1 ?? .text) }

        // Pass 2: create and insert in one transaction.
        let definition = columns.map { "\(SQL.quote($0.name)) \($0.type.sqlType)" }.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try store.write { db in
            try db.execute(sql: "CREATE TABLE \(SQL.quote(table)) (\(definition))")
            let insert = try db.makeStatement(sql: "INSERT INTO \(SQL.quote(table)) VALUES (\(placeholders))")
            var reader = try CSVReader(path: file, delimiter: delimiter)
            _ = try reader.next()
            var values = [DatabaseValue](repeating: .null, count: columns.count)
            while let record = try reader.next() {
                if record.fields.count == 1 && record.fields[0].isEmpty { continue }
                for (index, value) in record.fields.enumerated() {
                    values[index] = Self.databaseValue(value, type: columns[index].type)
                }
                try insert.execute(arguments: StatementArguments(values))
            }
        }
        return ImportReport(table: table, columns: columns, rows: rows)
    }

    static func databaseValue(_ value: String, type: ColumnType) -> DatabaseValue {
        if value.isEmpty { return .null }
        switch type {
        case .integer: return Int64(value).map(\.databaseValue) ?? value.databaseValue
        case .real: return Double(value).map(\.databaseValue) ?? value.databaseValue
        case .datetime, .text: return value.databaseValue
        }
    }
}
