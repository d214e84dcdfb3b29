import Foundation
import OperationalStore
import Tabular

/// Operational records in a PostgreSQL database (`--store postgresql://user@host:5432/db`),
/// read through libpq (``PostgresConnection``), for departments whose CAD or CRM data already
/// lives in a database server (a read replica serves as well as the primary for reading;
/// retention needs the primary).
///
/// Guarantees, as for every ``RecordSource``:
/// - a release's read is the plan's one minimised SELECT (``PostgresSQL/select(_:types:)``):
///   dropped columns are never named, so never requested; excluded rows are filtered in
///   the server; rows arrive one at a time (libpq's single-row mode), so memory holds the
///   dictionary-encoded table, never the raw result;
/// - a timestamp without a zone (`timestamp`, or text) is read as local time in the
///   policy's zone: the session's `TimeZone` is set to it before the read, so windows are
///   local midnight to local midnight on 23- and 25-hour days too;
/// - retention deletes inside one transaction that also writes its audit record;
/// - a server that stops, freezes or refuses fails the call within the connect or read
///   timeout, naming the host, the port and the cause;
/// - the password (from the URL or `PGPASSWORD`) never appears in a message.
///
/// URL: `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…&read_timeout=S&statement_timeout=S]`;
/// `sslmode` is libpq's (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`; the
/// default is `disable`), `read_timeout` the longest silence of the server during a call
/// (20 s), `statement_timeout` the longest a statement may run (1,800 s).
/// A policy's `source.table` may be schema-qualified (`cad.calls`).
public final class PostgresSource: RecordSource, @unchecked Sendable {
    // @unchecked: the libpq connection is used under `lock` only; nothing else is mutable.
    public let path: String
    private let connection: PostgresConnection
    private let lock = NSLock()

