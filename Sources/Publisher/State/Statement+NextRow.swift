import GRDB
import GRDBSQLite

extension Statement {
    /// Steps the statement through SQLite's C API: true with a row to read in place, false when
    /// done. For scans over millions of ledger rows, where GRDB's row values would copy each blob.
    ///
    /// - Throws: `DatabaseError` with SQLite's message when the step fails.
    func nextRow(in db: Database) throws -> Bool {
        let status = sqlite3_step(sqliteStatement)
        if status == SQLITE_DONE { return false }
        guard status == SQLITE_ROW else {
            throw DatabaseError(resultCode: ResultCode(rawValue: status), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
        }
        return true
    }
}
