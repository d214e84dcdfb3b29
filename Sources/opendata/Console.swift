import Foundation
import ReleaseFormat

/// How a command writes for people or for machines (`--log-format`).
///
/// Text: results on standard output, problems on standard error, one line
/// each. JSON: every line is one JSON object (`time`, `level`, `message`, and
/// fields), for cron mail filters and journald.
struct Console: Sendable {
    enum Format: String, CaseIterable, Sendable {
        case text, json
    }

    let format: Format

    /// A field of a JSON log line, typed as JSON types it (a count is a number, a flag a boolean).
    enum Value: Sendable, Encodable {
        case text(String)
        case integer(Int)
        case number(Double)
        case flag(Bool)

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case let .text(value): try container.encode(value)
            case let .integer(value): try container.encode(value)
            case let .number(value): try container.encode(value)
            case let .flag(value): try container.encode(value)
            }
        }
    }

    /// A result or progress line on standard output.
    func info(_ message: String, _ fields: [String: String] = [:]) {
        write(level: "info", message, fields.mapValues { .text($0) }, to: FileHandle.standardOutput)
    }

    /// A result line with typed fields.
    func info(_ message: String, typed fields: [String: Value]) {
        write(level: "info", message, fields, to: FileHandle.standardOutput)
    }

    /// A problem on standard error.
    func error(_ message: String, _ fields: [String: String] = [:]) {
        write(level: "error", message, fields.mapValues { .text($0) }, to: FileHandle.standardError)
    }

    /// A problem with typed fields.
    func error(_ message: String, typed fields: [String: Value]) {
        write(level: "error", message, fields, to: FileHandle.standardError)
    }

    private func write(level: String, _ message: String, _ fields: [String: Value], to handle: FileHandle) {
        let line: String
        switch format {
        case .text:
            line = message
        case .json:
            var object = fields
            object["time"] = .text(ISO8601DateFormatter().string(from: Date()))
            object["level"] = .text(level)
            object["message"] = .text(message)
            let data = (try? CanonicalJSON.encode(object)) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        handle.write(Data((line + "\n").utf8))
    }
}
