import Foundation
import GRDB

/// Which state database keeps the privacy ledger of the people in this store.
///
/// A ledger that can be swapped for a fresh one is no ledger: fifty releases of
/// one window from fifty empty state folders average to the exact counts. So the
/// first release against a store writes the identity of its state database into
/// the store (table `opendata_ledger`), and every later release must present
/// the same state database or is refused.
public struct LedgerBinding: Sendable, Equatable {
    /// Random identity of the state database (never reused).
    public var stateID: String
    /// Where that state database was when it was bound, for the refusal message.
    public var statePath: String
    public var boundAt: Date

    public init(stateID: String, statePath: String, boundAt: Date) {
        self.stateID = stateID
        self.statePath = statePath
        self.boundAt = boundAt
    }
}

extension OperationalStore {
    /// The binding's table (created by the first release, or ahead of it by ``ColumnBlocks``, whose
    /// copy stays usable only while the store's schema does not change).
    static let ledgerTable = "CREATE TABLE IF NOT EXISTS opendata_ledger (state_id TEXT NOT NULL, state_path TEXT NOT NULL, bound_at TEXT NOT NULL)"

    /// The binding, if a release has bound this store to a ledger.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails.
    public func ledgerBinding() throws(StoreError) -> LedgerBinding? {
        try read { db in
            guard try db.tableExists("opendata_ledger"),
                  let row = try Row.fetchOne(db, sql: "SELECT state_id, state_path, bound_at FROM opendata_ledger LIMIT 1") else {
                return nil
            }
            return LedgerBinding(stateID: row["state_id"], statePath: row["state_path"], boundAt: row["bound_at"])
        }
    }

    /// Binds the store to `binding` (only when it has none).
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the write fails; nothing is then bound.
    public func bindLedger(_ binding: LedgerBinding) throws(StoreError) {
        try write { db in
            try db.execute(sql: Self.ledgerTable)
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM opendata_ledger") == 0 else { return }
            try db.execute(sql: "INSERT INTO opendata_ledger (state_id, state_path, bound_at) VALUES (?, ?, ?)",
                           arguments: [binding.stateID, binding.statePath, binding.boundAt])
        }
    }
}

extension OperationalStore {
    /// Removes the binding. Only for a throwaway store that every run releases afresh
    /// (`opendata bench release` reuses its generated city): a production store
    /// without its binding would accept a fresh ledger.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the write fails.
    public func unbindLedger() throws(StoreError) {
        // Emptied, not dropped: a schema change would leave the columnar copy unused (ColumnBlocks).
        try write { db in
            if try db.tableExists("opendata_ledger") { try db.execute(sql: "DELETE FROM opendata_ledger") }
        }
    }
}
