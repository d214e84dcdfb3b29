import ArgumentParser
import Foundation
import Publisher
import ReleaseFormat

/// `opendata rebuild`: rebuild the cumulative files from the signed releases and compare.
struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild every cumulative file (catalog/<dataset>/<output>.all.*) from the signed releases and compare it byte for byte.",
        discussion: """
            Each night appends its release to the cumulative files instead of rebuilding them, so a \
            night costs the same after three years as after ten days. This command is how anyone checks \
            the appended files: it needs only the published folder and the release key (no state \
            database). Every release folder is verified (signature and files; expiry is not judged), \
            then each output's file, its chain (<output>.all.chain.jsonl: which bytes came from which \
            signed release) and its Table Schema are built from the releases and compared with what is \
            published. Exit 0 when every file is identical; 1 naming each file that differs or release \
            that fails verification. --into writes the rebuilt files to another folder.

            Example:
              opendata rebuild --out Releases --key Releases/release.pub
            """
    )

    @Option(help: "The releases folder.")
    var out = "Releases"

    @Option(help: "Also write the rebuilt files under this folder (catalog/<dataset>/…).")
    var into: String?

    @OptionGroup var trust: TrustedKeyOptions

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        do {
            let keys = try trust.load(fallback: (out as NSString).appendingPathComponent("release.pub"))
            let report = try CumulativeRebuild.run(out: out, keys: keys, into: into)
            for path in report.identical { console.info("ok   \(path)") }
            for problem in report.problems { console.error("FAIL \(problem)") }
            guard report.problems.isEmpty else { throw ExitCode(1) }
            console.info("\(out): \(report.identical.count) files rebuilt from \(report.releases) signed releases, identical")
        } catch let error as ReleaseFormatError {
            console.error(error.description)
            throw ExitCode(error.exitCode)
        } catch let error as PublisherError {
            throw Failure.report(error, console)
        }
    }
}
