import Foundation
import GRDB

/// Small questions `policy check --store` asks of a table's column, each one
/// SQL query that returns no more than it needs (an existence bit, the first
/// offending value, or a bounded set of distinct values), so a check never
/// pulls a whole column into memory.
extension OperationalStore {
    /// True when some row of `table` holds `value` in `column` (compared as text, as exclusions are).
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails (no such table or column, say).
    public func contains(_ value: String, in column: String, of table: String) throws(StoreError) -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(SQL.quote(table)) WHERE CAST(\(SQL.quote(column)) AS TEXT) = ?)",
                              arguments: [value]) ?? false
        }
    }

    /// The distinct non-null values of `column` as text, or nil when there are more than `limit`.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails (no such table or column, say).
    public func distinctValues(of column: String, in table: String, limit: Int) throws(StoreError) -> [String]? {
        try read { db in
            let values = try String.fetchAll(db, sql: """
                SELECT DISTINCT CAST(\(SQL.quote(column)) AS TEXT) FROM \(SQL.quote(table)) WHERE \(SQL.quote(column)) IS NOT NULL LIMIT ?
                """, arguments: [limit + 1])
            return values.count > limit ? nil : values
        }
    }

    /// A value of `column` that is not a number, or nil when every non-null value is one.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails (no such table or column, say).
    public func firstNonNumber(in column: String, of table: String) throws(StoreError) -> String? {
        try read { db in
            try String.fetchOne(db, sql: """
                SELECT CAST(\(SQL.quote(column)) AS TEXT) FROM \(SQL.quote(table))
                WHERE \(SQL.quote(column)) IS NOT NULL AND typeof(\(SQL.quote(column))) NOT IN ('integer', 'real') LIMIT 1
                """)
        }
    }

    /// A value of `column` that is not a timestamp SQLite can read, or nil when every non-null value is one.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails (no such table or column, say).
    public func firstNonTimestamp(in column: String, of table: String) throws(StoreError) -> String? {
        try read { db in
            try String.fetchOne(db, sql: """
                SELECT CAST(\(SQL.quote(column)) AS TEXT) FROM \(SQL.quote(table))
                WHERE \(SQL.quote(column)) IS NOT NULL AND (julianday(\(SQL.quote(column))) IS NULL
                  OR typeof(\(SQL.quote(column))) IN ('integer', 'real')
                  OR CAST(\(SQL.quote(column)) AS TEXT) NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*') LIMIT 1
                """)
        }
    }
}
