import Foundation

/// Streams RFC 4180 CSV (UTF-8, header row, `\n` line ends, fields quoted only
/// when they hold a comma, quote or line break) straight into a deterministic
/// ``GzipFileWriter``, so the same rows always give the same file bytes.
public final class CSVGzipWriter {
    private let gzip: GzipFileWriter
    private var line = Data()
    private var pending = Data()
    /// Data rows written (the header excluded).
    public private(set) var rows = 0

    /// Creates `path` and writes the header.
    public init(path: String, header: [String], level: Int32 = GzipFileWriter.defaultLevel) throws(ReleaseFormatError) {
        gzip = try GzipFileWriter(path: path, level: level)
        try append(header.map { Optional($0) })
        rows = 0
    }

    /// Appends one row; nil fields are written empty (the data package's missing value).
    public func append(_ fields: [String?]) throws(ReleaseFormatError) {
        for (index, field) in fields.enumerated() {
            if index > 0 { pending.append(0x2C) }
            if let field { Self.escape(field, into: &pending) }
        }
        pending.append(0x0A)
        rows += 1
        if pending.count >= 1 << 20 {
            try gzip.write(pending)
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Flushes and closes; returns the compressed size and SHA-256.
    public func finish() throws(ReleaseFormatError) -> (bytes: Int, sha256: String) {
        try gzip.write(pending)
        pending = Data()
        return try gzip.finish()
    }

    static func escape(_ field: String, into data: inout Data) {
        let bytes = field.utf8
        if bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
            data.append(0x22)
            for byte in bytes {
                if byte == 0x22 { data.append(0x22) }
                data.append(byte)
            }
            data.append(0x22)
        } else {
            data.append(contentsOf: bytes)
        }
    }
}
