import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Tabular

/// Operational records in a PostgreSQL database (`--store postgresql://user@host:5432/db`),
/// read through vapor/postgres-nio, for departments whose CAD or CRM data already lives in
/// a database server (a read replica serves as well as the primary for reading; retention
/// needs the primary).
///
/// Guarantees, as for every ``RecordSource``:
/// - a release's read is the plan's one minimised SELECT (``PostgresSQL/select(_:types:)``):
///   dropped columns are never named, so never requested; excluded rows are filtered in
///   the server; rows arrive as a stream with backpressure (postgres-nio pulls them from
///   the server's portal as they are consumed), so memory holds the dictionary-encoded
///   table, never the raw result;
/// - a timestamp without a zone (`timestamp`, or text) is read as local time in the
///   policy's zone: the session's `TimeZone` is set to it before the read, so windows are
///   local midnight to local midnight on 23- and 25-hour days too;
/// - retention deletes inside one transaction that also writes its audit record;
/// - the password (from the URL or `PGPASSWORD`) never appears in a message.
///
/// URL: `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|require]`;
/// `sslmode=require` verifies the server's certificate against the system's trust store.
/// A policy's `source.table` may be schema-qualified (`cad.calls`).
public final class PostgresSource: RecordSource, @unchecked Sendable {
    // @unchecked: the connection is a thread-safe postgres-nio connection; nothing else is mutable.
    public let path: String
    private let connection: PostgresConnection
    private let logger = Logger(label: "opendata.postgres")

    /// Connects to the database at `url`.
    public init(url: String) throws(StoreError) {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty,
              let user = components.user, !user.isEmpty else {
            throw .invalidArgument("\(Self.redact(url)): a PostgreSQL store is postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let database = String(components.path.drop { $0 == "/" })
        let password = components.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let redacted = Self.redact(url)
        path = redacted
        var tls = PostgresConnection.Configuration.TLS.disable
        switch mode {
        case "disable": break
        case "require", "verify-full":
            do {
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            } catch {
                throw .io(path: redacted, reason: "cannot set up TLS (\(error))")
            }
        default:
            throw .invalidArgument("\(redacted): sslmode must be disable or require")
        }
        let configuration = PostgresConnection.Configuration(host: host, port: components.port ?? 5432, username: user,
                                                             password: password, database: database.isEmpty ? user : database, tls: tls)
        let logger = self.logger
        connection = try Self.blocking(redacted) {
            try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        }
    }

    deinit {
        // Closed before it is released (postgres-nio requires it), waiting on its event loop's future.
        let closing: EventLoopFuture<Void> = connection.close()
        try? closing.wait()
    }

    /// `postgresql://user:secret@host/db` → `postgresql://user@host/db`.
    static func redact(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "postgresql://…" }
        components.password = nil
        return components.string ?? "postgresql://…"
    }

    // MARK: Running queries

    /// Runs `body` on the cooperative pool and waits for it (the commands are synchronous).
    static func blocking<T: Sendable>(_ path: String, _ body: @escaping @Sendable () async throws -> T) throws(StoreError) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                box.result = .success(try await body())
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        switch box.result {
        case let .success(value)?: return value
        case let .failure(error as StoreError)?: throw error
        case let .failure(error as PSQLError)?:
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            throw .io(path: path, reason: "PostgreSQL: \(message)")
        case let .failure(error)?: throw .io(path: path, reason: "PostgreSQL: \(error)")
        case nil: throw .io(path: path, reason: "PostgreSQL: the query did not finish")
        }
    }

    /// Every row of `sql` as text cells (nil for NULL).
    func rows(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws(StoreError) -> [[String?]] {
        let connection = self.connection, logger = self.logger
        return try Self.blocking(path) { try await Self.collect(sql, binds, on: connection, logger: logger) }
    }

    /// Runs one statement and returns every row as text cells.
    static func collect(_ sql: String, _ binds: PostgresBindings, on connection: PostgresConnection,
                        logger: Logger) async throws -> [[String?]] {
        var result: [[String?]] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            result.append(row.map { cell in cell.bytes.map { String(buffer: $0) } })
        }
        return result
    }

