import Foundation
import OperationalStore
import PrivacyPolicy

/// The privacy model of a whole publication, built before any record is read
/// from every policy of a run and from what the state has already published.
///
/// Why it exists: a guarantee checked one policy file at a time breaks where
/// files meet. Two policies over the same people must share one per-person
/// budget, and plain k-anonymous records of those people published by one file
/// would reveal the exact counts and membership that another file's DP tables
/// hide. The plan therefore groups datasets into ``Population``s (a table of
/// people as the store resolves it, with its unit) and checks each population
/// as a whole:
///
/// - every policy over one base table names the same population, the same unit
///   and the same per-person caps (a second name, unit or cap would be a second
///   budget for the same people); a conflict is a policy error at the second
///   file's line, naming the first file;
/// - plain records of a population are refused beside differentially private
///   datasets of it, whether those are in this run or already published
///   (the state remembers every published dataset's population and guarantee);
///   only a population whose every dataset says `guarantee: k_anonymity` may
///   publish plain records.
///
/// Each policy's ``PrivacyPolicy/Policy/releaseCost`` is the ``PrivacyCost`` of one
/// release, composed once; the ledger charges it, the report states it and `release`
/// prints it.
///
/// What it cannot see: policies that are never run beside each other and were
/// never released into this state (another state database, another folder).
public struct PublicationPlan: Sendable {
    /// A dataset the state has published, as ``StateStore/publishedDatasets()`` returns it.
    public struct PublishedDataset: Sendable, Equatable {
        public var dataset: String
        public var population: String
        public var table: String
        public var unit: String?
        public var guarantee: ReleaseGuarantee
        /// True when it publishes plain (not differentially private) record files.
        public var plainRecords: Bool
        public var policyPath: String

        public init(dataset: String, population: String, table: String, unit: String?, guarantee: ReleaseGuarantee,
                    plainRecords: Bool, policyPath: String) {
            self.dataset = dataset
            self.population = population
            self.table = table
            self.unit = unit
            self.guarantee = guarantee
            self.plainRecords = plainRecords
            self.policyPath = policyPath
        }

        /// What publishing `policy` records.
        public init(policy: Policy) {
            self.init(dataset: policy.dataset.id, population: policy.population, table: policy.populationTable, unit: policy.privacyUnit,
                      guarantee: policy.dataset.guarantee, plainRecords: policy.publishesPlainRecords, policyPath: policy.path)
        }
    }

    /// A table of people with its unit: the set every per-person charge belongs to.
    public struct Population: Sendable, Equatable {
        /// The ledger's namespace for these people (``PrivacyPolicy/Policy/population``).
        public var name: String
        /// The base table, as the store resolves it (or normalised text without a store).
        public var table: String
        /// The unit (`caller_id`, `complainant_name+complainant_phone`); nil: record-level.
        public var unit: String?
        /// Every dataset over it: this run's and those published before.
        public var datasets: [PublishedDataset]
    }

    public var populations: [Population]
    /// The run's policies, each with its table resolved (``PrivacyPolicy/Policy/resolvedTable``).
    public var policies: [Policy]

    /// Builds the plan of `policies` (already valid one by one) against `published`, resolving
    /// each source table through `store` when there is one.
    ///
    /// - Returns: the plan, and every problem between policies, or between a policy and what was
    ///   published, at the line of the policy that causes it. The plan must not be used when
    ///   there is a problem.
    ///
    /// - Throws: ``PublisherError/store(_:)`` when `store` cannot resolve a source table. Problems between
    ///   policies are returned as diagnostics, not thrown.
    public static func build(policies: [Policy], store: (any RecordSource)?, published: [PublishedDataset] = [])
        throws(PublisherError) -> (plan: PublicationPlan, diagnostics: [PolicyDiagnostic])
    {
        var resolved: [Policy] = []
        for var policy in policies {
            if let store {
                do {
                    policy.resolvedTable = try store.baseTable(of: policy.source.table)
                } catch {
                    throw .store(error)
                }
            }
            resolved.append(policy)
        }
        var diagnostics: [PolicyDiagnostic] = []
        var populations: [Population] = []
        var first: [String: Policy] = [:]   // base table → the first policy over it
        for policy in resolved {
            let table = policy.populationTable
            let entry = PublishedDataset(policy: policy)
            if let earlier = first[table] {
                diagnostics += conflicts(policy, with: earlier, table: table)
                if let index = populations.firstIndex(where: { $0.name == earlier.population }) {
                    populations[index].datasets.append(entry)
                }
                continue
            }
            first[table] = policy
            populations.append(Population(name: policy.population, table: table, unit: policy.privacyUnit, datasets: [entry]))
        }
        // What the state published before, over the same tables.
        let running = Set(resolved.map(\.dataset.id))
        for before in published where !running.contains(before.dataset) {
            if let index = populations.firstIndex(where: { $0.table == before.table }) {
                let population = populations[index]
                if before.population != population.name || before.unit != population.unit,
                   let policy = first[population.table] {
                    diagnostics.append(PolicyDiagnostic(policy.location(ofText: "table:"),
                        "source table '\(policy.source.table)' (\(population.table)) was published as dataset '\(before.dataset)' (\(before.policyPath)) with population '\(before.population)' and unit \(before.unit ?? "none (record-level)"), but this policy makes it population '\(population.name)' with unit \(population.unit ?? "none (record-level)"); the same people cannot get a second budget: use that population and unit"))
                }
                populations[index].datasets.append(before)
            } else if let index = populations.firstIndex(where: { $0.name == before.population }) {
                populations[index].datasets.append(before)
            }
        }
        for population in populations {
            diagnostics += mixing(in: population, policies: resolved)
        }
        return (PublicationPlan(populations: populations, policies: resolved), diagnostics)
    }

