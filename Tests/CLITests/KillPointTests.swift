import Foundation
import GRDB
import Testing
import TestSupport

/// A release killed at exact system calls (strace's fault injection, `-e inject=SYSCALL:signal=KILL:when=N`):
/// at every `rename`, `renameat`, `fsync` and `fdatasync` of a nightly release of one dataset. After each
/// kill the next run must roll the same release forward, and then:
/// - every visible release verifies in full (signature, files, names, log inclusion, signed snapshot);
/// - the transparency log verifies;
/// - the window was charged exactly once (one ledger sequence, no `-s2` release);
/// - `latest` names the new release; no temporary file or staged folder is left.
@Suite(.serialized) struct KillPointTests {
    static let syscalls = ["rename", "renameat", "fsync", "fdatasync"]

    @Test(OutsideTool.needed("strace")) func everyRenameAndSyncIsAKillPointTheNextRunRepairs() throws {
        guard OutsideTool.available("strace") else { return }
        let night = try NightlyFixture("kill-points")
        let (folder, release) = (night.folder, night.release)
        // How many of each call the next night makes when nothing goes wrong.
        let trace = folder + "/trace.txt"
        let counted = try OutsideTool.run("strace", ["-f", "-o", trace, "-e", "trace=" + Self.syscalls.joined(separator: ","),
                                                     CLI.executable] + release + ["2026-11-22"])
        #expect(counted.status == 0, "\(counted.output)")
        let lines = (try String(contentsOfFile: trace, encoding: .utf8)).split(separator: "\n")
        var counts: [String: Int] = [:]
        for name in Self.syscalls {
            counts[name] = lines.filter { $0.contains(" \(name)(") || $0.hasPrefix("\(name)(") }.count
        }
        #expect((counts["renameat"] ?? 0) >= 8 && (counts["fdatasync"] ?? 0) >= 4, "\(counts)")
        var cases = 0
        for name in Self.syscalls {
            for when in 1...max(counts[name] ?? 0, 1) {
                try night.restore()
                let killed = try OutsideTool.run("strace", ["-f", "-o", "/dev/null", "-e", "trace=\(name)",
                                                            "-e", "inject=\(name):signal=KILL:when=\(when)", CLI.executable]
                                                     + release + ["2026-11-22"])
                #expect(killed.status != 0, "the run was not killed at \(name) #\(when)")
                let next = try CLI.run(release + ["2026-11-22"])
                #expect(next.status == 0, "after a kill at \(name) #\(when): \(next.stderr)")
                try Self.checkInvariants(folder, after: "\(name) #\(when)")
                cases += 1
            }
        }
        #expect(cases >= 40)
    }

    static func checkInvariants(_ folder: String, after point: String) throws {
        let releases = folder + "/Releases"
        let dataset = releases + "/calls-for-service"
        let names = try FileManager.default.contentsOfDirectory(atPath: dataset).sorted()
        #expect(names == ["2026-11-21", "2026-11-22", "latest"], "after \(point): \(names)")
        #expect((try? String(contentsOfFile: dataset + "/latest", encoding: .utf8)) == "2026-11-22\n", "after \(point): latest")
        for release in ["2026-11-21", "2026-11-22"] {
            let verify = try CLI.run(["verify", dataset + "/" + release, "--key", folder + "/demo/keys/release.pub"])
            #expect(verify.status == 0, "after \(point): \(release) does not verify: \(verify.stderr)")
        }
        let log = try CLI.run(["log", "verify", "--out", releases, "--key", folder + "/demo/keys/release.pub"])
        #expect(log.status == 0, "after \(point): \(log.stderr)")
        let state = try DatabaseQueue(path: folder + "/Releases.private/state.sqlite")
        let sequences = try state.read { db in
            try Int.fetchAll(db, sql: "SELECT DISTINCT sequence FROM ledger WHERE window = '2026-11-22'")
        }
        #expect(sequences == [1], "after \(point): the window was charged under sequences \(sequences)")
        let enumerator = FileManager.default.enumerator(atPath: releases)
        while let path = enumerator?.nextObject() as? String {
            #expect(!path.contains(".opendata-") && !path.hasSuffix(".tmp"), "after \(point): leftover \(path)")
        }
        let staged = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/Releases.private/incoming/calls-for-service")) ?? []
        #expect(staged.isEmpty, "after \(point): staged \(staged)")
    }
}
