import Foundation
import Tabular

/// Writes a ``Table`` as RFC 4180 CSV with a header and `\n` line ends.
public enum CSVTableWriter {
    /// Writes `table` to `path` (replacing it atomically); missing values are empty fields.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the file cannot be written; the old file,
    ///   if any, is then left as it was.
    public static func write(_ table: Table, to path: String, delimiter: UInt8 = UInt8(ascii: ",")) throws(StoreError) {
        let separator = String(UnicodeScalar(delimiter))
        var text = table.columnNames.map { escape($0, separator) }.joined(separator: separator) + "\n"
        for row in 0..<table.rowCount {
            text += table.row(row).map { escape($0 ?? "", separator) }.joined(separator: separator) + "\n"
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io(path: path, reason: "cannot write (\(error.localizedDescription))")
        }
    }

    /// Quotes a field that holds the separator, a quote or a line break, doubling inner quotes.
    public static func escape(_ field: String, _ separator: String) -> String {
        guard field.contains(separator) || field.contains("\"") || field.contains("\n") || field.contains("\r") else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
