import ArgumentParser
import Foundation
import PrivacyPolicy
import Publisher
import Tabular

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
        subcommands: [DemoCommand.self, ImportCommand.self, PolicyCommand.self, RetentionCommand.self, AnonymizeCommand.self, ReleaseCommand.self, StatusCommand.self, KeysCommand.self, VerifyCommand.self, LogCommand.self, RebuildCommand.self, AuditCommand.self]
    )

    /// Runs the command, mapping argument errors to exit code 2 as DESIGN.md requires
    /// (ArgumentParser's default is 64).
    /// Freed memory is kept for reuse (``HeapPolicy``): a release at millions of rows frees and
    /// allocates columns of tens of megabytes many times over.
    static func main() {
        HeapPolicy.keepFreedMemory()
        if let problem = misspelling(Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardError.write(Data((problem + "\n").utf8))
            Foundation.exit(2)
        }
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

    /// A misspelt subcommand or option, said with the nearest real one (ArgumentParser alone
    /// reports `opendata relase --store …` as an unknown `--store`); nil when every word is known.
    static func misspelling(_ arguments: [String]) -> String? {
        var command: any ParsableCommand.Type = OpenData.self
        var path = ["opendata"]
        var rest = arguments[...]
        while let word = rest.first, !word.hasPrefix("-") {
            let subcommands = command.configuration.subcommands
            if subcommands.isEmpty { break }
            let names = subcommands.map { $0.configuration.commandName ?? $0._commandName }
            guard let index = names.firstIndex(of: word) else {
                if word == "help" { return nil }
                return "\(path.joined(separator: " ")): unknown command '\(word)'\(Suggestion.didYouMean(word, among: names)) (run \(path.joined(separator: " ")) --help for the list)"
            }
            command = subcommands[index]
            path.append(word)
            rest = rest.dropFirst()
        }
        // A command group runs its default subcommand when no subcommand is named (`opendata audit --from …`).
        if !command.configuration.subcommands.isEmpty {
            guard let fallback = command.configuration.defaultSubcommand else { return nil }
            command = fallback
        }
        let help = OpenData.helpMessage(for: command)
        var known: Set<String> = ["--help", "--version", "--generate-completion-script", "--experimental-dump-help"]
        if let pattern = try? NSRegularExpression(pattern: "--[a-z][a-z0-9-]*") {
            for match in pattern.matches(in: help, range: NSRange(help.startIndex..., in: help)) {
                if let range = Range(match.range, in: help) { known.insert(String(help[range])) }
            }
        }
        for argument in rest where argument.hasPrefix("--") && argument.count > 2 {
            let name = String(argument.prefix { $0 != "=" })
            if !known.contains(name) {
                return "\(path.joined(separator: " ")): unknown option '\(name)'\(Suggestion.didYouMean(name, among: known.sorted())) (run \(path.joined(separator: " ")) --help for every option)"
            }
        }
        return nil
    }
}
