import CLibPQ
import Foundation
import OperationalStore
#if canImport(Glibc)
import Glibc
#endif

/// One connection to a PostgreSQL server through libpq, PostgreSQL's own client library.
///
/// What it guarantees a nightly run:
/// - **It never hangs.** Connecting gives up after `connect_timeout` (10 s); TCP keepalives and
///   `tcp_user_timeout` find a peer that vanished; and every wait for an answer polls the
///   socket with a read timeout (20 s of silence by default, `?read_timeout=` in the URL), so a
///   server that stops or freezes mid-read fails the run in seconds with the host, the port
///   and the cause, never a thread waiting forever. A statement may run at most
///   `statement_timeout` (30 minutes by default) on the server.
/// - **Rows stream.** ``stream(_:_:row:)`` reads in single-row mode: the server's rows are
///   handed over one at a time as they arrive, so memory holds the caller's table, never
///   the whole result.
/// - **Errors say what happened**: refused, authentication, permission denied, no such
///   table, the server closed the connection, each with the server's own message (never
///   the password) and the SQLSTATE.
///
/// Parameters are sent as text (`$1`, `$2`, …) and typed by the server; results are read
/// as text. Not safe for concurrent use: ``PostgresSource`` serialises every call.
final class PostgresConnection {
    private let handle: OpaquePointer
    /// `host:port`, for messages.
    let server: String
    /// How long a wait for the server's answer may be silent.
    let readTimeout: TimeInterval

    /// Connects with libpq's keywords (`host`, `port`, `user`, `password`, `dbname`, `sslmode`, …).
    init(_ settings: [(String, String)], server: String, readTimeout: TimeInterval, label: String) throws(StoreError) {
        self.server = server
        self.readTimeout = readTimeout
        let keys = settings.map { strdup($0.0) }, values = settings.map { strdup($0.1) }
        defer { (keys + values).forEach { free($0) } }
        var keyPointers = keys.map { UnsafePointer<CChar>($0) } + [nil]
        var valuePointers = values.map { UnsafePointer<CChar>($0) } + [nil]
        guard let connection = PQconnectdbParams(&keyPointers, &valuePointers, 0) else {
            throw .io(path: label, reason: "PostgreSQL at \(server): libpq could not allocate a connection")
        }
        if PQstatus(connection) != CONNECTION_OK {
            let message = Self.oneLine(String(cString: PQerrorMessage(connection)))
            PQfinish(connection)
            throw .io(path: label, reason: "PostgreSQL at \(server): \(Self.cause(of: message)) (\(message))")
        }
        handle = connection
    }

    deinit {
        PQfinish(handle)
    }

    /// Every row of `sql` as text cells (nil for NULL).
    func rows(_ sql: String, _ parameters: [String?] = [], label: String) throws(StoreError) -> [[String?]] {
        var result: [[String?]] = []
        try stream(sql, parameters, label: label, singleRow: false) { cells in
            result.append(cells.map { $0.map { String(decoding: $0, as: UTF8.self) } })
        }
        return result
    }

    /// Runs `sql` and hands each row's cells (nil for NULL; the bytes are valid only during the
    /// call) to `row`, in single-row mode when `singleRow`.
    func stream(_ sql: String, _ parameters: [String?], label: String, singleRow: Bool = true,
                row: ([UnsafeRawBufferPointer?]) -> Void) throws(StoreError) {
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        var pointers = copies.map { UnsafePointer<CChar>($0) }
        guard PQsendQueryParams(handle, sql, Int32(parameters.count), nil, &pointers, nil, nil, 0) == 1 else {
            throw failure(label: label, result: nil)
        }
        if singleRow { _ = PQsetSingleRowMode(handle) }
        var problem: StoreError?
        while true {
            try waitForAnswer(label: label)
            guard let result = PQgetResult(handle) else { break }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_SINGLE_TUPLE, PGRES_TUPLES_OK:
                let columns = Int(PQnfields(result))
                var cells = [UnsafeRawBufferPointer?](repeating: nil, count: columns)
                for index in 0..<Int(PQntuples(result)) {
                    for column in 0..<columns {
                        if PQgetisnull(result, Int32(index), Int32(column)) == 1 {
                            cells[column] = nil
                        } else {
                            cells[column] = UnsafeRawBufferPointer(start: PQgetvalue(result, Int32(index), Int32(column)),
                                                                   count: Int(PQgetlength(result, Int32(index), Int32(column))))
                        }
                    }
                    row(cells)
                }
            case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                break
            default:
                // Keep reading to the end of the results so the connection is ready for the next call.
                if problem == nil { problem = failure(label: label, result: result) }
            }
        }
        if let problem { throw problem }
    }

    /// Waits until libpq has a whole answer to hand over, at most ``readTimeout`` of silence.
    private func waitForAnswer(label: String) throws(StoreError) {
        while PQisBusy(handle) == 1 {
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(readTimeout * 1000))
            if ready == 0 {
                // No PQcancel: it opens another connection and waits for the server without any timeout,
                // so a frozen server would hang it too. Closing the connection ends the session.
                throw .io(path: label, reason: "PostgreSQL at \(server): no answer for \(Int(readTimeout)) s (the server stopped, froze or the network is down); nothing was read. Check the server, or raise ?read_timeout= in the store URL for a slow one")
            }
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 || PQconsumeInput(handle) == 0 {
                throw failure(label: label, result: nil)
            }
        }
    }

    /// The error of `result` (or of the connection), as one line naming the server and the cause.
    private func failure(label: String, result: OpaquePointer?) -> StoreError {
        var message = Self.oneLine(String(cString: PQerrorMessage(handle)))
        var state = ""
        if let result {
            if let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))) { message = String(cString: primary) }
            if let code = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) { state = String(cString: code) }
        }
        if PQstatus(handle) != CONNECTION_OK {
            return .io(path: label, reason: "PostgreSQL at \(server): the server closed the connection (\(message)); nothing was read")
        }
        let cause = switch state {
        case "42501": "permission denied"
        case "42P01": "no such table"
        case "42703": "no such column"
        case "57014": "the statement timed out"
        case let code where code.hasPrefix("28"): "authentication failed"
        case let code where code.hasPrefix("57P"): "the server is shutting down"
        default: "the query failed"
        }
        return .io(path: label, reason: "PostgreSQL at \(server): \(cause): \(message)\(state.isEmpty ? "" : " (SQLSTATE \(state))")")
    }

    /// What a connection failure means, from libpq's message.
    static func cause(of message: String) -> String {
        let lower = message.lowercased()
        if lower.contains("refused") { return "connection refused (is the server running and listening on that port?)" }
        if lower.contains("timeout") || lower.contains("timed out") { return "no answer within the connect timeout" }
        if lower.contains("password") || lower.contains("authentication") { return "authentication failed" }
        if lower.contains("does not exist") { return "no such database or role" }
        if lower.contains("could not translate host name") { return "unknown host" }
        return "cannot connect"
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "; ")
    }
}
