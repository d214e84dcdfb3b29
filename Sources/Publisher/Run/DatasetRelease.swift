import Anonymization
import DifferentialPrivacy
import Foundation
import PublicSite
import OperationalStore
import PrivacyPolicy
import ReleaseFormat
import Tabular

/// One dataset's window, released in stages, each taking what the one before produced and the
/// publication plan (``PublicationPlan``) the whole run was checked against:
///
/// 1. ``read(allowEmpty:progress:)``: the minimised read (only the columns the policy publishes
///    or needs, exclusions and the window applied in the store), the unit attached,
///    `publish_only` applied.
/// 2. ``selectPeople(_:progress:)``: who this release may include, from the per-person ledger
///    (everyone whose charges over any 365 days stay within the cap with it).
/// 3. ``plainRecordFiles(_:progress:)``: k-anonymous record files (``MicrodataPlanner``).
/// 4. ``tables(_:selection:progress:)``: the DP record files and the DP tables, computed once and
///    stored, or read back from the state when this window was already charged (no new noise).
/// 5. ``package(_:selection:retention:progress:)``: the files, their descriptions, the privacy report,
///    the manifest and its signatures, staged in a hidden folder.
/// 6. ``commit(_:windowSequence:progress:)``: the history recorded, the release made visible,
///    then verified as a portal would.
///
/// Guarantee (with ``ReleaseRun``): nothing leaves through a stage that the policy does not
/// publish, every published value is generalised or noised, and a re-run of a window already
/// published draws no fresh noise.
struct DatasetRelease {
    /// What the run gives every dataset.
    struct Run {
        var store: any RecordSource
        var state: StateStore
        var key: Minisign.SecretKey
        var out: String
        var random: RandomSource
        var newSequence: Bool
        var dryRun: Bool
        var pseudonymizer: Pseudonymizer?
        var now: Date
        var stageProgress: StageProgress?
    }

    /// Who stage 2 let in, and the stored results when this window was already charged.
    struct Selection {
        var stored: AggregateRelease.Outcome?
        var people: PersonLedger.Plan?
    }

    /// A release staged by stage 5, ready to commit.
    struct Staged {
        var name: String
        var sequence: Int
        /// The hidden folder and the SHA-256 of its manifest.
        var package: (staged: String, manifestSHA256: String)
    }

    let plan: PublicationPlan
    let policy: Policy
    let window: ReleaseWindow
    let run: Run
    /// The dataset's earlier releases, oldest first.
    let history: [StateStore.PublishedRelease]
    private(set) var outcome: ReleaseRun.Outcome
    private var packaged: [ReleasePackager.Output] = []
    private var reportedAggregates: [PrivacyReport.Aggregate] = []

    var dataset: String { policy.dataset.id }

    /// The release of `dataset`'s window under the plan's (resolved) policy for it.
    /// - Throws: ``PublisherError/usage(_:)`` when the plan has no such dataset;
    ///   ``PublisherError/io(path:reason:)`` when the state's history cannot be read.
    init(plan: PublicationPlan, dataset: String, window: ReleaseWindow, run: Run) throws(PublisherError) {
        guard let policy = plan.policies.first(where: { $0.dataset.id == dataset }) else {
            throw .usage("dataset \(dataset) is not in the publication plan")
        }
        self.plan = plan
        self.policy = policy
        self.window = window
        self.run = run
        history = try run.state.releases(dataset: dataset)
        outcome = ReleaseRun.Outcome(dataset: dataset, window: window.label, status: .published, release: nil, folder: nil, sequence: nil,
                                     retention: nil, microdata: [], aggregates: [], verifiedChecks: 0)
    }

