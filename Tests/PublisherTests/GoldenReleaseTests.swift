@testable import DifferentialPrivacy
import Demo
import Foundation
import GRDB
import OperationalStore
import Testing
import TestSupport
@testable import Publisher
@testable import ReleaseFormat

/// Every published byte, pinned: the demo policies over two nights of the demo city and each
/// reference policy over one night, with the suite's seeded words, a fixed signing key, a fixed
/// pseudonymisation key and fixed clocks, give exactly the files whose SHA-256 digests are in
/// `Tests/Fixtures/golden/releases.sha256`. A restructuring that changes no behaviour keeps them;
/// a change that is meant to alter what is published rewrites the list on purpose
/// (`OPENDATA_GOLDEN_WRITE=1 swift test --filter GoldenReleaseTests`) and says so in its commit.
/// False-failure probability: zero (nothing here is random across runs).
@Suite(.serialized) struct GoldenReleaseTests {
    static let golden = TestSupport.repositoryPath("Tests/Fixtures/golden/releases.sha256")

    /// The reference policies read a `calls` table: the demo's calls under the reference's columns,
    /// with the demo import's coverage, added to the demo store at `store`.
    static func addReferenceCallsTable(store: String) throws {
        try DatabaseQueue(path: store).write { db in
            try db.execute(sql: """
                CREATE TABLE calls AS SELECT call_id, received_at, arrived_at, closed_at, caller_id, caller_name, caller_phone,
                    caller_age, address, beat, district, call_type, priority, narrative, legal_hold FROM calls_for_service;
                INSERT INTO opendata_coverage (table_name, column_name, first_day, last_day, recorded_at)
                    SELECT 'calls', column_name, first_day, last_day, recorded_at FROM opendata_coverage
                    WHERE table_name = 'calls_for_service';
                """)
        }
    }

    @Test func demoAndReferencePoliciesPublishTheSameBytes() throws {
        let workdir = TestSupport.temporaryFolder("golden")
        let end = try #require(ISO8601DateFormatter().date(from: "2026-11-23T00:00:00Z"))
        let prepared = try Demo.prepare(Demo.Options(workdir: workdir, city: DemoCityOptions(records: 1500, days: 2, seed: 5, end: end),
                                                     policiesFolder: nil)) { _ in }
        try Self.pinKeys(prepared)
        try Self.addReferenceCallsTable(store: prepared.storePath)
        let references = workdir + "/reference"
        try FileManager.default.createDirectory(atPath: references, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.sharedPath("fixtures/policies/hierarchies"), toPath: references + "/hierarchies")
        // (The reference calls-for-service.yaml is refused by design: plain records beside DP tables.)
        for name in ["calls-for-service-dp.yaml", "engagement-minimal.yaml"] {
            try FileManager.default.copyItem(atPath: TestSupport.sharedPath("fixtures/policies/" + name), toPath: references + "/" + name)
        }

        // Each publication with its own folder and state, as separate publishers would run them.
        let runs: [(out: String, policies: [String], nights: Int)] = [
            ("demo", prepared.policies, 2),
            ("reference-dp", [references + "/calls-for-service-dp.yaml"], 1),
            ("reference-engagement", [references + "/engagement-minimal.yaml"], 1),
        ]
        var digests: [String] = []
        for (index, run) in runs.enumerated() {
            let out = workdir + "/" + run.out
            // A store is bound to one state: each publisher its own copy.
            let store = workdir + "/" + run.out + ".sqlite"
            try FileManager.default.copyItem(atPath: prepared.storePath, toPath: store)
            for night in (1...run.nights).reversed() {
                var options = ReleaseRun.Options(store: store, key: prepared.key, policies: run.policies, window: .yesterday,
                                                 out: out, pseudonymKey: prepared.pseudonymKey,
                                                 now: end.addingTimeInterval(Double(1 - night) * 86400 + 12 * 3600))
                options.confirmMassDeletion = true
                let outcomes = try ReleaseRun.run(options, random: ReplayedRandom(seed: UInt64(100 * index + night))) { _ in }
                #expect(outcomes.allSatisfy { $0.status == .published }, "\(run.out): \(outcomes.map { ($0.dataset, $0.status, $0.refusal) })")
            }
            digests += try Self.digests(of: out, label: run.out)
        }
        let listing = digests.joined(separator: "\n") + "\n"
        if ProcessInfo.processInfo.environment["OPENDATA_GOLDEN_WRITE"] == "1" {
            try FileManager.default.createDirectory(atPath: (Self.golden as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try listing.write(toFile: Self.golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: Self.golden, encoding: .utf8)
        let (got, want) = (listing.split(separator: "\n"), expected.split(separator: "\n"))
        #expect(got.count == want.count, "files published: \(got.count), golden: \(want.count)")
        for line in Set(got).symmetricDifference(Set(want)).sorted().prefix(20) {
            Issue.record("differs from the golden listing: \(line)")
        }
    }

    /// Replaces the demo's random keys with fixed ones (the city's generator words as key bytes).
    static func pinKeys(_ prepared: Demo.Prepared) throws {
        let words = SeededRandom(seed: 2026)
        let bytes = { (count: Int) in (0..<count).map { _ in UInt8(truncatingIfNeeded: words.nextWord()) } }
        let seed = bytes(32)
        let key = Minisign.SecretKey(keyID: bytes(8), seed: seed, publicKey: try Ed25519.publicKey(seed: seed))
        try FileManager.default.removeItem(atPath: prepared.key)
        #expect(FileManager.default.createFile(atPath: prepared.key, contents: Data(try key.fileContents(passphrase: nil).utf8),
                                               attributes: [.posixPermissions: 0o600]))
        try key.publicKeyFile.fileContents.write(toFile: prepared.publicKey, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: prepared.pseudonymKey)
        #expect(FileManager.default.createFile(atPath: prepared.pseudonymKey,
                                               contents: Data((bytes(32).map { String(format: "%02x", $0) }.joined() + "\n").utf8),
                                               attributes: [.posixPermissions: 0o600]))
    }

    /// `sha256  label/relative/path` for every file under `folder`, sorted by path.
    static func digests(of folder: String, label: String) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var lines: [String] = []
        while let relative = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            let path = folder + "/" + relative
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            lines.append(StreamingDigest.sha256Hex(data) + "  " + label + "/" + relative)
        }
        return lines.sorted { $0.dropFirst(66) < $1.dropFirst(66) }
    }
}
