import ArgumentParser
import OperationalStore
import Publisher

/// Turns a failure into the exit code of DESIGN.md and one line per problem on standard error.
enum Failure {
    static func report(_ error: PublisherError, _ console: Console) -> ExitCode {
        for line in error.description.split(separator: "\n") {
            console.error(String(line), typed: ["exit_code": .integer(Int(error.exitCode))])
        }
        return ExitCode(error.exitCode)
    }

    static func report(_ error: StoreError, _ console: Console) -> ExitCode {
        report(.store(error), console)
    }
}
