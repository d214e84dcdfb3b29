import Foundation

/// A streaming RFC 4180 reader: quoted fields with embedded delimiters, doubled
/// quotes and line breaks, CRLF or LF line ends, an optional UTF-8 byte-order
/// mark. NUL bytes and lone carriage returns outside quotes are refused with
/// their line (they would otherwise cut a value short or merge every line into one). It reads the file in 1 MiB chunks, so memory does not grow with the file.
///
/// Every record reports the physical line it starts on, so errors can name it.
public struct CSVReader {
    /// The path as given, for error messages.
    public let path: String
    /// Field separator (`,`, `;`, tab or `|`).
    public let delimiter: UInt8
    private let input: CSVInput
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var line = 1
    private var started = false

    /// Opens `path` (plain or gzip, in `encoding`). With `delimiter` nil, the first
    /// line decides: `;` when it holds more semicolons than commas, else `,`.
    ///
    /// - Throws: ``StoreError/io(path:reason:)`` when the file cannot be opened or read or gzip
    ///   cannot start; ``StoreError/malformedCSV(file:line:column:reason:)`` when the first chunk
    ///   of gzip data is damaged or cut short.
    public init(path: String, delimiter: UInt8? = nil, encoding: CSVInput.TextEncoding = .utf8) throws(StoreError) {
        input = try CSVInput(path: path, encoding: encoding)
        self.path = path
        buffer = try input.next() ?? []
        atEnd = buffer.isEmpty
        if let delimiter {
            self.delimiter = delimiter
        } else {
            let firstLine = buffer.prefix { $0 != UInt8(ascii: "\n") }
            let semicolons = firstLine.filter { $0 == UInt8(ascii: ";") }.count
            let commas = firstLine.filter { $0 == UInt8(ascii: ",") }.count
            self.delimiter = semicolons > commas ? UInt8(ascii: ";") : UInt8(ascii: ",")
        }
    }

    /// True when the file is gzip-compressed.
    public var isGzip: Bool { input.isGzip }

    private mutating func fill() throws(StoreError) -> Bool {
        if atEnd { return false }
        guard let chunk = try input.next() else {
            atEnd = true
            return false
        }
        buffer.removeFirst(position)
        position = 0
        buffer.append(contentsOf: chunk)
        return true
    }

    private mutating func peek() throws(StoreError) -> UInt8? {
        if position >= buffer.count {
            guard try fill() else { return nil }
        }
        return buffer[position]
    }

    /// The next record and the line it starts on, or nil at the end of the file.
    /// A blank line at the very end is ignored.
    ///
    /// - Throws: ``StoreError/malformedCSV(file:line:column:reason:)`` for a NUL byte, a lone
    ///   carriage return, broken quoting, a field that is not UTF-8 or damaged gzip data;
    ///   ``StoreError/io(path:reason:)`` when reading the file fails.
    public mutating func next() throws(StoreError) -> (line: Int, fields: [String])? {
        if !started {
            started = true
            // Skip a UTF-8 byte-order mark (EF BB BF).
            if try peek() == 0xEF {
                while buffer.count < position + 3, try fill() {}
                if buffer.count >= position + 3, buffer[position + 1] == 0xBB, buffer[position + 2] == 0xBF {
                    position += 3
                }
            }
        }
        guard try peek() != nil else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var afterQuote = false
        func finish(_ bytes: [UInt8], _ fields: inout [String], _ path: String, _ line: Int) throws(StoreError) {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw .malformedCSV(file: path, line: line, column: fields.count + 1, reason: "field is not valid UTF-8; convert the file to UTF-8")
            }
            fields.append(text)
        }
        while true {
            guard let byte = try peek() else {
                if quoted && !afterQuote {
                    throw .malformedCSV(file: path, line: startLine, column: fields.count + 1,
                                        reason: "a quoted field is never closed; add the closing quote")
                }
                try finish(field, &fields, path, startLine)
                return (startLine, fields)
            }
            position += 1
            if byte == 0 {
                throw .malformedCSV(file: path, line: line, column: fields.count + 1,
                                    reason: "a NUL byte: this is binary data or UTF-16 text, not a UTF-8 CSV; export the table again as UTF-8 CSV")
            }
            if quoted && !afterQuote {
                if byte == UInt8(ascii: "\"") {
                    afterQuote = true
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
                continue
            }
            if afterQuote && byte == UInt8(ascii: "\"") {
                // A doubled quote inside a quoted field.
                field.append(byte)
                afterQuote = false
                continue
            }
            switch byte {
            case delimiter:
                try finish(field, &fields, path, startLine)
                field.removeAll(keepingCapacity: true)
                quoted = false
                afterQuote = false
            case UInt8(ascii: "\n"):
                line += 1
                try finish(field, &fields, path, startLine)
                return (startLine, fields)
            case UInt8(ascii: "\r"):
                if try peek() == UInt8(ascii: "\n") { continue }
                throw .malformedCSV(file: path, line: line, column: fields.count + 1,
                                    reason: "a carriage return not followed by a line feed (classic Mac OS line endings); convert the file to LF or CRLF line endings")
            case UInt8(ascii: "\"") where field.isEmpty && !quoted:
                quoted = true
            default:
                if afterQuote {
                    throw .malformedCSV(file: path, line: line, column: fields.count + 1,
                                        reason: "text after the closing quote of a quoted field; quote the whole field and double any quote inside it")
                }
                if byte == UInt8(ascii: "\"") {
                    throw .malformedCSV(file: path, line: line, column: fields.count + 1,
                                        reason: "a quote inside an unquoted field; quote the whole field and double the inner quote (\"\")")
                }
                field.append(byte)
            }
        }
    }
}
