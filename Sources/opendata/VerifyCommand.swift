import ArgumentParser
import Foundation
import PublicSite
import Publisher
import ReleaseFormat

/// `opendata verify`: everything a portal maintainer checks before ingesting a release.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a release folder: signature, files, data package, expiry, rollback.",
        discussion: """
            Checks, each reported by name: manifest, signature, global-signature, trusted-comment, \
            files (size and SHA-256 of every listed file; no links leaving the release), \
            no-unlisted-files, datapackage (its hashes agree with the files), not-expired, \
            no-rollback (with --previous, or when the previous release sits beside this one), \
            names (the folder is <dataset>/<release> as the manifest says: a release copied under \
            another name fails), log-inclusion (the release is a leaf of the signed transparency \
            log two folders up; a missing log fails unless --no-log), and the snapshot checks \
            (snapshot.json two folders up, signed and not expired; latest, the catalog, the index \
            page and release.pub as it signed them; this release no newer than the signed newest: \
            replay and frozen mirrors fail; --no-snapshot for a lone release folder). \
            Exit 0 only when all pass; otherwise 1, naming the first failing file and check.

            The same signature checks with stock tools:
              minisign -Vm RELEASE/manifest.json -p release.pub
              (cd RELEASE && sha256sum -c <(jq -r '.files[] | "\\(.sha256)  \\(.path)"' manifest.json))

            Example:
              opendata verify Releases/calls-for-service/2026-11-22 --keyring keys/
            """
    )

    @Argument(help: "The release folder (holding manifest.json).")
    var release: String

    @OptionGroup var trust: TrustedKeyOptions

    @Option(help: "The manifest.json of the release before this one, for the rollback check.")
    var previous: String?

    @Option(help: "State database of the publisher: the release must be in its history, linked to the release before it.")
    var state: String?

    @Option(help: ArgumentHelp("Verify as of this time (ISO 8601, e.g. 2026-11-23T12:00:00Z) instead of now.",
                               discussion: "For an auditor checking an archived copy: expiry of the manifest and of the snapshot is judged at that time."))
    var at: String?

    @Flag(help: "Verify a release folder that is not inside a published tree: skip the log-inclusion check.")
    var noLog = false

    @Flag(help: "Verify a release folder that is not inside a published tree: skip the snapshot checks.")
    var noSnapshot = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        let keys: [Minisign.PublicKey]
        do {
            keys = try trust.load()
        } catch let error as ReleaseFormatError {
            console.error(error.description)
            throw ExitCode(error.exitCode)
        }
        var previousBytes: Data?
        if let previous {
            guard let data = FileManager.default.contents(atPath: previous) else {
                console.error("\(previous): cannot read the previous manifest")
                throw ExitCode(4)
            }
            previousBytes = data
        }
        var now = Date()
        if let at {
            guard let time = ISO8601DateFormatter().date(from: at) ?? ISO8601DateFormatter.dayOnly(at) else {
                throw ValidationError("--at must be an ISO 8601 time such as 2026-11-23T12:00:00Z, got '\(at)'")
            }
            now = time
        }
        let report = PublishedReleaseVerifier.verify(release: release, keys: keys,
                                                     options: .init(previous: previousBytes, state: state, now: now, log: !noLog,
                                                                    snapshot: !noSnapshot))
        for check in report.checks where check.passed {
            console.info("ok   \(check.name): \(check.detail)", typed: ["check": .text(check.name), "passed": .flag(true)])
        }
        if let failure = report.firstFailure {
            console.error("FAIL \(failure.name): \(failure.detail)", typed: ["check": .text(failure.name), "passed": .flag(false)])
            throw ExitCode(1)
        }
        console.info("\(release): verified")
    }
}

extension ISO8601DateFormatter {
    /// `YYYY-MM-DD` as midnight UTC.
    static func dayOnly(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }
}
