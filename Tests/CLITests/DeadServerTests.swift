import Foundation
import GRDB
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL server that goes silent or drops the connection in the middle of a
/// release: the run fails within its read timeout with exit 4, naming the server and the
/// cause, and nothing is charged or published. The server is the real one (`.ci/run`
/// starts it); between them sits a TCP relay in this process that, once the release sends
/// the statement before its read, either stops relaying (a frozen server: the sockets stay
/// open, so only a read timeout can notice) or closes both sides (a stopped server).
@Suite(.serialized) struct DeadServerTests {
    /// A one-connection-at-a-time TCP relay to `127.0.0.1:target` that fails on cue.
    final class Relay: @unchecked Sendable {
        enum Failure { case freeze, close }
        let port: UInt16
        private let listener: Int32
        private let target: UInt16
        private let failure: Failure
        private let trigger: [UInt8]
        private let lock = NSLock()
        private var failed = false

        init(to target: UInt16, failure: Failure, after trigger: String) throws {
            self.target = target
            self.failure = failure
            self.trigger = Array(trigger.utf8)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: 0, sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")),
                                      sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(descriptor, pointer, length) == 0 && listen(descriptor, 8) == 0 && getsockname(descriptor, pointer, &length) == 0
                }
            }
            guard bound else { throw POSIXError(.EADDRINUSE) }
            listener = descriptor
            port = UInt16(bigEndian: address.sin_port)
            Thread.detachNewThread { [self] in acceptLoop() }
        }

        private func acceptLoop() {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: target.bigEndian,
                                          sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
                }
                if !connected { close(client); continue }
                Thread.detachNewThread { [self] in pump(from: client, to: server, watch: true) }
                Thread.detachNewThread { [self] in pump(from: server, to: client, watch: false) }
            }
        }

        private func pump(from source: Int32, to destination: Int32, watch: Bool) {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = recv(source, &buffer, buffer.count, 0)
                if count <= 0 { close(destination); return }
                if lock.withLock({ failed }) {
                    if failure == .close { close(source); close(destination); return }
                    continue   // frozen: read and drop, answer nothing
                }
                _ = send(destination, buffer, count, Int32(MSG_NOSIGNAL))
                if watch, Self.contains(buffer[0..<count], trigger) {
                    lock.withLock { failed = true }
                    if failure == .close {
                        close(source)
                        close(destination)
                        return
                    }
                }
            }
        }

        static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
            guard !needle.isEmpty, haystack.count >= needle.count else { return false }
            var index = haystack.startIndex
            while index <= haystack.endIndex - needle.count {
                if haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
                index += 1
            }
            return false
        }
    }

    static let policy = TestSupport.casesPolicy(id: "dead-cases", table: "dead_server_cases", timezone: "UTC")

    @Test(PostgresSourceTests.needsServer, arguments: [Relay.Failure.freeze, .close])
    func aServerThatDiesMidReleaseFailsTheRunQuickly(_ failure: Relay.Failure) throws {
        guard PostgresSourceTests.serverAvailable() else { return }
        let setup = try #require(try PostgresSourceTests.psql("""
            DROP TABLE IF EXISTS dead_server_cases, opendata_ledger;
            CREATE TABLE dead_server_cases (received_at timestamptz NOT NULL, district text);
            INSERT INTO dead_server_cases SELECT '2026-11-20T10:00:00Z'::timestamptz + (i || ' seconds')::interval, (1 + i % 2)::text
              FROM generate_series(1, 500) AS i;
            """))
        #expect(setup.status == 0, "\(setup.output)")
        let folder = TestSupport.temporaryFolder("dead-server")
        TestSupport.write(Self.policy, to: folder + "/cases.yaml")
        let keys = try CLI.run(["keys", "generate", "--out", folder + "/release", "--unencrypted"])
        #expect(keys.status == 0, "\(keys.stderr)")
        let url = try #require(URLComponents(string: PostgresSourceTests.url))
        let relay = try Relay(to: UInt16(url.port ?? 5432), failure: failure, after: "set_config('TimeZone'")
        var through = url
        through.port = Int(relay.port)
        through.queryItems = [URLQueryItem(name: "read_timeout", value: "5")]
        let store = try #require(through.string)
        let started = Date()
        let run = try CLI.run(["release", "--store", store, "--key", folder + "/release.key", "--policy", folder + "/cases.yaml",
                               "--out", folder + "/Releases", "--window", "2026-11-20"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(run.status == 4, "\(failure): \(run.stderr)")
        #expect(elapsed < 30, "\(failure): took \(elapsed) s")
        #expect(run.stderr.contains("127.0.0.1:\(relay.port)"), "the message names the server: \(run.stderr)")
        #expect(run.stderr.contains(failure == .freeze ? "no answer for 5 s" : "closed the connection"), "\(run.stderr)")
        #expect(!run.stderr.contains(":opendata@"), "the password is never shown")
        // Nothing published or charged.
        #expect(!FileManager.default.fileExists(atPath: folder + "/Releases/dead-cases"))
        let state = folder + "/Releases.private/state.sqlite"
        if FileManager.default.fileExists(atPath: state) {
            #expect(try DatabaseQueue(path: state).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger") } == 0)
        }
    }

    @Test(PostgresSourceTests.needsServer) func connectionProblemsNameTheServerAndTheCause() throws {
        guard PostgresSourceTests.serverAvailable() else { return }
        let folder = TestSupport.temporaryFolder("pg-messages")
        TestSupport.write(Self.policy, to: folder + "/cases.yaml")
        // A closed port.
        let closed = try CLI.run(["policy", "check", "--store", "postgresql://opendata:opendata@127.0.0.1:1/opendata_test", folder + "/cases.yaml"])
        #expect(closed.status == 4 && closed.stderr.contains("127.0.0.1:1") && closed.stderr.contains("connection refused"), "\(closed.stderr)")
        // A wrong password.
        var url = try #require(URLComponents(string: PostgresSourceTests.url))
        url.password = "wrong-password"
        let denied = try CLI.run(["policy", "check", "--store", try #require(url.string), folder + "/cases.yaml"])
        #expect(denied.status == 4 && denied.stderr.contains("authentication failed") && !denied.stderr.contains("wrong-password"), "\(denied.stderr)")
        // A table the user may not read (owned by another role): permission denied, not "does not exist".
        let create = try OutsideTool.run("su", ["postgres", "-c", """
            psql -q -d opendata_test -c "DROP TABLE IF EXISTS dead_server_cases; CREATE TABLE dead_server_cases (received_at timestamptz NOT NULL, district text);"
            """])
        #expect(create.status == 0, "\(create.output)")
        let check = try CLI.run(["policy", "check", "--store", PostgresSourceTests.url, folder + "/cases.yaml"])
        #expect(check.status == 4 && check.stderr.contains("permission denied"), "\(check.stderr)")
        _ = try OutsideTool.run("su", ["postgres", "-c", "psql -q -d opendata_test -c 'DROP TABLE IF EXISTS dead_server_cases'"])
    }
}