    /// Runs every stage (see the type's description); a window already published is reported as such.
    /// - Throws: ``PublisherError/invalidInput(_:)`` for an empty window not allowed;
    ///   ``PublisherError/refused(_:)`` when a budget rule refuses it; ``PublisherError/store(_:)`` and
    ///   ``PublisherError/io(path:reason:)`` when reading, writing or verifying fails. Nothing is
    ///   visible before the commit stage.
    mutating func release(retention: RetentionRun.Outcome?, allowEmpty: Bool, progress: (String) -> Void) throws(PublisherError)
        -> ReleaseRun.Outcome {
        if let existing = history.last(where: { $0.window == window.label }), !run.newSequence {
            outcome.status = .alreadyPublished
            outcome.release = existing.release
            outcome.sequence = existing.sequence
            outcome.folder = ((run.out as NSString).appendingPathComponent(dataset) as NSString).appendingPathComponent(existing.release)
            progress("\(dataset): \(window.label) is already published as \(existing.release) (sequence \(existing.sequence)); nothing new, no new noise")
            return outcome
        }
        StageTiming.mark("before read")
        var table = try read(allowEmpty: allowEmpty, progress: progress)
        StageTiming.mark("read")
        let selection = try selectPeople(&table, progress: progress)
        StageTiming.mark("selectPeople")
        try plainRecordFiles(table, progress: progress)
        if run.dryRun { return try dryRun(table, progress: progress) }
        let results = try tables(table, selection: selection, progress: progress)
        StageTiming.mark("tables")
        let staged = try package(results, selection: selection, retention: retention, progress: progress)
        StageTiming.mark("package")
        defer { StageTiming.mark("commit") }
        return try commit(staged, windowSequence: results.sequence, progress: progress)
    }

    /// Stage 1: the window's records through minimisation, with the unit attached and
    /// `publish_only` applied.
    /// - Throws: ``PublisherError/store(_:)`` when the store cannot be read;
    ///   ``PublisherError/invalidInput(_:)`` for an empty window unless `allowEmpty`.
    func read(allowEmpty: Bool, progress: (String) -> Void) throws(PublisherError) -> Table {
        var table: Table
        do {
            let stage = "\(dataset): reading \(policy.source.table)"
            let reading: (@Sendable (Double?) -> Void)? = run.stageProgress.map { progress in
                { @Sendable fraction in progress(stage, fraction) }
            }
            table = try run.store.read(MinimisationPlanner.plan(for: policy, window: window), pseudonymizer: run.pseudonymizer,
                                       progress: reading)
        } catch {
            throw .store(error)
        }
        StageTiming.mark("store.read")
        table = UnitColumn.attach(to: table, policy: policy)
        let (allowed, withheld) = PublishOnly.apply(policy, to: table)
        table = allowed
        for (column, rows) in withheld where rows > 0 {
            progress("\(dataset)\(ReleaseRun.warningMarker)\(rows) records (steward's log, exact) hold a \(column) outside publish_only and were withheld; add the value to publish_only.\(column) in \(policy.path) if it may be published")
        }
        progress("\(dataset): window \(window.label): \(table.rowCount) records read through minimisation")
        if table.rowCount == 0 && !allowEmpty {
            throw .invalidInput("window \(window.label) of \(dataset) holds no records in \(policy.source.table) (none whose \(policy.source.windowBy) is a timestamp in that window); nothing was published or charged. Check the export, or pass --allow-empty to publish an empty release")
        }
        if table.rowCount == 0 { progress("\(dataset) (steward's log, exact): window \(window.label) holds no records; it is published like any other window, its counts pure noise") }
        if let unit = policy.privacyUnit, let units = table.column(named: unit) {
            let missing = units.countOfRowsWithoutUnit()
            if missing > 0 {
                progress("\(dataset) (steward's log, exact): \(missing) records without a \(unit) are left out of every DP output and record file")
            }
        }
        return table
    }

    /// Stage 2: who this release may include: everyone whose charges over any 365 days stay
    /// within the cap with it (``PersonLedger``); a re-run of a release already charged leaves out
    /// the same people. Nothing is decided in a dry run.
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state cannot be read.
    func selectPeople(_ table: inout Table, progress: (String) -> Void) throws(PublisherError) -> Selection {
        guard !run.dryRun else { return Selection() }
        let stored = try AggregateRelease.stored(policy: policy, window: window, state: run.state, newSequence: run.newSequence)
        let ledger = PersonLedger(state: run.state)
        StageTiming.mark("stored results")
        let people: PersonLedger.Plan
        if let stored {
            people = try ledger.storedPlan(policy: policy, table: table, window: window, dataset: dataset, sequence: stored.sequence)
        } else {
            people = try ledger.plan(policy: policy, table: table, window: window)
        }
        if let keep = people.keep {
            table = Table(columns: table.columns.map { $0.filtered(keeping: keep) })
            progress("\(dataset) (steward's log, exact): \(people.excluded.count) people at their 365-day cap left out of this release")
        }
        return Selection(stored: stored, people: people)
    }

