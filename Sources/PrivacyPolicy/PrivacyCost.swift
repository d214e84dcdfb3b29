import Foundation

/// The privacy loss of one release (or of several composed), the one type every
/// figure of ε and δ is computed from: the ledger's charges, the per-release cap
/// check, `policy explain`, the report, the data package and what `release` prints.
///
/// Composition: pure and approximate DP parts add up in ε and δ (basic sequential
/// composition, Dwork & Roth 2014, Thm. 3.16); ρ-zCDP parts add up in ρ (Bun &
/// Steinke 2016, Lemma 2.3) and are converted to (ε, δ) once, at the smallest δ any
/// of them states (Prop. 1.3: ε = ρ + 2·√(ρ·ln(1/δ))), then added. Converting
/// once is never looser than converting each part and adding.
public struct PrivacyCost: Sendable, Equatable, Codable {
    /// Pure and approximate DP parts, composed by addition.
    public var epsilon: Double
    public var delta: Double
    /// ρ-zCDP parts, composed by addition of ρ.
    public var rho: Double
    /// The δ at which ρ is converted: the smallest a zCDP output states (0 without ρ).
    public var rhoDelta: Double

    /// No loss at all (a plain k-anonymous output, or nothing released).
    public static let zero = PrivacyCost(epsilon: 0, delta: 0, rho: 0, rhoDelta: 0)

    public init(epsilon: Double, delta: Double, rho: Double, rhoDelta: Double) {
        self.epsilon = epsilon
        self.delta = delta
        self.rho = rho
        self.rhoDelta = rhoDelta
    }

    /// Sequential composition of two losses.
    public static func + (a: PrivacyCost, b: PrivacyCost) -> PrivacyCost {
        let rhoDelta = [a.rhoDelta, b.rhoDelta].filter { $0 > 0 }.min() ?? 0
        return PrivacyCost(epsilon: a.epsilon + b.epsilon, delta: a.delta + b.delta, rho: a.rho + b.rho, rhoDelta: rhoDelta)
    }

    /// (ε, δ) of everything composed: ρ converted once, ρ + 2√(ρ·ln(1/δ_ρ)), and added.
    public var converted: (epsilon: Double, delta: Double) {
        guard rho > 0, rhoDelta > 0 else { return (epsilon, delta) }
        return (epsilon + rho + 2 * (rho * log(1 / rhoDelta)).squareRoot(), delta + rhoDelta)
    }

    /// What one release of `output` costs each person (or record) in it; zero for plain k-anonymous records.
    public init(output: OutputSpec) {
        switch output.kind {
        case let .microdata(spec):
            self = spec.privacy.map { PrivacyCost(epsilon: $0.epsilon, delta: $0.delta, rho: 0, rhoDelta: 0) } ?? .zero
        case let .aggregate(spec):
            switch spec.privacy {
            case let .epsilon(epsilon, delta): self = PrivacyCost(epsilon: epsilon, delta: delta ?? 0, rho: 0, rhoDelta: 0)
            case let .rho(rho, delta) where spec.hasPrivateKeys:
                // Partition selection spends δ/2 as approximate DP; ρ converts at the other δ/2.
                self = PrivacyCost(epsilon: 0, delta: delta / 2, rho: rho, rhoDelta: delta / 2)
            case let .rho(rho, delta): self = PrivacyCost(epsilon: 0, delta: 0, rho: rho, rhoDelta: delta)
            }
        }
    }

    /// What one release of `policy` costs each person (or record) in it: all its outputs composed.
    public init(policy: Policy) {
        self = policy.outputs.reduce(.zero) { $0 + PrivacyCost(output: $1) }
    }
}

extension Policy {
    /// The privacy loss of one release of this policy, every output composed (``PrivacyCost``).
    public var releaseCost: PrivacyCost { PrivacyCost(policy: self) }
}
