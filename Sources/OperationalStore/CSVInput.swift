import CZlib
import Foundation

/// The bytes of a CSV export as UTF-8, whatever the file holds: plain or gzip
/// (RFC 1952, detected from its magic bytes 1F 8B, concatenated members
/// included, as `cat a.gz b.gz` makes), in UTF-8 or ISO-8859-1 (Latin-1, which
/// older Windows exports use; each byte is its own code point, so every byte
/// sequence converts and nothing is guessed). Chunks of about 1 MiB, so memory
/// does not grow with the file.
public final class CSVInput {
    /// The text encodings an export may use.
    public enum TextEncoding: String, Sendable, CaseIterable {
        case utf8 = "utf-8"
        case latin1

        /// Parses `utf-8`/`utf8` or `latin1`/`latin-1`/`iso-8859-1`.
        public init?(name: String) {
            switch name.lowercased() {
            case "utf-8", "utf8": self = .utf8
            case "latin1", "latin-1", "iso-8859-1", "iso8859-1": self = .latin1
            default: return nil
            }
        }
    }

    let path: String
    private let handle: FileHandle
    private let encoding: TextEncoding
    /// zlib's stream, at a fixed address (zlib checks that its state points back to it).
    private var stream: UnsafeMutablePointer<z_stream>?
    private var pendingInput = Data()
    private var finished = false

    init(path: String, encoding: TextEncoding) throws(StoreError) {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw .io(path: path, reason: "is a folder, not an export file; name the CSV file (plain or .gz) to import")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .io(path: path, reason: "cannot open the file for reading; check the path and permissions")
        }
        self.path = path
        self.handle = handle
        self.encoding = encoding
        let magic = (try? handle.read(upToCount: 2)) ?? Data()
        try? handle.seek(toOffset: 0)
        if magic.count == 2 && magic[magic.startIndex] == 0x1F && magic[magic.startIndex + 1] == 0x8B {
            let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            z.initialize(to: z_stream())
            // 15 + 16: a gzip wrapper is required (RFC 1952), with the largest window.
            guard inflateInit2_(z, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                z.deallocate()
                throw .io(path: path, reason: "cannot start gzip decompression")
            }
            stream = z
        }
    }

    deinit {
        if let stream {
            inflateEnd(stream)
            stream.deallocate()
        }
        try? handle.close()
    }

    /// True when the file is gzip-compressed.
    var isGzip: Bool { stream != nil }

    /// The next chunk of UTF-8 bytes, or nil at the end.
    func next() throws(StoreError) -> [UInt8]? {
        guard let raw = try nextRaw() else { return nil }
        guard encoding == .latin1 else { return raw }
        var converted: [UInt8] = []
        converted.reserveCapacity(raw.count + raw.count / 8)
        for byte in raw {
            if byte < 0x80 {
                converted.append(byte)
            } else {
                converted.append(0xC0 | (byte >> 6))
                converted.append(0x80 | (byte & 0x3F))
            }
        }
        return converted
    }

    private func read() throws(StoreError) -> Data? {
        do {
            let chunk = try handle.read(upToCount: 1 << 20)
            return chunk?.isEmpty == false ? chunk : nil
        } catch {
            throw .io(path: path, reason: "read failed (\(error.localizedDescription))")
        }
    }

    private func nextRaw() throws(StoreError) -> [UInt8]? {
        guard let stream else { return try read().map { [UInt8]($0) } }
        if finished { return nil }
        var output = [UInt8](repeating: 0, count: 1 << 20)
        var produced = 0
        while produced == 0 {
            if pendingInput.isEmpty {
                guard let chunk = try read() else {
                    finished = true
                    if stream.pointee.total_in == 0 { return nil }
                    throw .malformedCSV(file: path, line: 0, column: nil, reason: "the gzip file is cut short (truncated download or copy); fetch the export again")
                }
                pendingInput = chunk
            }
            var status: Int32 = Z_OK
            var consumed = 0
            pendingInput.withUnsafeMutableBytes { input in
                output.withUnsafeMutableBytes { out in
                    stream.pointee.next_in = input.bindMemory(to: Bytef.self).baseAddress
                    stream.pointee.avail_in = uInt(input.count)
                    stream.pointee.next_out = out.bindMemory(to: Bytef.self).baseAddress
                    stream.pointee.avail_out = uInt(out.count)
                    status = inflate(stream, Z_NO_FLUSH)
                    consumed = input.count - Int(stream.pointee.avail_in)
                    produced = out.count - Int(stream.pointee.avail_out)
                }
            }
            pendingInput.removeFirst(consumed)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                // Another gzip member may follow (concatenated files); anything else is trailing garbage.
                if pendingInput.isEmpty, let more = try read() { pendingInput = more }
                if pendingInput.isEmpty {
                    finished = true
                    return produced > 0 ? Array(output[0..<produced]) : nil
                }
                guard pendingInput.first == 0x1F else {
                    throw .malformedCSV(file: path, line: 0, column: nil, reason: "bytes after the end of the gzip data; the file is damaged")
                }
                inflateReset(stream)
            default:
                throw .malformedCSV(file: path, line: 0, column: nil, reason: "the gzip data is damaged (zlib error \(status)); fetch the export again")
            }
        }
        return Array(output[0..<produced])
    }
}
