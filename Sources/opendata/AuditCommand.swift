import ArgumentParser
import Foundation
import Publisher
import ReleaseFormat

/// `opendata audit`: a signed bundle for a third-party review.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Write or verify a signed audit bundle for a period (quarterly third-party reviews).",
        subcommands: [AuditCreateCommand.self, AuditVerifyCommand.self],
        defaultSubcommand: AuditCreateCommand.self
    )
}

/// `opendata audit --from --to --out`.
struct AuditCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Bundle every release of the period with its manifest, policy, policy changes, ledger, retention audit and log.",
        discussion: """
            Example:
              opendata audit --from 2026-07-01 --to 2026-09-30 --out audit-2026-Q3.json --key keys/release.key
              minisign -Vm audit-2026-Q3.json -p Releases/release.pub
            """
    )

    @Option(help: "First day of the period (YYYY-MM-DD, UTC).")
    var from: String

    @Option(help: "Last day of the period (YYYY-MM-DD, UTC).")
    var to: String

    @Option(help: "The bundle file; its signature goes to FILE.minisig.")
    var out: String

    @Flag(help: "Select releases by the days their windows cover (a data month), not by when they were published.")
    var windows = false

    @Option(help: "The releases folder.")
    var releases = "Releases"

    @Option(help: "State database (default: <releases>.private/state.sqlite, beside the published folder).")
    var state: String?

    @Option(help: "The minisign secret key that signs the bundle.")
    var key: String

    @Option(help: "File with the key's passphrase (else OPENDATA_KEY_PASSPHRASE).")
    var passphraseFile: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        let utc = TimeZone(identifier: "UTC") ?? .current
        guard let start = ReleaseWindow(day: ReleaseWindow.padded(from), timezone: utc), let end = ReleaseWindow(day: ReleaseWindow.padded(to), timezone: utc),
              start.start <= end.start else {
            throw ValidationError("--from and --to must be dates YYYY-MM-DD, --from not after --to")
        }
        do {
            let secret = try KeyFiles.loadSecretKey(path: key, passphraseFile: passphraseFile)
            let store = try StateStore(path: state ?? PublisherPaths(out: releases).state)
            let count = try AuditBundle.write(out: releases, state: store, from: start.start, to: end.end,
                                              windows: windows ? start.label...end.label : nil, file: out, key: secret)
            console.info("wrote \(out) (\(count) releases) and \(out).minisig")
        } catch let error as ReleaseFormatError {
            console.error(error.description)
            throw ExitCode(error.exitCode)
        } catch let error as PublisherError {
            throw Failure.report(error, console)
        }
    }
}

/// `opendata audit verify FILE`.
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an audit bundle offline: signature, manifests, policies, and the signed log."
    )

    @Argument(help: "The bundle file (with FILE.minisig beside it).")
    var file: String

    @OptionGroup var trust: TrustedKeyOptions

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        do {
            let keys = try trust.load()
            for line in try AuditBundle.verify(file: file, keys: keys) { console.info("ok   \(line)") }
            console.info("\(file): verified")
        } catch let error as ReleaseFormatError {
            console.error(error.description)
            throw ExitCode(error.exitCode)
        } catch let error as PublisherError {
            throw Failure.report(error, console)
        }
    }
}
