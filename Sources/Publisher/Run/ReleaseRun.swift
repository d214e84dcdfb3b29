import Anonymization
import DifferentialPrivacy
import Foundation
import PublicSite
import OperationalStore
import PostgresStore
import PrivacyPolicy
import ReleaseFormat
import Tabular

/// `opendata release`: the nightly job. For each policy: check it against the
/// store, run its retention, read the window through minimisation, anonymise
/// the microdata outputs, compute the aggregates (ledger first), package,
/// sign, publish atomically, record, verify.
public enum ReleaseRun {
    /// Which window to release.
    public enum WindowChoice: Sendable, Equatable {
        case yesterday
        case day(String)
        case range(String, String)

        /// Parses `yesterday`, `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD` (real dates, in order;
        /// ``ReleaseWindow/problem(_:)`` says why another text is not one).
        public init?(_ given: String) {
            let text = ReleaseWindow.padded(given)
            if ReleaseWindow.problem(text) != nil { return nil }
            if text == "yesterday" {
                self = .yesterday
            } else if text.contains("..") {
                let parts = text.components(separatedBy: "..")
                guard parts.count == 2, ReleaseWindow.components(parts[0]) != nil, ReleaseWindow.components(parts[1]) != nil else { return nil }
                self = .range(parts[0], parts[1])
            } else if ReleaseWindow.components(text) != nil {
                self = .day(text)
            } else {
                return nil
            }
        }

        func window(in zone: TimeZone, now: Date) -> ReleaseWindow? {
            switch self {
            case .yesterday: ReleaseWindow.yesterday(now: now, timezone: zone)
            case let .day(day): ReleaseWindow(day: day, timezone: zone)
            case let .range(from, to): ReleaseWindow(day: from, through: to, timezone: zone)
            }
        }
    }

    /// Everything one run needs.
    public struct Options: Sendable {
        public var store: String
        public var key: String
        public var passphraseFile: String?
        public var policies: [String]
        public var window: WindowChoice
        public var out: String
        public var state: String
        public var dryRun: Bool
        public var newSequence: Bool
        public var pseudonymKey: String?
        public var now: Date
        /// Publish a window with no records (reported as empty) instead of refusing it.
        public var allowEmpty = false
        /// Where the published folder is served (`https://data.city.gov/police`): every URL in the
        /// catalog is then absolute (DCAT-US). Nil keeps them relative.
        public var baseURL: String?
        /// Let retention delete more than its policy's `max_share_per_run` of a table.
        public var confirmMassDeletion = false
        /// How long the signed snapshot of the published folder stays valid (``ReleaseSnapshot``).
        public var snapshotTTL: TimeInterval = ReleaseSnapshot.defaultTTL
        /// Receives how far long stages have got (reading, the k-anonymity search,
        /// writing large files), for a progress bar; nil for none.
        public var stageProgress: StageProgress?

        public init(store: String, key: String, passphraseFile: String? = nil, policies: [String], window: WindowChoice,
                    out: String = "Releases", state: String? = nil, dryRun: Bool = false, newSequence: Bool = false,
                    pseudonymKey: String? = nil, now: Date = Date()) {
            self.store = store
            self.key = key
            self.passphraseFile = passphraseFile
            self.policies = policies
            self.window = window
            self.out = out
            self.state = state ?? PublisherPaths(out: out).state
            self.dryRun = dryRun
            self.newSequence = newSequence
            self.pseudonymKey = pseudonymKey
            self.now = now
        }
    }

    /// What happened to one dataset.
    public struct Outcome: Sendable {
        public enum Status: String, Sendable {
            case published, alreadyPublished = "already published", dryRun = "dry run", refused
        }
        public var dataset: String
        public var window: String
        public var status: Status
        public var release: String?
        public var folder: String?
        public var sequence: Int?
        public var retention: RetentionRun.Outcome?
        public var microdata: [PrivacyReport.Microdata]
        /// Aggregate outputs: id, groups, ε, 95% margins by statistic.
        public var aggregates: [(output: String, groups: Int, epsilon: Double, margins: [String: Double])]
        public var verifiedChecks: Int
        /// Why the dataset was refused (status `refused`); the other datasets of the run went on.
        public var refusal: String? = nil
        /// True when the refusal is about the input (exit 1: an empty window), not a safety rule (exit 3).
        public var invalidInput = false
        /// What this release charges each person (or record) in it, from the publication plan: the
        /// figure the report states and the ledger records (zero when nothing new was published).
        public var cost: PrivacyCost = .zero
    }

