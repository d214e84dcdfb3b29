import ArgumentParser
import Foundation
import Publisher

/// The `opendata` command: publishes privacy-preserving open data from police
/// operational records. Each subcommand is one type in its own file.
@main
struct OpenData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opendata",
        abstract: "Publish privacy-preserving open data from police operational records.",
        discussion: """
            A privacy officer's policy (Policies/*.yaml) says which columns leave the operational \
            store and how: dropped, pseudonymised, generalised to k-anonymity, or counted with \
            differential privacy. Start with 'opendata demo', which builds a synthetic city and \
            runs every step on it.

            Exit codes: 0 success; 1 invalid input or failed verification; 2 usage error; \
            3 refused by a safety rule; 4 I/O or internal error.
            """,
        version: ReleasePackager.toolVersion,
        subcommands: [DemoCommand.self, ImportCommand.self, PolicyCommand.self, RetentionCommand.self, AnonymizeCommand.self, ReleaseCommand.self, StatusCommand.self, KeysCommand.self, VerifyCommand.self, LogCommand.self, AuditCommand.self, BenchCommand.self]
    )

    /// Runs the command, mapping argument errors to exit code 2 as DESIGN.md requires
    /// (ArgumentParser's default is 64).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || code.rawValue == ExitCode.validationFailure.rawValue && !(error is ExitCode) {
                let message = fullMessage(for: error)
                if code == .success {
                    print(message)
                    Foundation.exit(0)
                }
                FileHandle.standardError.write(Data((message + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
