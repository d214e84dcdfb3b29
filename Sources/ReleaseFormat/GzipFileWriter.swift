import CZlib
import Dispatch
import Foundation
import Tabular

/// Writes a gzip file (RFC 1952) deterministically and on every core.
///
/// The input is cut into fixed 4 MiB chunks; each chunk becomes one complete
/// gzip member (header with mtime 0, no file name, OS "unknown"; raw deflate at
/// a fixed level; CRC-32 and length trailer). Members are compressed in
/// parallel, in the background while the caller produces the next batch, and
/// written in order, and RFC 1952 §2.2 makes their concatenation
/// one valid gzip file, so `gzip -t`, `zcat` and Python's `gzip` read it whole.
/// The same bytes in give the same bytes out, whatever the thread timing. The
/// SHA-256 and size of the compressed output are computed as it is written.
public final class GzipFileWriter {
    public static let chunkSize = 4 << 20
    /// The fixed compression level of release files (part of what makes them reproducible).
    public static let defaultLevel: Int32 = 4
    public let path: String
    public let level: Int32
    private let handle: FileHandle
    private var pending: [Data] = []
    /// The batch being compressed in the background: its completion and, per chunk, its member.
    private var inFlight: (group: DispatchGroup, results: UnsafeMutableBufferPointer<[Data]>)?
    private var buffer = Data()
    private let digest = StreamingDigest(.sha256)
    private let workers: Int
    /// Compressed bytes written so far.
    public private(set) var bytesWritten = 0
    /// Uncompressed bytes received so far.
    public private(set) var bytesIn = 0

    /// Creates (or truncates) `path`.
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when the file cannot be created or opened for writing.
    public init(path: String, level: Int32 = GzipFileWriter.defaultLevel) throws(ReleaseFormatError) {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw .io(path: path, reason: "cannot create the file")
        }
        self.path = path
        self.level = level
        self.handle = handle
        workers = max(ProcessInfo.processInfo.activeProcessorCount, 1)
        buffer.reserveCapacity(Self.chunkSize)
    }

    deinit {
        // A writer abandoned after an error still lets its last batch finish before freeing it.
        if let (group, results) = inFlight {
            group.wait()
            results.deinitialize()
            results.deallocate()
        }
    }

    /// Appends uncompressed bytes.
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when writing an earlier batch fails;
    ///   ``ReleaseFormatError/crypto(_:)`` when zlib could not compress one of its chunks.
    public func write(_ data: Data) throws(ReleaseFormatError) {
        bytesIn += data.count
        var offset = data.startIndex
        while offset < data.endIndex {
            let take = min(Self.chunkSize - buffer.count, data.endIndex - offset)
            buffer.append(data[offset..<(offset + take)])
            offset += take
            if buffer.count == Self.chunkSize {
                pending.append(buffer)
                buffer = Data()
                buffer.reserveCapacity(Self.chunkSize)
                if pending.count >= workers * 2 { try flushPending() }
            }
        }
    }

    /// Compresses what is left, closes the file, and returns its size and SHA-256 (hex).
    ///
    /// - Throws: ``ReleaseFormatError/io(path:reason:)`` when writing, syncing or closing the file fails;
    ///   ``ReleaseFormatError/crypto(_:)`` when zlib cannot compress a chunk.
    public func finish() throws(ReleaseFormatError) -> (bytes: Int, sha256: String) {
        if !buffer.isEmpty || (bytesIn == 0 && pending.isEmpty) { pending.append(buffer) }
        buffer = Data()
        try flushPending()
        try writeInFlight()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw .io(path: path, reason: "cannot close (\(error.localizedDescription))")
        }
        return (bytesWritten, Encoding.hex(digest.finish()))
    }

    /// Starts compressing the pending chunks on every core and returns at once,
    /// so the caller keeps producing text meanwhile; the previous batch is
    /// written first, which keeps the members in order.
    private func flushPending() throws(ReleaseFormatError) {
        try writeInFlight()
        let chunks = pending
        pending.removeAll(keepingCapacity: true)
        // One slot, written by the background job before the group is left and read after waiting on it.
        let results = UnsafeMutableBufferPointer<[Data]>.allocate(capacity: 1)
        results.initialize(repeating: [])
        let level = self.level
        nonisolated(unsafe) let output = results
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            output[0] = Parallel.map(chunks.count) { Self.member(chunks[$0], level: level) }
        }
        inFlight = (group, results)
    }

    /// Waits for the batch being compressed, if any, and writes its members in order.
    private func writeInFlight() throws(ReleaseFormatError) {
        guard let (group, results) = inFlight else { return }
        inFlight = nil
        group.wait()
        defer {
            results.deinitialize()
            results.deallocate()
        }
        for member in results[0] {
            guard !member.isEmpty else { throw .crypto("zlib could not compress a chunk") }
            do {
                try handle.write(contentsOf: member)
            } catch {
                throw .io(path: path, reason: "write failed (\(error.localizedDescription))")
            }
            digest.update(member)
            bytesWritten += member.count
        }
    }

    /// One gzip member holding `chunk`; empty on a zlib failure.
    static func member(_ chunk: Data, level: Int32) -> Data {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return Data() }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(chunk.count)))
        var compressed = [UInt8](repeating: 0, count: bound)
        let status: Int32 = chunk.withUnsafeBytes { input in
            compressed.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(chunk.count)
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(bound)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return Data() }
        let crc = chunk.withUnsafeBytes { bytes in
            crc32(0, bytes.bindMemory(to: Bytef.self).baseAddress, uInt(chunk.count))
        }
        var member = Data([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF])
        member.append(contentsOf: compressed.prefix(Int(stream.total_out)))
        for value in [UInt32(truncatingIfNeeded: crc), UInt32(truncatingIfNeeded: chunk.count)] {
            for shift in stride(from: 0, to: 32, by: 8) { member.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
        }
        return member
    }
}