    /// Marks a progress line that is a warning for the steward (a column lost its value): such
    /// lines belong in every log, also where other progress lines are left out (text to a file).
    public static let warningMarker = ": warning: "

    /// Runs the release of every policy in `options` and returns each dataset's outcome.
    /// Refusals (exit 3) and invalid input (exit 1) happen before anything is changed: the
    /// lock, the key, every policy and the random source are checked first.
    ///
    /// - Throws: ``PublisherError/refused(_:)``, before anything changes, when another run holds the lock,
    ///   a link sits where the run writes, the key file is readable by others or its passphrase is missing
    ///   or wrong, the random source is not the system's CSPRNG, the store or the published folder is bound
    ///   to another state, the ledger does not match its digest, or a window to be charged for the first
    ///   time starts more than 365 days before the newest charged window (``LedgerHorizon``);
    ///   ``PublisherError/invalidPolicy(_:)``
    ///   when a policy fails its checks, two policies share a dataset id, or policies conflict with each
    ///   other or with what was published; ``PublisherError/invalidInput(_:)`` for a damaged key file or a
    ///   window that has not ended; ``PublisherError/usage(_:)`` when the window cannot be placed in a
    ///   policy's time zone; ``PublisherError/store(_:)`` when the store cannot be opened or read, or the
    ///   pseudonymisation key is missing or unusable; ``PublisherError/io(path:reason:)`` when the key, the
    ///   state database or a published file cannot be read or written. A dataset refused on its own (a cap,
    ///   an empty or uncovered window, a mass deletion) is not thrown: its outcome is `refused` and the
    ///   other datasets go on.
    public static func run(_ options: Options, random: RandomSource? = nil, progress: (String) -> Void) throws(PublisherError) -> [Outcome] {
        let paths = PublisherPaths(out: options.out)
        let existed = (out: FileManager.default.fileExists(atPath: paths.out), private: FileManager.default.fileExists(atPath: paths.privateFolder),
                       state: FileManager.default.fileExists(atPath: options.state))
        do {
            return try runLocked(options, random: random, progress: progress)
        } catch {
            removeLeftovers(paths, state: options.state, existed: existed)
            throw error
        }
    }

    /// After a refused or failed first run, removes the folders and the state database the run
    /// created, when they hold nothing: no published file, no release, charge or retention audit.
    /// A run that changed anything keeps everything, for the next run to finish or to be audited.
    static func removeLeftovers(_ paths: PublisherPaths, state: String, existed: (out: Bool, private: Bool, state: Bool)) {
        let files = FileManager.default
        let outEmpty = ((try? files.contentsOfDirectory(atPath: paths.out)) ?? []).isEmpty
        let stateEmpty = StateStore.holdsNothing(path: state)
        guard outEmpty && stateEmpty else { return }
        if !existed.state {
            for suffix in ["", "-journal", "-wal", "-shm"] { try? files.removeItem(atPath: state + suffix) }
        }
        if !existed.private { try? files.removeItem(atPath: paths.privateFolder) }
        if !existed.out { try? files.removeItem(atPath: paths.out) }
    }