    /// Connects to the database at `url`.
    ///
    /// - Throws: ``StoreError/invalidArgument(_:)`` for a malformed URL, an unknown setting, an unknown
    ///   `sslmode` or a timeout out of range; ``StoreError/io(path:reason:)`` when the server cannot be
    ///   reached or refuses the connection.
    public init(url: String) throws(StoreError) {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty,
              let user = components.user, !user.isEmpty else {
            throw .invalidArgument("\(Self.redact(url)): a PostgreSQL store is postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let database = String(components.path.drop { $0 == "/" })
        let password = components.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let redacted = Self.redact(url)
        path = redacted
        for name in query.keys where !["sslmode", "read_timeout", "statement_timeout", "connect_timeout"].contains(name) {
            throw .invalidArgument("\(redacted): unknown setting '\(name)'; the URL takes sslmode, connect_timeout, read_timeout and statement_timeout")
        }
        let mode = query["sslmode"] ?? "disable"
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(mode) else {
            throw .invalidArgument("\(redacted): sslmode must be disable, prefer, require, verify-ca or verify-full")
        }
        func seconds(_ name: String, _ fallback: Int) throws(StoreError) -> Int {
            guard let text = query[name] else { return fallback }
            guard let value = Int(text), value > 0, value <= 86400 else {
                throw .invalidArgument("\(redacted): \(name) must be a number of seconds between 1 and 86400, got '\(text)'")
            }
            return value
        }
        let connectTimeout = try seconds("connect_timeout", 10)
        let readTimeout = try seconds("read_timeout", 20)
        let statementTimeout = try seconds("statement_timeout", 1800)
        let port = components.port ?? 5432
        var settings: [(String, String)] = [
            ("host", host), ("port", String(port)), ("user", user), ("dbname", database.isEmpty ? user : database),
            ("sslmode", mode), ("connect_timeout", String(connectTimeout)), ("application_name", "opendata"),
            // A peer that vanished is found by TCP itself: keepalive probes after 5 s idle, every
            // 2 s, 3 misses; unacknowledged data for 15 s.
            ("keepalives", "1"), ("keepalives_idle", "5"), ("keepalives_interval", "2"), ("keepalives_count", "3"),
            ("tcp_user_timeout", "15000"),
            ("options", "-c statement_timeout=\(statementTimeout * 1000) -c idle_in_transaction_session_timeout=\(max(readTimeout, 60) * 1000)"),
        ]
        if let password { settings.append(("password", password)) }
        connection = try PostgresConnection(settings, server: "\(host):\(port)", readTimeout: TimeInterval(readTimeout), label: redacted)
    }

    /// `postgresql://user:secret@host/db` → `postgresql://user@host/db`.
    static func redact(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "postgresql://…" }
        components.password = nil
        return components.string ?? "postgresql://…"
    }

    // MARK: Running queries

    /// Every row of `sql` as text cells (nil for NULL); parameters are text (`$1`, `$2`, …).
    func rows(_ sql: String, _ parameters: [String?] = []) throws(StoreError) -> [[String?]] {
        lock.lock()
        defer { lock.unlock() }
        return try connection.rows(sql, parameters, label: path)
    }

    /// Runs statements in one transaction; `body` gets a function running one statement and
    /// returning its rows. Any failure rolls everything back.
    func transaction<T>(_ body: (_ run: (String, [String?]) throws(StoreError) -> [[String?]]) throws(StoreError) -> T) throws(StoreError) -> T {
        lock.lock()
        defer { lock.unlock() }
        let connection = self.connection, label = path
        let run: (String, [String?]) throws(StoreError) -> [[String?]] = { sql, parameters throws(StoreError) in
            try connection.rows(sql, parameters, label: label)
        }
        _ = try run("BEGIN", [])
        do {
            let value = try body(run)
            _ = try run("COMMIT", [])
            return value
        } catch {
            _ = try? run("ROLLBACK", [])
            throw error
        }
    }

    /// True when `name` is a table or view the server finds (its own name lookup, `to_regclass`).
    func relationExists(_ name: String) throws(StoreError) -> Bool {
        try rows("SELECT to_regclass($1)::text", [name]).first?.first ?? nil != nil
    }

    /// An instant as a parameter PostgreSQL reads as `timestamptz`.
    static func parameter(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    // MARK: RecordSource (each call's contract is documented on the protocol)

    /// Column names and their PostgreSQL types (`information_schema.columns.data_type`), in order.
    /// A table the user may not read is an error saying so, not a missing table.
    func columnTypes(of table: String) throws(StoreError) -> [(name: String, type: String)]? {
        let (schema, name) = PostgresSQL.split(table)
        let rows = try rows("""
            SELECT column_name::text, data_type::text FROM information_schema.columns
            WHERE table_schema = coalesce($1, current_schema()) AND table_name = $2 ORDER BY ordinal_position
            """, [schema, name])
        guard rows.isEmpty else { return rows.map { ($0[0] ?? "", $0[1] ?? "") } }
        // information_schema lists only columns the user holds a privilege on.
        if let exists = try self.rows("SELECT (to_regclass($1) IS NOT NULL)::text, has_table_privilege(to_regclass($1), 'SELECT')::text WHERE to_regclass($1) IS NOT NULL",
                                      [table]).first, exists[0] == "true", exists[1] == "false" {
            throw .io(path: path, reason: "PostgreSQL at \(connection.server): permission denied: the user may not read table \(table); GRANT SELECT ON \(PostgresSQL.quote(table)) TO the store's user")
        }
        return nil
    }

    /// The base table `table` names (``RecordSource/baseTable(of:)``): resolved by the server's own
    /// name lookup (`to_regclass`: case folding, the search path), and a view over one table
    /// followed to it (`information_schema.view_table_usage`). `schema.table`, without the schema
    /// when it is `public`.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the server cannot be queried.
    public func baseTable(of table: String) throws(StoreError) -> String? {
        guard let row = try rows("""
            SELECT n.nspname::text, c.relname::text, c.relkind::text FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)
            """, [table]).first, let schema = row[0], let name = row[1] else { return nil }
        func label(_ schema: String, _ name: String) -> String { (schema == "public" ? name : "\(schema).\(name)").lowercased() }
        guard row[2] == "v" || row[2] == "m" else { return label(schema, name) }
        let bases = try rows("""
            SELECT DISTINCT table_schema::text, table_name::text FROM information_schema.view_table_usage
            WHERE view_schema = $1 AND view_name = $2
            """, [schema, name])
        if bases.count == 1, let baseSchema = bases[0][0], let baseName = bases[0][1] { return label(baseSchema, baseName) }
        return label(schema, name)
    }

    /// The days imported for `column` of `table`, from the loading job's `opendata_coverage` table
    /// (`table_name`, `column_name`, `first_day`, `last_day` as dates; ``ImportCoverage``), or nil
    /// when there is no such table or it names nothing of `table`.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the server cannot be queried.
    public func coveredDays(of table: String, column: String) throws(StoreError) -> [ClosedRange<String>]? {
        guard try relationExists(ImportCoverage.table) else { return nil }
        let found = try rows("""
            SELECT column_name::text, to_char(first_day::date, 'YYYY-MM-DD'), to_char(last_day::date, 'YYYY-MM-DD')
            FROM \(ImportCoverage.table) WHERE lower(table_name) = lower($1)
            """, [PostgresSQL.split(table).name])
        if found.isEmpty { return nil }
        return found.compactMap { row in
            guard row[0] == column, let first = row[1], let last = row[2], first <= last else { return nil }
            return first...last
        }
    }

    /// The columns of `table` in order, or nil when there is no such table.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails or the user may not read the table.
    public func columns(of table: String) throws(StoreError) -> [String]? {
        try columnTypes(of: table)?.map(\.name)
    }

    /// Number of rows in `table`.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when there is no such table or the query fails.
    public func rowCount(of table: String) throws(StoreError) -> Int {
        Int(try rows("SELECT count(*)::text FROM \(PostgresSQL.quote(table))").first?.first??.description ?? "0") ?? 0
    }

    /// The rows `plan` selects: its one minimised SELECT, streamed a row at a time.
    ///
    /// - Throws: ``StoreError/noSuchTable(_:)`` or ``StoreError/noSuchColumn(table:column:)`` when the plan
    ///   names what the database lacks; ``StoreError/pseudonymKey(_:)`` when the plan pseudonymises a column
    ///   and `pseudonymizer` is nil; ``StoreError/io(path:reason:)`` when the user may not read the table,
    ///   or a query fails or times out.
    public func read(_ plan: ReadPlan, pseudonymizer: Pseudonymizer?,
                     progress: (@Sendable (Double?) -> Void)?) throws(StoreError) -> Tabular.Table {
        guard let types = try columnTypes(of: plan.table) else { throw .noSuchTable(plan.table) }
        let available = types.map(\.name)
        for column in plan.touchedColumns.sorted() where !available.contains(column) {
            throw .noSuchColumn(table: plan.table, column: column)
        }
        if !plan.pseudonymized.isEmpty && pseudonymizer == nil {
            throw .pseudonymKey("columns \(plan.pseudonymized.sorted().joined(separator: ", ")) are pseudonymised but no key was given; pass --pseudonym-key FILE or set OPENDATA_PSEUDONYM_KEY")
        }
        let (sql, arguments) = PostgresSQL.select(plan, types: Dictionary(types, uniquingKeysWith: { a, _ in a }))
        let names = plan.columns + plan.derived.map(\.name)
        let zone = (plan.naiveZone ?? TimeZone(identifier: "UTC"))?.identifier ?? "UTC"
        let parameters: [String?] = arguments.map { argument in
            switch argument {
            case let .text(value): value
            case let .time(value): Self.parameter(value)
            }
        }
        progress?(nil)
        lock.lock()
        defer { lock.unlock() }
        // Naive timestamps are local time in the policy's zone (and shown so).
        _ = try connection.rows("SELECT set_config('TimeZone', $1, false)", [zone], label: path)
        var columns = names.map { Tabular.Column(name: $0) }
        var batches = names.map { _ in ValueBatch() }
        var rows = 0
        try connection.stream(sql, parameters, label: path) { cells in
            for (index, cell) in cells.enumerated() where index < batches.count {
                if let cell { batches[index].append(utf8: cell) } else { batches[index].appendNull() }
            }
            rows += 1
            if rows % 4096 == 0 {
                for index in columns.indices {
                    columns[index].append(contentsOf: batches[index])
                    batches[index].removeAll()
                }
            }
        }
        for index in columns.indices { columns[index].append(contentsOf: batches[index]) }
        return plan.finish(columns, pseudonymizer: pseudonymizer)
    }

    /// Applies `rule` in one transaction; with `auditID`, its counts are written to `opendata_retention`
    /// in the same transaction.
    ///
    /// - Throws: ``StoreError/noSuchTable(_:)`` or ``StoreError/noSuchColumn(table:column:)`` when the rule
    ///   names what the database lacks; ``StoreError/massDeletion(table:wouldDelete:rows:maxShare:)`` when
    ///   it would delete more than its `maxShare`; ``StoreError/io(path:reason:)`` when a statement or the
    ///   transaction fails. Nothing is deleted in any of these cases.
    public func applyRetention(_ rule: RetentionRule, dryRun: Bool, auditID: String?) throws(StoreError) -> RetentionResult {
        guard let types = try columnTypes(of: rule.table) else { throw .noSuchTable(rule.table) }
        for column in [rule.measuredFrom] + (rule.keepIf.map { [$0] } ?? []) where !types.contains(where: { $0.name == column }) {
            throw .noSuchColumn(table: rule.table, column: column)
        }
        let table = PostgresSQL.quote(rule.table)
        let measured = PostgresSQL.timestamp(rule.measuredFrom, type: types.first { $0.name == rule.measuredFrom }?.type ?? "text")
        let held = rule.keepIf.map { SQL.isTrue($0) } ?? "false"
        let cutoff = Self.parameter(rule.cutoff)
        let tally = """
            SELECT count(*) FILTER (WHERE \(measured) IS NULL)::text,
                   count(*) FILTER (WHERE \(measured) < $1 AND \(held))::text,
                   count(*) FILTER (WHERE \(measured) < $1 AND NOT \(held))::text FROM \(table)
            """
        let zone = rule.naiveZone?.identifier ?? "UTC"
        let counts: [String?] = try transaction { run throws(StoreError) in
            // Naive timestamps are local time in the policy's zone, for this transaction only.
            _ = try run("SELECT set_config('TimeZone', $1, true)", [zone])
            let found = try run(tally, [cutoff]).first ?? []
            guard !dryRun else { return found }
            if let share = rule.maxShare {
                let rows = Int((try run("SELECT count(*)::text FROM \(table)", []).first?.first ?? nil) ?? "0") ?? 0
                let would = Int(found[2] ?? "0") ?? 0
                if Double(would) > share * Double(rows) {
                    throw StoreError.massDeletion(table: rule.table, wouldDelete: would, rows: rows, maxShare: share)
                }
            }
            let deleted = try run("WITH gone AS (DELETE FROM \(table) WHERE \(measured) < $1 AND NOT \(held) RETURNING 1) SELECT count(*)::text FROM gone",
                                  [cutoff]).first?.first ?? "0"
            if let auditID {
                _ = try run("CREATE TABLE IF NOT EXISTS opendata_retention (id text PRIMARY KEY, deleted bigint NOT NULL, held bigint NOT NULL, undated bigint NOT NULL)", [])
                _ = try run("INSERT INTO opendata_retention (id, deleted, held, undated) VALUES ($1, $2, $3, $4)",
                            [auditID, deleted ?? "0", found[1] ?? "0", found[0] ?? "0"])
            }
            return [found[0], found[1], deleted]
        }
        func number(_ index: Int) -> Int { counts.indices.contains(index) ? Int(counts[index] ?? "0") ?? 0 : 0 }
        return RetentionResult(deleted: number(2), held: number(1), undated: number(0), dryRun: dryRun)
    }

    /// The counts the retention run `id` committed with its deletion, or nil when there is none.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the server cannot be queried.
    public func retentionRecord(id: String) throws(StoreError) -> RetentionResult? {
        guard try relationExists("opendata_retention") else { return nil }
        guard let row = try rows("SELECT deleted::text, held::text, undated::text FROM opendata_retention WHERE id = $1", [id]).first else {
            return nil
        }
        return RetentionResult(deleted: Int(row[0] ?? "0") ?? 0, held: Int(row[1] ?? "0") ?? 0, undated: Int(row[2] ?? "0") ?? 0, dryRun: false)
    }

    /// The state database this database's people are accounted in (`opendata_ledger`), or nil when unbound.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the server cannot be queried.
    public func ledgerBinding() throws(StoreError) -> LedgerBinding? {
        guard try relationExists("opendata_ledger"),
              let row = try rows("SELECT state_id, state_path, bound_at::text FROM opendata_ledger LIMIT 1").first else { return nil }
        return LedgerBinding(stateID: row[0] ?? "", statePath: row[1] ?? "",
                             boundAt: row[2].flatMap { PostgresSQL.parseTimestamp($0) } ?? Date(timeIntervalSince1970: 0))
    }

    /// Binds the database to `binding` in `opendata_ledger`, unless it is bound already.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the write fails; nothing is then bound.
    public func bindLedger(_ binding: LedgerBinding) throws(StoreError) {
        let _: Bool = try transaction { run throws(StoreError) in
            _ = try run("CREATE TABLE IF NOT EXISTS opendata_ledger (state_id text NOT NULL, state_path text NOT NULL, bound_at timestamptz NOT NULL)", [])
            _ = try run("LOCK TABLE opendata_ledger IN EXCLUSIVE MODE", [])
            guard try run("SELECT count(*)::text FROM opendata_ledger", []).first?.first == "0" else { return false }
            _ = try run("INSERT INTO opendata_ledger (state_id, state_path, bound_at) VALUES ($1, $2, $3)",
                        [binding.stateID, binding.statePath, Self.parameter(binding.boundAt)])
            return true
        }
    }

    /// True when some row holds `value` in `column` (compared as text).
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails (no such table or column, say).
    public func contains(_ value: String, in column: String, of table: String) throws(StoreError) -> Bool {
        try rows("SELECT EXISTS (SELECT 1 FROM \(PostgresSQL.quote(table)) WHERE \(PostgresSQL.quote(column))::text = $1)::text",
                 [value]).first?.first == "true"
    }

    /// The distinct non-null values of `column` as text, or nil when there are more than `limit`.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails (no such table or column, say).
    public func distinctValues(of column: String, in table: String, limit: Int) throws(StoreError) -> [String]? {
        let values = try rows("SELECT DISTINCT \(PostgresSQL.quote(column))::text FROM \(PostgresSQL.quote(table)) WHERE \(PostgresSQL.quote(column)) IS NOT NULL LIMIT $1",
                              [String(limit + 1)])
            .compactMap { $0.first ?? nil }
        return values.count > limit ? nil : values
    }

    /// A value of `column` that is not a number, or nil.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails (no such table or column, say).
    public func firstNonNumber(in column: String, of table: String) throws(StoreError) -> String? {
        try rows("""
            SELECT \(PostgresSQL.quote(column))::text FROM \(PostgresSQL.quote(table))
            WHERE \(PostgresSQL.quote(column)) IS NOT NULL AND \(PostgresSQL.quote(column))::text !~ '^[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?$' LIMIT 1
            """).first?.first ?? nil
    }

    /// A value of `column` that is not a timestamp, or nil (always nil for a `timestamp` or `date` column,
    /// or a column the table lacks).
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the query fails or the user may not read the table.
    public func firstNonTimestamp(in column: String, of table: String) throws(StoreError) -> String? {
        guard let type = try columnTypes(of: table)?.first(where: { $0.name == column })?.type else { return nil }
        if type.hasPrefix("timestamp") || type == "date" { return nil }
        return try rows("""
            SELECT \(PostgresSQL.quote(column))::text FROM \(PostgresSQL.quote(table))
            WHERE \(PostgresSQL.quote(column)) IS NOT NULL AND \(PostgresSQL.quote(column))::text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?([zZ]|[-+][0-9]{2}(:?[0-9]{2})?)?)?$' LIMIT 1
            """).first?.first ?? nil
    }
}
