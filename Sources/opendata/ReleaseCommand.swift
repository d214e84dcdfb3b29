import ArgumentParser
import Foundation
import Publisher

/// `opendata release`: the command data stewards schedule nightly.
struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Publish one window of every policy as signed, verified releases.",
        discussion: """
            For each policy: check it against the store (deny by default), run its retention, read \
            the window through minimisation, anonymise microdata outputs, compute aggregates with \
            differential privacy (the spend is recorded in the ledger before any noise is drawn), \
            package, sign, publish atomically into OUT/<dataset>/<window>, record, verify.

            Safe to re-run: a window already published is reported, not published again, and no \
            new noise is drawn; --new-sequence publishes it again and spends budget again. A second \
            run on the same OUT while one is in progress exits 3 at once. Refusals change nothing.

            Windows are calendar days in each policy's time zone: 'yesterday' (the default, for \
            nightly timers), a day YYYY-MM-DD, or a range FROM..TO (a backfill as one release).

            Exit codes: 0 published (or already published); 1 invalid policy or input; 2 usage; \
            3 refused (budget, lock, insecure key, seeded randomness); 4 I/O or internal error.

            Example (nightly):
              opendata release --store city.sqlite --key keys/release.key --passphrase-file secrets/key-passphrase \\
                --policy Policies/*.yaml --pseudonym-key secrets/pseudonym.key --log-format json
            """
    )

    @Option(help: "The operational store (SQLite).")
    var store: String

    @Option(help: "The minisign secret key that signs the releases (mode 0600).")
    var key: String

    @Option(parsing: .upToNextOption, help: "Policy files to release.")
    var policy: [String]

    @Option(help: "yesterday, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD.")
    var window = "yesterday"

    @Option(help: "Output folder.")
    var out = "Releases"

    @Option(help: "State database (default: <out>.private/state.sqlite, beside the published folder, never inside it).")
    var state: String?

    @Flag(help: "Do everything but publish and spend budget; print what would be published.")
    var dryRun = false

    @Flag(help: "Publish an already published window again, with fresh noise and a new spend.")
    var newSequence = false

    @Flag(help: ArgumentHelp("Publish a window no import covers as it is (even with no records) instead of refusing it (exit 1).",
                             discussion: "A window an import covers (opendata import records the days each export covers, or --covers says them) is published whether or not it holds a record, so one person's record never decides whether a release exists. A window no import covers is refused, and so is one with no records when the store records no coverage at all; this flag publishes either."))
    var allowEmpty = false

    @Option(help: ArgumentHelp("Where OUT is served, e.g. https://data.city.gov/police: every URL in the catalog becomes absolute.",
                               discussion: "DCAT-US harvesters (data.gov, CKAN) need absolute URLs; without this option the catalog links are relative."))
    var baseURL: String?

    @Option(help: ArgumentHelp("Write Prometheus metrics (node_exporter textfile) here after the run.",
                               discussion: "Last run and last success times, duration, refused datasets, latest sequences, ε accrued per population: alert when opendata_last_success_timestamp_seconds grows old."))
    var metrics: String?

    @Flag(help: "Let retention delete more than its policy's max_share_per_run (default 10%) of a table in this run.")
    var confirmMassDeletion = false

    @Option(help: ArgumentHelp("How long the signed snapshot (snapshot.json) stays valid: 90m, 36h, 2d.",
                               discussion: "Portals refuse an expired snapshot, so a mirror that stopped updating is noticed; keep it a little longer than the time between runs."))
    var snapshotTTL = "2d"

    @Option(help: "File with the passphrase of an encrypted key (else OPENDATA_KEY_PASSPHRASE).")
    var passphraseFile: String?

    @Option(help: "File with the pseudonymisation secret (else OPENDATA_PSEUDONYM_KEY).")
    var pseudonymKey: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let console = output.console
        guard !policy.isEmpty else { throw ValidationError("name at least one --policy") }
        if let problem = ReleaseWindow.problem(window), window.contains("-") && window.first?.isNumber == true {
            // A real-looking date that is not one (2026-02-30) or a reversed range: invalid input, exit 1.
            console.error("--window \(window): \(problem)", ["window": window])
            throw ExitCode(1)
        }
        guard let choice = ReleaseRun.WindowChoice(window) else {
            throw ValidationError("--window must be yesterday, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD, got '\(window)'")
        }
        var options = ReleaseRun.Options(store: store, key: key, passphraseFile: passphraseFile, policies: policy, window: choice,
                                         out: out, state: state, dryRun: dryRun, newSequence: newSequence, pseudonymKey: pseudonymKey)
        options.allowEmpty = allowEmpty
        options.confirmMassDeletion = confirmMassDeletion
        if let baseURL {
            guard let url = URL(string: baseURL), ["https", "http"].contains(url.scheme ?? ""), url.host != nil,
                  url.query == nil, url.fragment == nil else {
                throw ValidationError("--base-url must be an http(s) URL without a query, e.g. https://data.city.gov/police; got '\(baseURL)'")
            }
            options.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        }
        guard let ttl = Self.duration(snapshotTTL), ttl >= 3600, ttl <= 366 * 86400 else {
            throw ValidationError("--snapshot-ttl must be a duration such as 90m, 36h or 2d, between 1 hour and 366 days; got '\(snapshotTTL)'")
        }
        options.snapshotTTL = ttl
        let bar = ProgressBar(format: console.format)
        options.stageProgress = bar.stageProgress
        let started = Date()
        defer { bar.clear() }
        var refusedCount = 0
        var invalidOnly = false
        var finished: [ReleaseRun.Outcome]?
        var failure: (any Error)?
        do {
            let outcomes = try ReleaseRun.run(options) { line in
                bar.clear()
                if output.logFormat == .json || options.dryRun || isatty(STDOUT_FILENO) != 0 || line.contains(ReleaseRun.warningMarker) { console.info(line) }
            }
            bar.clear()
            finished = options.dryRun ? nil : outcomes
            for outcome in outcomes {
                let epsilon = outcome.cost.converted.epsilon
                console.info("\(outcome.dataset) \(outcome.window): \(outcome.status.rawValue)\(outcome.folder.map { " → \($0)" } ?? "")"
                                + (outcome.status == .published ? "; ε \(epsilon); \(outcome.microdata.map { "\($0.output) \($0.records) records" }.joined(separator: ", "))" : ""),
                             typed: ["dataset": .text(outcome.dataset), "window": .text(outcome.window), "status": .text(outcome.status.rawValue),
                                     "release": .text(outcome.release ?? ""), "sequence": outcome.sequence.map { .integer($0) } ?? .text(""),
                                     "epsilon": .number(epsilon)])
            }
            console.info(String(format: "%d datasets in %.1f s", outcomes.count, Date().timeIntervalSince(started)))
            // A refused dataset did not stop the others, but the run is not a success: exit 3, naming it.
            let refused = outcomes.filter { $0.status == .refused }
            for outcome in refused {
                console.error("\(outcome.dataset) \(outcome.window): refused: \(outcome.refusal ?? "")",
                              ["dataset": outcome.dataset, "window": outcome.window, "status": "refused"])
            }
            refusedCount = refused.count
            invalidOnly = !refused.isEmpty && refused.allSatisfy(\.invalidInput)
        } catch {
            failure = Failure.report(error, console)
        }
        // The metrics file records every run, failed ones too; one that cannot be written fails the run
        // (exit 4), so the timer's unit shows it, even when every dataset was published.
        var metricsFailed = false
        if let metrics, !dryRun {
            do {
                try MetricsFile(path: metrics).write(now: Date(), duration: Date().timeIntervalSince(started), outcomes: finished,
                                                     state: self.state ?? PublisherPaths(out: out).state)
            } catch {
                console.error("\(error.description)\(finished == nil ? "" : "; the releases above were published, but monitoring will not see this run"): check the path and its permissions (exit 4)")
                metricsFailed = true
            }
        }
        if let failure { throw failure }
        if refusedCount > 0 { throw ExitCode(invalidOnly ? 1 : 3) }
        if metricsFailed { throw ExitCode(4) }
    }

    /// Seconds in `90m`, `36h` or `2d`; nil for anything else.
    static func duration(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let value = Double(text.dropLast()), value > 0 else { return nil }
        switch unit {
        case "m": return value * 60
        case "h": return value * 3600
        case "d": return value * 86400
        default: return nil
        }
    }
}