    static func runLocked(_ options: Options, random: RandomSource?, progress: (String) -> Void) throws(PublisherError) -> [Outcome] {
        StageTiming.mark("start")
        let lock = try ReleaseLock(PublisherPaths(out: options.out))
        try PublisherPaths(out: options.out).refuseLinks(state: options.state)
        defer { withExtendedLifetime(lock) {} }
        let key: Minisign.SecretKey
        do {
            key = try KeyFiles.loadSecretKey(path: options.key, passphraseFile: options.passphraseFile)
        } catch {
            switch error {
            case .insecureKey: throw .refused(error.description)
            // A wrong or missing passphrase is a key the run may not use (exit 3, like an unsafe key file);
            // a damaged key file is invalid input (exit 1).
            case .passphrase: throw .refused(error.description)
            case .malformed: throw .invalidInput(error.description)
            case let .io(path, reason): throw .io(path: path, reason: reason)
            default: throw .io(path: options.key, reason: error.description)
            }
        }
        let source: RandomSource
        do {
            source = try random ?? SystemRandom()
        } catch {
            throw .refused("\(error)")
        }
        guard source.isCryptographic else {
            throw .refused("releases need the operating system's CSPRNG; a seeded generator is for tests only")
        }
        let store: any RecordSource
        do {
            store = try openRecordSource(options.store)
        } catch {
            throw .store(error)
        }
        // Every policy is checked before any is released, so a bad one changes nothing.
        var policies: [Policy] = []
        var diagnostics: [PolicyDiagnostic] = []
        for path in options.policies {
            let (policy, problems) = try PolicyCheck.check(path: path, store: store)
            diagnostics += problems
            if let policy { policies.append(policy) }
        }
        // Two policies with one dataset id would publish one's data under the other's name.
        var seenIDs: [String: String] = [:]
        for policy in policies {
            if let other = seenIDs[policy.dataset.id] {
                let text = String(decoding: policy.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                let line = (text.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "id: \(policy.dataset.id)" } ?? 0) + 1
                diagnostics.append(PolicyDiagnostic(SourceLocation(file: policy.path, line: line, column: 1),
                                                    "dataset.id '\(policy.dataset.id)' is also the id of \(other); every policy of a run needs its own dataset id"))
            }
            seenIDs[policy.dataset.id] = policy.path
        }
        if !diagnostics.isEmpty { throw .invalidPolicy(PolicyError(diagnostics: diagnostics)) }
        for policy in policies {
            for warning in try StoreDataCheck.exclusionWarnings(for: policy, store: store) {
                progress("\(policy.dataset.id)\(Self.warningMarker)\(warning.description)")
            }
        }
        let needsPseudonyms = policies.contains { $0.columns.contains { $0.treatment == .pseudonymize } }
        var pseudonymizer: Pseudonymizer?
        if needsPseudonyms {
            do {
                pseudonymizer = try Pseudonymizer.load(path: options.pseudonymKey)
            } catch {
                throw .store(error)
            }
        }
        // Every window must have ended in its source's time zone: a future day, or today's
        // unfinished one, is refused before anything is read, charged or published.
        var windows: [String: ReleaseWindow] = [:]
        for policy in policies {
            guard let zone = TimeZone(identifier: policy.source.timezone),
                  let window = options.window.window(in: zone, now: options.now) else {
                throw .usage("cannot place the window in \(policy.source.timezone)")
            }
            if window.end > options.now {
                let formatter = ISO8601DateFormatter()
                formatter.timeZone = zone
                throw .invalidInput("window \(window.label) of \(policy.dataset.id) ends at \(formatter.string(from: window.end)) (\(policy.source.timezone)), after now (\(formatter.string(from: options.now))): it has not finished; release it once it has, e.g. with --window yesterday the next night")
            }
            windows[policy.dataset.id] = window
        }
        try PublicFolder.refuseLinks(in: options.out, datasets: policies.map(\.dataset.id))
        try PublisherPaths(out: options.out).refuseUnwritable(state: options.state, datasets: policies.map(\.dataset.id),
                                                          writing: !options.dryRun)
        let state = try StateStore(path: options.state)
        // One plan for the whole publication: populations across every policy of the run and
        // everything this state published before (PublicationPlan).
        let (plan, conflicts) = try PublicationPlan.build(policies: policies, store: store, published: try state.publishedDatasets())
        if !conflicts.isEmpty { throw .invalidPolicy(PolicyError(diagnostics: conflicts)) }
        policies = plan.policies
        // A window charged for the first time must lie within the ledger's trim horizon, checked
        // before anything is written (LedgerHorizon).
        let horizon = try LedgerHorizon.current(state)
        let spends = BudgetLedger(state: state)
        for policy in policies where policy.releaseCost != .zero {
            guard let window = windows[policy.dataset.id] else { continue }
            let charged = try spends.latestSequence(dataset: policy.dataset.id, window: window.label) != nil
            if options.newSequence || !charged {
                try LedgerHorizon.refuseIfBehind(window, dataset: policy.dataset.id, horizon: horizon)
            }
        }
        if !options.dryRun {
            try bindLedger(store: store, state: state, now: options.now)
            try state.bindPublishedFolder(options.out)
            StageTiming.mark("checks, plan, binding")
            try LedgerSeal.check(state)
        }
        StageTiming.mark("ledger seal")
        let finished = try finishAbandonedWork(in: options.out, state: state)
        var outcomes: [Outcome] = []
        for policy in policies {
            guard let window = windows[policy.dataset.id] else { continue }
            // A refused dataset (a cap, a record-level window over its budget, a mass deletion) changes
            // nothing and does not stop the others; the command still exits 3 and names it.
            var retention: RetentionRun.Outcome?
            do throws(PublisherError) {
                // Whether the window is published depends on what was imported, never on its records.
                let ranges = try coveredDays(of: policy, store: store)
                let days = ReleaseWindow.days(of: window.label)
                let covered = ranges.map { ImportCoverage.covers($0, first: days.first, last: days.last) }
                if let ranges, covered == false && !options.allowEmpty {
                    throw PublisherError.invalidInput(uncoveredReason(policy: policy, window: window, ranges: ranges))
                }
                if covered == nil {
                    progress("\(policy.dataset.id)\(Self.warningMarker)the store records no import coverage for \(policy.source.table).\(policy.source.windowBy), so a window is published only when it holds a record, and one person's record can decide that; import with opendata import (it records the days each export covers) or keep an opendata_coverage table (README, \"Import coverage\")")
                }
                if options.dryRun {
                    if let preview = try RetentionRun.preview(policy: policy, store: store, now: options.now) {
                        retention = preview.outcome
                        progress("\(policy.dataset.id) (steward's log, exact): \(preview.sentence)")
                    }
                } else {
                    retention = try RetentionRun.run(policy: policy, store: store, state: state, now: options.now, dryRun: false,
                                                     confirmMassDeletion: options.confirmMassDeletion)
                }
                let run = DatasetRelease.Run(store: store, state: state, key: key, out: options.out, random: source,
                                             newSequence: options.newSequence, dryRun: options.dryRun, pseudonymizer: pseudonymizer,
                                             now: options.now, stageProgress: options.stageProgress)
                var release = try DatasetRelease(plan: plan, dataset: policy.dataset.id, window: window, run: run)
                var outcome = try release.release(retention: retention, allowEmpty: options.allowEmpty || covered == true,
                                                  progress: progress)
                outcome.retention = retention
                outcomes.append(outcome)
            } catch {
                let reason: String
                var invalid = false
                switch error {
                case let .refused(why): reason = why
                case let .invalidInput(why):
                    reason = why
                    invalid = true
                default: throw error
                }
                progress("\(policy.dataset.id): refused: \(reason)")
                outcomes.append(Outcome(dataset: policy.dataset.id, window: window.label, status: .refused, release: nil, folder: nil,
                                        sequence: nil, retention: retention, microdata: [], aggregates: [], verifiedChecks: 0,
                                        refusal: reason, invalidInput: invalid))
            }
        }
        // A run whose every dataset was refused, finishing nothing a killed run left, leaves the
        // published folder as it was: when nothing was ever published, or when the signed snapshot
        // holds and stays fresh for at least half its lifetime (so a refused night never leaves a
        // snapshot about to expire). Otherwise (a snapshot near or past expiry, a file not as signed)
        // the site is rewritten, as at the end of every other run.
        let refusedAll = !finished && !outcomes.isEmpty && outcomes.allSatisfy { $0.status == .refused }
        let unchanged = !options.dryRun && refusedAll && {
            guard let history = try? state.releases() else { return false }
            return history.isEmpty || siteIsCurrent(out: options.out, history: history, key: key,
                                                    now: options.now.addingTimeInterval(options.snapshotTTL / 2))
        }()
        if !options.dryRun && !unchanged {
            let ledger = BudgetLedger(state: state)
            var datasets: [PublicIndex.Dataset] = []
            for policy in policies {
                let releases = try state.releasesByWindow(dataset: policy.dataset.id)
                // The pages read the ledger of the releases they draw and of the first (where the files start), not every release's.
                let drawn = Set((releases.suffix(DatasetHistory.shown) + releases.prefix(1)).map(\.window))
                let entries = try ledger.entries(dataset: policy.dataset.id, windows: drawn)
                datasets.append(PublicIndex.Dataset(policy: policy, releases: releases,
                                                    ledger: entries,
                                                    history: try DatasetHistory.load(policy: policy, state: state, ledger: entries, out: options.out,
                                                                                     releases: releases)))
            }
            StageTiming.mark("site datasets")
            // The index shows each population's caps and per-night ε, never the largest charge of any
            // one person, so the ledger is not read for it.
            let populations = try PopulationSummary.budgets(state: state)
            StageTiming.mark("population summaries")
            let published = try PublicIndex.write(out: options.out, datasets: datasets, state: state,
                                  populations: populations,
                                  key: key.publicKeyFile, now: options.now, baseURL: options.baseURL)
            StageTiming.mark("public index")
            let history = try state.releases()
            StageTiming.mark("release list")
            let logged = try TransparencyLog.write(out: options.out, entries: history.map {
                TransparencyLog.Entry(dataset: $0.dataset, release: $0.release, manifestSHA256: $0.manifestSHA256)
            }, key: key, now: options.now)
            StageTiming.mark("transparency log")
            try ReleaseSnapshot.write(out: options.out, history: history, key: key, now: options.now, ttl: options.snapshotTTL,
                                      extraFiles: published.paths, written: published.sha256.merging(logged) { _, log in log })
            StageTiming.mark("snapshot")
        }
        return outcomes
    }