    /// Stage 3: every plain k-anonymous record file (``MicrodataPlanner``), packaged.
    /// - Throws: ``PublisherError`` when the anonymisation fails (no solution within the policy's limits).
    mutating func plainRecordFiles(_ table: Table, progress: (String) -> Void) throws(PublisherError) {
        for output in policy.outputs {
            guard case let .microdata(spec) = output.kind, spec.privacy == nil else { continue }
            let anonymized = try MicrodataPlanner.anonymize(output, of: policy, table: table, random: run.random, progress: run.stageProgress)
            let report = PrivacyReport.Microdata(plain: output, spec: spec, policy: policy, outcome: anonymized)
            outcome.microdata.append(report)
            progress("\(dataset)/\(output.id): \(anonymized.table.rowCount) records of \(anonymized.consideredRows) (one per person), k = \(spec.k), \(anonymized.result.suppressed) suppressed, highest risk \(String(format: "%.3f", anonymized.result.risk.highestProsecutorRisk))")
            for finding in report.lost {
                progress("\(dataset)/\(output.id)\(ReleaseRun.warningMarker)\(LostColumns.sentence(finding, k: spec.k, remedy: spec.recoding == .local ? .alreadyLocal : .localRecoding))")
            }
            addFile(output.id, title: output.title, table: anonymized.table, primaryKey: [], levels: report.levels)
        }
    }

    /// The DP record-level outputs of the policy.
    var dpRecordOutputs: [OutputSpec] {
        policy.outputs.filter { if case let .microdata(spec) = $0.kind { spec.privacy != nil } else { false } }
    }

    /// A dry run's report: what would be published and charged, with the forecast; no noise drawn.
    /// - Throws: ``PublisherError`` when an aggregate output cannot be planned on this table.
    mutating func dryRun(_ table: Table, progress: (String) -> Void) throws(PublisherError) -> ReleaseRun.Outcome {
        for output in dpRecordOutputs {
            guard case let .microdata(spec) = output.kind, let privacy = spec.privacy else { continue }
            let parameters = DPMicrodataRelease.parameters(privacy, choosing: spec.generalization == nil)
            progress("\(dataset)/\(output.id): would publish a differentially private record file (ε \(privacy.epsilon), δ \(privacy.delta): each record drawn with probability \(String(format: "%.3f", parameters.beta)), classes under k = \(parameters.safe.k) suppressed)")
        }
        for output in policy.outputs {
            guard case .aggregate = output.kind else { continue }
            let input = try AggregatePlanner.input(for: output, of: policy, table: table, window: window)
            // What the ledger would charge: the output's whole ε (with totals_over, its periods' shares too).
            outcome.aggregates.append((output.id, input.parameters.keys == .publicKeys ? input.input.groupKeys.count : -1,
                                       output.epsilon, [:]))
            progress("\(dataset)/\(output.id): would publish \(input.parameters.keys == .publicKeys ? "\(input.input.groupKeys.count) groups" : "privately selected groups"), ε \(output.epsilon)")
        }
        var previous: [String: AggregateResult] = [:]
        if let last = history.last {
            previous = (try? BudgetLedger(state: run.state).storedResults(dataset: dataset, window: last.window, sequence: last.windowSequence)) ?? [:]
        }
        for line in PolicyForecast.lines(for: policy, previous: previous) { progress("\(dataset)/\(line)") }
        outcome.status = .dryRun
        outcome.cost = policy.releaseCost
        let epsilon = outcome.cost.converted.epsilon
        progress("\(dataset): dry run: would spend ε \(String(format: "%g", epsilon)) of the per-release cap \(String(format: "%g", policy.budget.perReleaseEpsilon)); nothing published, no budget spent, no noise drawn, nothing deleted")
        return outcome
    }

