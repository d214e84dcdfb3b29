import Foundation
import Testing
import TestSupport

/// The quarterly audit bundle: signed, complete, checkable offline.
@Suite struct AuditCommandTests {
    @Test func bundlesVerifyOfflineAndTamperingIsCaught() throws {
        let (folder, arguments) = try ReleaseCommandTests.city()
        // A policy change between two releases shows up in the bundle.
        let policy = folder + "/Policies/engagement-logs.yaml"
        try String(contentsOfFile: policy, encoding: .utf8).replacingOccurrences(of: "rolling_365_day_epsilon: 20.0", with: "rolling_365_day_epsilon: 25.0")
            .write(toFile: policy, atomically: true, encoding: .utf8)
        #expect(try CLI.run(arguments + ["--window", "2026-11-20"]).status == 0)
        let bundle = folder + "/audit.json"
        let created = try CLI.run(["audit", "--from", "2000-01-01", "--to", "2100-12-31", "--out", bundle,
                                   "--key", folder + "/keys/release.key", "--releases", folder + "/Releases"])
        #expect(created.status == 0, "\(created.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundle))) as? [String: Any])
        #expect((object["releases"] as? [Any])?.count == 6)
        let changes = try #require(object["policy_changes"] as? [[String: Any]])
        #expect(changes.count == 1)
        #expect((changes.first?["diff"] as? [String])?.contains("+   rolling_365_day_epsilon: 25.0") == true)
        #expect(((object["ledger"] as? [Any])?.count ?? 0) > 0)
        #expect(((object["retention_audit"] as? [Any])?.count ?? 0) > 0)

        let verified = try CLI.run(["audit", "verify", bundle, "--key", folder + "/keys/release.pub"])
        #expect(verified.status == 0, "\(verified.stderr)")
        if OutsideTool.available("minisign") {
            #expect(try OutsideTool.run("minisign", ["-Vm", bundle, "-p", folder + "/keys/release.pub"]).status == 0)
        }
        // By data days: the demo's nights of 2026-11-20 (the re-released one included) and nothing else.
        let byWindow = folder + "/audit-window.json"
        let windows = try CLI.run(["audit", "--from", "2026-11-20", "--to", "2026-11-20", "--windows", "--out", byWindow,
                                   "--key", folder + "/keys/release.key", "--releases", folder + "/Releases"])
        #expect(windows.status == 0, "\(windows.stderr)")
        let selected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: byWindow))) as? [String: Any])
        let releases = try #require(selected["releases"] as? [[String: Any]])
        #expect(!releases.isEmpty && releases.allSatisfy { ($0["release"] as? String)?.hasPrefix("2026-11-20") == true }, "\(releases.map { $0["release"] ?? "" })")
        // A period with no release is refused, and nothing is signed.
        let empty = folder + "/audit-empty.json"
        let none = try CLI.run(["audit", "--from", "2019-01-01", "--to", "2019-03-31", "--windows", "--out", empty,
                                "--key", folder + "/keys/release.key", "--releases", folder + "/Releases"])
        #expect(none.status == 1 && none.stderr.contains("no release with windows in 2019-01-01..2019-03-31"), "\(none.stderr)")
        #expect(!FileManager.default.fileExists(atPath: empty) && !FileManager.default.fileExists(atPath: empty + ".minisig"))

        var bytes = try Data(contentsOf: URL(fileURLWithPath: bundle))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: bundle))
        let tampered = try CLI.run(["audit", "verify", bundle, "--key", folder + "/keys/release.pub"])
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("check 'signature' failed"))
    }
}
