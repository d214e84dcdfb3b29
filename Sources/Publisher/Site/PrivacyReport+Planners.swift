import Anonymization
import Foundation
import PrivacyPolicy
import PublicSite

/// What the privacy report says about a record file, from what the planners produced.
extension PrivacyReport.Microdata {
    /// A plain k-anonymous file.
    init(plain output: OutputSpec, spec: MicrodataSpec, policy: Policy, outcome: MicrodataPlanner.Outcome) {
        self.init(output: output.id, k: spec.k, lDiversity: spec.lDiversity.map { "\($0.column) ℓ = \(PolicyExplainer.format($0.l))" },
                  records: outcome.table.rowCount, suppressed: outcome.result.suppressed,
                  levels: Dictionary(uniqueKeysWithValues: zip(outcome.quasiIdentifiers, outcome.result.transformation)),
                  loss: outcome.result.loss, highestRisk: outcome.result.risk.highestProsecutorRisk,
                  averageRisk: outcome.result.risk.averageProsecutorRisk, insensitive: Self.reasons(spec, policy),
                  lost: LostColumns.find(in: outcome.table, columns: outcome.quasiIdentifiers),
                  rounds: outcome.result.rounds.map { (Dictionary(uniqueKeysWithValues: zip(outcome.quasiIdentifiers, $0.levels)), $0.records) },
                  remedy: spec.recoding == .local ? .alreadyLocal : .localRecoding)
    }

    /// A differentially private file.
    init(private output: OutputSpec, records: DPMicrodataRelease.Records) {
        self.init(output: output.id, k: records.k, records: records.table.rowCount, levels: records.levels,
                  privacy: PrivacyReport.RecordPrivacy(epsilon: records.epsilon, delta: records.delta, beta: records.beta,
                                                       epsilonSampling: records.epsilonSampling, epsilonSearch: records.epsilonSearch,
                                                       achievedDelta: records.achievedDelta, k: records.k,
                                                       keptFrom: records.keptFrom, epsilonCount: records.epsilonCount ?? 0,
                                                       fixedByPolicy: records.fixedByPolicy ?? false),
                  lost: LostColumns.find(in: records.table, columns: records.levels.keys.sorted()))
    }

    static func reasons(_ spec: MicrodataSpec, _ policy: Policy) -> [String: String] {
        var reasons: [String: String] = [:]
        for column in spec.columns {
            if case let .insensitive(reason)? = policy.treatment(of: column) { reasons[column] = reason }
        }
        return reasons
    }
}

extension PrivacyReport.Window {
    /// The report's window of a release window.
    init(_ window: ReleaseWindow) {
        self.init(label: window.label, start: window.start, end: window.end)
    }
}
