import Foundation
import GRDB
import Testing
import TestSupport

/// PostgreSQL as a source of records, against a real server (`.ci/run` installs and starts one on
/// loopback; OPENDATA_TEST_POSTGRES names it). The same rows released from SQLite and from
/// PostgreSQL give the same record-level file; retention deletes in PostgreSQL with its audit
/// record; `policy check --store` reads PostgreSQL's catalog.
@Suite(.serialized) struct PostgresSourceTests {
    static let url = ProcessInfo.processInfo.environment["OPENDATA_TEST_POSTGRES"]
        ?? "postgresql://opendata:opendata@127.0.0.1:5432/opendata_test"

    /// psql against the test database, or nil when psql is not installed.
    static func psql(_ sql: String) throws -> (status: Int32, output: String)? {
        guard OutsideTool.path("psql") != nil else { return nil }
        return try OutsideTool.run("psql", [url, "-v", "ON_ERROR_STOP=1", "-qtAc", sql])
    }

    /// Whether the test server answers (checked once).
    static let serverReachable: Bool = ((try? psql("SELECT 1"))??.status) == 0

    /// Skips a test, visibly, without a server on a local run; under CI the test runs and fails.
    static let needsServer = OutsideTool.requires(serverReachable, "a PostgreSQL server at \(url)")

    /// True when the server answers; under CI, a missing server fails the running test.
    static func serverAvailable(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if serverReachable { return true }
        Issue.record("a PostgreSQL server is required at \(url)", sourceLocation: sourceLocation)
        return false
    }

    @Test(needsServer) func theSameRowsFromSQLiteAndPostgreSQLGiveTheSameRecordFile() throws {
        guard Self.serverAvailable() else { return }
        let folder = TestSupport.temporaryFolder("postgres")
        let demo = try CLI.run(["demo", "--workdir", folder + "/demo", "--records", "20000", "--days", "2", "--seed", "12", "--today", "2026-11-23"])
        #expect(demo.status == 0, "\(demo.stderr)")
        // The complaints table, in a schema of its own, typed as a department's database would type it.
        let csv = folder + "/complaints.csv"
        let export = try OutsideTool.run("python3", ["-c", """
            import csv, sqlite3, sys
            db = sqlite3.connect(sys.argv[1]); out = csv.writer(open(sys.argv[2], 'w', newline=''))
            cursor = db.execute('SELECT * FROM complaints'); out.writerow([d[0] for d in cursor.description])
            for row in cursor: out.writerow(['' if v is None else v for v in row])
            """, folder + "/demo/store.sqlite", csv])
        #expect(export.status == 0, "\(export.output)")
        let load = try #require(try Self.psql("""
            DROP SCHEMA IF EXISTS cad CASCADE; DROP TABLE IF EXISTS opendata_ledger, opendata_retention;
            CREATE SCHEMA cad;
            CREATE TABLE cad.complaints (complaint_id bigint PRIMARY KEY, received_at timestamptz NOT NULL, closed_at timestamptz,
              complainant_name text, complainant_phone text, complainant_age bigint, complainant_gender text, complainant_race text,
              district text, allegation text, finding text, officer_badge text, narrative text, legal_hold boolean NOT NULL);
            """))
        #expect(load.status == 0, "\(load.output)")
        let copy = try #require(try Self.psql("\\copy cad.complaints FROM '\(csv)' CSV HEADER"))
        #expect(copy.status == 0, "\(copy.output)")
        let loaded = Int(try #require(try Self.psql("SELECT count(*) FROM cad.complaints")).output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        // The demo's policy, pointed at the schema-qualified table.
        let original = try String(contentsOfFile: folder + "/demo/Policies/complaints.yaml", encoding: .utf8)
        let pgPolicy = folder + "/demo/Policies/complaints-pg.yaml"
        try original.replacingOccurrences(of: "  table: complaints\n", with: "  table: cad.complaints\n")
            .write(toFile: pgPolicy, atomically: true, encoding: .utf8)
        let check = try CLI.run(["policy", "check", "--store", Self.url, pgPolicy])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(!check.stdout.contains("opendata:opendata@") && !check.stderr.contains(":opendata@"), "the password is never shown")
        let wrong = try CLI.run(["policy", "check", "--store", Self.url, folder + "/demo/Policies/complaints.yaml"])
        #expect(wrong.status == 1 && wrong.stderr.contains("source.table 'complaints' does not exist"), "\(wrong.stderr)")

        // One publisher per source: a SQLite copy of the store (its own ledger) and the PostgreSQL database.
        let sqlite = folder + "/store.sqlite"
        try FileManager.default.copyItem(atPath: folder + "/demo/store.sqlite", toPath: sqlite)
        try DatabaseQueue(path: sqlite).write { db in try db.execute(sql: "DROP TABLE opendata_ledger") }
        func release(_ store: String, _ policy: String, _ out: String) throws -> [String] {
            let result = try CLI.run(["release", "--store", store, "--key", folder + "/demo/keys/release.key",
                                      "--pseudonym-key", folder + "/demo/pseudonym.key", "--out", folder + "/" + out,
                                      "--policy", policy, "--window", "2026-11-22"])
            #expect(result.status == 0, "\(out): \(result.stderr)")
            let file = folder + "/\(out)/complaints/2026-11-22/complaints.csv.gz"
            let text = try OutsideTool.run("gzip", ["-dc", file]).output
            return text.split(separator: "\n").map(String.init)
        }
        let fromSQLite = try release(sqlite, folder + "/demo/Policies/complaints.yaml", "FromSQLite")
        let fromPostgres = try release(Self.url, pgPolicy, "FromPostgres")
        #expect(fromSQLite.count > 10, "\(fromSQLite)")
        #expect(fromSQLite.first == fromPostgres.first, "same header")
        #expect(fromSQLite.dropFirst().sorted() == fromPostgres.dropFirst().sorted(), "the same records (in their own random orders)")
        let bound = try #require(try Self.psql("SELECT count(*) FROM opendata_ledger"))
        #expect(bound.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "the database is bound to its ledger")

        // Retention in PostgreSQL: one transaction with its audit record.
        let before = Int(try #require(try Self.psql("SELECT count(*) FROM cad.complaints")).output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let retention = try CLI.run(["retention", "--store", Self.url, "--policy", pgPolicy, "--state", folder + "/FromPostgres.private/state.sqlite",
                                     "--now", "2040-01-01", "--confirm-mass-deletion"])
        #expect(retention.status == 0, "\(retention.stderr)")
        let after = Int(try #require(try Self.psql("SELECT count(*) FROM cad.complaints")).output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let held = Int(try #require(try Self.psql("SELECT count(*) FROM cad.complaints WHERE legal_hold")).output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect(after == held && before > after, "before \(before), after \(after), held \(held)")
        let audit = try #require(try Self.psql("SELECT sum(deleted) FROM opendata_retention"))
        // Every deletion, the release's own retention run and this one, is in the audit records.
        #expect(Int(audit.output.trimmingCharacters(in: .whitespacesAndNewlines)) == loaded - after, "\(audit.output)")
    }
}
