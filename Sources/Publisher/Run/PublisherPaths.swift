import Foundation

/// Where a publisher keeps what must never be published: beside the output
/// folder, never inside it (DESIGN.md, "Release-level guarantee": nothing exact
/// about protected records leaves through the public folder).
///
/// For `--out /srv/opendata/Releases` the private folder is
/// `/srv/opendata/Releases.private/` (mode 0700), holding the state database
/// `state.sqlite` (ledger, stored noisy results, history, retention audit;
/// mode 0600), the run `lock`, and `incoming/<dataset>/<release>/`, where a
/// release is written and sealed before one rename makes it visible. A web
/// server that serves `Releases/` serves none of it. The rename needs both
/// folders on one file system, as siblings normally are.
public struct PublisherPaths: Sendable, Equatable {
    /// The published folder.
    public let out: String
    /// The private folder beside it.
    public let privateFolder: String

    public init(out: String) {
        let trimmed = out.count > 1 && out.hasSuffix("/") ? String(out.dropLast()) : out
        self.out = trimmed
        privateFolder = trimmed + ".private"
    }

    /// The default state database.
    public var state: String { (privateFolder as NSString).appendingPathComponent("state.sqlite") }
    /// The lock a release run holds.
    public var lock: String { (privateFolder as NSString).appendingPathComponent("lock") }
    /// Where releases are staged.
    public var incoming: String { (privateFolder as NSString).appendingPathComponent("incoming") }

    /// The staging folder of `release` of `dataset`.
    public func staging(dataset: String, release: String) -> String {
        ((incoming as NSString).appendingPathComponent(dataset) as NSString).appendingPathComponent(release)
    }

    /// Creates the private folder (mode 0700) if needed, and refuses one that is a
    /// link or belongs to another user: the ledger and the staged releases would
    /// then live wherever someone else chose.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the folder cannot be created or inspected;
    ///   ``PublisherError/refused(_:)`` when it is a link, not a folder, or belongs to another user.
    public func createPrivateFolder() throws(PublisherError) {
        if mkdir(privateFolder, 0o700) != 0 && errno != EEXIST {
            throw .io(path: privateFolder, reason: "cannot create the private folder beside the output (\(String(cString: strerror(errno))))")
        }
        var info = stat()
        guard lstat(privateFolder, &info) == 0 else {
            throw .io(path: privateFolder, reason: "cannot inspect the private folder (\(String(cString: strerror(errno))))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw .refused("\(privateFolder) is a symbolic link or not a folder; the private state is never kept through a link. Remove it and run again")
        }
        guard info.st_uid == geteuid() else {
            throw .refused("\(privateFolder) belongs to user \(info.st_uid), not to this user (\(geteuid())); the private state must be the publisher's own")
        }
        if info.st_mode & 0o777 != 0o700 { chmod(privateFolder, 0o700) }
    }

    /// Whether this user may write `path` (access(2) with W_OK). Tests running as root, whom
    /// permissions do not stop, replace it to stand for a user they would.
    @TaskLocal static var canWrite: @Sendable (String) -> Bool = { access($0, W_OK) == 0 }

    /// Refuses, before anything changes, a run that could not finish what it starts: a state database
    /// inside the published folder (it would be served, ledger and exact results with it), and a state
    /// database or a folder the run writes that this user cannot write (the run would charge the
    /// ledger, then fail to publish or to record). The folders checked are those that exist of the
    /// published folder, its `catalog` and `log`, each dataset's folder and its catalog folder, the
    /// private folder and `incoming`; a published release's own folder is never written again. A dry
    /// run (`writing` false) writes none of them, and only the first check applies.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` for a state inside the published folder;
    ///   ``PublisherError/io(path:reason:)`` naming the first place this user cannot write.
    public func refuseUnwritable(state: String, datasets: [String], writing: Bool = true) throws(PublisherError) {
        func resolved(_ path: String) -> String {
            // The deepest existing folder with its links resolved (as StateStore.bindPublishedFolder
            // resolves the published folder), then the rest as written.
            var head = URL(fileURLWithPath: path).standardizedFileURL, tail: [String] = []
            while !FileManager.default.fileExists(atPath: head.path), head.path != "/" {
                tail.insert(head.lastPathComponent, at: 0)
                head.deleteLastPathComponent()
            }
            return ([head.resolvingSymlinksInPath().path] + tail).joined(separator: "/").replacingOccurrences(of: "//", with: "/")
        }
        let published = resolved(out), statePath = resolved(state)
        if statePath.hasPrefix(published.hasSuffix("/") ? published : published + "/") {
            throw .refused("the state database \(state) lies inside the published folder \(out); it holds the ledger and exact results and must never be served. Keep it beside the folder (the default is \(self.state)) and run again")
        }
        guard writing else { return }
        var folders = [out, out + "/catalog", out + "/log", privateFolder, incoming]
        for dataset in datasets { folders += [out + "/" + dataset, out + "/catalog/" + dataset] }
        let unwritable = folders.first { path in
            var info = stat()
            return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR && !Self.canWrite(path)
        }
        if let unwritable {
            throw .io(path: unwritable, reason: "this user cannot write this folder, which the release writes; nothing was read, charged or published. Give the publishing user write access (or run as it) and run again")
        }
        if FileManager.default.fileExists(atPath: state) && !Self.canWrite(state) {
            throw .io(path: state, reason: "this user cannot write the state database, where the release records its charges; nothing was read, charged or published. Make it writable by the publishing user (chmod 600) and run again")
        }
    }

    /// Refuses (exit 3, before anything changes) a link, or anything but a folder, where a run
    /// stages releases (`incoming`, each dataset's and release's folder in it), and a link, or
    /// anything but a file, at the state database or its journals. A run deletes leftovers in
    /// `incoming` and writes the state: through a planted link it would delete or write files
    /// elsewhere. Nothing here is ever followed.
    ///
    /// - Throws: ``PublisherError/refused(_:)`` naming the first link, or entry of the wrong kind, found.
    public func refuseLinks(state: String) throws(PublisherError) {
        func type(_ path: String) -> mode_t? {
            var info = stat()
            return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
        }
        for path in [state, state + "-journal", state + "-wal", state + "-shm"] {
            if let found = type(path), found != S_IFREG {
                throw .refused("\(path) is a symbolic link or not a file; the state database is never opened through a link. Remove it (restore the state from its backup if it was moved) and run again")
            }
        }
        guard let found = type(incoming) else { return }
        guard found == S_IFDIR else {
            throw .refused("\(incoming) is a symbolic link or not a folder; releases are never staged through a link. Remove it and run again")
        }
        for dataset in (try? FileManager.default.contentsOfDirectory(atPath: incoming)) ?? [] {
            let folder = (incoming as NSString).appendingPathComponent(dataset)
            guard type(folder) == S_IFDIR else {
                throw .refused("\(folder) is a symbolic link or not a folder; releases are never staged through a link. Remove it and run again")
            }
            for release in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                let staged = (folder as NSString).appendingPathComponent(release)
                guard type(staged) == S_IFDIR else {
                    throw .refused("\(staged) is a symbolic link or not a folder; releases are never staged through a link. Remove it and run again")
                }
            }
        }
    }
}
