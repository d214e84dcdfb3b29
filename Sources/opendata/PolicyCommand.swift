import ArgumentParser

/// `opendata policy`: tools for privacy officers.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check policies.",
        subcommands: [PolicyCheckCommand.self]
    )
}
