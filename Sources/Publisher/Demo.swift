import DifferentialPrivacy
import Foundation
import ReleaseFormat
import OperationalStore
import PrivacyPolicy

/// `opendata demo`: builds the synthetic city, checks every policy against it,
/// runs retention, reads yesterday's window of each dataset through the
/// minimisation stage, anonymises every microdata output and computes every
/// aggregate output with differential privacy (spending budget in the ledger),
/// and publishes each dataset's window as a signed release that it verifies.
public enum Demo {
    /// Where the demo writes and what it was told to build.
    public struct Options: Sendable {
        public var workdir: String
        public var city: DemoCityOptions
        /// A folder of policies to use instead of the built-in ones.
        public var policiesFolder: String?

        public init(workdir: String, city: DemoCityOptions, policiesFolder: String?) {
            self.workdir = workdir
            self.city = city
            self.policiesFolder = policiesFolder
        }
    }

    /// What one policy did in the demo.
    public struct DatasetReport: Sendable {
        public var dataset: String
        public var policyPath: String
        public var retention: RetentionRun.Outcome?
        public var window: String
        public var minimisedRows: Int
        public var minimisedColumns: [String]
        public var microdata: [MicrodataReport]
        /// Aggregate outputs: id, published groups, ε spent.
        public var aggregates: [(output: String, groups: Int, epsilon: Double)]
    }

    /// What anonymising one microdata output produced.
    public struct MicrodataReport: Sendable {
        public var output: String
        public var k: Int
        public var records: Int
        public var suppressed: Int
        /// Generalisation level chosen per quasi-identifier.
        public var levels: [String: Int]
        public var highestRisk: Double
    }

    /// Everything the demo did.
    public struct Report: Sendable {
        public var storePath: String
        public var statePath: String
        public var city: DemoCitySummary
        public var datasets: [DatasetReport]
        /// Release folders written and verified.
        public var releases: [String]
        /// The public key that verifies them.
        public var publicKey: String
    }

    /// The tool version written into manifests.
    public static let toolVersion = "opendata 0.1.0"

