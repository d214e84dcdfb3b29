import Foundation
import GRDB
import Testing
import TestSupport

/// A small tmpfs mounted for one test, so a full or read-only disk can be real.
/// Mounting needs root and a kernel that allows it; where it does not, the tests are skipped,
/// visibly, on a local run and fail under CI (nothing else can fake a full disk honestly).
final class SmallDisk {
    let path: String

    init?(size: String) {
        let folder = TestSupport.temporaryFolder("tmpfs")
        guard getuid() == 0, let result = try? OutsideTool.run("mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", folder]),
              result.status == 0 else {
            Issue.record("cannot mount a tmpfs here (needs root and permission to mount)")
            return nil
        }
        path = folder
    }

    /// Whether this machine lets the tests mount a tmpfs (tried once, with a 1 MiB one).
    static let canMount: Bool = {
        let folder = TestSupport.temporaryFolder("tmpfs-probe")
        guard getuid() == 0, (try? OutsideTool.run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", folder]))?.status == 0 else { return false }
        _ = try? OutsideTool.run("umount", [folder])
        return true
    }()

    /// Skips a test, visibly, where no tmpfs can be mounted (a local run without root); under CI it runs.
    static let needed = OutsideTool.requires(canMount, "root and permission to mount a tmpfs")

    /// Leaves `bytes` free by writing a filler file (`bytes` 0 fills the disk).
    func fill(leaving bytes: Int) {
        var info = statvfs()
        statvfs(path, &info)
        let free = Int(info.f_bavail) * Int(info.f_frsize)
        _ = FileManager.default.createFile(atPath: path + "/filler", contents: nil)
        let filler = FileHandle(forWritingAtPath: path + "/filler")
        let chunk = Data(repeating: 0x5A, count: 4096)
        for _ in 0..<max(0, (free - bytes) / 4096) { try? filler?.write(contentsOf: chunk) }
        try? filler?.close()
    }

    func unfill() { try? FileManager.default.removeItem(atPath: path + "/filler") }

    func remount(readOnly: Bool) throws {
        let result = try OutsideTool.run("mount", ["-o", "remount," + (readOnly ? "ro" : "rw"), path])
        #expect(result.status == 0, "\(result.output)")
    }

    deinit { _ = try? OutsideTool.run("umount", ["-l", path]) }
}

@Suite(.serialized) struct DiskFullTests {
    @Test(SmallDisk.needed) func aReleaseOnAFullDiskIsRolledForwardOnceThereIsRoom() throws {
        guard let disk = SmallDisk(size: "24m") else { return }
        let night = try NightlyFixture("disk-full", in: disk.path)
        var failures = 0
        for free in [0, 8 << 10, 20 << 10, 64 << 10, 256 << 10, 1 << 20] {
            try night.restore()
            disk.fill(leaving: free)
            let full = try CLI.run(night.release + ["2026-11-22"])
            if full.status != 0 { failures += 1 }
            #expect(full.status == 0 || full.status == 4 || full.status == 3, "\(free) bytes free: exit \(full.status) \(full.stderr)")
            disk.unfill()
            let next = try CLI.run(night.release + ["2026-11-22"])
            #expect(next.status == 0, "after a run with \(free) bytes free: \(next.stderr)")
            try KillPointTests.checkInvariants(night.folder, after: "a full disk with \(free) bytes free")
        }
        #expect(failures >= 2, "the disk was never full enough to make a release fail")
    }

    @Test(SmallDisk.needed) func retentionDeletesNothingWhenItsAuditCannotBeWritten() throws {
        guard let disk = SmallDisk(size: "8m") else { return }
        let folder = TestSupport.temporaryFolder("retention-audit")
        let demo = try CLI.run(["demo", "--workdir", folder, "--records", "2000", "--days", "2", "--seed", "6", "--today", "2026-11-23"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let state = disk.path + "/state.sqlite"
        let retention = ["retention", "--store", folder + "/store.sqlite", "--policy", folder + "/Policies/engagement-logs.yaml",
                         "--state", state, "--confirm-mass-deletion", "--now"]
        #expect(try CLI.run(retention + ["2026-11-23"]).status == 0)
        func rows() throws -> Int {
            try DatabaseQueue(path: folder + "/store.sqlite").read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM engagement_logs") ?? 0 }
        }
        let before = try rows()
        #expect(before > 0)
        // Two years later every log is past its 365 days; the state cannot be written.
        try disk.remount(readOnly: true)
        let refused = try CLI.run(retention + ["2028-12-01"])
        #expect(refused.status != 0, "\(refused.stdout)")
        #expect(try rows() == before, "rows were deleted without an audit entry")
        try disk.remount(readOnly: false)
        disk.fill(leaving: 0)
        let full = try CLI.run(retention + ["2028-12-01"])
        #expect(full.status != 0, "\(full.stdout)")
        #expect(try rows() == before, "rows were deleted on a full state disk without an audit entry")
        disk.unfill()
        let done = try CLI.run(retention + ["2028-12-01"])
        #expect(done.status == 0, "\(done.stderr)")
        #expect(try rows() < before)
        let audit = try DatabaseQueue(path: state).read { db in
            try Row.fetchAll(db, sql: "SELECT status, deleted FROM retention_audit ORDER BY id")
        }
        let deleted = before - (try rows())
        #expect(audit.filter { $0["status"] == "done" && ($0["deleted"] as Int? ?? 0) == deleted }.count == 1, "\(audit)")
        #expect(!audit.contains { $0["status"] == "pending" }, "\(audit)")
    }
}
