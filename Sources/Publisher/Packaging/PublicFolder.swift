#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A folder of the published tree (`Releases/`, a dataset folder, `catalog/`,
/// `log/`), held open by a directory file descriptor so that nothing written
/// into it can be redirected elsewhere by a link someone planted.
///
/// Guarantees (POSIX.1-2008 `openat`/`mkdirat`/`renameat`/`fstatat`):
/// - a subfolder is opened with `O_DIRECTORY | O_NOFOLLOW`: a link where a
///   dataset, `catalog` or `log` folder should be is refused (exit 3), never followed;
/// - a file is written under a fresh random name created with
///   `O_CREAT | O_EXCL | O_NOFOLLOW` (a planted file or link at that name makes
///   the create fail instead of writing through it), flushed with `fsync`, then
///   renamed over its final name inside the same folder, and the folder is
///   flushed; a link at the final name is refused, never replaced;
/// - a release folder is moved in only where nothing exists: an empty folder is
///   first made with `mkdirat` (which fails on any existing entry, dangling links
///   included) and the staged release renamed over it (`rename(2)` replaces only
///   an empty directory, and fails on a link);
/// - leftovers of killed runs (`.opendata-*.tmp`) are removed by ``removeLeftovers()``.
///
/// Only the root folder (`--out`) may itself be reached through a link: that is
/// the operator's choice, made on the command line.
public final class PublicFolder {
    /// The folder's path, for messages.
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Opens (creating it with `create`) the published root folder `out`.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when `out` cannot be created or opened.
    public static func root(_ out: String, create: Bool = true) throws(PublisherError) -> PublicFolder {
        if create && mkdir(out, 0o755) != 0 && errno != EEXIST {
            throw .io(path: out, reason: "cannot create the output folder (\(String(cString: strerror(errno))))")
        }
        let fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: out, reason: "cannot open the output folder (\(String(cString: strerror(errno))))") }
        return PublicFolder(path: out, descriptor: fd)
    }

    /// Opens (creating with `create`) the subfolder `name`, never through a link.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when `name` is a link or not a folder;
    ///   ``PublisherError/io(path:reason:)`` when it cannot be created or opened.
    public func folder(_ name: String, create: Bool = true) throws(PublisherError) -> PublicFolder {
        let full = child(name)
        if create && mkdirat(descriptor, name, 0o755) != 0 && errno != EEXIST {
            throw .io(path: full, reason: "cannot create the folder (\(String(cString: strerror(errno))))")
        }
        let fd = openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ELOOP || errno == ENOTDIR { throw .refused(linkRefusal(full)) }
            throw .io(path: full, reason: "cannot open the folder (\(String(cString: strerror(errno))))")
        }
        return PublicFolder(path: full, descriptor: fd)
    }

    /// The kind of entry at `name`, without following a link; nil when there is none.
    public func entryType(_ name: String) -> mode_t? {
        var info = stat()
        guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// True when `name` exists (a link counts, dangling or not).
    public func contains(_ name: String) -> Bool { entryType(name) != nil }

    /// Reads the regular file `name`, never through a link; nil when it is absent or not a regular file.
    public func read(_ name: String) -> Data? {
        let fd = openat(descriptor, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return count == 0 ? data : nil }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    /// Replaces the file `name` with `data` atomically (see the type's guarantees).
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when `name` is a link or not a regular file;
    ///   ``PublisherError/io(path:reason:)`` when the temporary file cannot be created, written, flushed or
    ///   renamed (it is then removed and `name` left as it was).
    public func replace(_ name: String, with data: Data) throws(PublisherError) {
        let full = child(name)
        if let type = entryType(name), type != S_IFREG { throw .refused(linkRefusal(full)) }
        let temporary = ".opendata-\(Self.randomHex()).tmp"
        let fd = openat(descriptor, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: child(temporary), reason: "cannot create (\(String(cString: strerror(errno))))") }
        var failure: String?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let written = write(fd, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil && renameat(descriptor, temporary, descriptor, name) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlinkat(descriptor, temporary, 0)
            throw .io(path: full, reason: "cannot write (\(failure))")
        }
        fsync(descriptor)
    }

    /// Moves the sealed folder `staged` (outside the published tree, on the same
    /// file system) in as `name`, where nothing may exist yet.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` when something (a link, a file, a release) is already at
    ///   `name` or appears there during the move; ``PublisherError/io(path:reason:)`` when the rename fails.
    public func moveIn(_ staged: String, as name: String) throws(PublisherError) {
        let full = child(name)
        // An empty folder is the placeholder of a run killed between its mkdirat and its rename.
        if entryType(name) == S_IFDIR { unlinkat(descriptor, name, AT_REMOVEDIR) }
        if let type = entryType(name) {
            throw .refused(type == S_IFLNK ? linkRefusal(full) : "\(full) already exists; releases are never overwritten")
        }
        guard mkdirat(descriptor, name, 0o755) == 0 else {
            throw .refused("\(full) appeared while it was being published (\(String(cString: strerror(errno)))); releases are never overwritten")
        }
        guard renameat(AT_FDCWD, staged, descriptor, name) == 0 else {
            let reason = String(cString: strerror(errno))
            unlinkat(descriptor, name, AT_REMOVEDIR)
            throw .io(path: full, reason: "cannot move the release into place (\(reason))")
        }
        fsync(descriptor)
    }

    /// Refuses (exit 3, naming it) a link anywhere opendata will write in `out` for
    /// `datasets`, before a run changes anything: the index, key, snapshot, catalog
    /// and log files and folders, each dataset folder and its `latest`.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` naming the first link found, or a file where a folder should
    ///   be; ``PublisherError/io(path:reason:)`` when `out` or one of its folders cannot be created or opened.
    public static func refuseLinks(in out: String, datasets: [String]) throws(PublisherError) {
        let root = try PublicFolder.root(out)
        let files = ["index.html", "release.pub", "release.pem", "snapshot.json", "snapshot.json.minisig"]
        let folders: [(String, [String])] = [("catalog", ["data.json", "dcat-ap.jsonld"]), ("log", ["entries.json", "checkpoint", "verifier"])]
            + datasets.map { ($0, ["latest"]) }
        for name in files where root.entryType(name) == S_IFLNK { throw .refused(root.linkRefusal(root.child(name))) }
        for (name, inside) in folders where root.contains(name) {
            let folder = try root.folder(name, create: false)
            for file in inside where folder.entryType(file) == S_IFLNK { throw .refused(folder.linkRefusal(folder.child(file))) }
        }
    }

    /// Names of the entries of this folder (never following links).
    public func entries() -> [String] {
        let copy = dup(descriptor)
        guard copy >= 0, let directory = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            return []
        }
        defer { closedir(directory) }
        rewinddir(directory)
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Removes `.opendata-*.tmp` files a killed run left here.
    public func removeLeftovers() {
        for name in entries() where name.hasPrefix(".opendata-") && name.hasSuffix(".tmp") && entryType(name) != S_IFDIR {
            unlinkat(descriptor, name, 0)
        }
    }

    private func child(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    private func linkRefusal(_ full: String) -> String {
        "\(full) is a symbolic link or not what opendata writes there; it never writes through a link. Remove it (rm '\(full)') and run again"
    }

    static func randomHex() -> String {
        // The system generator (getrandom(2) on Linux): names nobody can predict and plant first.
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
    }
}