    /// Runs the demo. `progress` receives one line per step.
    public static func run(_ options: Options, progress: (String) -> Void) throws(PublisherError) -> Report {
        let workdir = options.workdir
        let storePath = (workdir as NSString).appendingPathComponent("store.sqlite")
        let statePath = (workdir as NSString).appendingPathComponent("Releases/.state.sqlite")
        let keyPath = (workdir as NSString).appendingPathComponent("pseudonym.key")
        let policiesFolder = options.policiesFolder ?? (workdir as NSString).appendingPathComponent("Policies")
        do {
            try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
            if options.policiesFolder == nil { try writeBuiltInPolicies(to: policiesFolder) }
            if !FileManager.default.fileExists(atPath: keyPath) {
                var generator = SystemRandomNumberGenerator()
                let key = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
                guard FileManager.default.createFile(atPath: keyPath, contents: Data((key + "\n").utf8),
                                                     attributes: [.posixPermissions: 0o600]) else {
                    throw PublisherError.io(path: keyPath, reason: "cannot write the demo pseudonymisation key")
                }
            }
        } catch {
            throw .io(path: workdir, reason: "cannot prepare the demo folder (\(error.localizedDescription))")
        }

        progress("building the demo city: \(options.city.records) calls over \(options.city.days) days (seed \(options.city.seed))")
        let city: DemoCitySummary
        do {
            city = try DemoCity.build(at: storePath, options: options.city)
        } catch {
            throw .store(error)
        }
        let store: OperationalStore
        let pseudonymizer: Pseudonymizer
        do {
            store = try OperationalStore(path: storePath)
            pseudonymizer = try Pseudonymizer.load(path: keyPath)
        } catch {
            throw .store(error)
        }
        let state = try StateStore(path: statePath)
        let releases = (workdir as NSString).appendingPathComponent("Releases")
        let keyPrefix = (workdir as NSString).appendingPathComponent("keys/release")
        let signingKey: Minisign.SecretKey
        do {
            try FileManager.default.createDirectory(atPath: (keyPrefix as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            signingKey = FileManager.default.fileExists(atPath: keyPrefix + ".key")
                ? try KeyFiles.loadSecretKey(path: keyPrefix + ".key", passphraseFile: nil)
                : try KeyFiles.generate(prefix: keyPrefix, passphrase: nil)
        } catch let error as ReleaseFormatError {
            throw .io(path: keyPrefix, reason: error.description)
        } catch {
            throw .io(path: keyPrefix, reason: "cannot create the demo signing key (\(error.localizedDescription))")
        }
        var releasesWritten: [String] = []
        let paths = try policyPaths(in: policiesFolder)
        var reports: [DatasetReport] = []
        for path in paths {
            let policy = try PolicyCheck.require(path: path, store: store)
            progress("\(policy.dataset.id): policy \(path) passes check against table \(policy.source.table)")
            let retention = try RetentionRun.run(policy: policy, store: store, state: state, now: options.city.end,
                                                 dryRun: false)
            if let retention {
                progress("\(policy.dataset.id): retention deleted \(retention.result.deleted), held \(retention.result.held)")
            }
            guard let zone = TimeZone(identifier: policy.source.timezone),
                  let window = ReleaseWindow.yesterday(now: options.city.end, timezone: zone) else {
                throw .usage("cannot compute yesterday's window in \(policy.source.timezone)")
            }
            let plan = MinimisationPlanner.plan(for: policy, window: window)
            let table: Tabular.Table
            do {
                table = try store.read(plan, pseudonymizer: pseudonymizer)
            } catch {
                throw .store(error)
            }
            progress("\(policy.dataset.id): window \(window.label) minimised to \(table.rowCount) rows × \(table.columns.count) columns")
            var microdata: [MicrodataReport] = []
            var microdataTables: [(String, Table)] = []
            for output in policy.outputs {
                guard case let .microdata(spec) = output.kind else { continue }
                let outcome = try MicrodataPlanner.anonymize(output, of: policy, table: table)
                let report = MicrodataReport(output: output.id, k: spec.k, records: outcome.table.rowCount,
                                             suppressed: outcome.result.suppressed,
                                             levels: Dictionary(uniqueKeysWithValues: zip(outcome.quasiIdentifiers, outcome.result.transformation)),
                                             highestRisk: outcome.result.risk.highestProsecutorRisk)
                microdata.append(report)
                microdataTables.append((output.id, outcome.table))
                progress("\(policy.dataset.id)/\(output.id): \(report.records) records \(spec.k)-anonymous, \(report.suppressed) suppressed, levels \(outcome.quasiIdentifiers.map { "\($0)=\(report.levels[$0] ?? 0)" }.joined(separator: " "))")
            }
            let random: SystemRandom
            do {
                random = try SystemRandom()
            } catch {
                throw .refused("\(error)")
            }
            let aggregates = try AggregateRelease.run(policy: policy, window: window, table: table, state: state,
                                                      random: random, newSequence: false)
            for (output, result, published) in aggregates.results {
                let margins = result.noise.map { "\($0.statistic) ±\(AggregatePlanner.format($0.margin))" }.joined(separator: ", ")
                progress("\(policy.dataset.id)/\(output): \(published.rowCount) groups, ε \(result.epsilon)\(result.threshold.map { ", keys above a noisy count of \($0)" } ?? ""); 95% margins \(margins)")
            }
            var packaged: [ReleasePackager.Output] = microdataTables.map { id, table in
                let output = policy.outputs.first { $0.id == id }
                return ReleasePackager.Output(id: id, title: output?.title ?? id, table: table,
                                              fieldDescriptions: describe(policy: policy, columns: table.columnNames), primaryKey: [])
            }
            for (output, _, table) in aggregates.results {
                let spec = policy.outputs.first { $0.id == output }
                var keys: [String] = []
                if case let .aggregate(aggregate)? = spec?.kind { keys = aggregate.groupBy.map(\.column) }
                packaged.append(ReleasePackager.Output(id: output, title: spec?.title ?? output, table: table,
                                                       fieldDescriptions: describe(policy: policy, columns: table.columnNames),
                                                       primaryKey: keys))
            }
            let (folder, _) = try ReleasePackager.publish(policy: policy, window: window, sequence: aggregates.sequence,
                                                          outputs: packaged, out: releases, key: signingKey,
                                                          previousManifestSHA256: nil, toolVersion: toolVersion)
            let verification = ReleaseVerifier.verify(folder: folder, keys: [signingKey.publicKeyFile])
            guard verification.passed else {
                throw .io(path: folder, reason: "the demo release failed verification: \(verification.firstFailure?.detail ?? "")")
            }
            progress("\(policy.dataset.id): published and verified \(folder) (\(verification.checks.count) checks)")
            releasesWritten.append(folder)
            reports.append(DatasetReport(dataset: policy.dataset.id, policyPath: path, retention: retention,
                                         window: window.label, minimisedRows: table.rowCount,
                                         minimisedColumns: table.columnNames, microdata: microdata,
                                         aggregates: aggregates.results.map { ($0.output, $0.table.rowCount, $0.result.epsilon) }))
        }
        return Report(storePath: storePath, statePath: statePath, city: city, datasets: reports, releases: releasesWritten,
                      publicKey: keyPrefix + ".pub")
    }

    /// Plain descriptions of published columns, from the policy's treatments.
    static func describe(policy: Policy, columns: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for column in columns {
            if column.hasSuffix("_moe95") {
                result[column] = "95% margin of error of \(column.dropLast(6)): the true value lies within ± this much with probability at least 95%"
                continue
            }
            switch policy.treatment(of: column) {
            case let .generalize(hierarchy)?: result[column] = "\(column), generalised (\(hierarchy.builder) hierarchy)"
            case .pseudonymize?: result[column] = "\(column), replaced by a keyed pseudonym (HMAC-SHA256); linkable across releases"
            case .sensitive?: result[column] = "\(column) (sensitive; protected by ℓ-diversity within each group of records)"
            case .keep?: result[column] = column
            default:
                result[column] = column == "count" ? "number of records, with differential-privacy noise"
                    : "\(column.replacingOccurrences(of: "_", with: " ")), with differential-privacy noise"
            }
        }
        return result
    }

    /// Writes ``DemoPolicies`` under `folder`, replacing older copies.
    static func writeBuiltInPolicies(to folder: String) throws {
        for (path, contents) in DemoPolicies.files {
            let full = (folder as NSString).appendingPathComponent(path)
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: full), options: .atomic)
        }
    }

    /// The `.yaml` files directly in `folder`, sorted.
    public static func policyPaths(in folder: String) throws(PublisherError) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw .io(path: folder, reason: "cannot list policies (\(error.localizedDescription))")
        }
        let paths = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            .map { (folder as NSString).appendingPathComponent($0) }
        if paths.isEmpty { throw .io(path: folder, reason: "no .yaml policies in this folder") }
        return paths
    }
}

import Tabular
