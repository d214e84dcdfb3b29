import Foundation
import GRDB
import Testing
import TestSupport

/// The safety properties data stewards rely on when `opendata release` runs unattended.
@Suite(.serialized) struct ReleaseCommandTests {
    /// A demo city with one night released (2026-11-22), and the arguments of a release run.
    /// Other nights of this city hold no records, so the arguments allow empty windows
    /// (`--allow-empty`); a test of the empty-window refusal removes it.
    static func city() throws -> (folder: String, arguments: [String]) {
        let folder = TestSupport.temporaryFolder("cli-release")
        let demo = try CLI.run(["demo", "--workdir", folder, "--records", "4000", "--days", "1", "--seed", "9", "--today", "2026-11-23"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let policies = try FileManager.default.contentsOfDirectory(atPath: folder + "/Policies").filter { $0.hasSuffix(".yaml") }.sorted()
            .map { folder + "/Policies/" + $0 }
        return (folder, ["release", "--store", folder + "/store.sqlite", "--key", folder + "/keys/release.key",
                         "--pseudonym-key", folder + "/pseudonym.key", "--out", folder + "/Releases", "--allow-empty", "--policy"] + policies)
    }

    /// Every file under `folder` with its bytes, to prove a refusal changed nothing.
    static func snapshot(_ folder: String) -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix("lock") || path.hasSuffix("-shm") || path.hasSuffix("-wal") { continue }
            if let data = FileManager.default.contents(atPath: folder + "/" + path) { result[path] = data }
        }
        return result
    }

