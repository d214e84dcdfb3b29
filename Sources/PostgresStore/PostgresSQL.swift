import Foundation
import OperationalStore

/// The SQL `PostgresSource` sends: the one minimised SELECT of a ``ReadPlan`` in
/// PostgreSQL's dialect, and the expressions it is built from. Only columns the
/// plan touches are ever named.
enum PostgresSQL {
    /// A bound parameter.
    enum Argument: Sendable {
        case text(String)
        case time(Date)
    }

    /// `schema.table` → (schema, table); a plain name has no schema (the search path's first).
    static func split(_ table: String) -> (schema: String?, name: String) {
        let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
        return parts.count == 2 ? (parts[0], parts[1]) : (nil, table)
    }

    /// A quoted identifier, schema-qualified when `name` is `schema.table`.
    static func quote(_ name: String) -> String {
        let (schema, table) = split(name)
        return (schema.map { identifier($0) + "." } ?? "") + identifier(table)
    }

    static func identifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// An expression giving `column` as a `timestamptz`: a `timestamp`, a `date` or text without a
    /// zone is read in the session's time zone (set to the policy's before a read).
    static func timestamp(_ column: String, type: String) -> String {
        type == "timestamp with time zone" ? identifier(column) : "(\(identifier(column)))::timestamptz"
    }

    /// `column` as the text a release works with: instants as `YYYY-MM-DDTHH:MM:SSZ` (UTC),
    /// local timestamps as `YYYY-MM-DD HH:MM:SS` (read later in the policy's zone), dates as
    /// `YYYY-MM-DD`, everything else as PostgreSQL's text form.
    static func text(_ column: String, type: String) -> String {
        switch type {
        case "timestamp with time zone": "to_char(\(identifier(column)) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        case "timestamp without time zone": "to_char(\(identifier(column)), 'YYYY-MM-DD HH24:MI:SS')"
        case "date": "to_char(\(identifier(column)), 'YYYY-MM-DD')"
        default: "\(identifier(column))::text"
        }
    }

    /// The plan's SELECT and its arguments (`$1`, `$2`, … in order).
    static func select(_ plan: ReadPlan, types: [String: String]) -> (sql: String, arguments: [Argument]) {
        func type(_ column: String) -> String { types[column] ?? "text" }
        var select = plan.columns.map { text($0, type: type($0)) }
        for (_, derivation) in plan.derived {
            switch derivation {
            case let .secondsBetween(start, end):
                select.append("round(extract(epoch FROM (\(timestamp(end, type: type(end))) - \(timestamp(start, type: type(start))))))::bigint::text")
            }
        }
        var conditions: [String] = []
        var arguments: [Argument] = []
        if let window = plan.window {
            let value = timestamp(window.column, type: type(window.column))
            conditions.append("\(value) >= $\(arguments.count + 1) AND \(value) < $\(arguments.count + 2)")
            arguments += [.time(window.from), .time(window.to)]
        }
        for rule in plan.exclude where !rule.values.isEmpty {
            let marks = rule.values.indices.map { "$\(arguments.count + $0 + 1)" }.joined(separator: ", ")
            conditions.append("(\(identifier(rule.column)) IS NULL OR \(identifier(rule.column))::text NOT IN (\(marks)))")
            arguments += rule.values.map { .text($0) }
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let list = select.isEmpty ? "1" : select.joined(separator: ", ")
        return ("SELECT \(list) FROM \(quote(plan.table))\(whereClause)", arguments)
    }

    /// PostgreSQL's text form of a `timestamptz` (`2026-11-22 10:05:00+00`, with fractions or `+05:30`).
    static func parseTimestamp(_ text: String) -> Date? {
        guard let canonical = TimestampParser().normalize(text) else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = canonical.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter.date(from: canonical)
    }
}
