import Tabular

/// Loads a whole CSV file (header + records) into a ``Table``, for the
/// standalone `anonymize` command. Values stay text; empty fields become missing.
public enum CSVTable {
    /// Reads `path`; `delimiter` nil detects `;` or `,` from the header.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the file cannot be opened or read;
    ///   ``StoreError/malformedCSV(file:line:column:reason:)`` when it is empty, damaged gzip, badly
    ///   quoted or not UTF-8, or a row's field count differs from the header's.
    public static func load(_ path: String, delimiter: UInt8? = nil) throws(StoreError) -> (table: Table, delimiter: UInt8) {
        var reader = try CSVReader(path: path, delimiter: delimiter)
        guard let header = try reader.next() else {
            throw .malformedCSV(file: path, line: 1, column: nil, reason: "the file is empty; it needs a header row")
        }
        var table = Table(columnNames: header.fields)
        while let record = try reader.next() {
            if record.fields.count == 1 && record.fields[0].isEmpty { continue }
            guard record.fields.count == header.fields.count else {
                throw .malformedCSV(file: path, line: record.line, column: nil,
                                    reason: "row has \(record.fields.count) fields, the header has \(header.fields.count)")
            }
            table.append(row: record.fields.map { $0.isEmpty ? nil : $0 })
        }
        return (table, reader.delimiter)
    }
}
