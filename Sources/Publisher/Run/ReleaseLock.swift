import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a release output folder, so two nightly runs never
/// interleave. It is an advisory `flock` on `<out>.private/lock` (``PublisherPaths``), which the kernel
/// releases when the holder dies, so a stale lock from a killed process is
/// recovered by the next run without any cleanup. The file holds the holder's pid.
public final class ReleaseLock {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock of `paths` or refuses at once (exit 3) naming the holder's pid.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when another run holds the lock, the lock file is a link,
    ///   or the private folder is a link, not a folder or another user's; ``PublisherError/io(path:reason:)``
    ///   when the output folder, the private folder or the lock file cannot be created or opened.
    public init(_ paths: PublisherPaths) throws(PublisherError) {
        _ = try PublicFolder.root(paths.out)
        try paths.createPrivateFolder()
        path = paths.lock
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == ELOOP { throw .refused("\(path) is a symbolic link; the lock is never opened through a link. Remove it and run again") }
            throw .io(path: path, reason: "cannot open the lock file (\(String(cString: strerror(errno))))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &buffer, 32, 0)
            close(fd)
            let pid = String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .refused("another release is in progress (pid \(pid.isEmpty ? "unknown" : pid)); wait for it to finish")
        }
        ftruncate(fd, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pwrite(fd, pid, pid.count, 0)
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
