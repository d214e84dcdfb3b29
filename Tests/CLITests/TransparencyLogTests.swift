import Foundation
import Testing
import TestSupport

/// A release cannot be silently withdrawn or rewritten once logged.
@Suite struct TransparencyLogTests {
    @Test func theLogDetectsWithdrawnAndAlteredReleases() throws {
        let (folder, arguments) = try ReleaseCommandTests.city()
        let releases = folder + "/Releases"
        let first = try CLI.run(["log", "verify", "--out", releases])
        #expect(first.status == 0, "\(first.stderr)")
        try FileManager.default.copyItem(atPath: releases + "/log/checkpoint", toPath: folder + "/old-checkpoint")
        #expect(try CLI.run(arguments + ["--window", "2026-11-20"]).status == 0)
        let grown = try CLI.run(["log", "verify", "--out", releases, "--since", folder + "/old-checkpoint"])
        #expect(grown.status == 0, "\(grown.stderr)")
        #expect(grown.stdout.contains("ok   consistency: the log extends the checkpoint of 3 releases"))
        // verify checks inclusion in the log.
        let included = try CLI.run(["verify", releases + "/complaints/2026-11-20", "--key", folder + "/keys/release.pub"])
        #expect(included.stdout.contains("ok   log-inclusion: leaf 5 of 6"), "\(included.stdout)")

        // Withdrawing a logged release is named.
        try FileManager.default.moveItem(atPath: releases + "/complaints/2026-11-20", toPath: folder + "/withdrawn")
        let withdrawn = try CLI.run(["log", "verify", "--out", releases])
        #expect(withdrawn.status == 1)
        #expect(withdrawn.stderr.contains("release complaints/2026-11-20 was logged but is missing"))
        try FileManager.default.moveItem(atPath: folder + "/withdrawn", toPath: releases + "/complaints/2026-11-20")
        // Altering one is named too.
        let manifest = releases + "/complaints/2026-11-20/manifest.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: manifest))
        try (original + Data(" ".utf8)).write(to: URL(fileURLWithPath: manifest))
        let altered = try CLI.run(["log", "verify", "--out", releases])
        #expect(altered.status == 1)
        #expect(altered.stderr.contains("logged-release-unaltered"))
        try original.write(to: URL(fileURLWithPath: manifest))
        // Rewriting history (dropping the first entry and re-signing is impossible without the key, so edit entries.json):
        let entries = releases + "/log/entries.json"
        let list = try String(contentsOfFile: entries, encoding: .utf8)
        try list.replacingOccurrences(of: "2026-11-22", with: "2026-11-2X").write(toFile: entries, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["log", "verify", "--out", releases]).status == 1)
        try list.write(toFile: entries, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["log", "verify", "--out", releases, "--since", folder + "/old-checkpoint"]).status == 0)
    }
}
