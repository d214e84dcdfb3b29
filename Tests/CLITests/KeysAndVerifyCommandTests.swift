import Foundation
import ReleaseFormat
import Testing
import TestSupport

/// `opendata keys generate` and `opendata verify` as a portal maintainer and a steward use them.
@Suite struct KeysAndVerifyCommandTests {
    @Test func generatedKeysHaveSafeModesAndWorkWithMinisign() throws {
        let folder = TestSupport.temporaryFolder("cli-keys")
        let result = try CLI.run(["keys", "generate", "--out", folder + "/release", "--unencrypted"])
        #expect(result.status == 0, "\(result.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: folder + "/release.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try String(contentsOfFile: folder + "/release.pub", encoding: .utf8).hasPrefix("untrusted comment: minisign public key "))
        #expect(try String(contentsOfFile: folder + "/release.pem", encoding: .utf8).hasPrefix("-----BEGIN PUBLIC KEY-----"))
        // Never overwritten.
        #expect(try CLI.run(["keys", "generate", "--out", folder + "/release", "--unencrypted"]).status == 4)
        // An encrypted key needs a passphrase, which never appears in any output.
        let missing = try CLI.run(["keys", "generate", "--out", folder + "/enc"])
        #expect(missing.status == 2)
        let secret = "correct horse battery staple"
        let encrypted = try CLI.run(["keys", "generate", "--out", folder + "/enc"], environment: ["OPENDATA_KEY_PASSPHRASE": secret])
        #expect(encrypted.status == 0, "\(encrypted.stderr)")
        #expect(!(encrypted.stdout + encrypted.stderr).contains(secret))
        #expect(try String(contentsOfFile: folder + "/enc.key", encoding: .utf8).contains("encrypted"))
    }

    @Test func theDemoPublishesReleasesThatVerifyWithOurToolMinisignAndFrictionless() throws {
        let folder = TestSupport.temporaryFolder("cli-verify")
        let demo = try CLI.run(["demo", "--workdir", folder, "--records", "3000", "--days", "1", "--seed", "2"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let release = try #require(demo.stdout.split(separator: "\n").first { $0.hasPrefix("  release ") && $0.contains("calls-for-service") }
            .map { String($0.dropFirst("  release ".count)) })
        let ok = try CLI.run(["verify", release, "--key", folder + "/keys/release.pub"])
        #expect(ok.status == 0, "\(ok.stderr)")
        for check in ["manifest", "signature", "global-signature", "trusted-comment", "files", "no-unlisted-files", "datapackage", "not-expired"] {
            #expect(ok.stdout.contains("ok   \(check):"), "missing check \(check)")
        }
        // A keyring with another key as well still verifies (key rotation).
        _ = try CLI.run(["keys", "generate", "--out", folder + "/ring/new", "--unencrypted"])
        try FileManager.default.copyItem(atPath: folder + "/keys/release.pub", toPath: folder + "/ring/old.pub")
        #expect(try CLI.run(["verify", release, "--keyring", folder + "/ring"]).status == 0)
        // Only the new key: refused, naming the signature check.
        try FileManager.default.removeItem(atPath: folder + "/ring/old.pub")
        let stranger = try CLI.run(["verify", release, "--keyring", folder + "/ring"])
        #expect(stranger.status == 1)
        #expect(stranger.stderr.contains("FAIL signature"))

        if OutsideTool.available("minisign") {
            let minisign = try OutsideTool.run("minisign", ["-Vm", release + "/manifest.json", "-p", folder + "/keys/release.pub"])
            #expect(minisign.status == 0, "\(minisign.output)")
        }
        if OutsideTool.available("frictionless") {
            let frictionless = try OutsideTool.run("frictionless", ["validate", "datapackage.json"], in: release)
            #expect(frictionless.status == 0, "\(frictionless.output)")
        }

        // Tampering with a data file: exit 1, naming the file and the check.
        let data = release + "/calls-by-district-day.csv.gz"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: data))
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: data))
        let tampered = try CLI.run(["verify", release, "--key", folder + "/keys/release.pub"])
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("FAIL files: \(data)"))
    }

    @Test func aSecretKeyReadableByOthersIsRefused() throws {
        let folder = TestSupport.temporaryFolder("cli-mode")
        _ = try CLI.run(["keys", "generate", "--out", folder + "/k", "--unencrypted"])
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/k.key")
        #expect {
            try KeyFiles.loadSecretKey(path: folder + "/k.key", passphraseFile: nil)
        } throws: { error in
            (error as? ReleaseFormatError)?.description.contains("chmod 600") == true
        }
    }

    @Test func aPassphraseFileReadableByOthersIsRefused() throws {
        let folder = TestSupport.temporaryFolder("cli-passphrase")
        TestSupport.write("correct horse battery staple\n", to: folder + "/pass")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: folder + "/pass")
        let made = try CLI.run(["keys", "generate", "--out", folder + "/k", "--passphrase-file", folder + "/pass"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(try KeyFiles.loadSecretKey(path: folder + "/k.key", passphraseFile: folder + "/pass").keyIDText.count == 16)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: folder + "/pass")
        #expect {
            try KeyFiles.loadSecretKey(path: folder + "/k.key", passphraseFile: folder + "/pass")
        } throws: { error in
            (error as? ReleaseFormatError)?.description.contains("chmod 600 \(folder)/pass") == true
        }
    }

    @Test func verifyNeedsAKey() throws {
        let result = try CLI.run(["verify", "/nonexistent"])
        #expect(result.status == 2)
    }
}