    /// The days imports cover for the policy's window column, or nil when the store records no
    /// coverage for the table (``OperationalStore/ImportCoverage``).
    static func coveredDays(of policy: Policy, store: any RecordSource) throws(PublisherError) -> [ClosedRange<String>]? {
        do {
            return try store.coveredDays(of: policy.source.table, column: policy.source.windowBy)
        } catch {
            throw .store(error)
        }
    }

    /// Why an uncovered window is refused, naming what the latest import covers.
    static func uncoveredReason(policy: Policy, window: ReleaseWindow, ranges: [ClosedRange<String>]) -> String {
        let latest = ranges.max { $0.upperBound < $1.upperBound }
        let covered = latest.map { "the latest import covers \($0.lowerBound == $0.upperBound ? $0.lowerBound : "\($0.lowerBound)..\($0.upperBound)")" } ?? "no import covers \(policy.source.windowBy) yet"
        return "window \(window.label) of \(policy.dataset.id) is not covered by any import of \(policy.source.table) (\(covered)); nothing was read, published or charged. Import that night's export first (opendata import --append --covers \(window.label) …), or pass --allow-empty to publish the window as it is"
    }

    /// Binds `store` to `state`'s ledger on the first release, and refuses a release
    /// whose state is not the one the store is bound to (a fresh or a different one
    /// would start every person's budget from zero).
    static func bindLedger(store: any RecordSource, state: StateStore, now: Date) throws(PublisherError) {
        let identity = try state.identity()
        do {
            if let binding = try store.ledgerBinding() {
                guard binding.stateID == identity else {
                    throw PublisherError.refused("the store \(store.path) keeps its privacy ledger in the state database \(binding.statePath) (id \(binding.stateID), bound \(ISO8601DateFormatter().string(from: binding.boundAt))), but this run uses \(state.path) (id \(identity)); a different or fresh state would start everyone's budget from zero. Run with --state \(binding.statePath), or restore that database from its backup")
                }
            } else {
                try store.bindLedger(LedgerBinding(stateID: identity, statePath: state.path, boundAt: now))
            }
        } catch let error as PublisherError {
            throw error
        } catch let error as StoreError {
            throw .store(error)
        } catch {
            throw .io(path: store.path, reason: "\(error)")
        }
    }

