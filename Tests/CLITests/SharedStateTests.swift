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

/// `release --dry-run` and `policy check --store` say what a run would do, and change nothing.
@Suite struct DryRunTests {
    @Test func aDryRunSaysWhatWouldBeDeletedReadAndSpent() throws {
        let night = try NightlyFixture("dry-run")
        let before = ReleaseCommandTests.snapshot(night.folder + "/Releases")
        let dry = try CLI.run(night.release + ["2026-11-22", "--dry-run", "--log-format", "json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("retention would delete 0 of"), "\(dry.stdout)")
        #expect(dry.stdout.contains("records read through minimisation"), "\(dry.stdout)")
        #expect(dry.stdout.contains("would spend ε 2.75 of the per-release cap 2.75"), "\(dry.stdout)")
        #expect(ReleaseCommandTests.snapshot(night.folder + "/Releases") == before, "a dry run changed the published folder")
        let check = try CLI.run(["policy", "check", "--store", night.folder + "/store.sqlite", night.folder + "/demo/Policies/calls-for-service.yaml"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("retention would delete 0 of"), "\(check.stdout)")
        // The forecast: every statistic's margin before anything is spent, and the last release's swamped groups.
        #expect(dry.stdout.contains("calls-by-beat: 95% margins: count ±"), "\(dry.stdout)")
        #expect(dry.stdout.contains("pure noise for groups of"), "\(dry.stdout)")
        let explain = try CLI.run(["policy", "explain", night.folder + "/demo/Policies/calls-for-service.yaml"])
        #expect(explain.stdout.contains("Expected accuracy") && explain.stdout.contains("mean_response_seconds ±"), "\(explain.stdout)")
    }

    @Test func aMeanThatWouldBeNoiseIsAWarning() throws {
        let folder = TestSupport.temporaryFolder("forecast-warning")
        let demo = try CLI.run(["demo", "--workdir", folder, "--records", "2000", "--days", "1", "--seed", "4", "--today", "2026-11-23"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let path = folder + "/Policies/calls-for-service.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // A mean's noise relative to its range does not depend on the range; it grows as ε shrinks.
        let wide = text.replacingOccurrences(of: "privacy: {epsilon: 1.0}", with: "privacy: {epsilon: 0.1}")
        #expect(wide != text, "the demo's calls-by-district-day has ε 1.0")
        try wide.write(toFile: folder + "/wide.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: folder + "/Policies/hierarchies", toPath: folder + "/hierarchies")
        try FileManager.default.copyItem(atPath: folder + "/Policies/boundaries", toPath: folder + "/boundaries")
        let check = try CLI.run(["policy", "check", folder + "/wide.yaml"])
        #expect(check.status == 0, "a warning does not fail the check: \(check.stderr)")
        #expect(check.stderr.contains("warning: output 'calls-by-district-day': mean_response_seconds would be noise"), "\(check.stderr)")
    }
}

/// `--metrics FILE`: a node_exporter textfile that makes a failed night visible.
@Suite struct MetricsTests {
    @Test func aFailedNightKeepsTheLastSuccessTime() throws {
        let night = try NightlyFixture("metrics")
        let file = night.folder + "/opendata.prom"
        let ok = try CLI.run(night.release + ["2026-11-22", "--metrics", file])
        #expect(ok.status == 0, "\(ok.stderr)")
        func values() throws -> [String: Double] {
            var result: [String: Double] = [:]
            for line in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                #expect(parts.count == 2, "a sample is a name and a value: \(line)")
                result[String(parts[0])] = Double(parts[1])
            }
            return result
        }
        let first = try values()
        #expect(first["opendata_last_run_success"] == 1)
        #expect(first["opendata_release_sequence{dataset=\"calls-for-service\"}"] == 2)
        #expect((first["opendata_population_epsilon_spent_max{population=\"calls_for_service.caller_id\"}"] ?? 0) > 0, "\(first)")
        #expect(first["opendata_population_epsilon_cap{population=\"calls_for_service.caller_id\"}"] == 60, "\(first)")
        let success = try #require(first["opendata_last_success_timestamp_seconds"])
        // A night refused by a planted link: the run and its failure are recorded, the last success kept.
        sleep(1)
        try FileManager.default.removeItem(atPath: night.releases + "/index.html")
        try FileManager.default.createSymbolicLink(atPath: night.releases + "/index.html", withDestinationPath: "/etc/hostname")
        let refused = try CLI.run(night.release + ["2026-11-23", "--metrics", file])
        #expect(refused.status != 0)
        let second = try values()
        #expect(second["opendata_last_run_success"] == 0)
        #expect(second["opendata_last_success_timestamp_seconds"] == success)
        #expect((second["opendata_last_run_timestamp_seconds"] ?? 0) > success)
    }

    /// A metrics file that cannot be written fails the run (exit 4) although the night was
    /// published, so the timer's unit shows it.
    @Test func anUnwritableMetricsFileFailsTheRun() throws {
        let night = try NightlyFixture("metrics-unwritable")
        let run = try CLI.run(night.release + ["2026-11-22", "--metrics", night.folder + "/no-such-folder/opendata.prom"])
        #expect(run.status == 4, "\(run.stderr)")
        #expect(run.stderr.contains("monitoring will not see this run"), "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: night.releases + "/calls-for-service/2026-11-22/manifest.json"), "the night itself was published")
    }
}
