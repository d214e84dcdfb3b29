/// Helpers for writing SQL text safely, shared by the SQLite store and the PostgreSQL source
/// (both quote identifiers with double quotes, SQL:2016 §5.4).
public enum SQL {
    /// A double-quoted SQLite identifier, with embedded quotes doubled, so any
    /// column or table name from a policy or a CSV header is inert.
    public static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// True (in SQL) when the text of `column` ends in a zone (`Z`, `±HH:MM`): an instant, not a naive local time.
    public static func hasZone(_ column: String) -> String {
        let quoted = quote(column)
        return "(substr(\(quoted), -1) IN ('Z', 'z') OR (substr(\(quoted), -3, 1) = ':' AND substr(\(quoted), -6, 1) IN ('+', '-')))"
    }

    /// SQL that is true when `column` holds a true flag (1, 'true', 'yes', 't', 'y'; any case).
    public static func isTrue(_ column: String) -> String {
        "(lower(CAST(\(quote(column)) AS TEXT)) IN ('1', 'true', 'yes', 't', 'y'))"
    }
}