    /// Stage 4: the DP record files and tables, computed and stored with the charges in one
    /// commit, or read back when this window was charged before; each packaged.
    /// - Throws: ``PublisherError/refused(_:)`` when the per-release cap refuses it;
    ///   ``PublisherError/io(path:reason:)`` when the state cannot be read or written.
    mutating func tables(_ table: Table, selection: Selection, progress: (String) -> Void) throws(PublisherError) -> AggregateRelease.Outcome {
        let aggregates: AggregateRelease.Outcome
        if let stored = selection.stored {
            aggregates = stored
        } else {
            var records: [DPMicrodataRelease.Records] = []
            for output in dpRecordOutputs {
                let (prepared, selected) = try DPMicrodataRelease.prepare(output, of: policy, table: table, window: window,
                                                                          random: run.random, kept: try keptLevels(of: output.id),
                                                                          progress: run.stageProgress)
                progress("\(dataset)/\(output.id) (steward's log, exact): \(selected.table.rowCount) people, \(selected.repeats) repeat rows and \(selected.withoutUnit) rows without a unit left out; \(prepared.table.rowCount) sampled records published")
                records.append(prepared)
            }
            let bounded = try AggregateRelease.bound(policy: policy, window: window, table: table, random: run.random)
            StageTiming.mark("bound")
            aggregates = try AggregateRelease.finish(policy: policy, window: window, bounded: bounded, records: records,
                                                     people: selection.people, state: run.state, random: run.random,
                                                     newSequence: run.newSequence, now: run.now)
        }
        for output in dpRecordOutputs {
            guard let records = aggregates.records[output.id] else {
                throw .io(path: run.state.path, reason: "the record file of output '\(output.id)' is missing from the state database")
            }
            let report = PrivacyReport.Microdata(private: output, records: records)
            outcome.microdata.append(report)
            for finding in report.lost { progress("\(dataset)/\(output.id)\(ReleaseRun.warningMarker)\(LostColumns.sentence(finding, k: records.k, remedy: .none))") }
            progress("\(dataset)/\(output.id): \(records.table.rowCount) records, (ε \(records.epsilon), δ \(records.delta))-DP, k = \(records.k)\(aggregates.reused ? " (stored, no new sample)" : "")")
            addFile(output.id, title: output.title, table: records.table, primaryKey: [], levels: records.levels)
        }
        for (id, result, published) in aggregates.results {
            let margins = Dictionary(result.noise.map { ($0.statistic, $0.margin) }, uniquingKeysWith: { a, _ in a })
            outcome.aggregates.append((id, published.rowCount, result.epsilon, margins))
            let spec = policy.publishedOutputs.first { $0.id == id }
            var keys: [String] = []
            var disparity: DisparitySpec?
            if case let .aggregate(aggregate)? = spec?.kind {
                keys = aggregate.groupBy.map(\.column)
                disparity = aggregate.disparity
            }
            reportedAggregates.append(PrivacyReport.Aggregate(output: id, title: spec?.title ?? id, result: result, table: published,
                                                              disparity: disparity))
            addFile(id, title: spec?.title, table: published, primaryKey: keys, description: BoundingDisclosure(result)?.sentence())
            progress("\(dataset)/\(id): \(published.rowCount) groups, ε \(result.epsilon)\(aggregates.reused ? " (stored results, no new noise)" : "")")
        }
        return aggregates
    }

    /// The generalisation a DP record file published earlier in this window's calendar month
    /// (the month of its first day) to reuse tonight, the release that chose it and the count n̂
    /// that sized that choice; nil when tonight chooses: on the month's first night, and after a
    /// file that published fewer than half of its expected sample (rows < ½·β·n̂), so a choice that
    /// turned out useless is not kept for the rest of the month. The month's latest earlier file
    /// decides. Everything read here is an output of a DP mechanism (the published rows and levels,
    /// β, n̂), so the decision is post-processing (``DPMicrodataRelease``).
    /// - Throws: ``PublisherError/io(path:reason:)`` when the stored records cannot be read.
    func keptLevels(of output: String) throws(PublisherError) -> (levels: [String: Int], release: String, noisyPeople: Int64?)? {
        let month = String(ReleaseWindow.days(of: window.label).first.prefix(7))
        let ledger = BudgetLedger(state: run.state)
        for earlier in history.sorted(by: { $0.sequence > $1.sequence })
        where ReleaseWindow.days(of: earlier.window).first.hasPrefix(month) && earlier.window != window.label {
            guard let records = try ledger.storedRecords(dataset: dataset, window: earlier.window, sequence: earlier.windowSequence)[output] else {
                continue
            }
            if records.fixedByPolicy == true { return nil }
            if let people = records.noisyPeople, Double(records.table.rowCount) < 0.5 * records.beta * Double(max(people, 0)) {
                return nil
            }
            return (records.levels, records.keptFrom ?? earlier.release, records.noisyPeople)
        }
        return nil
    }

