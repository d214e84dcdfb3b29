import Foundation
import GRDB
import Tabular

/// Exactly what the minimisation stage may read from one table for a release.
///
/// `Publisher` builds a plan from a policy; this module knows nothing of
/// policies. Only the columns named here are ever SELECTed: a column the
/// policy drops is never part of a plan, so its bytes never leave SQLite.
public struct ReadPlan: Sendable, Equatable {
    /// A column computed inside the query, so its inputs never leave SQLite.
    public enum Derivation: Sendable, Equatable {
        /// Whole seconds from `start` to `end` (NULL when either is missing).
        case secondsBetween(start: String, end: String)
    }

    public var table: String
    /// Source columns returned as they are stored.
    public var columns: [String]
    /// Columns (among `columns`) replaced by their HMAC pseudonym before returning.
    public var pseudonymized: Set<String>
    /// Computed columns, in output order after `columns`.
    public var derived: [(name: String, derivation: Derivation)]
    /// Rows whose column holds any of the values are never returned.
    public var exclude: [(column: String, values: [String])]
    /// Only rows whose `column` time lies in [from, to) are returned.
    public var window: (column: String, from: Date, to: Date)?

    public init(table: String, columns: [String], pseudonymized: Set<String> = [],
                derived: [(name: String, derivation: Derivation)] = [],
                exclude: [(column: String, values: [String])] = [],
                window: (column: String, from: Date, to: Date)? = nil) {
        self.table = table
        self.columns = columns
        self.pseudonymized = pseudonymized
        self.derived = derived
        self.exclude = exclude
        self.window = window
    }

    /// Every source column the query touches (selected, derived from, filtered on).
    public var touchedColumns: Set<String> {
        var result = Set(columns)
        for (_, derivation) in derived {
            if case let .secondsBetween(start, end) = derivation { result.formUnion([start, end]) }
        }
        result.formUnion(exclude.map(\.column))
        if let window { result.insert(window.column) }
        return result
    }

    public static func == (lhs: ReadPlan, rhs: ReadPlan) -> Bool {
        lhs.table == rhs.table && lhs.columns == rhs.columns && lhs.pseudonymized == rhs.pseudonymized
            && lhs.derived.map(\.name) == rhs.derived.map(\.name) && lhs.derived.map(\.derivation) == rhs.derived.map(\.derivation)
            && lhs.exclude.map(\.column) == rhs.exclude.map(\.column) && lhs.exclude.map(\.values) == rhs.exclude.map(\.values)
            && lhs.window?.column == rhs.window?.column && lhs.window?.from == rhs.window?.from && lhs.window?.to == rhs.window?.to
    }

    /// The single SELECT statement this plan runs, with its arguments.
    func query() -> (sql: String, arguments: [DatabaseValueConvertible]) {
        var select = columns.map { SQL.quote($0) }
        for (name, derivation) in derived {
            switch derivation {
            case let .secondsBetween(start, end):
                select.append("CAST(round((julianday(\(SQL.quote(end))) - julianday(\(SQL.quote(start)))) * 86400.0) AS INTEGER) AS \(SQL.quote(name))")
            }
        }
        var conditions: [String] = []
        var arguments: [DatabaseValueConvertible] = []
        if let window {
            conditions.append("julianday(\(SQL.quote(window.column))) >= julianday(?) AND julianday(\(SQL.quote(window.column))) < julianday(?)")
            let formatter = ISO8601DateFormatter()
            arguments += [formatter.string(from: window.from), formatter.string(from: window.to)]
        }
        for rule in exclude where !rule.values.isEmpty {
            let marks = Array(repeating: "?", count: rule.values.count).joined(separator: ", ")
            conditions.append("(\(SQL.quote(rule.column)) IS NULL OR CAST(\(SQL.quote(rule.column)) AS TEXT) NOT IN (\(marks)))")
            arguments += rule.values
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let list = select.isEmpty ? "1" : select.joined(separator: ", ")
        return ("SELECT \(list) FROM \(SQL.quote(table))\(whereClause)", arguments)
    }
}

extension OperationalStore {
    /// Runs the minimisation stage: reads `plan`'s rows into a ``Table`` whose
    /// columns are `plan.columns` then the derived columns.
    ///
    /// Guarantees: the query names no column outside ``ReadPlan/touchedColumns``,
    /// and only `columns` and derived values are returned; pseudonymised columns
    /// are replaced before the table is built; excluded rows never leave SQLite.
    public func read(_ plan: ReadPlan, pseudonymizer: Pseudonymizer?) throws(StoreError) -> Tabular.Table {
        guard let available = try columns(of: plan.table) else { throw .noSuchTable(plan.table) }
        for column in plan.touchedColumns.sorted() where !available.contains(column) {
            throw .noSuchColumn(table: plan.table, column: column)
        }
        if !plan.pseudonymized.isEmpty && pseudonymizer == nil {
            throw .pseudonymKey("columns \(plan.pseudonymized.sorted().joined(separator: ", ")) are pseudonymised but no key was given; pass --pseudonym-key FILE or set OPENDATA_PSEUDONYM_KEY")
        }
        let names = plan.columns + plan.derived.map(\.name)
        let masked = names.map { plan.pseudonymized.contains($0) }
        let (sql, arguments) = plan.query()
        return try read { db in
            var table = Tabular.Table(columnNames: names)
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments.map { $0.databaseValue }))
            var values = [String?](repeating: nil, count: names.count)
            while let row = try rows.next() {
                for index in 0..<names.count {
                    let text = Self.text(row[index] as DatabaseValue)
                    if masked[index], let pseudonymizer {
                        values[index] = text.map { pseudonymizer.pseudonym($0) }
                    } else {
                        values[index] = text
                    }
                }
                table.append(row: values)
            }
            return table
        }
    }

    /// The canonical text of a stored value: integers in decimal, reals in
    /// their shortest round-trip form, text as stored, NULL as nil.
    static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: nil
        case let .int64(number): String(number)
        case let .double(number): number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case let .string(text): text
        case let .blob(data): data.base64EncodedString()
        }
    }
}