    @Test func releasingTheSameWindowTwicePublishesNothingNew() throws {
        let (folder, arguments) = try Self.city()
        let first = try CLI.run(arguments + ["--window", "2026-11-22"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("already published"), "the demo published this night already")
        let day = try CLI.run(arguments + ["--window", "2026-11-20"])
        #expect(day.status == 0, "\(day.stderr)")
        #expect(day.stdout.contains("calls-for-service 2026-11-20: published"))
        let before = Self.snapshot(folder + "/Releases")
        let again = try CLI.run(arguments + ["--window", "2026-11-20"])
        #expect(again.stdout.contains("calls-for-service 2026-11-20: already published"))
        #expect(Self.snapshot(folder + "/Releases").keys.sorted() == before.keys.sorted())
        // --new-sequence publishes again, explicitly, as a new release.
        let fresh = try CLI.run(arguments + ["--window", "2026-11-20", "--new-sequence"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder + "/Releases/calls-for-service/2026-11-20-s2/manifest.json"))
        let verify = try CLI.run(["verify", folder + "/Releases/calls-for-service/2026-11-20-s2", "--key", folder + "/keys/release.pub"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("ok   no-rollback"), "the sibling release before it is checked")
        let history = try CLI.run(["verify", folder + "/Releases/calls-for-service/2026-11-20-s2", "--key", folder + "/keys/release.pub",
                                   "--state", folder + "/Releases.private/state.sqlite"])
        #expect(history.status == 0, "\(history.stderr)")
        #expect(history.stdout.contains("ok   history: sequence 3 of 3"))
        let status = try CLI.run(["status", "--state", folder + "/Releases.private/state.sqlite"])
        // The newest window stays "last": a re-issue of an older window does not replace it.
        #expect(status.stdout.contains("calls-for-service: last release 2026-11-22"), "\(status.stdout)")
    }

    @Test func refusalsChangeNothing() throws {
        let (folder, arguments) = try Self.city()
        let before = Self.snapshot(folder)
        // Schema drift: a new column in the store.
        let queue = try DatabaseQueue(path: folder + "/store.sqlite")
        try queue.write { db in try db.execute(sql: "ALTER TABLE complaints ADD COLUMN officer_home TEXT") }
        try queue.close()
        let drift = try CLI.run(arguments + ["--window", "2026-11-20"])
        #expect(drift.status == 1)
        #expect(drift.stderr.contains("officer_home"))
        let afterDrift = Self.snapshot(folder + "/Releases")
        #expect(afterDrift == before.filter { $0.key.hasPrefix("Releases/") }.reduce(into: [:]) { $0[String($1.key.dropFirst(9))] = $1.value })
        try DatabaseQueue(path: folder + "/store.sqlite").write { db in try db.execute(sql: "ALTER TABLE complaints DROP COLUMN officer_home") }
        // A key readable by others.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/keys/release.key")
        let insecure = try CLI.run(arguments + ["--window", "2026-11-20"])
        #expect(insecure.status == 3)
        #expect(insecure.stderr.contains("chmod 600"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: folder + "/keys/release.key")
        // A missing key.
        var missing = arguments
        if let index = missing.firstIndex(of: "--key") { missing[index + 1] = folder + "/keys/nope.key" }
        let noKey = try CLI.run(missing + ["--window", "2026-11-20"])
        #expect(noKey.status == 4)
        // Named once, with what to do.
        #expect(noKey.stderr.components(separatedBy: "nope.key").count == 2 && noKey.stderr.contains("check the path"), "\(noKey.stderr)")
        // Budget exhausted: engagement records (no privacy unit) of a window already released, whose
        // cap leaves no room for the same records again. The other datasets of the run still go on.
        let policy = folder + "/Policies/engagement-logs.yaml"
        let text = try String(contentsOfFile: policy, encoding: .utf8).replacingOccurrences(of: "rolling_365_day_epsilon: 20.0", with: "rolling_365_day_epsilon: 0.9")
        try text.write(toFile: policy, atomically: true, encoding: .utf8)
        let first = try CLI.run(arguments + ["--window", "2026-11-20"])
        #expect(first.status == 0, "\(first.stderr)")
        let exhausted = try CLI.run(arguments + ["--window", "2026-11-20", "--new-sequence"])
        #expect(exhausted.status == 3)
        #expect(exhausted.stderr.contains("rolling 365-day cap"))
        #expect(exhausted.stderr.contains("community-engagement 2026-11-20: refused"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/Releases/community-engagement/2026-11-20-s2"))
        #expect(FileManager.default.fileExists(atPath: folder + "/Releases/calls-for-service/2026-11-20-s2"), "the others went on")
        // Invalid window: a usage error.
        #expect(try CLI.run(arguments + ["--window", "last tuesday"]).status == 2)
    }

    @Test func aSecondConcurrentReleaseIsRefusedAndAStaleLockRecovered() throws {
        let (folder, _) = try Self.city()
        // Hold the lock from another process, as a running release would.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        try FileManager.default.createDirectory(atPath: folder + "/Releases.private", withIntermediateDirectories: true)
        holder.arguments = [folder + "/Releases.private/lock", "sh", "-c", "echo $PPID > \(folder)/Releases.private/lock; sleep 20"]
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/flock") else { return }
        try holder.run()
        usleep(500_000)
        let (_, arguments) = (folder, ["release", "--store", folder + "/store.sqlite", "--key", folder + "/keys/release.key",
                                       "--pseudonym-key", folder + "/pseudonym.key", "--out", folder + "/Releases",
                                       "--policy", folder + "/Policies/engagement-logs.yaml", "--window", "2026-11-22", "--new-sequence"])
        let started = Date()
        let blocked = try CLI.run(arguments)
        #expect(blocked.status == 3)
        #expect(blocked.stderr.contains("another release is in progress (pid"))
        #expect(Date().timeIntervalSince(started) < 5, "refused at once, not after waiting")
        // The holder dies without cleaning up: the next run recovers the lock.
        holder.terminate()
        holder.waitUntilExit()
        let recovered = try CLI.run(arguments)
        #expect(recovered.status == 0, "\(recovered.stderr)")
    }

    @Test func impossibleFutureAndEmptyWindowsAreRefusedBeforeAnythingChanges() throws {
        let (folder, allowing) = try Self.city()
        let arguments = allowing.filter { $0 != "--allow-empty" }
        let before = Self.snapshot(folder)
        // The demo's imports cover 2018-12-05 to 2026-11-22, so 2026-12-01 (ended, within 365 days of the
        // newest charged window) is the window no import covers; 2010-01-01 lies behind the ledger's
        // trim horizon (LedgerHorizon) and is refused (exit 3) before its coverage is even looked at.
        for (window, message, status) in [("2026-02-30", "month 2 of 2026 has 28 days", Int32(1)), ("2026-11-20..2026-11-10", "ends before it starts", 1),
                                          ("2099-01-01", "has not finished", 1), ("2026-12-01", "is not covered by any import", 1),
                                          ("2010-01-01", "365 days before the newest window the ledger has charged", 3)] {
            let run = try CLI.run(arguments + ["--window", window])
            #expect(run.status == status, "\(window): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(window): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/Releases/calls-for-service/" + window))
        }
        // Nothing was published or charged: the folder and the state are as they were.
        #expect(Self.snapshot(folder + "/Releases").keys.sorted()
                == before.keys.filter { $0.hasPrefix("Releases/") }.map { String($0.dropFirst(9)) }.sorted())
        #expect(try DatabaseQueue(path: folder + "/Releases.private/state.sqlite").read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger WHERE window IN ('2010-01-01', '2099-01-01', '2026-12-01')")
        } == 0)
        // A window no import covers can be published on purpose.
        let allowed = try CLI.run(arguments + ["--window", "2026-12-01", "--allow-empty"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder + "/Releases/community-engagement/2026-12-01/manifest.json"))
    }
}