    /// Stage 5: the files in policy order, the privacy report, the manifest and its signatures,
    /// staged in a hidden folder (``ReleasePackager/publish``).
    /// - Throws: ``PublisherError/io(path:reason:)`` when a file cannot be written or signed.
    mutating func package(_ aggregates: AggregateRelease.Outcome, selection: Selection, retention: RetentionRun.Outcome?,
                          progress: (String) -> Void) throws(PublisherError) -> Staged {
        let order = Dictionary(uniqueKeysWithValues: policy.publishedOutputs.enumerated().map { ($1.id, $0) })
        packaged.sort { (order[$0.id] ?? 0) < (order[$1.id] ?? 0) }
        let sequence = (history.map(\.sequence).max() ?? 0) + 1
        let name = aggregates.sequence == 1 ? window.label : "\(window.label)-s\(aggregates.sequence)"
        if let largest = selection.people?.largestCharged?.converted.epsilon {
            progress("\(dataset) (steward's log, exact): the most anyone in this release has accrued over 365 days is ε \(String(format: "%.4g", largest))")
        }
        var report = PrivacyReport(policy: policy, release: name, window: .init(window), microdata: outcome.microdata,
                                   aggregates: reportedAggregates, retention: retention.map { .init(rule: $0.rule) })
        report.capHistory = try run.state.capHistory(population: policy.population)
        let staged = try ReleasePackager.publish(policy: policy, window: window, name: name, sequence: sequence, outputs: packaged,
                                                 extraFiles: [("privacy-report.json", try Self.encoded(report)),
                                                              ("privacy-report.html", Data(report.html().utf8))],
                                                 out: run.out, key: run.key, previousManifestSHA256: history.last?.manifestSHA256,
                                                 toolVersion: "opendata \(ReleasePackager.toolVersion)", now: run.now,
                                                 progress: run.stageProgress)
        return Staged(name: name, sequence: sequence, package: staged)
    }

    /// Stage 6: the history is written before the release becomes visible (a run killed in between
    /// leaves a sealed hidden folder that the next run rolls forward), then the folder is renamed
    /// into place, `latest` updated, and the release verified as a portal would.
    /// - Throws: ``PublisherError/io(path:reason:)`` when the state or the folder cannot be
    ///   written, or the release fails verification.
    mutating func commit(_ staged: Staged, windowSequence: Int, progress: (String) -> Void) throws(PublisherError) -> ReleaseRun.Outcome {
        try run.state.recordRelease(StateStore.PublishedRelease(dataset: dataset, release: staged.name, window: window.label,
                                                                windowSequence: windowSequence, sequence: staged.sequence,
                                                                manifestSHA256: staged.package.manifestSHA256, publishedAt: run.now))
        let newest = StateStore.PublishedRelease.newestByWindow(try run.state.releases(dataset: dataset))[dataset]?.release ?? staged.name
        let final = try ReleasePackager.commit(staged: staged.package.staged, out: run.out, latest: newest)
        run.stageProgress?("\(dataset): verifying the release", nil)
        let verification = ReleaseVerifier.verify(folder: final, keys: [run.key.publicKeyFile], now: run.now)
        guard verification.passed else {
            throw .io(path: final, reason: "the release failed verification: \(verification.firstFailure?.detail ?? "")")
        }
        outcome.release = staged.name
        outcome.folder = final
        outcome.sequence = staged.sequence
        outcome.cost = policy.releaseCost
        outcome.verifiedChecks = verification.checks.count
        progress("\(dataset): published \(final) (sequence \(staged.sequence)) and verified it (\(verification.checks.count) checks)")
        return outcome
    }

    /// The report's canonical JSON.
    /// - Throws: ``PublisherError/io(path:reason:)`` when it cannot be encoded (a non-finite number).
    static func encoded(_ report: PrivacyReport) throws(PublisherError) -> Data {
        do {
            return try report.json()
        } catch {
            throw .io(path: "privacy-report.json", reason: error.description)
        }
    }

    /// Adds a file to the release, with its column descriptions.
    private mutating func addFile(_ id: String, title: String?, table: Table, primaryKey: [String], levels: [String: Int] = [:],
                                  description: String? = nil) {
        let spec = policy.publishedOutputs.first { $0.id == id }
        packaged.append(ReleasePackager.Output(id: id, title: title ?? id, table: table,
                                               fieldDescriptions: ReleasePackager.describe(policy: policy, output: spec, columns: table.columnNames,
                                                                                           levels: levels),
                                               primaryKey: primaryKey, description: description))
    }
}
