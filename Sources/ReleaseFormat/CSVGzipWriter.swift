import Foundation

/// Streams RFC 4180 CSV (UTF-8, header row, `\n` line ends, fields quoted only
/// when they hold a comma, quote or line break) straight into a deterministic
/// ``GzipFileWriter``, so the same rows always give the same file bytes.
public final class CSVGzipWriter {
    private let gzip: GzipFileWriter
    private var pending: [UInt8] = []
    /// Data rows written (the header excluded).
    public private(set) var rows = 0

    /// Creates `path` and writes the header.
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when the file cannot be created or written;
    ///   ``ReleaseFormatError/crypto(_:)`` when zlib cannot compress a chunk.
    public init(path: String, header: [String], level: Int32 = GzipFileWriter.defaultLevel) throws(ReleaseFormatError) {
        gzip = try GzipFileWriter(path: path, level: level)
        try append(header.map { Optional($0) })
        rows = 0
    }

    /// Appends one row; nil fields are written empty (the data package's missing value).
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when writing the file fails;
    ///   ``ReleaseFormatError/crypto(_:)`` when zlib cannot compress a chunk. Rows are buffered, so an
    ///   error may surface on a later call.
    public func append(_ fields: [String?]) throws(ReleaseFormatError) {
        for (index, field) in fields.enumerated() {
            if index > 0 { pending.append(0x2C) }
            if let field { Self.escape(field, into: &pending) }
        }
        pending.append(0x0A)
        rows += 1
        try flushIfFull()
    }

    /// Appends `rowCount` rows given column by column: per column, its distinct
    /// values and one code per row (an index into them, or −1 for missing).
    /// Each distinct value is escaped once, so writing millions of rows costs
    /// a byte copy per field. The bytes are the same as appending row by row.
    /// `progress` is called now and then with the fraction of rows written.
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when writing the file fails;
    ///   ``ReleaseFormatError/crypto(_:)`` when zlib cannot compress a chunk.
    public func append(columns: [(dictionary: [String], codes: [Int32])], rowCount: Int,
                       progress: ((Double) -> Void)? = nil) throws(ReleaseFormatError) {
        precondition(columns.allSatisfy { $0.codes.count == rowCount }, "every column needs one code per row")
        // Every distinct value escaped once, with its separator: "value," (or "value\n" in the last column).
        let fields: [(bytes: [UInt8], starts: [Int])] = columns.enumerated().map { index, column in
            let separator: UInt8 = index == columns.count - 1 ? 0x0A : 0x2C
            var bytes: [UInt8] = []
            var starts: [Int] = []
            for value in column.dictionary {
                starts.append(bytes.count)
                Self.escape(value, into: &bytes)
                bytes.append(separator)
            }
            starts.append(bytes.count)
            bytes.append(separator)  // a missing value: the separator alone
            return (bytes, starts)
        }
        let chunk = 65_536
        var row = 0
        while row < rowCount {
            let end = min(row + chunk, rowCount)
            for r in row..<end {
                for index in 0..<fields.count {
                    let code = Int(columns[index].codes[r])
                    let field = fields[index]
                    let from = code >= 0 ? field.starts[code] : field.starts[field.starts.count - 1]
                    let to = code >= 0 ? field.starts[code + 1] : field.bytes.count
                    field.bytes.withUnsafeBufferPointer { pending.append(contentsOf: UnsafeBufferPointer(rebasing: $0[from..<to])) }
                }
            }
            try flushIfFull()
            progress?(Double(end) / Double(rowCount))
            row = end
        }
        rows += rowCount
    }

    private func flushIfFull() throws(ReleaseFormatError) {
        if pending.count >= 1 << 20 {
            try gzip.write(Data(pending))
            pending.removeAll(keepingCapacity: true)
        }
    }

    /// Flushes and closes; returns the compressed size and SHA-256.
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when writing or closing the file fails;
    ///   ``ReleaseFormatError/crypto(_:)`` when zlib cannot compress a chunk.
    public func finish() throws(ReleaseFormatError) -> (bytes: Int, sha256: String) {
        try gzip.write(Data(pending))
        pending = []
        return try gzip.finish()
    }

    static func escape(_ field: String, into data: inout [UInt8]) {
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
