import Foundation
import GRDB
import GRDBSQLite

extension OperationalStore {
    /// The base table `table` names, as SQLite resolves it: names are compared without
    /// regard to case and a `main.` prefix is the same table; a view is followed to the one
    /// table it reads (asked of SQLite itself, through an authorizer on a read-only
    /// connection that compiles `SELECT * FROM view`, so nested views resolve too). A view
    /// over several tables resolves to itself. Nil when there is no such table or view.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when reading the schema fails.
    public func baseTable(of table: String) throws(StoreError) -> String? {
        let bare = table.lowercased().hasPrefix("main.") ? String(table.dropFirst(5)) : table
        let found: (type: String, name: String)? = try read { db in
            try Row.fetchOne(db, sql: "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND lower(name) = lower(?)",
                             arguments: [bare]).map { ($0["type"], $0["name"]) }
        }
        guard let found else { return nil }
        guard found.type == "view" else { return found.name.lowercased() }
        // SQLite reports reads of the view itself and of views inside it too: keep base tables only.
        let views = try read { db in Set(try String.fetchAll(db, sql: "SELECT lower(name) FROM sqlite_master WHERE type = 'view'")) }
        let tables = Self.tablesRead(byView: found.name, path: path).subtracting(views)
        return tables.count == 1 ? tables.first : found.name.lowercased()
    }

    /// The tables SQLite reads to evaluate `SELECT * FROM view` (lower-cased), from its authorizer.
    static func tablesRead(byView view: String, path: String) -> Set<String> {
        final class Collector { var tables: Set<String> = [] }
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let handle else {
            sqlite3_close_v2(handle)
            return []
        }
        defer { sqlite3_close_v2(handle) }
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        sqlite3_set_authorizer(handle, { context, action, first, _, _, _ in
            if action == SQLITE_READ, let first, let context {
                let name = String(cString: first).lowercased()
                if !name.hasPrefix("sqlite_") { Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue().tables.insert(name) }
            }
            return SQLITE_OK
        }, context)
        var statement: OpaquePointer?
        _ = sqlite3_prepare_v2(handle, "SELECT * FROM \(SQL.quote(view))", -1, &statement, nil)
        sqlite3_finalize(statement)
        return withExtendedLifetime(collector) { collector.tables }
    }
}
