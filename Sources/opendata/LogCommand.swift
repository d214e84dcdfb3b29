import ArgumentParser
import Foundation
import Publisher
import ReleaseFormat

/// `opendata log`: the tamper-evident release history.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Check the transparency log of all releases.",
        subcommands: [LogVerifyCommand.self]
    )
}

/// `opendata log verify`.
struct LogVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the signed checkpoint, recompute the tree from the releases on disk, and prove it extends an older checkpoint.",
        discussion: """
            Fails naming any logged release that is missing or altered. With --since, checks an RFC 6962 \
            consistency proof from the older checkpoint (keep a copy of log/checkpoint from each visit), \
            so releases cannot be withdrawn or rewritten without it showing.

            Example:
              cp Releases/log/checkpoint checkpoint-last-week
              opendata log verify --out Releases --since checkpoint-last-week
            """
    )

    @Option(help: "The releases folder.")
    var out = "Releases"

    @Option(help: "An older checkpoint the log must extend.")
    var since: String?

    @OptionGroup var trust: TrustedKeyOptions

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        do {
            let keys = try trust.load(fallback: (out as NSString).appendingPathComponent("release.pub"))
            for line in try TransparencyLog.verify(out: out, keys: keys, since: since) {
                console.info("ok   \(line)")
            }
            console.info("\(out)/log: verified")
        } catch let error as ReleaseFormatError {
            console.error(error.description)
            throw ExitCode(error.exitCode)
        } catch let error as PublisherError {
            throw Failure.report(error, console)
        }
    }
}
