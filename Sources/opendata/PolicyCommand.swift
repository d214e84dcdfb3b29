import ArgumentParser
import Foundation
import PrivacyPolicy
import Publisher

/// `opendata policy`: tools for privacy officers.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check, explain and describe policies.",
        subcommands: [PolicyCheckCommand.self, PolicyExplainCommand.self, PolicySchemaCommand.self]
    )
}

/// `opendata policy explain`: what a policy does, in words a resident understands.
struct PolicyExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Print what a policy does in plain language (the same text every release's privacy report carries).",
        discussion: "Example:\n  opendata policy explain Policies/calls-for-service.yaml"
    )

    @Argument(help: "The policy file.")
    var policy: String

    func run() throws {
        do {
            let loaded = try PolicyLoader.load(path: policy)
            print(PolicyExplainer.explain(loaded).joined(separator: "\n\n"))
            let forecast = PolicyForecast.lines(for: loaded)
            if !forecast.isEmpty {
                print("\nExpected accuracy at this policy's budget (95% margins of the noise; each person's contribution bounded as the policy says):\n" + forecast.map { "- " + $0 }.joined(separator: "\n"))
            }
        } catch {
            for diagnostic in error.diagnostics { FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8)) }
            throw ExitCode(1)
        }
    }
}

/// `opendata policy schema`: the JSON Schema of the policy format.
struct PolicySchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema of the policy format, for editors and validators.",
        discussion: "Example:\n  opendata policy schema > policy.schema.json"
    )

    func run() throws {
        print(PolicySchema.json)
    }
}
