import OperationalStore

/// Opens the records at `location`: a `postgresql://` (or `postgres://`) URL
/// opens a ``PostgresSource``; anything else is the path of a SQLite store.
///
/// - Throws: ``StoreError/invalidArgument(_:)`` for a malformed PostgreSQL URL;
///   ``StoreError/io(path:reason:)`` when the server cannot be reached, or there is no SQLite
///   store at the path or it cannot be opened.
public func openRecordSource(_ location: String) throws(StoreError) -> any RecordSource {
    if location.hasPrefix("postgresql://") || location.hasPrefix("postgres://") {
        return try PostgresSource(url: location)
    }
    return try OperationalStore(path: location)
}
