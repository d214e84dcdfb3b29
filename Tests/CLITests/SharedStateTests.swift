import Foundation
import GRDB
import Testing
import TestSupport

/// Refusals about where a release's state lives and who else holds it.
@Suite struct SharedStateTests {
    @Test func aStateServesOnePublishedFolder() throws {
        let night = try NightlyFixture("shared-state")
        // A second published folder with the first one's state: its history is not this folder's.
        let other = try CLI.run(night.release.dropLast() + ["--state", night.folder + "/Releases.private/state.sqlite",
                                                            "--out", night.folder + "/Mirror", "--window", "2026-11-22"])
        #expect(other.status == 3, "\(other.stderr)")
        #expect(other.stderr.contains("one state serves one published folder") && other.stderr.contains("Mirror"), "\(other.stderr)")
        #expect(!FileManager.default.fileExists(atPath: night.folder + "/Mirror/calls-for-service"))
        let ledger = try DatabaseQueue(path: night.folder + "/Releases.private/state.sqlite").read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger WHERE window = '2026-11-22'") ?? 0
        }
        #expect(ledger == 0, "nothing was charged")
    }

    @Test func aBusyStateIsWaitedFor() throws {
        let night = try NightlyFixture("busy-state")
        // Another process holds the state database's write lock for two seconds.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: OutsideTool.path("python3") ?? "/usr/bin/python3")
        holder.arguments = ["-c", """
            import sqlite3, time
            c = sqlite3.connect('\(night.folder)/Releases.private/state.sqlite', isolation_level=None)
            c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(2); c.execute('COMMIT')
            """]
        let pipe = Pipe()
        holder.standardOutput = pipe
        try holder.run()
        _ = pipe.fileHandleForReading.availableData // "locked"
        let result = try CLI.run(night.release + ["2026-11-22"])
        holder.waitUntilExit()
        #expect(result.status == 0, "\(result.stderr)")
        try KillPointTests.checkInvariants(night.folder, after: "a busy state")
    }
}
