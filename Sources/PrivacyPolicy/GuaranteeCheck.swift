/// The release-level guarantee of a policy (DESIGN.md, "Release-level guarantee"):
/// what all of a release's outputs together promise, and the check that refuses
/// a policy whose outputs would undo each other's protection.
///
/// Why the check exists: a plain k-anonymous record file lists every protected
/// record that survived suppression. Published beside differentially private
/// tables of the same rows, it gives away the exact counts the tables' noise
/// hides, and adding or removing one person changes it with certainty, so the
/// tables' ε would be meaningless. A release is therefore differentially private
/// only when every output is (record-level outputs through `privacy:`); the
/// release is then (Σε, Σδ)-DP by basic sequential composition (Dwork & Roth
/// 2014, Thm. 3.16). Otherwise the dataset must say `guarantee: k_anonymity`.
public enum GuaranteeCheck {
    /// Every problem of `policy`'s outputs taken together, at the output that causes it.
    public static func diagnostics(for policy: Policy) -> [PolicyDiagnostic] {
        guard policy.dataset.guarantee == .differentialPrivacy else { return [] }
        let privateOutputs = policy.outputs.filter(\.isDifferentiallyPrivate).map { "'\($0.id)'" }
        var problems: [PolicyDiagnostic] = []
        for output in policy.outputs where !output.isDifferentiallyPrivate {
            let remedy = "add privacy: {epsilon: …, delta: …} to '\(output.id)' (a differentially private record-level release), or declare dataset.guarantee: k_anonymity (then nothing about this dataset is called differentially private)"
            if privateOutputs.isEmpty {
                problems.append(PolicyDiagnostic(output.location, "output '\(output.id)' publishes plain k-anonymous records, which hide no one's membership, but the dataset's guarantee is differential_privacy; \(remedy)"))
            } else {
                problems.append(PolicyDiagnostic(output.location, "output '\(output.id)' publishes plain k-anonymous records of the same rows as the differentially private output\(privateOutputs.count == 1 ? "" : "s") \(PolicyExplainer.list(privateOutputs)): the records reveal exact counts and membership, so that noise would protect nobody; \(remedy)"))
            }
        }
        return problems
    }

    /// One sentence stating what a release of `policy` guarantees as a whole.
    public static func statement(for policy: Policy) -> String {
        let unit = policy.privacyUnit == nil ? "record" : "person"
        switch policy.dataset.guarantee {
        case .differentialPrivacy:
            let (epsilon, delta) = policy.releaseCost.converted
            var sentence = "Release-level guarantee: differential privacy for each release as a whole, all its files together: adding or removing any one \(unit) changes the probability of any published result by at most a factor of e^\(PolicyExplainer.format(epsilon))"
            sentence += delta > 0 ? ", except with probability at most \(delta) (ε = \(PolicyExplainer.format(epsilon)), δ = \(delta))." : " (ε = \(PolicyExplainer.format(epsilon)))."
            return sentence
        case .kAnonymity:
            return "Release-level guarantee: k-anonymity only. Every published record looks like at least k − 1 others on the columns that could identify someone, but whether a given \(unit) is in the data is not hidden: someone who knows a \(unit) is in the source can find the group their record is in. The statistics carry random noise, but next to the records that noise does not make them differentially private, and nothing about this dataset is."
        }
    }
}

