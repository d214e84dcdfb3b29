import Foundation
import GRDB
import Testing
import TestSupport

/// SIGKILL at many points of a release: the next run completes, every visible
/// release verifies, nothing half-written is visible, and the ledger never
/// shows less spend than what was published.
@Suite struct CrashSafetyTests {
    @Test func killedReleasesLeaveNothingBrokenOrHidden() throws {
        let (folder, arguments) = try ReleaseCommandTests.city()
        let run = arguments + ["--window", "2026-11-20"]
        for delay in [30_000, 120_000, 250_000, 400_000, 600_000, 900_000, 1_300_000] as [UInt32] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CLI.executable)
            process.arguments = run + ["--new-sequence"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // Between a kill and the next run the log and snapshot may lag behind a visible release.
            try Self.checkInvariants(folder, complete: false)
        }
        let final = try CLI.run(run)
        #expect(final.status == 0, "\(final.stderr)")
        try Self.checkInvariants(folder)
        // Every release ever logged is on disk and the log is intact.
        let log = try CLI.run(["log", "verify", "--out", folder + "/Releases"])
        #expect(log.status == 0, "\(log.stderr)")
        // The completed run removed what killed runs left behind.
        for dataset in ["calls-for-service", "complaints", "community-engagement"] {
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/Releases.private/incoming/" + dataset)) ?? []
            #expect(leftovers.isEmpty)
            // Nothing private or half-written is ever inside the published folder.
            let published = try FileManager.default.contentsOfDirectory(atPath: folder + "/Releases/" + dataset)
            #expect(!published.contains { $0.hasPrefix(".") }, "\(published)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/Releases/.state.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/Releases/.lock"))
    }

    /// Every visible release verifies (with `complete`, also its log inclusion and the
    /// signed snapshot); the ledger covers every published release.
    static func checkInvariants(_ folder: String, complete: Bool = true) throws {
        let releases = folder + "/Releases"
        for dataset in try FileManager.default.contentsOfDirectory(atPath: releases) where !dataset.hasPrefix(".") {
            let datasetFolder = releases + "/" + dataset
            var isDirectory: ObjCBool = false
            // Dataset folders are those with a `latest` file (catalog/ and log/ are not datasets).
            guard FileManager.default.fileExists(atPath: datasetFolder, isDirectory: &isDirectory), isDirectory.boolValue,
                  FileManager.default.fileExists(atPath: datasetFolder + "/latest") else { continue }
            for release in try FileManager.default.contentsOfDirectory(atPath: datasetFolder) {
                if release == "latest" || release.hasPrefix(".incoming-") || release.hasSuffix(".tmp") { continue }
                let verify = try CLI.run(["verify", datasetFolder + "/" + release, "--key", folder + "/keys/release.pub"]
                                         + (complete ? [] : ["--no-log", "--no-snapshot"]))
                #expect(verify.status == 0, "\(dataset)/\(release) is visible but does not verify: \(verify.stderr)")
            }
            if let latest = try? String(contentsOfFile: datasetFolder + "/latest", encoding: .utf8) {
                let name = latest.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(FileManager.default.fileExists(atPath: datasetFolder + "/" + name + "/manifest.json"), "latest names \(name)")
            }
        }
        let state = try DatabaseQueue(path: folder + "/Releases.private/state.sqlite")
        try state.read { db in
            let uncovered = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM releases r WHERE NOT EXISTS (
                  SELECT 1 FROM ledger l WHERE l.dataset = r.dataset AND l.window = r.window AND l.sequence = r.window_sequence)
                """) ?? 0
            #expect(uncovered == 0, "a published release has no recorded spend")
        }
    }
}
