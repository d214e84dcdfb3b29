import DifferentialPrivacy
import Foundation
import ReleaseFormat
import OperationalStore
import PrivacyPolicy
import Publisher

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

    /// Everything the demo did.
    public struct Report: Sendable {
        public var storePath: String
        public var statePath: String
        public var city: DemoCitySummary
        /// Every dataset's outcome, day by day, oldest first.
        public var outcomes: [ReleaseRun.Outcome]
        /// Release folders written and verified.
        public var releases: [String]
        /// The public key that verifies them.
        public var publicKey: String
    }

    /// Where ``prepare(_:reuseCity:progress:)`` put the demo's parts.
    public struct Prepared: Sendable {
        public var storePath: String
        public var releases: String
        public var statePath: String
        public var pseudonymKey: String
        public var key: String
        public var publicKey: String
        public var policies: [String]
        public var city: DemoCitySummary
    }

    /// Builds the demo city, the policies, the pseudonymisation key and a signing key in
    /// the work folder (keys already there are kept), without releasing anything.
    /// With `reuseCity`, a store already in the folder is used as it is.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when the work folder, the policies, the pseudonymisation
    ///   key or the signing key cannot be written, or the policy folder cannot be listed or holds no policy;
    ///   ``PublisherError/store(_:)`` when the city's settings are out of range, or its store cannot be
    ///   built, opened or read (a demo table missing, say).
    public static func prepare(_ options: Options, reuseCity: Bool = false,
                               progress: (String) -> Void) throws(PublisherError) -> Prepared {
        let workdir = options.workdir
        let storePath = (workdir as NSString).appendingPathComponent("store.sqlite")
        let releases = (workdir as NSString).appendingPathComponent("Releases")
        let statePath = PublisherPaths(out: releases).state
        let pseudonymKey = (workdir as NSString).appendingPathComponent("pseudonym.key")
        let keyPrefix = (workdir as NSString).appendingPathComponent("keys/release")
        let policiesFolder = options.policiesFolder ?? (workdir as NSString).appendingPathComponent("Policies")
        do {
            try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
            if options.policiesFolder == nil { try writeBuiltInPolicies(to: policiesFolder) }
            if !FileManager.default.fileExists(atPath: pseudonymKey) {
                var generator = SystemRandomNumberGenerator()
                let key = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
                guard FileManager.default.createFile(atPath: pseudonymKey, contents: Data((key + "\n").utf8),
                                                     attributes: [.posixPermissions: 0o600]) else {
                    throw PublisherError.io(path: pseudonymKey, reason: "cannot write the demo pseudonymisation key")
                }
            }
        } catch let error as PublisherError {
            throw error
        } catch {
            throw .io(path: workdir, reason: "cannot prepare the demo folder (\(error.localizedDescription))")
        }

        let city: DemoCitySummary
        do {
            if reuseCity && FileManager.default.fileExists(atPath: storePath) {
                city = try DemoCitySummary(existing: OperationalStore(path: storePath))
            } else {
                progress("building the demo city: \(options.city.records) calls over \(options.city.days) days (seed \(options.city.seed))")
                city = try DemoCity.build(at: storePath, options: options.city)
            }
            if !FileManager.default.fileExists(atPath: keyPrefix + ".key") {
                _ = try KeyFiles.generate(prefix: keyPrefix, passphrase: nil)
            }
        } catch let error as StoreError {
            throw .store(error)
        } catch {
            throw .io(path: keyPrefix, reason: "cannot create the demo signing key (\(error))")
        }
        return Prepared(storePath: storePath, releases: releases, statePath: statePath, pseudonymKey: pseudonymKey,
                        key: keyPrefix + ".key", publicKey: keyPrefix + ".pub", policies: try policyPaths(in: policiesFolder),
                        city: city)
    }

    /// Runs the demo: ``prepare(_:reuseCity:progress:)``, then the nightly release of every
    /// policy for each generated day. `progress` receives one line per step.
    ///
    /// - Throws: What ``prepare(_:reuseCity:progress:)`` throws, and what ``ReleaseRun/run(_:random:progress:)`` throws
    ///   when a night's run stops as a whole: ``PublisherError/invalidPolicy(_:)`` for a policy of the folder
    ///   that fails its checks, ``PublisherError/refused(_:)`` for a safety rule (another run holding the
    ///   lock, say), ``PublisherError/store(_:)`` or ``PublisherError/io(path:reason:)`` when the store, the
    ///   state or a file fails. A dataset refused on its own is an outcome, not an error.
    public static func run(_ options: Options, progress: (String) -> Void) throws(PublisherError) -> Report {
        let prepared = try prepare(options, progress: progress)
        var outcomes: [ReleaseRun.Outcome] = []
        // The nightly cycle: one release per day, oldest first, as a timer would run it.
        for daysAgo in (1...options.city.days).reversed() {
            // Noon UTC after each generated day: the city's local day has ended everywhere in the Americas and Europe.
            let night = options.city.end.addingTimeInterval(Double(1 - daysAgo) * 86400 + 12 * 3600)
            var run = ReleaseRun.Options(store: prepared.storePath, key: prepared.key, policies: prepared.policies,
                                         window: .yesterday, out: prepared.releases, state: prepared.statePath,
                                         pseudonymKey: prepared.pseudonymKey, now: night)
            // The synthetic city holds years of history, so its first retention run clears a backlog
            // on purpose (a real store's first run would be confirmed the same way, once).
            run.confirmMassDeletion = true
            outcomes += try ReleaseRun.run(run, progress: progress)
        }
        return Report(storePath: prepared.storePath, statePath: prepared.statePath, city: prepared.city, outcomes: outcomes,
                      releases: outcomes.compactMap(\.folder), publicKey: prepared.publicKey)
    }

    /// Writes ``DemoPolicies`` under `folder`, replacing older copies.
    static func writeBuiltInPolicies(to folder: String) throws {
        for (path, contents) in DemoPolicies.files {
            let full = (folder as NSString).appendingPathComponent(path)
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(contents).write(to: URL(fileURLWithPath: full), options: .atomic)
        }
    }

    /// The `.yaml` files directly in `folder`, sorted.
    ///
    /// - Throws: ``PublisherError/io(path:reason:)`` when `folder` cannot be listed or holds no `.yaml` or
    ///   `.yml` file.
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

