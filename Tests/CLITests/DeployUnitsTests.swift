import Foundation
import Testing
import TestSupport

/// The systemd units in Deploy/ are valid as systemd itself reads them.
@Suite struct DeployUnitsTests {
    @Test(OutsideTool.needed("systemd-analyze")) func theServiceAndTimerVerify() throws {
        guard OutsideTool.available("systemd-analyze") else { return }
        let folder = TestSupport.temporaryFolder("units")
        for unit in ["opendata.service", "opendata.timer"] {
            let text = try String(contentsOfFile: TestSupport.repositoryPath("Deploy/" + unit), encoding: .utf8)
            // The binary as built here stands in for /usr/local/bin/opendata (systemd checks it exists).
            try text.replacingOccurrences(of: "/usr/local/bin/opendata", with: CLI.executable)
                .write(toFile: folder + "/" + unit, atomically: true, encoding: .utf8)
        }
        let service = try String(contentsOfFile: folder + "/opendata.service", encoding: .utf8)
        for setting in ["ProtectSystem=strict", "LoadCredential=release.key:", "ReadWritePaths=", "NoNewPrivileges=true"] {
            #expect(service.contains(setting), "\(setting)")
        }
        let result = try OutsideTool.run("systemd-analyze", ["verify", "opendata.service", "opendata.timer"], in: folder)
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("nknown") && !result.output.contains("rror"), "\(result.output)")
        // The options the service passes exist (a usage error would exit 2 before anything).
        let help = try CLI.run(["release", "--help"])
        for option in ["--metrics", "--base-url", "--passphrase-file", "--pseudonym-key", "--log-format"] {
            #expect(help.stdout.contains(option), "\(option)")
        }
    }
}