    /// Finishes what a killed run left, under the lock: a sealed staged release
    /// already in the history is moved into place (it was committed to the
    /// history, so it must be visible); any other staged folder is deleted;
    /// `latest` of every dataset is made to name its newest release in the
    /// history; temporary files of interrupted writes are removed. The index,
    /// catalog, log and snapshot are rewritten at the end of the run. Returns whether a release
    /// was moved into place or a `latest` corrected.
    @discardableResult
    static func finishAbandonedWork(in out: String, state: StateStore) throws(PublisherError) -> Bool {
        var finished = false
        let history = try state.releases()
        let committed = Set(history.map { "\($0.dataset)/\($0.release)/\($0.manifestSHA256)" })
        // Each dataset's newest window: what `latest` names (a night caught up late is not it).
        let newest = StateStore.PublishedRelease.newestByWindow(history).mapValues(\.release)
        let incoming = PublisherPaths(out: out).incoming
        for dataset in (try? FileManager.default.contentsOfDirectory(atPath: incoming)) ?? [] {
            let folder = (incoming as NSString).appendingPathComponent(dataset)
            for release in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                let staged = (folder as NSString).appendingPathComponent(release)
                if let manifest = FileManager.default.contents(atPath: staged + "/manifest.json"),
                   FileManager.default.fileExists(atPath: staged + "/manifest.json.minisig"),
                   committed.contains("\(dataset)/\(release)/\(StreamingDigest.sha256Hex(manifest))") {
                    _ = try ReleasePackager.commit(staged: staged, out: out, latest: newest[dataset] ?? release)
                    finished = true
                } else {
                    try? FileManager.default.removeItem(atPath: staged)
                }
            }
        }
        let root = try PublicFolder.root(out)
        root.removeLeftovers()
        for folder in ["catalog", "log"] where root.entryType(folder) == S_IFDIR {
            try root.folder(folder).removeLeftovers()
        }
        // Each dataset's dashboard and stable downloads (catalog/<dataset>/).
        if root.entryType("catalog") == S_IFDIR {
            let catalog = try root.folder("catalog")
            for name in (try? FileManager.default.contentsOfDirectory(atPath: catalog.path)) ?? [] where catalog.entryType(name) == S_IFDIR {
                try catalog.folder(name, create: false).removeLeftovers()
            }
        }
        for (dataset, release) in newest where root.entryType(dataset) == S_IFDIR {
            let folder = try root.folder(dataset)
            folder.removeLeftovers()
            let line = Data((release + "\n").utf8)
            if folder.contains(release) && folder.read("latest") != line {
                try folder.replace("latest", with: line)
                finished = true
            }
        }
        return finished
    }

    /// Whether the published folder already shows `history` under a signed snapshot that holds:
    /// signed by `key`, still fresh at `now`, every signed file as signed, every dataset's `latest` its
    /// signed newest release, and the log as long as the history (``ReleaseSnapshot/verify(out:keys:now:)``).
    /// Rewriting such a folder would change nothing but its dates.
    static func siteIsCurrent(out: String, history: [StateStore.PublishedRelease], key: Minisign.SecretKey, now: Date) -> Bool {
        let (snapshot, checks) = ReleaseSnapshot.verify(out: out, keys: [key.publicKeyFile], now: now)
        guard let snapshot, checks.allSatisfy(\.passed) else { return false }
        let newest = StateStore.PublishedRelease.newestByWindow(history)
        return snapshot.logSize == history.count && snapshot.datasets.count == newest.count
            && newest.allSatisfy { snapshot.datasets[$0.key]?.release == $0.value.release && snapshot.datasets[$0.key]?.manifestSHA256 == $0.value.manifestSHA256 }
    }
}
