import Foundation
import Testing

/// Paths and helpers shared by the test targets.
public enum TestSupport {
    /// The repository root (the folder holding Package.swift).
    public static let repository: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `../shared` beside the repository: DESIGN.md, fixtures and real data.
    public static let shared = repository.deletingLastPathComponent().appendingPathComponent("shared")

    /// A path under `../shared`.
    public static func sharedPath(_ relative: String) -> String {
        shared.appendingPathComponent(relative).path
    }

    /// A path under the repository.
    public static func repositoryPath(_ relative: String) -> String {
        repository.appendingPathComponent(relative).path
    }

    /// A new empty folder under the system temporary folder.
    public static func temporaryFolder(_ label: String = "test") -> String {
        let path = NSTemporaryDirectory() + "opendata-\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `text` to `path`, creating folders.
    public static func write(_ text: String, to path: String) {
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    /// True when `needle` occurs anywhere in the bytes of the file at `path` (false when absent).
    public static func file(_ path: String, contains needle: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return data.range(of: Data(needle.utf8)) != nil
    }

    /// Every file of a SQLite database: the main file, its WAL, its shared-memory index and journal.
    public static func sqliteFiles(_ path: String) -> [String] {
        [path, path + "-wal", path + "-shm", path + "-journal"].filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// The smallest useful policy over a table of cases (`received_at`, `district`, and the extra
    /// `dropped` columns): one DP count per district, for tests of the release path around it.
    public static func casesPolicy(id: String, table: String, timezone: String, dropped: [String] = []) -> String {
        """
        policy: 1
        dataset: {id: \(id), title: Cases, description: d, publisher: p, contact: c, license: CC-BY-4.0}
        source: {table: \(table), window_by: received_at, timezone: \(timezone)}
        columns:
        \(dropped.map { "  \($0): drop\n" }.joined())  received_at:
            generalize: {time: [day, month]}
          district: keep
        outputs:
          - id: per-district
            kind: aggregate
            group_by: [district]
            keys: {district: ["1", "2"]}
            statistics: [count]
            privacy: {epsilon: 1.0}
        budget: {per_release_epsilon: 1.0}
        """
    }

    /// True under CI (`CI=true`), where a missing outside tool is a failure, not a skip.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
}

/// Running outside tools (minisign, openssl, gzip, python, frictionless, chromium) from tests.
public enum OutsideTool {
    /// The full path of `name` on PATH, or nil.
    public static func path(_ name: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// A test trait that skips the test, visibly, when one of `names` is missing on a local run;
    /// under CI=true the test always runs, and its ``available(_:sourceLocation:)`` check fails it.
    public static func needed(_ names: String...) -> ConditionTrait {
        let missing = names.filter { path($0) == nil }
        return .enabled(if: TestSupport.isCI || missing.isEmpty,
                        Comment(rawValue: "needs \(missing.joined(separator: ", ")) (CI installs it; locally: apt-get install or pip install it)"))
    }

    /// A test trait that skips the test, visibly, when `condition` is false on a local run (`what`
    /// says what is missing: a server, a Python module); under CI=true the test always runs, and
    /// its own check of the same condition fails it.
    public static func requires(_ condition: Bool, _ what: String) -> ConditionTrait {
        .enabled(if: TestSupport.isCI || condition, Comment(rawValue: "needs \(what) (CI installs and starts it)"))
    }

    /// True when the tool exists. When it does not, a local run prints why the
    /// test is skipped and returns false; under CI=true the running test also fails,
    /// since CI installs every tool the tests use.
    public static func available(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if path(name) != nil { return true }
        let message = "SKIPPED: '\(name)' is not installed (CI installs it; locally: apt-get install \(name))\n"
        FileHandle.standardError.write(Data(message.utf8))
        if TestSupport.isCI { Issue.record("\(name) is required under CI", sourceLocation: sourceLocation) }
        return false
    }

    /// Runs `name arguments…` with `input` on standard input; returns (status, stdout + stderr).
    @discardableResult
    public static func run(_ name: String, _ arguments: [String], input: String? = nil, in directory: String? = nil) throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(name) ?? name)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