    /// Runs statements in one transaction; `body` gets a function running one statement
    /// and returning its rows. Any failure rolls everything back.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (_ run: @escaping @Sendable (String, PostgresBindings) async throws -> [[String?]]) async throws -> T) throws(StoreError) -> T {
        let connection = self.connection, logger = self.logger
        return try Self.blocking(path) {
            let run: @Sendable (String, PostgresBindings) async throws -> [[String?]] = { sql, binds in
                try await PostgresSource.collect(sql, binds, on: connection, logger: logger)
            }
            _ = try await run("BEGIN", PostgresBindings())
            do {
                let value = try await body(run)
                _ = try await run("COMMIT", PostgresBindings())
                return value
            } catch {
                _ = try? await run("ROLLBACK", PostgresBindings())
                throw error
            }
        }
    }

    static func binds(_ values: [String]) -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        return binds
    }

    // MARK: RecordSource (each call's contract is documented on the protocol)

    /// Column names and their PostgreSQL types (`information_schema.columns.data_type`), in order.
    func columnTypes(of table: String) throws(StoreError) -> [(name: String, type: String)]? {
        let (schema, name) = PostgresSQL.split(table)
        let rows = try rows("""
            SELECT column_name::text, data_type::text FROM information_schema.columns
            WHERE table_schema = coalesce($1, current_schema()) AND table_name = $2 ORDER BY ordinal_position
            """, { var binds = PostgresBindings(); binds.append(schema); binds.append(name); return binds }())
        guard !rows.isEmpty else { return nil }
        return rows.map { ($0[0] ?? "", $0[1] ?? "") }
    }

    /// The base table `table` names (``RecordSource/baseTable(of:)``): resolved by the server's own
    /// name lookup (`to_regclass`: case folding, the search path), and a view over one table
    /// followed to it (`information_schema.view_table_usage`). `schema.table`, without the schema
    /// when it is `public`.
    public func baseTable(of table: String) throws(StoreError) -> String? {
        var binds = PostgresBindings()
        binds.append(table)
        guard let row = try rows("""
            SELECT n.nspname::text, c.relname::text, c.relkind::text FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)
            """, binds).first, let schema = row[0], let name = row[1] else { return nil }
        func label(_ schema: String, _ name: String) -> String { (schema == "public" ? name : "\(schema).\(name)").lowercased() }
        guard row[2] == "v" || row[2] == "m" else { return label(schema, name) }
        var viewBinds = PostgresBindings()
        viewBinds.append(schema)
        viewBinds.append(name)
        let bases = try rows("""
            SELECT DISTINCT table_schema::text, table_name::text FROM information_schema.view_table_usage
            WHERE view_schema = $1 AND view_name = $2
            """, viewBinds)
        if bases.count == 1, let baseSchema = bases[0][0], let baseName = bases[0][1] { return label(baseSchema, baseName) }
        return label(schema, name)
    }

    /// The days imported for `column` of `table`, from the loading job's `opendata_coverage` table
    /// (`table_name`, `column_name`, `first_day`, `last_day` as dates; ``ImportCoverage``), or nil
    /// when there is no such table or it names nothing of `table`.
    public func coveredDays(of table: String, column: String) throws(StoreError) -> [ClosedRange<String>]? {
        guard try rows("SELECT to_regclass('\(ImportCoverage.table)')::text").first?.first??.isEmpty == false else { return nil }
        var binds = PostgresBindings()
        binds.append(PostgresSQL.split(table).name)
        let found = try rows("""
            SELECT column_name::text, to_char(first_day::date, 'YYYY-MM-DD'), to_char(last_day::date, 'YYYY-MM-DD')
            FROM \(ImportCoverage.table) WHERE lower(table_name) = lower($1)
            """, binds)
        if found.isEmpty { return nil }
        return found.compactMap { row in
            guard row[0] == column, let first = row[1], let last = row[2], first <= last else { return nil }
            return first...last
        }
    }

    public func columns(of table: String) throws(StoreError) -> [String]? {
        try columnTypes(of: table)?.map(\.name)
    }

    public func rowCount(of table: String) throws(StoreError) -> Int {
        Int(try rows("SELECT count(*)::text FROM \(PostgresSQL.quote(table))").first?.first??.description ?? "0") ?? 0
    }

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
        let connection = self.connection, logger = self.logger
        progress?(nil)
        let columns: [Tabular.Column] = try Self.blocking(path) {
            // Naive timestamps are local time in the policy's zone (and shown so).
            _ = try await connection.query(PostgresQuery(unsafeSQL: "SELECT set_config('TimeZone', $1, false)", binds: Self.binds([zone])),
                                           logger: logger).collect()
            var columns = names.map { Tabular.Column(name: $0) }
            var batches = names.map { _ in ValueBatch() }
            var rows = 0
            var binds = PostgresBindings()
            for argument in arguments {
                switch argument {
                case let .text(value): binds.append(value)
                case let .time(value): binds.append(value)
                }
            }
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
                for (index, cell) in row.enumerated() where index < batches.count {
                    if let bytes = cell.bytes {
                        bytes.withUnsafeReadableBytes { batches[index].append(utf8: $0) }
                    } else {
                        batches[index].appendNull()
                    }
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
            return columns
        }
        return plan.finish(columns, pseudonymizer: pseudonymizer)
    }

    public func applyRetention(_ rule: RetentionRule, dryRun: Bool, auditID: String?) throws(StoreError) -> RetentionResult {
        guard let types = try columnTypes(of: rule.table) else { throw .noSuchTable(rule.table) }
        for column in [rule.measuredFrom] + (rule.keepIf.map { [$0] } ?? []) where !types.contains(where: { $0.name == column }) {
            throw .noSuchColumn(table: rule.table, column: column)
        }
        let table = PostgresSQL.quote(rule.table)
        let measured = PostgresSQL.timestamp(rule.measuredFrom, type: types.first { $0.name == rule.measuredFrom }?.type ?? "text")
        let held = rule.keepIf.map { SQL.isTrue($0) } ?? "false"
        let cutoff = rule.cutoff
        let tally = """
            SELECT count(*) FILTER (WHERE \(measured) IS NULL)::text,
                   count(*) FILTER (WHERE \(measured) < $1 AND \(held))::text,
                   count(*) FILTER (WHERE \(measured) < $1 AND NOT \(held))::text FROM \(table)
            """
        let zone = rule.naiveZone?.identifier ?? "UTC"
        let counts: [String?] = try transaction { run in
            // Naive timestamps are local time in the policy's zone, for this transaction only.
            _ = try await run("SELECT set_config('TimeZone', $1, true)", Self.binds([zone]))
            var binds = PostgresBindings()
            binds.append(cutoff)
            let found = try await run(tally, binds).first ?? []
            guard !dryRun else { return found }
            if let share = rule.maxShare {
                let rows = Int((try await run("SELECT count(*)::text FROM \(table)", PostgresBindings()).first?.first ?? nil) ?? "0") ?? 0
                let would = Int(found[2] ?? "0") ?? 0
                if Double(would) > share * Double(rows) {
                    throw StoreError.massDeletion(table: rule.table, wouldDelete: would, rows: rows, maxShare: share)
                }
            }
            let deleted = try await run("WITH gone AS (DELETE FROM \(table) WHERE \(measured) < $1 AND NOT \(held) RETURNING 1) SELECT count(*)::text FROM gone", binds).first?.first ?? "0"
            if let auditID {
                _ = try await run("CREATE TABLE IF NOT EXISTS opendata_retention (id text PRIMARY KEY, deleted bigint NOT NULL, held bigint NOT NULL, undated bigint NOT NULL)", PostgresBindings())
                var audit = PostgresBindings()
                audit.append(auditID)
                audit.append(Int(deleted ?? "0") ?? 0)
                audit.append(Int(found[1] ?? "0") ?? 0)
                audit.append(Int(found[0] ?? "0") ?? 0)
                _ = try await run("INSERT INTO opendata_retention (id, deleted, held, undated) VALUES ($1, $2, $3, $4)", audit)
            }
            return [found[0], found[1], deleted]
        }
        func number(_ index: Int) -> Int { counts.indices.contains(index) ? Int(counts[index] ?? "0") ?? 0 : 0 }
        return RetentionResult(deleted: number(2), held: number(1), undated: number(0), dryRun: dryRun)
    }

    public func retentionRecord(id: String) throws(StoreError) -> RetentionResult? {
        guard try columns(of: "opendata_retention") != nil else { return nil }
        guard let row = try rows("SELECT deleted::text, held::text, undated::text FROM opendata_retention WHERE id = $1", Self.binds([id])).first else {
            return nil
        }
        return RetentionResult(deleted: Int(row[0] ?? "0") ?? 0, held: Int(row[1] ?? "0") ?? 0, undated: Int(row[2] ?? "0") ?? 0, dryRun: false)
    }

    public func ledgerBinding() throws(StoreError) -> LedgerBinding? {
        guard try columns(of: "opendata_ledger") != nil,
              let row = try rows("SELECT state_id, state_path, bound_at::text FROM opendata_ledger LIMIT 1").first else { return nil }
        return LedgerBinding(stateID: row[0] ?? "", statePath: row[1] ?? "",
                             boundAt: row[2].flatMap { PostgresSQL.parseTimestamp($0) } ?? Date(timeIntervalSince1970: 0))
    }

    public func bindLedger(_ binding: LedgerBinding) throws(StoreError) {
        let _: Bool = try transaction { run in
            _ = try await run("CREATE TABLE IF NOT EXISTS opendata_ledger (state_id text NOT NULL, state_path text NOT NULL, bound_at timestamptz NOT NULL)", PostgresBindings())
            _ = try await run("LOCK TABLE opendata_ledger IN EXCLUSIVE MODE", PostgresBindings())
            guard try await run("SELECT count(*)::text FROM opendata_ledger", PostgresBindings()).first?.first == "0" else { return false }
            var binds = PostgresBindings()
            binds.append(binding.stateID)
            binds.append(binding.statePath)
            binds.append(binding.boundAt)
            _ = try await run("INSERT INTO opendata_ledger (state_id, state_path, bound_at) VALUES ($1, $2, $3)", binds)
            return true
        }
    }

    public func contains(_ value: String, in column: String, of table: String) throws(StoreError) -> Bool {
        try rows("SELECT EXISTS (SELECT 1 FROM \(PostgresSQL.quote(table)) WHERE \(PostgresSQL.quote(column))::text = $1)::text",
                 Self.binds([value])).first?.first == "true"
    }

    public func distinctValues(of column: String, in table: String, limit: Int) throws(StoreError) -> [String]? {
        var binds = PostgresBindings()
        binds.append(limit + 1)
        let values = try rows("SELECT DISTINCT \(PostgresSQL.quote(column))::text FROM \(PostgresSQL.quote(table)) WHERE \(PostgresSQL.quote(column)) IS NOT NULL LIMIT $1", binds)
            .compactMap { $0.first ?? nil }
        return values.count > limit ? nil : values
    }

    public func firstNonNumber(in column: String, of table: String) throws(StoreError) -> String? {
        try rows("""
            SELECT \(PostgresSQL.quote(column))::text FROM \(PostgresSQL.quote(table))
            WHERE \(PostgresSQL.quote(column)) IS NOT NULL AND \(PostgresSQL.quote(column))::text !~ '^[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?$' LIMIT 1
            """).first?.first ?? nil
    }

    public func firstNonTimestamp(in column: String, of table: String) throws(StoreError) -> String? {
        guard let type = try columnTypes(of: table)?.first(where: { $0.name == column })?.type else { return nil }
        if type.hasPrefix("timestamp") || type == "date" { return nil }
        return try rows("""
            SELECT \(PostgresSQL.quote(column))::text FROM \(PostgresSQL.quote(table))
            WHERE \(PostgresSQL.quote(column)) IS NOT NULL AND \(PostgresSQL.quote(column))::text !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?([zZ]|[-+][0-9]{2}(:?[0-9]{2})?)?)?$' LIMIT 1
            """).first?.first ?? nil
    }
}

/// Holds what a detached task produced, for the thread waiting on it.
private final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, any Error>?
    var result: Result<T, any Error>? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
