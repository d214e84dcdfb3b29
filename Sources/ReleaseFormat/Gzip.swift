import CZlib
import Dispatch
import Foundation
import Tabular

/// Gzip (RFC 1952) of data held in memory, for files the publisher rebuilds from published
/// ones (the cumulative files of every release).
public enum Gzip {
    /// `data` as gzip members of ``GzipFileWriter/chunkSize`` bytes each, exactly as
    /// ``GzipFileWriter`` writes them (the same bytes give the same file), compressed on every core.
    ///
    /// - Throws: ``ReleaseFormatError/crypto(_:)`` when zlib cannot compress a chunk.
    public static func compress(_ data: Data, level: Int32 = GzipFileWriter.defaultLevel) throws(ReleaseFormatError) -> Data {
        let size = GzipFileWriter.chunkSize
        let count = max((data.count + size - 1) / size, 1)
        let members = Parallel.map(count) { index in
            let start = data.startIndex + index * size
            return GzipFileWriter.member(Data(data[start..<min(start + size, data.endIndex)]), level: level)
        }
        var result = Data()
        for member in members {
            guard !member.isEmpty else { throw .crypto("zlib could not compress a chunk") }
            result.append(member)
        }
        return result
    }

    /// The uncompressed bytes of a gzip file of one or more members. Refuses damaged,
    /// truncated or trailing data: `file` names it in the error.
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when zlib cannot start, or the data is empty, damaged,
    ///   cut short or followed by bytes that are not another gzip member.
    public static func decompress(_ data: Data, file: String) throws(ReleaseFormatError) -> Data {
        var stream = z_stream()
        // 15 + 16: a gzip wrapper is required, with the largest window.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .io(path: file, reason: "cannot start gzip decompression")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var failure: String?
        data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            guard let base = input.bindMemory(to: Bytef.self).baseAddress else {
                failure = "the file is empty"
                return
            }
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = uInt(input.count)
            while true {
                let (status, produced) = buffer.withUnsafeMutableBytes { out -> (Int32, Int) in
                    stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_out = uInt(out.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, out.count - Int(stream.avail_out))
                }
                output.append(contentsOf: buffer[0..<produced])
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    // Another member may follow; anything else after the end is damage.
                    if stream.avail_in == 0 { return }
                    guard stream.next_in.pointee == 0x1F else {
                        failure = "bytes after the end of the gzip data"
                        return
                    }
                    inflateReset(&stream)
                case Z_BUF_ERROR where stream.avail_in == 0:
                    failure = "the gzip data is cut short"
                    return
                case Z_BUF_ERROR:
                    continue
                default:
                    failure = "the gzip data is damaged (zlib error \(status))"
                    return
                }
            }
        }
        if let failure { throw .io(path: file, reason: failure) }
        return output
    }
}