    /// Where `policy` disagrees with `earlier`, a policy over the same base table.
    static func conflicts(_ policy: Policy, with earlier: Policy, table: String) -> [PolicyDiagnostic] {
        var problems: [PolicyDiagnostic] = []
        let both = "both read table \(table) (\(earlier.path) as dataset '\(earlier.dataset.id)')"
        if policy.privacyUnit != earlier.privacyUnit {
            let location = policy.columns.first { $0.treatment == .privacyUnit }?.location ?? policy.location(ofText: "columns:")
            problems.append(PolicyDiagnostic(location, "the privacy unit is \(policy.privacyUnit.map { "'\($0)'" } ?? "missing (record-level)") but \(earlier.path) names \(earlier.privacyUnit.map { "'\($0)'" } ?? "none (record-level)"); \(both), and one table of people has one unit: declare the same privacy_unit columns"))
        } else if policy.population != earlier.population {
            let location = policy.columns.first { $0.treatment == .privacyUnit }?.location ?? policy.location(ofText: "table:")
            problems.append(PolicyDiagnostic(location, "population '\(policy.population)' differs from '\(earlier.population)' in \(earlier.path); \(both), and the same people cannot be charged in two budgets: name the same population"))
        }
        if policy.budget.rolling365DayEpsilon != earlier.budget.rolling365DayEpsilon {
            problems.append(PolicyDiagnostic(policy.location(ofText: "rolling_365_day_epsilon"),
                "budget.rolling_365_day_epsilon is \(format(policy.budget.rolling365DayEpsilon)) but \(earlier.path) says \(format(earlier.budget.rolling365DayEpsilon)); \(both), and the per-person cap belongs to the population: declare the same cap in both"))
        }
        if policy.budget.rolling365DayDelta != earlier.budget.rolling365DayDelta {
            problems.append(PolicyDiagnostic(policy.location(ofText: "budget:"),
                "budget.rolling_365_day_delta is \(format(policy.budget.rolling365DayDelta)) but \(earlier.path) says \(format(earlier.budget.rolling365DayDelta)); \(both): declare the same cap in both"))
        }
        return problems
    }

    /// Plain records beside differentially private datasets of the same people.
    static func mixing(in population: Population, policies: [Policy]) -> [PolicyDiagnostic] {
        let plain = population.datasets.filter(\.plainRecords)
        let dp = population.datasets.filter { $0.guarantee == .differentialPrivacy }
        guard !plain.isEmpty, !dp.isEmpty else { return [] }
        var problems: [PolicyDiagnostic] = []
        let dpNames = dp.map { "'\($0.dataset)' (\($0.policyPath))" }.joined(separator: ", ")
        let plainNames = plain.map { "'\($0.dataset)' (\($0.policyPath))" }.joined(separator: ", ")
        for policy in policies where policy.population == population.name {
            if policy.publishesPlainRecords {
                let output = policy.outputs.first { !$0.isDifferentiallyPrivate }
                problems.append(PolicyDiagnostic(output?.location ?? policy.location(ofText: "outputs:"),
                    "dataset '\(policy.dataset.id)' publishes plain k-anonymous records of population \(population.name), whose differentially private dataset\(dp.count == 1 ? "" : "s") \(dpNames) would then protect nobody (the records reveal exact counts and membership); make this output differentially private (privacy: {epsilon, delta}), or declare guarantee: k_anonymity on every dataset over these people"))
            } else if policy.dataset.guarantee == .differentialPrivacy {
                problems.append(PolicyDiagnostic(policy.location(ofText: "id:"),
                    "dataset '\(policy.dataset.id)' claims differential privacy for population \(population.name), but \(plainNames) publish\(plain.count == 1 ? "es" : "") plain k-anonymous records of the same people, which reveal exact counts and membership; declare guarantee: k_anonymity here, or make those records differentially private"))
            }
        }
        return problems
    }

    private static func format(_ value: Double?) -> String {
        value.map { PolicyExplainer.format($0) } ?? "none"
    }
}

extension Policy {
    /// True when some output publishes plain (not differentially private) records: every
    /// aggregate is DP, so those are the record files without `privacy:`.
    public var publishesPlainRecords: Bool {
        outputs.contains { !$0.isDifferentiallyPrivate }
    }
}
