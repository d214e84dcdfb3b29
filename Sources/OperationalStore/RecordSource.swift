import Foundation
import Tabular

/// Where a department's operational records live: a SQLite store
/// (``OperationalStore``) or a PostgreSQL database (``PostgresSource``).
/// Everything a release, a policy check and retention ask of the records goes
/// through these calls, each with the same guarantees on every backend:
///
/// - ``read(_:pseudonymizer:progress:)`` runs the plan's one minimised SELECT (or,
///   in SQLite, reads the same table from the store's columnar copy of those columns):
///   no column outside ``ReadPlan/touchedColumns`` is ever named, excluded rows
///   never leave the database, pseudonymised values are replaced before the
///   table is built;
/// - ``applyRetention(_:dryRun:auditID:)`` deletes in one transaction together
///   with its audit record;
/// - the probes return no more than they need (an existence bit, one value, a
///   bounded set of distinct values).
public protocol RecordSource: AnyObject, Sendable {
    /// The source as shown in messages (a path, or a URL without its password).
    var path: String { get }
    /// The base table `table` names as this source resolves it (case, schema prefix and a view
    /// over one table resolved), lower-cased: two policies whose tables resolve alike hold the same
    /// people. Nil when there is no such table.
    /// - Throws: ``StoreError/io(path:reason:)`` when the source cannot be queried.
    func baseTable(of table: String) throws(StoreError) -> String?
    /// The columns of `table` in order, or nil when there is no such table.
    /// - Throws: ``StoreError/io(path:reason:)`` when the source cannot be queried.
    func columns(of table: String) throws(StoreError) -> [String]?
    /// The local days imported for `column` of `table` (``ImportCoverage``), or nil when the
    /// source records no coverage for `table`.
    /// - Throws: ``StoreError/io(path:reason:)`` when the source cannot be queried.
    func coveredDays(of table: String, column: String) throws(StoreError) -> [ClosedRange<String>]?
    /// Number of rows in `table`.
    /// - Throws: ``StoreError/noSuchTable(_:)`` (SQLite) or ``StoreError/io(path:reason:)``
    ///   (PostgreSQL) when there is no such table; ``StoreError/io(path:reason:)`` when the query fails.
    func rowCount(of table: String) throws(StoreError) -> Int
    /// The rows `plan` selects, minimised (see the protocol's guarantees).
    /// - Throws: ``StoreError/noSuchTable(_:)`` or ``StoreError/noSuchColumn(table:column:)`` when the
    ///   plan names what the source lacks; ``StoreError/pseudonymKey(_:)`` when the plan pseudonymises
    ///   a column and `pseudonymizer` is nil; ``StoreError/io(path:reason:)`` when the query fails.
    func read(_ plan: ReadPlan, pseudonymizer: Pseudonymizer?, progress: (@Sendable (Double?) -> Void)?) throws(StoreError) -> Tabular.Table
    /// Applies `rule`; with `auditID`, records its counts in the same transaction.
    /// - Throws: ``StoreError/noSuchTable(_:)`` or ``StoreError/noSuchColumn(table:column:)`` when the
    ///   rule names what the source lacks; ``StoreError/massDeletion(table:wouldDelete:rows:maxShare:)``
    ///   when it would delete more than its `maxShare` (nothing is deleted);
    ///   ``StoreError/io(path:reason:)`` when a query or the transaction fails.
    func applyRetention(_ rule: RetentionRule, dryRun: Bool, auditID: String?) throws(StoreError) -> RetentionResult
    /// The counts a retention run with `id` committed with its deletion, or nil.
    /// - Throws: ``StoreError/io(path:reason:)`` when the source cannot be queried.
    func retentionRecord(id: String) throws(StoreError) -> RetentionResult?
    /// The state database this source's people are accounted in, if bound.
    /// - Throws: ``StoreError/io(path:reason:)`` when the source cannot be queried.
    func ledgerBinding() throws(StoreError) -> LedgerBinding?
    /// Binds the source to a ledger (only when it has none).
    /// - Throws: ``StoreError/io(path:reason:)`` when the write fails; nothing is then bound.
    func bindLedger(_ binding: LedgerBinding) throws(StoreError)
    /// True when some row holds `value` in `column` (compared as text).
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails (no such table or column, say).
    func contains(_ value: String, in column: String, of table: String) throws(StoreError) -> Bool
    /// The distinct non-null values of `column` as text, or nil when there are more than `limit`.
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails (no such table or column, say).
    func distinctValues(of column: String, in table: String, limit: Int) throws(StoreError) -> [String]?
    /// A value of `column` that is not a number, or nil.
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails (no such table or column, say).
    func firstNonNumber(in column: String, of table: String) throws(StoreError) -> String?
    /// A value of `column` that is not a timestamp, or nil.
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails (no such table or column, say).
    func firstNonTimestamp(in column: String, of table: String) throws(StoreError) -> String?
}

extension RecordSource {
    /// ``read(_:pseudonymizer:progress:)`` without progress.
    ///
    /// - Throws: What ``read(_:pseudonymizer:progress:)`` throws.
    public func read(_ plan: ReadPlan, pseudonymizer: Pseudonymizer?) throws(StoreError) -> Tabular.Table {
        try read(plan, pseudonymizer: pseudonymizer, progress: nil)
    }
}

extension OperationalStore: RecordSource {}
