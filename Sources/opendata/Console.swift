import Foundation

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

    /// A result or progress line on standard output.
    func info(_ message: String, _ fields: [String: String] = [:]) {
        write(level: "info", message, fields, to: FileHandle.standardOutput)
    }

    /// A problem on standard error.
    func error(_ message: String, _ fields: [String: String] = [:]) {
        write(level: "error", message, fields, to: FileHandle.standardError)
    }

    private func write(level: String, _ message: String, _ fields: [String: String], to handle: FileHandle) {
        let line: String
        switch format {
        case .text:
            line = message
        case .json:
            var object: [String: String] = fields
            object["time"] = ISO8601DateFormatter().string(from: Date())
            object["level"] = level
            object["message"] = message
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        handle.write(Data((line + "\n").utf8))
    }
}
