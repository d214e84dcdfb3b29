import Foundation
import GRDB

/// The department's operational records: a SQLite database read and written
/// through GRDB.
///
/// Every connection runs with `PRAGMA secure_delete = ON`, so a deleted
/// record's bytes are overwritten in the database pages rather than left in
/// free space (https://sqlite.org/pragma.html#pragma_secure_delete). The
/// database uses write-ahead logging; ``checkpoint()`` truncates the WAL so no
/// old page images remain in it.
public final class OperationalStore: Sendable {
    /// Path of the SQLite file.
    public let path: String
    let pool: DatabasePool

    /// Opens the store at `path`; `create` allows a new, empty file.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when there is no file at `path` and `create` is
    ///   false, or SQLite cannot open it.
    public init(path: String, create: Bool = false) throws(StoreError) {
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw .io(path: path, reason: "no operational store here; create one with opendata demo or opendata import")
        }
        var configuration = Configuration()
        // A nightly export appending rows while a release reads is waited for, not failed on.
        configuration.busyMode = .timeout(15)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        // GRDB primes an empty or missing WAL by creating and dropping a table, which moves the
        // schema cookie on by two; the columnar copy is re-stamped for exactly that (ColumnBlocks).
        let cookie = ColumnBlocks.cookieBeforeOpening(path)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw .io(path: path, reason: "cannot open the store as SQLite (\(error))")
        }
        self.path = path
        if let cookie { ColumnBlocks.restamp(pool, openedAt: cookie) }
    }

    /// Names of the user tables, sorted.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails.
    public func tables() throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
    }

    /// Column names of `table` in schema order, or nil when the table does not exist.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails.
    public func columns(of table: String) throws(StoreError) -> [String]? {
        try read { db in
            guard try db.tableExists(table) || db.viewExists(table) else { return nil }
            return try db.columns(in: table).map(\.name)
        }
    }

    /// Number of rows in `table`.
    ///
    /// - Throws: ``StoreError/noSuchTable(_:)`` when there is no such table;
    ///   ``StoreError/io(path:reason:)`` when the query fails.
    public func rowCount(of table: String) throws(StoreError) -> Int {
        try read { db in
            guard try db.tableExists(table) else { throw StoreError.noSuchTable(table) }
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM \(SQL.quote(table))") ?? 0
        }
    }

    /// Moves every WAL frame into the database and truncates the WAL to zero bytes.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the checkpoint fails.
    public func checkpoint() throws(StoreError) {
        do {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        } catch {
            throw .io(path: path, reason: "checkpoint failed (\(error))")
        }
    }

    /// One line about a database error: SQLite's message and code, never the statement (an import
    /// of 5,000 columns would otherwise print its whole CREATE TABLE), with what to do for the
    /// limits an export can hit.
    static func describe(_ error: any Error) -> String {
        guard let database = error as? DatabaseError else {
            let text = "\(error)"
            return text.count > 300 ? String(text.prefix(300)) + "…" : text
        }
        let message = database.message ?? "\(database.resultCode)"
        if message.contains("too many columns") {
            return "\(message): SQLite allows at most 2,000 columns in a table; drop the columns no policy needs from the export before importing"
        }
        return "SQLite: \(message) (\(database.resultCode))"
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .io(path: path, reason: "read failed (\(Self.describe(error)))")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .io(path: path, reason: "write failed (\(Self.describe(error)))")
        }
    }
}
