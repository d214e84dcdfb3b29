import Foundation
import GRDB
import Testing
import TestSupport

/// A publisher of its own after one night: the demo city's store (without the demo's
/// ledger binding), its keys and policies, and `Releases/` holding the calls dataset's
/// 2026-11-21 release. ``restore()`` puts everything back as it was after that night,
/// so each case of a fault or tamper test starts from the same state.
struct NightlyFixture {
    let folder: String
    /// `opendata release …` for the calls policy, ending in `--window` (append the day).
    let release: [String]
    var publicKey: String { folder + "/demo/keys/release.pub" }
    var releases: String { folder + "/Releases" }
    private var baseline: String { folder + "/baseline" }
    static let items = ["Releases", "Releases.private", "store.sqlite"]

    /// Builds the fixture in a new temporary folder named after `name`, or in `folder`.
    init(_ name: String, in given: String? = nil) throws {
        let folder = given ?? TestSupport.temporaryFolder(name)
        self.folder = folder
        let store = try Self.publisherStore(in: folder, records: 2000, days: 2)
        release = ["release", "--store", store, "--key", folder + "/demo/keys/release.key", "--pseudonym-key",
                   folder + "/demo/pseudonym.key", "--out", folder + "/Releases", "--policy",
                   folder + "/demo/Policies/calls-for-service.yaml", "--window"]
        let first = try CLI.run(release + ["2026-11-21"])
        #expect(first.status == 0, "\(first.stderr)")
        try FileManager.default.createDirectory(atPath: baseline, withIntermediateDirectories: true)
        for item in Self.items {
            try FileManager.default.copyItem(atPath: folder + "/" + item, toPath: baseline + "/" + item)
        }
    }

    /// A demo city in `folder/demo` (up to 2026-11-22), and a copy of its store at `folder/store.sqlite`
    /// without the demo's ledger binding: a publisher of its own, with nothing released yet.
    static func publisherStore(in folder: String, records: Int, days: Int) throws -> String {
        let demo = try CLI.run(["demo", "--workdir", folder + "/demo", "--records", String(records), "--days", String(days), "--seed", "5",
                                "--today", "2026-11-23"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let store = folder + "/store.sqlite"
        try FileManager.default.copyItem(atPath: folder + "/demo/store.sqlite", toPath: store)
        try DatabaseQueue(path: store).write { db in try db.execute(sql: "DROP TABLE opendata_ledger") }
        return store
    }

    /// Puts the published folder, the private folder and the store back as they were after the first night.
    func restore() throws {
        for item in Self.items {
            for path in [item, item + "-wal", item + "-shm"] { try? FileManager.default.removeItem(atPath: folder + "/" + path) }
            try FileManager.default.copyItem(atPath: baseline + "/" + item, toPath: folder + "/" + item)
        }
    }

    /// `opendata verify` of a release folder with the fixture's key (plus `extra` arguments).
    func verify(_ path: String, _ extra: [String] = []) throws -> CLI.Result {
        try CLI.run(["verify", path, "--key", publicKey] + extra)
    }
}
